"""Exports of a plan (planner.export): each format read back by its own library, with the seed
plan's counts and hours intact; the same bytes on every call; errors that say what to give."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from icalendar import Calendar
from openpyxl import load_workbook

import planner
from planner.explainer import Binding, Explanation
from planner.export import FORMATS, SUFFIXES, export_plan
from planner.export.to_md import cell
from planner.export.to_xlsx import ZIP_TIME
from planner.io import InputError
from planner.plan import Plan
from planner.scenario import Scenario

SECRET_NAME = "Zebulon Quixotic-Namesake"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return planner.load_scenario()


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    result = planner.solve(scenario, seed=0, workers=1)
    assert result.plan is not None
    return result.plan


@pytest.fixture(scope="module")
def replanned(scenario: Scenario) -> Plan:
    result = planner.replan(scenario, "examples/records/gaza-late-first-stage.json")
    assert result.plan is not None and result.plan.record is not None
    return result.plan


def at(sc: Scenario, hour: int) -> datetime:
    assert sc.start_time is not None
    return sc.start_time + timedelta(hours=hour)


def transfers_of(plan: Plan) -> list[tuple[int, int, Any]]:
    return [(st.index, k, tr) for st in plan.stages for k, tr in enumerate(st.transfers, 1)]


def test_formats_and_suffixes() -> None:
    assert FORMATS == ("csv", "xlsx", "ics", "geojson", "md")
    assert set(SUFFIXES) == set(FORMATS) and all(s.startswith(".") for s in SUFFIXES.values())


# ---------------------------------------------------------------------------------- csv


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_csv_keeps_every_count_and_hour(plan: Plan, scenario: Scenario) -> None:
    rows = csv_rows(export_plan(plan, "csv", scenario))
    assert {r["row"] for r in rows} == {"stage", "transfer", "withdrawal"}
    for st in plan.stages:
        mine = [r for r in rows if r["row"] == "stage" and int(r["stage"]) == st.index]
        hostages = {r["cohort"]: int(r["count"]) for r in mine if r["side"] == "hostage"}
        prisoners = {r["cohort"]: int(r["count"]) for r in mine if r["side"] == "prisoner"}
        assert hostages == st.hostages and prisoners == st.prisoners
        for r in mine:
            assert r["site"] == st.site
            assert int(r["start_hour"]) == st.start_hour
            assert int(r["handover_complete_hour"]) == st.handover_complete_hour
            assert int(r["prisoner_release_hour"]) == st.prisoner_release_hour
            assert int(r["end_hour"]) == st.end_hour
            assert datetime.fromisoformat(r["start_time"]) == at(scenario, st.start_hour)
            assert datetime.fromisoformat(r["handover_complete_time"]) == at(
                scenario, st.handover_complete_hour
            )
    tr_rows = [r for r in rows if r["row"] == "transfer"]
    assert len(tr_rows) == sum(len(tr.prisoners) for _, _, tr in transfers_of(plan))
    for index, k, tr in transfers_of(plan):
        mine = [r for r in tr_rows if (int(r["stage"]), int(r["transfer"])) == (index, k)]
        assert {r["cohort"]: int(r["count"]) for r in mine} == tr.prisoners
        for r in mine:
            assert (r["prison"], r["destination"]) == (tr.prison, tr.destination)
            assert r["path"].split(" > ") == tr.path
            assert int(r["end_hour"]) == tr.arrival_hour
            assert int(r["start_hour"]) == tr.arrival_hour - tr.travel_hours
            assert int(r["buses"]) == tr.buses
            assert datetime.fromisoformat(r["end_time"]) == at(scenario, tr.arrival_hour)
    moves = [r for r in rows if r["row"] == "withdrawal"]
    assert [(r["line"], int(r["start_hour"]), int(r["end_hour"])) for r in moves] == [
        (w.line, w.start_hour, w.complete_hour) for w in plan.withdrawals
    ]


def test_csv_ids_by_cohort_with_and_without_the_scenario(plan: Plan, scenario: Scenario) -> None:
    for sc in (scenario, None):
        rows = csv_rows(export_plan(plan, "csv", sc))
        life = next(r for r in rows if r["row"] == "stage" and r["cohort"] == "life-sentence")
        assert life["ids"].split("; ") == [
            "life-named-01",
            "life-named-02",
            "life-sentence-1…life-sentence-248",
        ]
    rows = csv_rows(export_plan(plan, "csv"))
    assert all(r["start_time"] == "" for r in rows)  # no clock without the scenario


# ---------------------------------------------------------------------------------- xlsx


def sheet_dicts(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h).split(" (")[0] for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_xlsx_sheets_numbers_and_times(plan: Plan, scenario: Scenario) -> None:
    wb = load_workbook(io.BytesIO(export_plan(plan, "xlsx", scenario)))
    assert wb.sheetnames[:4] == ["stages", "transfers", "withdrawals", "rules"]
    for name in ("stages", "transfers", "withdrawals", "rules"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    stages = sheet_dicts(wb["stages"])
    for st in plan.stages:
        mine = [r for r in stages if r["stage"] == st.index]
        got = Counter({(r["side"], r["cohort"]): r["count"] for r in mine})
        want = Counter({("hostage", c): n for c, n in st.hostages.items()})
        want.update({("prisoner", c): n for c, n in st.prisoners.items()})
        assert got == want
        for r in mine:
            assert type(r["start_hour"]) is int and r["start_hour"] == st.start_hour
            assert r["handover_complete_hour"] == st.handover_complete_hour
            assert isinstance(r["start_time"], datetime)
            assert r["start_time"] == at(scenario, st.start_hour).replace(tzinfo=None)
    transfers = sheet_dicts(wb["transfers"])
    assert [(r["stage"], r["prison"], r["destination"], r["count"], r["end_hour"])
            for r in transfers] == [
        (i, tr.prison, tr.destination, n, tr.arrival_hour)
        for i, _, tr in transfers_of(plan)
        for n in tr.prisoners.values()
    ]  # fmt: skip
    moves = sheet_dicts(wb["withdrawals"])
    assert [(r["line"], r["start_hour"], r["end_hour"]) for r in moves] == [
        (w.line, w.start_hour, w.complete_hour) for w in plan.withdrawals
    ]
    rules = sheet_dicts(wb["rules"])
    assert [r["id"] for r in rules] == [r.id for r in scenario.rules]
    assert {r["status"] for r in rules} == {"held"}
    assert all(r["rule"] == scenario.rule(r["id"]).describe(scenario) for r in rules)


def late(plan: Plan, hours: int) -> Plan:
    """The plan with its first stage ``hours`` later (the living then come too late)."""
    data = plan.model_dump(mode="json")
    st = data["stages"][0]
    for key in ("start_hour", "handover_complete_hour", "prisoner_release_hour", "end_hour"):
        st[key] += hours
    for tr in st["transfers"]:
        tr["arrival_hour"] += hours
    return Plan.model_validate(data)


def test_xlsx_rules_broken_and_without_scenario(plan: Plan, scenario: Scenario) -> None:
    wb = load_workbook(io.BytesIO(export_plan(late(plan, 40), "xlsx", scenario)))
    rules = {r["id"]: r for r in sheet_dicts(wb["rules"])}
    assert rules["living-within-72h"]["status"] == "broken"
    assert "after the deadline" in rules["living-within-72h"]["violations"]
    assert rules["release-all-hostages"]["status"] == "held"
    bare = load_workbook(io.BytesIO(export_plan(plan, "xlsx")))
    only = sheet_dicts(bare["rules"])
    assert len(only) == 1 and "--scenario" in only[0]["rule"]
    assert "start_time" not in [c.value for c in bare["stages"][1]]


def test_xlsx_is_deterministic(plan: Plan, scenario: Scenario) -> None:
    data = export_plan(plan, "xlsx", scenario)
    assert data == export_plan(plan, "xlsx", scenario)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {ZIP_TIME}
    props = load_workbook(io.BytesIO(data)).properties
    assert scenario.start_time is not None
    t0 = scenario.start_time.astimezone(UTC).replace(tzinfo=None)
    assert props.created == props.modified == t0


# ---------------------------------------------------------------------------------- ics


def test_ics_events_at_the_plans_hours(plan: Plan, scenario: Scenario) -> None:
    data = export_plan(plan, "ics", scenario)
    cal = Calendar.from_ical(data)
    assert str(cal["PRODID"]) == "-//planner//exchange plan//EN"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    want: dict[str, tuple[int, int]] = {}
    for st in plan.stages:
        want[f"{plan.scenario}-handover-{st.index}@planner"] = (
            st.start_hour,
            st.handover_complete_hour,
        )
    for i, k, tr in transfers_of(plan):
        want[f"{plan.scenario}-transfer-{i}-{k}@planner"] = (
            tr.arrival_hour - tr.travel_hours,
            tr.arrival_hour,
        )
    for i, w in enumerate(plan.withdrawals, start=1):
        want[f"{plan.scenario}-withdrawal-{i}@planner"] = (w.start_hour, w.complete_hour)
    assert set(events) == set(want)
    for uid, (start, end) in want.items():
        ev = events[uid]
        assert ev.decoded("DTSTART") == at(scenario, start)
        ends = ev.decoded("DTEND") if "DTEND" in ev else ev.decoded("DTSTART")
        assert ends == at(scenario, end)
        assert ev.decoded("DTSTAMP") == scenario.start_time
    first = events[f"{plan.scenario}-handover-1@planner"]
    st = plan.stages[0]
    assert f"{sum(st.hostages.values())} hostages" in str(first["SUMMARY"])
    assert st.site in str(first["SUMMARY"])
    assert all(f"{c} {n}" in str(first["DESCRIPTION"]) for c, n in st.hostages.items())
    assert data == export_plan(plan, "ics", scenario)


def test_ics_needs_start_time(plan: Plan, scenario: Scenario) -> None:
    clockless = scenario.model_copy(update={"start_time": None})
    with pytest.raises(InputError, match="start_time") as err:
        export_plan(plan, "ics", clockless)
    assert err.value.problems[0][0] == "$.start_time"
    with pytest.raises(InputError, match="give --scenario"):
        export_plan(plan, "ics")


# ---------------------------------------------------------------------------------- geojson


def test_geojson_places_routes_and_stages(plan: Plan, scenario: Scenario) -> None:
    data = export_plan(plan, "geojson", scenario)
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    points = {f["id"]: f for f in doc["features"] if f["geometry"]["type"] == "Point"}
    placed = [p for p in scenario.places if p.lat is not None]
    assert set(points) == {p.id for p in placed}
    for p in placed:
        assert points[p.id]["geometry"]["coordinates"] == [p.lon, p.lat]
        assert points[p.id]["properties"]["kind"] == p.kind
    missing = [p.id for p in scenario.places if p.lat is None]
    assert missing and doc["properties"]["places_without_coordinates"] == missing
    for st in plan.stages:
        assert st.site is not None
        (entry,) = [s for s in points[st.site]["properties"]["stages"] if s["stage"] == st.index]
        assert entry["start_hour"] == st.start_hour
        assert entry["hostages"] == st.hostages and entry["prisoners"] == st.prisoners
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    where = {p.id: [p.lon, p.lat] for p in placed}
    drawn = [r for r in scenario.routes if all(e in where for e in r.between)]
    assert len(lines) == len(drawn)
    for f, r in zip(lines, drawn, strict=True):
        assert f["geometry"]["coordinates"] == [where[r.between[0]], where[r.between[1]]]
        assert f["properties"]["hours"] == r.hours
    assert data == export_plan(plan, "geojson", scenario)


def test_geojson_needs_the_scenario(plan: Plan) -> None:
    with pytest.raises(InputError, match="--scenario") as err:
        export_plan(plan, "geojson")
    assert err.value.problems[0][0] == "$"


# ---------------------------------------------------------------------------------- md


def test_md_has_every_stage_and_what_binds(plan: Plan, scenario: Scenario) -> None:
    explanation = Explanation(
        scenario=plan.scenario,
        feasible=True,
        baseline={"living_released_hour": 42},
        binding=[
            Binding(
                rule="holders-preparation",
                change="hours 36 h -> 24 h | a day",
                gains={"living_released_hour": 12},
                basis="assumption",
                sentence="...",
            )
        ],
    )
    text = export_plan(plan, "md", scenario, explanation).decode("utf-8")
    for st in plan.stages:
        for cohort, n in {**st.hostages, **st.prisoners}.items():
            assert f"{cohort} {n}" in text
        assert f"h{st.start_hour} (" in text  # the clock beside the hour
    for r in scenario.rules:
        assert r.describe(scenario) in text
    assert "## What binds" in text and "hours 36 h -&gt; 24 h \\| a day" in text
    assert "| holders-preparation | assumption |" in text
    bare = export_plan(plan, "md").decode("utf-8")
    assert "--scenario" in bare and "## What binds" not in bare
    assert export_plan(plan, "md", scenario) == export_plan(plan, "md", scenario)


def test_md_cells_escape_pipes() -> None:
    assert cell("a|b") == "a\\|b"
    assert cell("line\nbreak") == "line break"


def test_md_and_csv_of_a_replanned_plan(replanned: Plan, scenario: Scenario) -> None:
    text = export_plan(replanned, "md", scenario).decode("utf-8")
    assert "## Execution record" in text and "deviation" in text
    rows = csv_rows(export_plan(replanned, "csv", scenario))
    assert {r["recorded"] for r in rows if r["row"] == "stage" and r["stage"] == "1"} == {"yes"}


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_scenario_other_than_the_plans_is_refused(plan: Plan, fmt: str) -> None:
    other = planner.load_scenario("jan-2025-phase1")
    with pytest.raises(InputError, match="gaza-2025-phase1") as err:
        export_plan(plan, fmt, other)
    assert err.value.problems[0][0] == "$.scenario"


def test_unknown_format_and_other_explanation(plan: Plan, scenario: Scenario) -> None:
    with pytest.raises(InputError, match="unknown export format"):
        export_plan(plan, "pdf", scenario)
    other = Explanation(scenario="nov-2023-truce", feasible=True)
    with pytest.raises(InputError, match="explanation"):
        export_plan(plan, "md", scenario, other)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_bytes_and_no_names(plan: Plan, scenario: Scenario, fmt: str) -> None:
    data = scenario.model_dump(mode="json")
    for cohort in data["prisoner_cohorts"]:
        for m in cohort["members"]:
            m["name"] = SECRET_NAME
    named = Scenario.model_validate(data)
    out = export_plan(plan, fmt, named)
    assert out == export_plan(plan, fmt, named)
    text = out.decode("utf-8") if fmt != "xlsx" else _xlsx_text(out)
    text = text.replace("\r\n ", "")  # iCalendar folds long lines
    assert SECRET_NAME not in text
    assert ("life-named-01" in text) == (fmt != "geojson")  # geojson: counts, no ids


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist())


# ---------------------------------------------------------------------------------- Plan


def test_to_frame_sums_to_the_plans_totals(plan: Plan) -> None:
    frame = plan.to_frame()
    by_side = frame.groupby("side")["count"].sum()
    assert by_side["hostage"] == plan.metrics.hostages_released == 48
    assert by_side["prisoner"] == plan.metrics.prisoners_released
    for st in plan.stages:
        mine = frame[frame["stage"] == st.index]
        assert set(mine["start_hour"]) == {st.start_hour}
        got = dict(zip(mine["cohort"], mine["count"], strict=True))
        assert got == {**st.hostages, **st.prisoners}
    assert str(frame["start_hour"].dtype) == "int64"


def test_repr_html_escapes(plan: Plan) -> None:
    html = plan._repr_html_()
    assert html.startswith("<table>") and "deir-al-balah" in html and "<script" not in html
    odd = plan.model_copy(update={"scenario": "<script>alert('x')</script>"})
    html = odd._repr_html_()
    assert "<script" not in html and "&lt;script&gt;" in html


def test_importing_the_plan_stays_light() -> None:
    code = (
        "import sys, planner.plan\n"
        "print(sorted(m for m in sys.modules if m == 'pandas' or m.startswith('planner.export')"
        " or m in ('openpyxl', 'icalendar')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------- untrusted text

CONTROL = "\x1b[31m\x00\x07\x7f\x85"  # ESC, NUL, BEL, DEL, a C1 (NEL)
CONTROL_ESCAPED = "\\u001b[31m\\u0000\\u0007\\u007f\\u0085"


def with_site(plan: Plan, site: str, **update: Any) -> Plan:
    """The plan with its first stage handed over at ``site`` (and ``update`` of the plan)."""
    stages = [plan.stages[0].model_copy(update={"site": site}), *plan.stages[1:]]
    return plan.model_copy(update={"stages": stages, **update})


def raw_controls(text: str, allowed: str = "") -> list[str]:
    return [c for c in text if (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F) and c not in allowed]


def test_clean_text_escapes_control_characters() -> None:
    from planner.export.common import clean_text, sheet_text

    assert clean_text("a" + CONTROL + "b") == "a" + CONTROL_ESCAPED + "b"
    assert clean_text("tab\there\r\nand\rthere", "\t\n") == "tab\there\nand\nthere"
    assert clean_text("tab\t") == "tab\\u0009"
    assert clean_text("plain, ünïcode …") == "plain, ünïcode …"
    assert sheet_text("=1+2") == "'=1+2" and sheet_text("ok=1") == "ok=1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_never_reach_a_file(plan: Plan, scenario: Scenario, fmt: str) -> None:
    data = scenario.model_dump(mode="json")
    data["title"] = "Title" + CONTROL
    for place in data["places"]:
        place["description"] = "place" + CONTROL
    dirty = Scenario.model_validate(data)
    odd = with_site(plan, "site" + CONTROL, lines_not_reached=["line" + CONTROL])
    out = export_plan(odd, fmt, dirty)  # openpyxl raised IllegalCharacterError
    text = _xlsx_text(out) if fmt == "xlsx" else out.decode("utf-8")
    assert raw_controls(text, "\r\n\t") == []
    text = text.replace("\r\n ", "")  # iCalendar folds long lines
    if fmt == "xlsx":
        stages = sheet_dicts(load_workbook(io.BytesIO(out))["stages"])
        assert stages[0]["site"] == "site" + CONTROL_ESCAPED
    elif fmt == "geojson":
        described = [f["properties"]["description"] for f in json.loads(out)["features"]]
        assert "place" + CONTROL_ESCAPED in described
    else:
        doubled = fmt in ("md", "ics")  # both escape a backslash with one
        assert "site" + CONTROL_ESCAPED.replace("\\", "\\\\" if doubled else "\\") in text


# ---------------------------------------------------------------------------------- clock range


def test_clock_times_past_the_calendar_are_refused(plan: Plan, scenario: Scenario) -> None:
    tz = scenario.start_time.tzinfo if scenario.start_time is not None else None
    late_start = scenario.model_copy(update={"start_time": datetime(9000, 1, 1, tzinfo=tz)})
    far = late(plan, 9_000_000)  # about 1,027 years: past 9999
    for fmt in FORMATS:
        with pytest.raises(InputError, match="clock time out of range") as err:
            export_plan(far, fmt, late_start, source="far.json")  # was OverflowError
        path, message = err.value.problems[0]
        assert path == "$.stages[0].start_hour" and f"+ {far.stages[0].start_hour} h" in message
        assert err.value.source == "far.json"
    assert export_plan(far, "csv")  # hours only: no clock, nothing out of range


def test_a_clock_time_past_the_calendar_in_utc_is_refused(plan: Plan, scenario: Scenario) -> None:
    """The local time fits, its UTC time (the ics times, the xlsx stamp) does not."""
    from planner.export.common import plan_hours

    minus5 = timezone(timedelta(hours=-5))
    last = max(h for _, h in plan_hours(plan) if h is not None)
    start = datetime(9999, 12, 31, 23, tzinfo=minus5) - timedelta(hours=last)
    edge = scenario.model_copy(update={"start_time": start})
    for fmt in FORMATS:
        with pytest.raises(InputError, match="clock time out of range"):
            export_plan(plan, fmt, edge)  # ics: OverflowError in astimezone
    naive = scenario.model_copy(update={"start_time": start.replace(tzinfo=None)})
    assert Calendar.from_ical(export_plan(plan, "ics", naive))  # floating times fit


def test_the_report_axis_refuses_clock_times_past_the_calendar() -> None:
    from planner.report.axis import TimeAxis, time_axis

    start = datetime(9999, 12, 1, tzinfo=UTC)
    with pytest.raises(InputError, match="clock time out of range") as err:
        time_axis(0, 9_000_000, 0, 600, start)  # was OverflowError in planner report
    assert err.value.problems[0][0] == "$.start_time" and "9000000 h" in err.value.problems[0][1]
    assert time_axis(0, 500, 0, 600, start).ticks  # 21 days fit
    assert TimeAxis(0, 10, 0, 600, start).clock(9_000_000) == "h9e+06"  # no date, no crash


# ---------------------------------------------------------------------------------- formulas


def test_spreadsheet_cells_never_start_a_formula(plan: Plan, scenario: Scenario) -> None:
    odd = with_site(late(plan, -1000), '=HYPERLINK("http://x","y")')
    odd = odd.model_copy(
        update={"withdrawals": [odd.withdrawals[0].model_copy(update={"line": "@SUM(A1)"})]}
    )
    wb = load_workbook(io.BytesIO(export_plan(odd, "xlsx", scenario)))
    ws = wb["stages"]
    header = [c.value for c in ws[1]]
    first = ws[2]
    site = first[header.index("site")]
    assert site.value == '\'=HYPERLINK("http://x","y")' and site.data_type == "s"
    hour = first[header.index("start_hour")]
    assert hour.value == odd.stages[0].start_hour < 0 and hour.data_type == "n"
    line = wb["withdrawals"]["B2"]
    assert line.value == "'@SUM(A1)" and line.data_type == "s"
    text_cells = [c for row in wb["stages"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in text_cells)
    rows = csv_rows(export_plan(odd, "csv", scenario))
    assert rows[0]["site"] == '\'=HYPERLINK("http://x","y")'
    assert rows[0]["start_hour"] == str(odd.stages[0].start_hour)  # a number, not quoted
    assert next(r for r in rows if r["row"] == "withdrawal")["line"] == "'@SUM(A1)"
    for cell_text in ("+1", "-1", "\tx", "\rx"):
        weird = with_site(plan, cell_text)
        got = csv_rows(export_plan(weird, "csv"))[0]["site"]
        assert got.startswith("'"), cell_text


# ---------------------------------------------------------------------------------- replan rules


def test_structural_deviations_are_rules_rows(replanned: Plan, scenario: Scenario) -> None:
    from planner.verifier import verify

    deviations = {v.rule for v in verify(scenario, replanned).deviations}
    assert any(r.startswith("plan/") for r in deviations)  # plan/people: the record's count
    wb = load_workbook(io.BytesIO(export_plan(replanned, "xlsx", scenario)))
    rules = sheet_dicts(wb["rules"])
    assert {r["id"] for r in rules if r["status"] == "deviation"} == deviations
    assert [r["id"] for r in rules][: len(scenario.rules)] == [r.id for r in scenario.rules]
    text = export_plan(replanned, "md", scenario).decode("utf-8")
    assert f"departs from the scenario {len(deviations)} time(s)" in text
    assert f"all {len(scenario.rules)} rules held" in text


# ---------------------------------------------------------------------------------- md injection


def test_md_text_cannot_start_a_block_or_carry_html() -> None:
    from planner.export.to_md import md_text

    assert md_text("a\nb\r\nc") == "a b c"
    assert md_text("# h") == "\\# h" and md_text("  - x") == "  \\- x"
    assert md_text("12. x") == "12\\. x" and md_text("+ y") == "\\+ y"
    assert md_text("> q") == "&gt; q" and md_text("a & <b>") == "a &amp; &lt;b&gt;"
    assert md_text("| t") == "\\| t" and cell("| t |") == "\\| t \\|"
    assert cell(-3) == "-3"  # numbers as they are


def test_md_inputs_cannot_inject_markdown(plan: Plan, scenario: Scenario) -> None:
    evil = scenario.model_copy(update={"title": "Evil\n# Heading <script>alert(1)</script>"})
    hostages = {"# cohort\n## two": 1, **plan.stages[0].hostages}
    stages = [plan.stages[0].model_copy(update={"hostages": hostages}), *plan.stages[1:]]
    odd = with_site(plan, "<img src=x onerror=alert(1)>").model_copy(
        update={"lines_not_reached": ["x\n# not a heading", "1. y"]}
    )
    odd = odd.model_copy(update={"stages": [stages[0].model_copy(
        update={"site": "<img src=x onerror=alert(1)>"}), *stages[1:]]})  # fmt: skip
    text = export_plan(odd, "md", evil).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# Exchange plan: Evil # Heading &lt;script&gt;alert(1)&lt;/script&gt;"
    assert [ln for ln in lines if ln.startswith("#") and not ln.startswith(("## ", "### "))] == [
        lines[0]
    ]
    assert not any(ln.startswith(("## Heading", "## two", "# not", "1.")) for ln in lines)
    assert "<script" not in text and "<img" not in text and "&lt;img src=x" in text
    assert "x # not a heading, 1\\. y" in text
