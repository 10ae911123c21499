"""planner report: a self-contained, escaped, repeatable HTML page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from planner.cli import main
from planner.io import load_plan, load_scenario
from planner.report.html import plan_html


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "plan.json"
    assert main(["solve", "-n", "2", "-o", str(path)]) == 0
    return path


def test_report_with_scenario(
    plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(plan_path), "-o", str(out), "--scenario", "gaza-2025-phase1"]) == 0
    page = out.read_text()
    parsed = Collect()
    parsed.feed(page)
    text = " ".join(parsed.text)
    assert "script" not in parsed.tags and "svg" in parsed.tags
    assert "Verified: all 19 rules hold." in text
    assert "11 Oct" in text  # clock times from the scenario's start_time
    assert "khan-younis" in text and "Alternative 2" in text
    assert "yellow-line-before-handover" in text  # the rules, by id
    again = tmp_path / "again.html"
    assert main(["report", str(plan_path), "-o", str(again), "--scenario", "gaza-2025-phase1"]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_report_flags_a_broken_plan_and_escapes(plan_path: Path) -> None:
    plan = load_plan(plan_path)
    stages = list(plan.stages)
    stages[0] = stages[0].model_copy(update={"start_hour": 1, "line_in_force": "<b>x</b>"})
    broken = plan.model_copy(update={"stages": stages})
    page = plan_html(broken, load_scenario())
    assert "The verifier rejects this plan" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_report_without_scenario_and_mismatch(
    plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(plan_path), "-o", str(out)]) == 0
    assert "not verified here" in out.read_text()
    assert (
        main(
            [
                "report",
                str(plan_path),
                "-o",
                str(tmp_path / "x.html"),
                "--scenario",
                "nov-2023-truce",
            ]
        )
        == 2
    )
    assert "$.scenario" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
