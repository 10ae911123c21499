"""Re-planning from an execution record: the record frozen, the rest planned, deviations named.

Every claim a re-plan makes is tested the way a user would test it: the recorded stages are in
the plan unchanged, nothing planned happens before ``now_hour``, the independent verifier
accepts the rest, and a rule said to be given up cannot be kept (re-solving with it kept finds
no plan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from planner import load_scenario, replan, solve, verify
from planner.cli import main
from planner.plan import Plan
from planner.record import ExecutionRecord, effective_scenario
from planner.solver.conflict import core_status

SEED = "gaza-2025-phase1"


@pytest.fixture(scope="module")
def seed_plan() -> Plan:
    result = solve(load_scenario(SEED))
    assert result.plan is not None
    return result.plan


def recorded_stage(plan: Plan, k: int, *, late: int = 0, site: str | None = None) -> dict:
    """Stage k of a plan as a record would say it happened: ``late`` hours later, at
    ``site``."""
    st = plan.stages[k]
    out: dict[str, Any] = {
        "start_hour": st.start_hour + late,
        "site": site or st.site,
        "hostages": dict(st.hostages),
        "origins": {c: dict(areas) for c, areas in st.hostage_origins.items()},
        "prisoners": dict(st.prisoners),
        "prisoner_ids": list(st.prisoner_ids),
        "transfers": [
            {
                "destination": t.destination,
                "prisoners": dict(t.prisoners),
                "prisoner_ids": list(t.prisoner_ids),
            }
            for t in st.transfers
        ],
    }
    if site is None or site == st.site:
        out["handover_complete_hour"] = st.handover_complete_hour + late
    if st.prisoner_release_hour is not None:
        out["prisoner_release_hour"] = st.prisoner_release_hour + late + 2  # a 2 h lag
    return out


def add_detainees(stage: dict, n: int) -> None:
    stage["prisoners"]["gaza-detainees"] += n
    gaza = next(t for t in stage["transfers"] if "gaza-detainees" in t["prisoners"])
    gaza["prisoners"]["gaza-detainees"] += n


def late_record(plan: Plan) -> dict:
    """Must show 1: the first stage 40 h late at another site, with 18 more detainees."""
    first = plan.stages[0]
    other = next(s for s in ("deir-al-balah", "khan-younis", "gaza-city") if s != first.site)
    stage = recorded_stage(plan, 0, late=40, site=other)
    add_detainees(stage, 18)
    release = stage["prisoner_release_hour"]
    return {
        "schema_version": 1,
        "scenario": SEED,
        "now_hour": release + 1,
        "withdrawals": [
            {"line": w.line, "start_hour": w.start_hour, "complete_hour": w.complete_hour}
            for w in plan.withdrawals
            if w.complete_hour <= first.start_hour
        ],
        "stages": [stage],
    }


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


def test_the_seed_replanned_from_a_late_first_stage(
    tmp_path: Path, seed_plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    """Must show 1, through the command line."""
    data = late_record(seed_plan)
    rec = write(tmp_path, "record.json", data)
    out = tmp_path / "plan.json"
    code = main(["replan", SEED, "--record", str(rec), "-o", str(out)])
    text, err = capsys.readouterr()
    assert code == 0, err
    plan = Plan.model_validate_json(out.read_text())
    assert plan.record is not None and plan.record.stages == 1
    # the recorded stage is in the plan unchanged
    st, rs = plan.stages[0], data["stages"][0]
    assert (st.start_hour, st.site) == (rs["start_hour"], rs["site"])
    assert st.hostages == rs["hostages"] and st.prisoners == rs["prisoners"]
    assert st.prisoner_release_hour == rs["prisoner_release_hour"]
    # the deviations are named: the count, and the deadline the late stage broke
    named = {d.rule for d in plan.record.deviations}
    assert "plan/people" in named
    count = next(d for d in plan.record.deviations if d.rule == "plan/people")
    assert "1718 of cohort gaza-detainees" in count.message and "18 more" in count.message
    assert "living-within-72h" in named
    deadline = next(d for d in plan.record.deviations if d.rule == "living-within-72h")
    assert deadline.basis == "term" and deadline.stage == 1
    assert "Deviations of the record" in text and "broken agreed terms" in text
    # every remaining hostage is planned after now_hour
    sc = load_scenario(SEED)
    for c in sc.hostage_cohorts:
        released = sum(s.hostages.get(c.id, 0) for s in plan.stages)
        assert released == c.count, c.id
    for later in plan.stages[1:]:
        assert later.start_hour >= data["now_hour"]
    # the plan is verified (independently), also against the record
    report = verify(sc, plan, ExecutionRecord.model_validate(data))
    assert report.ok, report.lines()
    assert main(["check", SEED, str(out), "--record", str(rec)]) == 0
    capsys.readouterr()


def test_a_rule_given_up_cannot_be_kept(seed_plan: Plan) -> None:
    """When the rest cannot keep a rule (the living deadline is past and living hostages are
    still held), it is given up, and re-solving with it kept finds no plan."""
    sc = load_scenario(SEED)
    first = seed_plan.stages[0]
    stage = recorded_stage(seed_plan, 0, late=0)
    living = stage["hostages"].get("living", 0)
    assert living >= 2
    stage["hostages"]["living"] = living - 1  # one living hostage not handed over
    area = next(a for a, n in stage["origins"]["living"].items() if n)
    stage["origins"]["living"][area] -= 1
    data = {"now_hour": 80, "stages": [stage], "withdrawals": []}
    data["withdrawals"] = [
        {"line": w.line, "start_hour": w.start_hour, "complete_hour": w.complete_hour}
        for w in seed_plan.withdrawals
        if w.complete_hour <= first.start_hour
    ]
    result = replan(sc, data)
    assert result.plan is not None and result.plan.record is not None
    part = result.plan.record
    assert "living-within-72h" in part.given_up and part.given_up_proved
    assert result.verification is not None and result.verification.ok
    rec = ExecutionRecord.model_validate(data)
    eff = effective_scenario(sc, rec)
    for rid in part.given_up:
        others = [r for r in part.given_up if r != rid]
        kept = eff.without(others)
        code, _ = core_status(kept, [r.id for r in kept.rules], 0, 30.0, rec)
        assert code == cp_model.INFEASIBLE, rid
    # the last living hostage is still planned, after now
    later = [s for s in result.plan.stages[1:] if s.hostages.get("living")]
    assert later and all(s.start_hour >= 80 for s in later)


def test_a_record_that_keeps_to_the_plan_changes_nothing(seed_plan: Plan) -> None:
    """Record the first stage exactly as planned: the re-plan (with --previous) keeps the
    rest as it was, and says no stage changed."""
    sc = load_scenario(SEED)
    stage = recorded_stage(seed_plan, 0)
    stage["prisoner_release_hour"] = seed_plan.stages[0].prisoner_release_hour
    data = {
        "now_hour": stage["prisoner_release_hour"],
        "withdrawals": [
            {"line": w.line, "start_hour": w.start_hour, "complete_hour": w.complete_hour}
            for w in seed_plan.withdrawals
            if w.complete_hour <= stage["prisoner_release_hour"]
        ],
        "stages": [stage],
    }
    result = replan(sc, data, previous=seed_plan)
    plan = result.plan
    assert plan is not None and plan.record is not None
    assert plan.record.deviations == [] and plan.record.given_up == []
    assert plan.record.changed_stages == 0

    def shape(st: Any) -> tuple:
        return (st.start_hour, st.site, st.hostages, st.prisoners)

    assert [shape(s) for s in plan.stages] == [shape(s) for s in seed_plan.stages]
    assert plan.metrics.completion_hour == seed_plan.metrics.completion_hour


def test_the_packaged_example_record(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / "examples/records/gaza-late-first-stage.json"
    out = tmp_path / "plan.json"
    assert main(["replan", SEED, "--record", str(example), "-o", str(out)]) == 0
    plan = Plan.model_validate_json(out.read_text())
    assert plan.record is not None and plan.record.stages == 1
    assert main(["check", SEED, str(out), "--record", str(example)]) == 0


def test_the_report_of_a_replanned_plan_shows_the_record(tmp_path: Path, seed_plan: Plan) -> None:
    rec = write(tmp_path, "record.json", late_record(seed_plan))
    plan, page = tmp_path / "plan.json", tmp_path / "report.html"
    assert main(["replan", SEED, "--record", str(rec), "-o", str(plan)]) == 0
    assert main(["report", str(plan), "-o", str(page), "--scenario", SEED]) == 0
    html = page.read_text()
    assert "Execution record" in html and "1 (recorded)" in html
    assert "living-within-72h" in html and "18 more" in html
    assert "hold for the planned rest" in html


def test_a_previous_plan_of_another_scenario_is_refused(
    tmp_path: Path, seed_plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = write(tmp_path, "record.json", late_record(seed_plan))
    other = tmp_path / "other.json"
    minimal = Path(__file__).resolve().parent.parent / "examples" / "minimal.json"
    assert main(["solve", str(minimal), "-o", str(other)]) == 0
    capsys.readouterr()
    code = main(["replan", SEED, "--record", str(rec), "--previous", str(other)])
    err = capsys.readouterr().err
    assert code == 2 and "expected 'gaza-2025-phase1' (the scenario given)" in err


def test_replan_is_repeatable(tmp_path: Path, seed_plan: Plan) -> None:
    rec = write(tmp_path, "record.json", late_record(seed_plan))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["replan", SEED, "--record", str(rec), "-o", str(a), "--json"]) == 0
    assert main(["replan", SEED, "--record", str(rec), "-o", str(b), "--json"]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_a_move_begun_before_the_cease_fire(seed_plan: Plan) -> None:
    """A withdrawal start before 0 is a fact a record can state; the line window's earliest
    start is the deviation, named with the line."""
    sc = load_scenario(SEED)
    data = {
        "now_hour": 10,
        "withdrawals": [{"line": "yellow-line", "start_hour": -6, "complete_hour": 8}],
    }
    result = replan(sc, data)
    plan = result.plan
    assert plan is not None and plan.record is not None
    assert result.verification is not None and result.verification.ok
    assert plan.withdrawals[0].start_hour == -6 and plan.withdrawals[0].complete_hour == 8
    window = [d for d in plan.record.deviations if d.rule == "yellow-line-within-24h"]
    assert window and window[0].line == "yellow-line"
    assert all(st.start_hour >= 10 for st in plan.stages)


def test_remains_that_proved_not_a_hostages(seed_plan: Plan) -> None:
    """A recorded handover of remains that proved not to be a hostage's: no hostage released,
    and the 15-per-deceased ratio owes nothing for it."""
    sc = load_scenario(SEED)
    line = seed_plan.withdrawals[0]
    start = seed_plan.stages[0].start_hour
    data = {
        "now_hour": start + 10,
        "withdrawals": [
            {"line": line.line, "start_hour": line.start_hour, "complete_hour": line.complete_hour}
        ],
        "stages": [{"start_hour": start, "site": "khan-younis", "other_remains": 1}],
    }
    result = replan(sc, data)
    plan = result.plan
    assert plan is not None and plan.record is not None
    assert plan.stages[0].other_remains == 1 and plan.stages[0].hostages == {}
    assert result.verification is not None and result.verification.ok
    assert not [d for d in plan.record.deviations if d.rule == "remains-15-per-deceased"]
    assert sum(sum(s.hostages.values()) for s in plan.stages) == 48


def test_a_rule_broken_in_the_record_still_binds_the_rest(seed_plan: Plan) -> None:
    """The buses rule broken by a recorded stage is a deviation of that stage; the planned
    stages still keep it."""
    sc = load_scenario(SEED)
    stage = recorded_stage(seed_plan, 0)
    add_detainees(stage, 18 + 45 * 5)  # six more buses than the record's stage had
    stage["prisoners"]["gaza-detainees"] -= 45 * 5
    gaza = next(t for t in stage["transfers"] if "gaza-detainees" in t["prisoners"])
    gaza["prisoners"]["gaza-detainees"] -= 45 * 5
    data = {"now_hour": stage["prisoner_release_hour"], "stages": [stage]}
    data["withdrawals"] = [
        {"line": w.line, "start_hour": w.start_hour, "complete_hour": w.complete_hour}
        for w in seed_plan.withdrawals
        if w.complete_hour <= stage["start_hour"]
    ]
    result = replan(sc, data)
    assert result.plan is not None and result.verification is not None
    assert result.verification.ok
    assert all(d.stage in (None, 1) for d in result.plan.record.deviations)


def named_release(hour: int) -> dict:
    """A recorded stage releasing one living hostage and the listed life-named-01 abroad."""
    return {
        "start_hour": hour,
        "site": "khan-younis",
        "hostages": {"living": 1},
        "origins": {"living": {"held-south": 1}},
        "prisoners": {"life-sentence": 1},
        "prisoner_ids": ["life-named-01"],
        "transfers": [
            {
                "destination": "egypt",
                "prisoners": {"life-sentence": 1},
                "prisoner_ids": ["life-named-01"],
            }
        ],
    }


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            {
                "now_hour": 10,
                "stages": [{"start_hour": 20, "site": "khan-younis", "hostages": {"living": 1}}],
            },
            "$.stages[0].start_hour",
            "at most now_hour 10",
        ),
        (
            {
                "now_hour": 50,
                "stages": [{"start_hour": 20, "site": "khan-younis", "hostages": {"alive": 1}}],
            },
            "$.stages[0].hostages.alive",
            "hostage cohort",
        ),
        (
            {"now_hour": 50, "withdrawals": [{"line": "line-40", "start_hour": 0}]},
            "$.withdrawals",
            "scenario's order",
        ),
        (
            {
                "now_hour": 50,
                "stages": [
                    {
                        "start_hour": 20,
                        "site": "khan-younis",
                        "hostages": {"living": 1},
                        "prisoners": {"life-sentence": 10},
                    }
                ],
            },
            "$.stages[0].transfers",
            "say where",
        ),
        (
            {"now_hour": 50, "stages": [named_release(20), named_release(30)]},
            "$.stages[1].prisoner_ids[0]",
            "already released in recorded stage 1",
        ),
        ({"now_hour": "50"}, "$.now_hour", "integer"),
        ({"now_hour": 50, "extra": 1}, "$.extra", ""),
    ],
)
def test_bad_records_are_refused_with_their_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, path: str, words: str
) -> None:
    rec = write(tmp_path, "record.json", {"schema_version": 1, **change})
    out = tmp_path / "plan.json"
    code = main(["replan", SEED, "--record", str(rec), "-o", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and path in err and words in err, err
    assert "Traceback" not in err and not out.exists()


def test_an_optional_remains_cohort_is_returned() -> None:
    """Must show 3: a remains cohort no rule requires, available from hour 120, is returned
    as far as its availability allows, not left out because leaving it out is cheaper."""
    from planner.io import default_scenario_path, read_json_file, scenario_from_data

    data = read_json_file(default_scenario_path())
    optional = ("deceased-later", "gaza-remains")  # the remains of 15 Gazans go with each
    changed = ("release-all-hostages", "release-all-prisoners", "line-40-after-exchange")
    for rule in data["rules"]:
        if rule["id"] in changed:
            rule["cohorts"] = [c for c in rule["cohorts"] if c not in optional]
    sc = scenario_from_data(data)
    assert sc.optional_cohorts() == list(optional)
    result = solve(sc)
    assert result.plan is not None and result.verification is not None
    assert result.verification.ok
    plan = result.plan
    assert plan.objective["unreleased"] == 0 and "deceased-later" not in plan.unreleased
    stages = [st for st in plan.stages if st.hostages.get("deceased-later")]
    assert sum(st.hostages["deceased-later"] for st in stages) == 12
    assert all(st.start_hour >= 120 for st in stages)
