"""planner report: a self-contained, escaped, repeatable HTML page, its charts' geometry, what
binds and the robustness study."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from planner.cli import main
from planner.explainer import Binding, Explanation
from planner.io import InputError, load_plan, load_scenario
from planner.plan import Plan
from planner.report import html as report_html
from planner.report.charts import timeline
from planner.report.cumulative import ratio_band, ratio_rules
from planner.report.html import plan_html
from planner.robustness import Robustness, RuleShare

ROOT = Path(__file__).resolve().parent.parent
LOGISTICS = ROOT / "examples" / "logistics.json"


class Collect(HTMLParser):
    """Tags, texts, and the elements inside each svg (tag, attributes, text) by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.svgs: dict[str, list[tuple[str, dict[str, str], list[str]]]] = {}
        self._svg: str | None = None
        self._open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = {k: v or "" for k, v in attrs}
        if tag == "svg":
            self._svg = a.get("id", f"svg-{len(self.svgs)}")
            self.svgs[self._svg] = []
        elif self._svg is not None:
            item: tuple[str, dict[str, str], list[str]] = (tag, a, [])
            self.svgs[self._svg].append(item)
            self._open.append(item)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = None
            self._open = []
        elif self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._open:
            self._open[-1][2].append(data)

    def elements(self, svg: str, tag: str, css: str | None = None) -> list[tuple[dict, str]]:
        return [
            (a, "".join(text))
            for t, a, text in self.svgs[svg]
            if t == tag and (css is None or css in a.get("class", "").split())
        ]


def parse(page: str) -> Collect:
    parsed = Collect()
    parsed.feed(page)
    return parsed


def assert_self_contained(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "url(" not in page and "@import" not in page


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "plan.json"
    assert main(["solve", "-n", "2", "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def seed_page(plan_path: Path) -> str:
    return plan_html(load_plan(plan_path), load_scenario())


def test_report_with_scenario(
    plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(plan_path), "-o", str(out), "--scenario", "gaza-2025-phase1"]) == 0
    page = out.read_text()
    parsed = parse(page)
    text = " ".join(parsed.text)
    assert "script" not in parsed.tags and "svg" in parsed.tags
    assert_self_contained(page)
    assert "Verified: all 19 rules hold." in text
    assert "11 Oct" in text  # clock times from the scenario's start_time
    assert "khan-younis" in text and "Alternative 2" in text
    assert "yellow-line-before-handover" in text  # the rules, by id
    for section in ("Summary", "Timeline", "Cumulative releases", "Stages", "Stage detail",
                    "People", "Prisoner transfers", "Alternatives", "Rules"):  # fmt: skip
        assert section in text, section
    again = tmp_path / "again.html"
    assert main(["report", str(plan_path), "-o", str(again), "--scenario", "gaza-2025-phase1"]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_report_flags_a_broken_plan_and_escapes(plan_path: Path) -> None:
    plan = load_plan(plan_path)
    stages = list(plan.stages)
    stages[0] = stages[0].model_copy(
        update={"start_hour": 1, "line_in_force": "<b>x</b>", "site": "<i>s</i>"}
    )
    broken = plan.model_copy(update={"stages": stages, "scenario": "<script>alert(1)</script>"})
    page = plan_html(broken, None)
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "&lt;i&gt;s&lt;/i&gt;" in page and "<i>s</i>" not in page  # in the charts too
    assert_self_contained(page)
    page = plan_html(broken.model_copy(update={"scenario": plan.scenario}), load_scenario())
    assert "The verifier rejects this plan" in page


def test_report_without_scenario_and_mismatch(
    plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(plan_path), "-o", str(out)]) == 0
    assert "not verified here" in out.read_text()
    assert_self_contained(out.read_text())
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


# ------------------------------------------------------------------------------- timeline


def test_the_date_axis_has_one_tick_per_day_spanned(plan_path: Path, seed_page: str) -> None:
    plan, sc = load_plan(plan_path), load_scenario()
    assert sc.start_time is not None
    axis = timeline(plan, sc).axis
    first = (sc.start_time + timedelta(hours=axis.first)).date()
    last = (sc.start_time + timedelta(hours=axis.last)).date()
    days = (last - first).days  # the midnights after the first hour, up to the last
    ticks = parse(seed_page).elements("timeline-p1", "line", "day")
    assert len(ticks) == days == 17  # 10 Oct 12:00 to 27 Oct: the midnights of 11..27 Oct
    labels = [t for a, t in parse(seed_page).elements("timeline-p1", "text", "tick")]
    assert labels[0] == "11 Oct" and all(re.fullmatch(r"\d\d [A-Z][a-z]{2}", t) for t in labels)


def test_without_a_start_time_the_axis_is_in_hours(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    assert main(["solve", str(LOGISTICS), "-o", str(path)]) == 0
    page = plan_html(load_plan(path), load_scenario(str(LOGISTICS)))
    parsed = parse(page)
    assert parsed.elements("timeline-p1", "line", "day") == []
    labels = [t for _, t in parsed.elements("timeline-p1", "text", "tick")]
    assert labels and all(re.fullmatch(r"h\d+", t) for t in labels)
    assert "hours from t=0" in page


def test_one_bar_per_stage_with_its_counts(plan_path: Path, seed_page: str) -> None:
    plan = load_plan(plan_path)
    parsed = parse(seed_page)
    bars = parsed.elements("timeline-p1", "rect", "stage")
    assert len(bars) == len(plan.stages) == 2
    notes = [t for _, t in parsed.elements("timeline-p1", "text", "note")]
    for st, (attrs, _) in zip(plan.stages, bars, strict=True):
        h, p = sum(st.hostages.values()), sum(st.prisoners.values())
        assert f"h{st.start_hour}–{st.handover_complete_hour}: {h} hostages · {p:,} prisoners" in (
            notes
        )
        assert float(attrs["width"]) >= 12  # a 4-hour handover on a 400-hour axis still shows
        assert attrs["data-start"] == str(st.start_hour)
    releases = parsed.elements("timeline-p1", "path", "release")
    hours = [str(s.prisoner_release_hour) for s in plan.stages]
    assert [a["data-hour"] for a, _ in releases] == hours
    moves = parsed.elements("timeline-p1", "rect", "move")
    assert len(moves) == len(plan.withdrawals)


def test_the_rules_hours_are_labelled_lines(seed_page: str) -> None:
    marks = parse(seed_page).elements("timeline-p1", "g", "marker")
    by_hour = {(a["data-hour"], a["class"]): a["data-rules"].split() for a, _ in marks}
    assert by_hour[("72.0", "marker by")] == ["living-within-72h", "located-remains-within-72h"]
    assert by_hour[("24.0", "marker by")] == ["yellow-line-within-24h"]
    assert by_hour[("336.0", "marker from")] == ["remains-after-search"]
    assert "by h72: living-within-72h, located-remains-within-72h" in seed_page


# ---------------------------------------------------------------------------- cumulative


def test_the_band_is_what_the_ratio_allows(tmp_path: Path) -> None:
    """examples/logistics.json: 2 prisoners per civilian on running totals, never ahead, at
    most 6 behind. The band after each receipt is [2 * civilians - 6 (at least 0), 2 *
    civilians]; the page carries the same numbers."""
    path = tmp_path / "plan.json"
    assert main(["solve", str(LOGISTICS), "-o", str(path)]) == 0
    plan, sc = load_plan(path), load_scenario(str(LOGISTICS))
    (rule,) = ratio_rules(sc)
    assert (rule.max_prisoners_ahead, rule.max_prisoners_behind) == (0, 6)
    steps = ratio_band(rule, plan)
    civilians = 0
    expected = [(0, 0.0, 0.0)]
    for st in sorted(plan.stages, key=lambda s: s.handover_complete_hour):
        civilians += st.hostages.get("civilians", 0)
        expected.append((st.handover_complete_hour, max(0.0, 2 * civilians - 6), 2.0 * civilians))
    assert [(s.start_hour, s.low, s.high) for s in steps] == expected
    page = plan_html(plan, sc)
    descs = parse(page).elements("cumulative-p1", "desc")
    shown = [(int(a["data-start"]), float(a["data-low"]), float(a["data-high"])) for a, _ in descs]
    assert shown == expected
    assert "allowed: 2 per hostage of civilians (cumulative, behind ≤ 6, ahead ≤ 0)" in page


def test_the_cumulative_lines_end_at_the_totals(plan_path: Path, seed_page: str) -> None:
    plan = load_plan(plan_path)
    finals = [t for _, t in parse(seed_page).elements("cumulative-p1", "text", "final")]
    assert finals == [
        str(plan.metrics.hostages_released),
        f"{plan.metrics.prisoners_released:,}",
        "420",  # gaza-remains, the seed's one exchange ratio (15 per deceased hostage)
    ]
    titles = [t for _, t in parse(seed_page).elements("cumulative-p1", "text", "ylabel")]
    assert titles == ["hostages", "prisoners", "prisoners"]


# ----------------------------------------------------------------- explanation, robustness


def test_what_binds_rows_are_the_explanations(plan_path: Path) -> None:
    binding = [
        Binding(rule="holders-preparation", change="dropped", proved=True, basis="assumption",
                gains={"living_released_hour": 15, "completion_hour": 0}, sentence="s"),
        Binding(rule="living-within-72h", change="hours <72> -> 71", proved=False, basis="term",
                gains={"living_released_hour": 2}, sentence="s"),
    ]  # fmt: skip
    ex = Explanation(
        scenario="gaza-2025-phase1", feasible=True, binding=binding, baseline_proved=True,
        baseline={"living_released_hour": 42, "completion_hour": 339},
    )  # fmt: skip
    page = plan_html(load_plan(plan_path), load_scenario(), explanation=ex)
    assert "What binds" in page and "hours &lt;72&gt; -&gt; 71" in page
    table = page.split('<table class="binding">')[1].split("</table>")[0]
    rows = re.findall(r"<tr class=\"\w+\">(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows]
    assert [re.sub("<[^>]+>", "", c[0]) for c in cells] == [b.rule for b in binding]
    assert cells[0][3:] == ["+15", "+0"] and cells[1][3:] == ["≥+2", "not settled"]


def test_robustness_shares_and_hours_are_shown(plan_path: Path) -> None:
    st = Robustness(
        scenario="gaza-2025-phase1", samples=40, seed=3, engine="local, 1 process", numbers=[],
        held_as_planned=30, replanned=10,
        rules=[RuleShare(rule="living-within-72h", basis="term", holds=35, share=0.875,
                         low=0.739, high=0.945, broke_plan=5)],
        living_released_hour={"p5": 42, "p50": 50, "p95": 63, "max": 66},
        completion_hour={"p5": 229, "p50": 362, "p95": 558, "max": 573},
    )  # fmt: skip
    page = plan_html(load_plan(plan_path), load_scenario(), robustness=st)
    text = " ".join(parse(page).text)
    assert "40 sampled futures" in text and "30 held as planned" in text
    row = page.split("<code>living-within-72h</code></td><td>term</td>")[1].split("</tr>")[0]
    assert "88%" in row and "74%–94%" in row and 'width="105.0"' in row  # 0.875 of 120 px
    assert "h50 (12 Oct 14:00)" in text and "h558 (02 Nov 18:00)" in text


# ---------------------------------------------------------------------------- interactive


def test_interactive_needs_plotly(plan_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_html.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError) as err:
        plan_html(load_plan(plan_path), interactive=True)
    assert "pip install 'exchange-logistics-planner[interactive]'" in str(err.value.problems)


def test_interactive_embeds_plotly_inline(plan_path: Path) -> None:
    pytest.importorskip("plotly")
    plan = load_plan(plan_path)
    plan = plan.model_copy(update={"alternatives": []})
    page = plan_html(plan, load_scenario(), interactive=True)
    assert page == plan_html(plan, load_scenario(), interactive=True)
    assert 'id="plotly-timeline"' in page and 'id="plotly-cumulative"' in page
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js inline, no CDN
    assert page.count("<script") >= 2
    assert "<svg" in page  # the static charts stay, for print


def test_every_plan_text_is_escaped_in_the_charts(plan_path: Path) -> None:
    plan: Plan = load_plan(plan_path)
    bad = "<img src=x onerror=alert(1)>"
    ws = [w.model_copy(update={"line": bad}) for w in plan.withdrawals]
    page = plan_html(plan.model_copy(update={"withdrawals": ws}))
    assert bad not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_stage_detail_has_the_handover_and_each_transfer(plan_path: Path, seed_page: str) -> None:
    plan = load_plan(plan_path)
    parsed = parse(seed_page)
    for st in plan.stages:
        transfers = parsed.elements(f"detail-{st.index}", "rect", "transfer")
        assert len(transfers) == len(st.transfers)
        notes = [t for _, t in parsed.elements(f"detail-{st.index}", "text", "note")]
        for t in st.transfers:
            assert f"{sum(t.prisoners.values()):,} prisoners · {t.buses} bus" in " ".join(notes)
    assert "Stage 1 at deir-al-balah, Sun 12 Oct 2025: by the hour" in seed_page


def test_a_tampered_span_of_centuries_keeps_the_page_small(plan_path: Path) -> None:
    """Day ticks only up to 120 days; past that, round steps labelled with their dates."""
    from planner.plan import MAX_PLAN_HOURS

    plan = load_plan(plan_path)
    ws = [plan.withdrawals[0].model_copy(update={"start_hour": -MAX_PLAN_HOURS})]
    page = plan_html(plan.model_copy(update={"withdrawals": ws}), load_scenario())
    assert len(page) < 200_000
    ticks = parse(page).elements("timeline-p1", "line", "date")
    assert 2 <= len(ticks) <= 12
