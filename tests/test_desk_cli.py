"""The desk's commands on the command line: export (format from the suffix, stdout, errors)
and report with an explanation, a robustness study and the interactive charts."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from planner import load_scenario, solve
from planner.cli import main
from planner.export import FORMATS, SUFFIXES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = solve(load_scenario(), seed=0, workers=1)
    assert result.plan is not None
    path = tmp_path_factory.mktemp("desk") / "plan.json"
    path.write_text(result.plan.to_json())
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_takes_the_format_from_the_suffix(
    fmt: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"plan{SUFFIXES[fmt]}"
    code = main(["export", str(plan_file), "--scenario", "gaza-2025-phase1", "-o", str(out)])
    assert code == 0
    assert f"wrote {out}" in capsys.readouterr().err
    explicit = tmp_path / "explicit.out"
    args = ["export", str(plan_file), "-f", fmt, "--scenario", "gaza-2025-phase1"]
    assert main([*args, "-o", str(explicit)]) == 0
    assert explicit.read_bytes() == out.read_bytes()  # the same bytes either way


def test_export_to_stdout_is_the_file(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(plan_file), "--format", "csv"]) == 0
    text = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(text)))
    plan = json.loads(plan_file.read_text())
    stage_rows = [r for r in rows if r["row"] == "stage"]
    hostages = sum(int(r["count"]) for r in stage_rows if r["side"] == "hostage")
    assert hostages == sum(sum(s["hostages"].values()) for s in plan["stages"]) == 48


def test_export_errors_exit_2_and_write_nothing(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.ics"
    assert main(["export", str(plan_file), "-o", str(out)]) == 2  # ics without a scenario
    err = capsys.readouterr().err
    assert "start_time" in err and "Traceback" not in err and not out.exists()
    assert main(["export", str(plan_file), "-o", str(tmp_path / "plan.txt")]) == 2
    assert "expected one of csv, xlsx, ics, geojson, md" in capsys.readouterr().err
    assert main(["export", str(plan_file), "-f", "md", "--scenario", "jan-2025-phase1"]) == 2
    assert "$.scenario" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_export_xlsx_reads_back(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    assert main(["export", str(plan_file), "--scenario", "gaza-2025-phase1", "-o", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert {"stages", "transfers", "withdrawals", "rules"} <= set(book.sheetnames)
    rows = [[c.value for c in row] for row in book["rules"].iter_rows()]
    assert rows[0][:5] == ["id", "kind", "basis", "rule", "status"]
    statuses = {row[0]: row[4] for row in rows[1:]}
    scenario = load_scenario("gaza-2025-phase1")
    assert statuses == {r.id: "held" for r in scenario.rules}  # planner check: all hold


def test_report_with_explanation_and_robustness(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    explanation = tmp_path / "why.json"
    assert main(["explain", "--json", "--top", "3"]) == 0
    explanation.write_text(capsys.readouterr().out)
    study = tmp_path / "study.json"
    assert main(["robustness", "--samples", "4", "--jobs", "1", "--json"]) == 0
    study.write_text(capsys.readouterr().out)
    page = tmp_path / "r.html"
    args = ["report", str(plan_file), "-o", str(page), "--scenario", "gaza-2025-phase1"]
    assert main([*args, "--explain", str(explanation), "--robustness", str(study)]) == 0
    html = page.read_text()
    binding = json.loads(explanation.read_text())["binding"]
    assert 'id="what-binds"' in html and binding
    rows = re.findall(r'<table class="binding">.*?</table>', html, re.S)[0]
    assert [f"<code>{row['rule']}</code>" in rows for row in binding] == [True] * len(binding)
    shares = json.loads(study.read_text())["rules"]
    assert 'id="robustness"' in html and "4 sampled futures (seed 0" in html
    table = re.findall(r'<table class="shares">.*?</table>', html, re.S)[0]
    assert table.count("<tr") == len(shares) + 1
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//""", html)
    other = tmp_path / "other.json"
    other.write_text(explanation.read_text().replace("gaza-2025-phase1", "jan-2025-phase1"))
    assert main([*args[:-2], "--explain", str(other)]) == 2
    assert "$.scenario" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--explain", "--robustness", "--frontier"])
def test_report_refuses_a_study_of_another_scenario(
    option: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = {
        "--explain": ["explain", "minimal", "--json"],
        "--robustness": ["robustness", "minimal", "--samples", "2", "--jobs", "1", "--json"],
        "--frontier": ["frontier", "minimal", "--between", "living_released_hour,stage_count"],
    }
    argv = commands[option]
    argv = [argv[0], str(ROOT / "examples" / "minimal.json"), *argv[2:]]
    if option == "--frontier":
        argv.append("--json")
    assert main(argv) == 0
    study = tmp_path / "study.json"
    study.write_text(capsys.readouterr().out)
    page = tmp_path / "r.html"
    assert main(["report", str(plan_file), "-o", str(page), option, str(study)]) == 2
    err = capsys.readouterr().err
    assert "$.scenario" in err and "'gaza-2025-phase1' (the plan's), found 'minimal'" in err
    assert not page.exists()


def test_a_study_with_impossible_numbers_is_refused(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["robustness", "--samples", "2", "--jobs", "1", "--json"]) == 0
    study = json.loads(capsys.readouterr().out)
    expected = {"share": "$.rules[0].share: expected: Input should be less than or equal to 1",
                "holds": "more futures than the study sampled"}  # fmt: skip
    for edit in ({"share": 5.0}, {"holds": 999}):
        bad = json.loads(json.dumps(study))
        bad["rules"][0].update(edit)
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        page = tmp_path / "r.html"
        assert main(["report", str(plan_file), "-o", str(page), "--robustness", str(path)]) == 2
        assert expected[next(iter(edit))] in capsys.readouterr().err
        assert not page.exists()


def test_report_refuses_clock_times_past_the_calendar(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A transfer arriving far past the last stage (a tampered plan) with a late start_time:
    exit 2 naming the hour, never an OverflowError."""
    scenario = json.loads((ROOT / "seeds" / "gaza-2025-phase1" / "scenario.json").read_text())
    scenario["start_time"] = "9999-11-01T00:00:00+03:00"
    late = tmp_path / "late.json"
    late.write_text(json.dumps(scenario))
    plan = json.loads(plan_file.read_text())
    plan["stages"][0]["transfers"][0]["arrival_hour"] = 10_000_000
    far = tmp_path / "far.json"
    far.write_text(json.dumps(plan))
    page = tmp_path / "r.html"
    assert main(["report", str(far), "--scenario", str(late), "-o", str(page)]) == 2
    err = capsys.readouterr().err
    assert "$.stages[0].transfers[0].arrival_hour: clock time out of range" in err
    assert "Traceback" not in err and not page.exists()
