"""The independent verifier: every rule kind accepts a hand-written valid plan and rejects the
same plan broken by hand; structural checks catch malformed plans. No solver is run here."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest

from planner.io import scenario_from_data
from planner.plan import Plan
from planner.scenario import RULE_KINDS, Rule, Scenario
from planner.verifier import CHECKERS, VerifyReport, Violation, verify

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- fixtures in code

SCENARIO: dict[str, Any] = {
    "name": "tiny",
    "horizon_hours": 240,
    "max_stages": 4,
    "handover_hours": 2,
    "hostage_cohorts": [
        {
            "id": "h-living",
            "count": 3,
            "status": "living",
            "members": [{"id": "alice", "name": "Alice A."}],
        },
        {"id": "h-dead", "count": 2, "status": "deceased"},
    ],
    "prisoner_cohorts": [
        {"id": "p-life", "count": 6, "sentence": "life", "prison": "ofer"},
        {"id": "p-short", "count": 4, "sentence": "short", "prison": "ketziot"},
    ],
    "withdrawal_lines": [
        {"id": "yellow", "share_held_pct": 50, "move_hours": 10},
        {"id": "blue", "share_held_pct": 30, "move_hours": 12},
    ],
}

# Valid for SCENARIO with no rules. Two stages; one p-short prisoner stays unreleased.
# Ratio 2 per living hostage and 1.5 per dead one balances both stages exactly.
PLAN: dict[str, Any] = {
    "scenario": "tiny",
    "status": "optimal",
    "seed": 0,
    "objective": {},
    "withdrawals": [
        {"line": "yellow", "start_hour": 0, "complete_hour": 10},
        {"line": "blue", "start_hour": 60, "complete_hour": 72},
    ],
    "stages": [
        {
            "index": 1,
            "start_hour": 12,
            "handover_complete_hour": 14,
            "prisoner_release_hour": 16,
            "end_hour": 16,
            "line_in_force": "yellow",
            "hostages": {"h-living": 2},
            "hostage_ids": ["alice", "h-living-1"],
            "prisoners": {"p-life": 4},
            "prisoner_ids": ["p-life-1", "p-life-2", "p-life-3", "p-life-4"],
        },
        {
            "index": 2,
            "start_hour": 36,
            "handover_complete_hour": 38,
            "prisoner_release_hour": 40,
            "end_hour": 40,
            "line_in_force": "yellow",
            "hostages": {"h-living": 1, "h-dead": 2},
            "hostage_ids": ["h-living-2", "h-dead-1", "h-dead-2"],
            "prisoners": {"p-life": 2, "p-short": 3},
            "prisoner_ids": ["p-life-5", "p-life-6", "p-short-1", "p-short-2", "p-short-3"],
        },
    ],
    "unreleased": {"p-short": 1},
    "metrics": {
        "living_released_hour": 38,
        "completion_hour": 40,
        "stage_count": 2,
        "hostages_released": 5,
        "prisoners_released": 9,
    },
}

Edit = Callable[[dict[str, Any]], None]


def _scenario_from(base: dict[str, Any], rules: tuple[dict[str, Any], ...], **top: Any) -> Scenario:
    data = copy.deepcopy(base)
    data["rules"] = list(rules)
    data.update(top)
    return scenario_from_data(data, base["name"])


def _plan_from(base: dict[str, Any], edits: tuple[Edit, ...]) -> Plan:
    data = copy.deepcopy(base)
    for edit in edits:
        edit(data)
    return Plan.model_validate(data)


def scenario(*rules: dict[str, Any], **top: Any) -> Scenario:
    return _scenario_from(SCENARIO, rules, **top)


def plan(*edits: Edit) -> Plan:
    return _plan_from(PLAN, edits)


def found(report: VerifyReport) -> list[tuple[str, int | None]]:
    return [(v.rule, v.stage) for v in report.violations]


def one(report: VerifyReport) -> tuple[str, int | None]:
    assert len(report.violations) == 1, report.lines()
    return found(report)[0]


# ---- plan edits


def retime(k: int, start: int, release: int | None = None, **metrics: int) -> Edit:
    """Move stage k to ``start`` (prisoners at ``release``, default unchanged), fixing its
    derived hours; ``metrics`` overrides metric fields that change with it."""

    def edit(p: dict[str, Any]) -> None:
        st = p["stages"][k - 1]
        st["start_hour"] = start
        st["handover_complete_hour"] = start + 2
        if release is not None:
            st["prisoner_release_hour"] = release
        pr = st["prisoner_release_hour"]
        st["end_hour"] = max(start + 2, pr) if pr is not None else start + 2
        p["metrics"].update(metrics)

    return edit


def set_stage(k: int, **fields: Any) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        p["stages"][k - 1].update(fields)

    return edit


def set_line(line: str, start: int, complete: int) -> Edit:
    def edit(p: dict[str, Any]) -> None:
        for w in p["withdrawals"]:
            if w["line"] == line:
                w["start_hour"], w["complete_hour"] = start, complete

    return edit


def drop_person(k: int, cohort: str, pid: str) -> Edit:
    """Stage k no longer releases ``pid`` (of ``cohort``); totals follow."""

    def edit(p: dict[str, Any]) -> None:
        st = p["stages"][k - 1]
        side = "hostages" if cohort.startswith("h-") else "prisoners"
        st[side][cohort] -= 1
        if st[side][cohort] == 0:
            del st[side][cohort]
        st[side[:-1] + "_ids"].remove(pid)
        p["unreleased"][cohort] = p["unreleased"].get(cohort, 0) + 1
        p["metrics"][f"{side}_released"] -= 1

    return edit


def add_person(k: int, cohort: str, pid: str) -> Edit:
    """Stage k also releases ``pid`` (of ``cohort``); totals follow."""

    def edit(p: dict[str, Any]) -> None:
        st = p["stages"][k - 1]
        side = "hostages" if cohort.startswith("h-") else "prisoners"
        st[side][cohort] = st[side].get(cohort, 0) + 1
        st[side[:-1] + "_ids"].append(pid)
        p["unreleased"][cohort] -= 1
        if p["unreleased"][cohort] == 0:
            del p["unreleased"][cohort]
        p["metrics"][f"{side}_released"] += 1

    return edit


# --------------------------------------------------------------------------- basics


def test_base_plan_is_valid() -> None:
    report = verify(scenario(), plan())
    assert report.ok, report.lines()
    assert report.scenario == "tiny"
    assert report.lines() == []


def test_every_rule_kind_has_a_checker() -> None:
    # Rule is Annotated[Union[<one class per kind>], Field(discriminator="kind")]
    classes = set(get_args(get_args(Rule)[0]))
    assert set(CHECKERS) == classes
    kinds = {get_args(cls.model_fields["kind"].annotation)[0] for cls in CHECKERS}
    assert kinds == set(RULE_KINDS)


def test_report_lines_format() -> None:
    report = VerifyReport(
        scenario="tiny",
        violations=[
            Violation(rule="gap", stage=2, message="stage 2 starts 4 hours after stage 1"),
            Violation(rule="plan/metrics", stage=None, message="metrics.stage_count is 3"),
        ],
    )
    assert not report.ok
    assert report.lines() == [
        "rule gap: stage 2: stage 2 starts 4 hours after stage 1",
        "rule plan/metrics: metrics.stage_count is 3",
    ]


def test_violation_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError):
        Violation.model_validate({"rule": "x", "stage": None, "message": "m", "extra": 1})


def test_import_does_not_load_ortools() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import planner.verifier, sys; assert 'ortools' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)


# --------------------------------------------------------------------------- one case per kind

RATIO = {
    "id": "ratio",
    "kind": "exchange_ratio",
    "prisoners": ["p-life", "p-short"],
    "per_hostage": {"h-living": 2, "h-dead": 1.5},
}

# (rule, top-level scenario overrides, edits that break the plan, expected (rule id, stage))
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], list[Edit], tuple[str, int | None]]] = {
    "release": (
        {"id": "all-hostages", "kind": "release", "cohorts": ["h-living", "h-dead"]},
        {},
        [drop_person(2, "h-dead", "h-dead-2")],
        ("all-hostages", None),
    ),
    "release-min-count": (
        {"id": "some-short", "kind": "release", "cohorts": ["p-short"], "min_count": 3},
        {},
        [drop_person(2, "p-short", "p-short-3")],
        ("some-short", None),
    ),
    "exchange_ratio": (
        RATIO,
        {},
        [drop_person(2, "p-short", "p-short-3")],  # 4 given against 5 owed
        ("ratio", 2),
    ),
    "exchange_ratio-ahead": (
        {**RATIO, "max_prisoners_behind": 1},
        {},
        [add_person(2, "p-short", "p-short-4")],  # 6 given against 5 owed
        ("ratio", 2),
    ),
    "exchange_ratio-cumulative": (
        {**RATIO, "scope": "cumulative", "max_prisoners_behind": 1},
        {},
        # each stage runs 1 behind (allowed per stage), so the running total is 2 behind
        [
            drop_person(1, "p-life", "p-life-4"),
            drop_person(2, "p-short", "p-short-3"),
            set_stage(2, prisoner_ids=["p-life-4", "p-life-5", "p-short-1", "p-short-2"]),
        ],
        ("ratio", 2),
    ),
    "line_before_handover": (
        {"id": "yellow-first", "kind": "line_before_handover", "line": "yellow"},
        {},
        [retime(1, 8), set_stage(1, line_in_force="initial")],  # yellow completes at 10
        ("yellow-first", 1),
    ),
    "line_after_release": (
        {
            "id": "blue-after",
            "kind": "line_after_release",
            "line": "blue",
            "cohorts": ["h-living", "h-dead"],
        },
        {},
        [set_line("blue", 30, 42)],  # at 30 only stage 1's 2 hostages are home
        ("blue-after", None),
    ),
    "line_window": (
        {
            "id": "blue-window",
            "kind": "line_window",
            "line": "blue",
            "earliest_start": 48,
            "latest_start": 70,
            "latest_complete": 80,
        },
        {},
        [set_line("blue", 40, 52)],
        ("blue-window", None),
    ),
    "line_window-complete": (
        {"id": "blue-window", "kind": "line_window", "line": "blue", "latest_complete": 80},
        {},
        [set_line("blue", 70, 82)],
        ("blue-window", None),
    ),
    "deadline": (
        {"id": "living-due", "kind": "deadline", "cohorts": ["h-living"], "within_hours": 38},
        {},
        [retime(2, 37, living_released_hour=39)],
        ("living-due", 2),
    ),
    "deadline-after-line": (
        {
            "id": "living-due",
            "kind": "deadline",
            "cohorts": ["h-living"],
            "within_hours": 28,
            "after_line": "yellow",
        },
        {},
        [retime(2, 37, living_released_hour=39)],  # due 10 + 28 = 38
        ("living-due", 2),
    ),
    "deadline-not-all": (
        {"id": "living-due", "kind": "deadline", "cohorts": ["h-living"], "within_hours": 38},
        {},
        [
            drop_person(2, "h-living", "h-living-2"),
            lambda p: p["metrics"].update(living_released_hour=14),
        ],
        ("living-due", None),
    ),
    "earliest_start": (
        {"id": "not-before-noon", "kind": "earliest_start", "hour": 12},
        {},
        [retime(1, 11)],
        ("not-before-noon", 1),
    ),
    "stage_gap": (
        {"id": "daily", "kind": "stage_gap", "min_hours": 24, "max_hours": 24},
        {},
        [retime(2, 34, living_released_hour=36)],
        ("daily", 2),
    ),
    "stage_gap-max": (
        {"id": "daily", "kind": "stage_gap", "min_hours": 24, "max_hours": 24},
        {},
        [retime(1, 11)],
        ("daily", 2),
    ),
    "handover_hours": (
        {"id": "evening", "kind": "handover_hours", "windows": [[6, 10], [20, 22]]},
        {"start_time": "2025-01-19T08:00:00Z"},  # stages start at clock hour 20
        [retime(1, 13)],  # clock 21, done at 23: outside [20, 22)
        ("evening", 1),
    ),
    "stage_capacity": (
        {"id": "one-bus", "kind": "stage_capacity", "side": "prisoners", "vehicles": 1, "seats": 5},
        {},
        [add_person(2, "p-short", "p-short-4")],
        ("one-bus", 2),
    ),
    "stage_capacity-cohorts": (
        {
            "id": "living-cap",
            "kind": "stage_capacity",
            "side": "hostages",
            "cohorts": ["h-living"],
            "max_per_stage": 2,
        },
        {},
        [
            set_stage(
                1, hostages={"h-living": 3}, hostage_ids=["alice", "h-living-1", "h-living-2"]
            ),
            set_stage(2, hostages={"h-dead": 2}, hostage_ids=["h-dead-1", "h-dead-2"]),
            lambda p: p["metrics"].update(living_released_hour=14),
        ],
        ("living-cap", 1),
    ),
    "prison_processing": (
        {"id": "ofer-daily", "kind": "prison_processing", "prison": "ofer", "per_day": 4},
        {},
        # stage 2's prisoners now leave on day 0 too: 4 + 2 ofer prisoners that day
        [retime(2, 20, 23, living_released_hour=22, completion_hour=23)],
        ("ofer-daily", None),
    ),
    "prison_processing-one-stage": (
        {"id": "ketziot-daily", "kind": "prison_processing", "prison": "ketziot", "per_day": 3},
        {},
        [add_person(2, "p-short", "p-short-4")],
        ("ketziot-daily", 2),
    ),
    "order": (
        {"id": "living-first", "kind": "order", "first": ["h-living"], "then": ["p-short"]},
        {},
        [retime(2, 36, 37, completion_hour=38)],  # p-short out at 37, last living at 38
        ("living-first", 2),
    ),
    "order-gap": (
        {
            "id": "living-first",
            "kind": "order",
            "first": ["h-living"],
            "then": ["p-short"],
            "min_gap_hours": 2,
        },
        {},
        [retime(2, 36, 39, completion_hour=39)],
        ("living-first", 2),
    ),
    "order-not-all-first": (
        {"id": "living-first", "kind": "order", "first": ["h-living"], "then": ["p-short"]},
        {},
        [
            drop_person(2, "h-living", "h-living-2"),
            lambda p: p["metrics"].update(living_released_hour=14),
        ],
        ("living-first", None),
    ),
    "order-finish_no_later": (
        {
            "id": "dead-by",
            "kind": "order",
            "first": ["h-dead"],
            "then": ["p-life"],
            "mode": "finish_no_later",
        },
        {},
        [retime(2, 36, 37, completion_hour=38)],
        ("dead-by", 2),
    ),
    "availability": (
        {"id": "found-late", "kind": "availability", "cohorts": ["h-dead"], "from_hour": 30},
        {},
        [retime(2, 29, living_released_hour=31)],
        ("found-late", 2),
    ),
    "availability-prisoners": (
        {"id": "papers", "kind": "availability", "cohorts": ["p-short"], "from_hour": 40},
        {},
        [retime(2, 36, 39, completion_hour=39)],
        ("papers", 2),
    ),
    "pairing": (
        {"id": "paired", "kind": "pairing", "min_lag_hours": 0, "max_lag_hours": 2},
        {},
        [retime(2, 36, 41, completion_hour=41)],
        ("paired", 2),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule_holds_on_valid_plan(case: str) -> None:
    rule, top, _, _ = CASES[case]
    report = verify(scenario(rule, **top), plan())
    assert report.ok, report.lines()


@pytest.mark.parametrize("case", list(CASES))
def test_rule_rejects_broken_plan(case: str) -> None:
    rule, top, edits, expected = CASES[case]
    sc = scenario(rule, **top)
    broken = plan(*edits)
    alone = verify(scenario(**top), broken)
    assert alone.ok, f"the edit must break only the rule: {alone.lines()}"
    report = verify(sc, broken)
    assert found(report) == [expected], report.lines()
    assert all(v.message for v in report.violations)


# --------------------------------------------------------------------------- rule details


def test_exchange_ratio_messages_carry_exact_numbers() -> None:
    rule = {**RATIO, "per_hostage": {"h-living": 2.25, "h-dead": 1.5}}
    report = verify(scenario(rule), plan())
    assert found(report) == [("ratio", 1), ("ratio", 2)]
    assert "against 4.5 owed" in report.violations[0].message
    assert "0.5 behind" in report.violations[0].message
    assert "against 5.25 owed" in report.violations[1].message


def test_exchange_ratio_is_exact_in_hundredths() -> None:
    # 2 x 0.01 + 3 x 1.66 is exactly 5, but 4.999999999999999 in floating point.
    data = {
        "name": "exact",
        "horizon_hours": 48,
        "hostage_cohorts": [
            {"id": "a", "count": 2, "status": "living"},
            {"id": "b", "count": 3, "status": "living"},
        ],
        "prisoner_cohorts": [{"id": "p", "count": 5}],
        "rules": [
            {
                "id": "ratio",
                "kind": "exchange_ratio",
                "prisoners": ["p"],
                "per_hostage": {"a": 0.01, "b": 1.66},
            }
        ],
    }
    sc = scenario_from_data(data)
    good = Plan.model_validate(
        {
            "scenario": "exact",
            "status": "optimal",
            "seed": 0,
            "stages": [
                {
                    "index": 1,
                    "start_hour": 0,
                    "handover_complete_hour": 2,
                    "prisoner_release_hour": 2,
                    "end_hour": 2,
                    "line_in_force": "initial",
                    "hostages": {"a": 2, "b": 3},
                    "hostage_ids": ["a-1", "a-2", "b-1", "b-2", "b-3"],
                    "prisoners": {"p": 5},
                    "prisoner_ids": [f"p-{n}" for n in range(1, 6)],
                }
            ],
            "metrics": {
                "living_released_hour": 2,
                "completion_hour": 2,
                "stage_count": 1,
                "hostages_released": 5,
                "prisoners_released": 5,
            },
            "objective": {"peak_imbalance": 0},
        }
    )
    assert verify(sc, good).ok, verify(sc, good).lines()


def test_missing_line_is_reported_by_rule_and_structure() -> None:
    sc = scenario(
        {"id": "yellow-first", "kind": "line_before_handover", "line": "yellow"},
        {"id": "yellow-window", "kind": "line_window", "line": "yellow"},
        {
            "id": "after-yellow",
            "kind": "line_after_release",
            "line": "yellow",
            "cohorts": ["h-dead"],
        },
        {
            "id": "due",
            "kind": "deadline",
            "cohorts": ["h-dead"],
            "within_hours": 100,
            "after_line": "yellow",
        },
    )

    def drop_yellow(p: dict[str, Any]) -> None:
        p["withdrawals"] = p["withdrawals"][1:]
        for st in p["stages"]:
            st["line_in_force"] = "initial"

    report = verify(sc, plan(drop_yellow))
    rules = [v.rule for v in report.violations]
    assert "plan/withdrawals" in rules
    for rule_id in ("yellow-first", "yellow-window", "after-yellow", "due"):
        assert (rule_id, None) in found(report)


def test_handover_hours_uses_clock_offset() -> None:
    rule = {"id": "evening", "kind": "handover_hours", "windows": [[20, 22]]}
    assert not verify(scenario(rule), plan()).ok  # clock = start hour 12: outside
    assert verify(scenario(rule, start_time="2025-01-19T08:30:00+02:00"), plan()).ok


def test_pairing_allows_prisoners_before_the_stage_start() -> None:
    early = retime(1, 12, 10)  # prisoners at 10, stage starts at 12
    assert one(verify(scenario(), plan(early))) == ("plan/stages", 1)
    rule = {"id": "paired", "kind": "pairing", "min_lag_hours": -4, "max_lag_hours": 2}
    report = verify(scenario(rule), plan(early))
    assert report.ok, report.lines()


# --------------------------------------------------------------------------- structural checks


def test_wrong_scenario_name() -> None:
    assert one(verify(scenario(), plan(lambda p: p.update(scenario="other")))) == (
        "plan/scenario",
        None,
    )


def test_duplicate_person_id() -> None:
    edit = set_stage(2, hostage_ids=["h-living-1", "h-dead-1", "h-dead-2"])
    report = verify(scenario(), plan(edit))
    assert one(report) == ("plan/people", 2)
    assert "'h-living-1'" in report.violations[0].message


def test_wrong_handover_complete_hour() -> None:
    report = verify(scenario(), plan(set_stage(1, handover_complete_hour=15)))
    assert one(report) == ("plan/stages", 1)
    assert "expected 14" in report.violations[0].message


def test_wrong_end_hour() -> None:
    assert one(verify(scenario(), plan(set_stage(1, end_hour=14)))) == ("plan/stages", 1)


def test_prisoner_release_hour_iff_prisoners() -> None:
    report = verify(scenario(), plan(set_stage(1, prisoner_release_hour=None, end_hour=14)))
    assert one(report) == ("plan/stages", 1)


def test_wrong_line_in_force() -> None:
    assert one(verify(scenario(), plan(set_stage(2, line_in_force="blue")))) == (
        "plan/stages",
        2,
    )


def test_stage_indices_and_order() -> None:
    assert ("plan/stages", 2) in found(verify(scenario(), plan(set_stage(2, index=3))))

    def swap(p: dict[str, Any]) -> None:
        p["stages"].reverse()

    assert ("plan/stages", 2) in found(verify(scenario(), plan(swap)))


def test_too_many_stages() -> None:
    assert ("plan/stages", None) in found(verify(scenario(max_stages=1), plan()))


def test_stage_releasing_nobody() -> None:
    def empty(p: dict[str, Any]) -> None:
        p["stages"].append(
            {
                "index": 3,
                "start_hour": 50,
                "handover_complete_hour": 52,
                "end_hour": 52,
                "line_in_force": "yellow",
            }
        )
        p["metrics"].update(stage_count=3, completion_hour=52)

    assert one(verify(scenario(), plan(empty))) == ("plan/stages", 3)


def test_hours_outside_horizon() -> None:
    report = verify(scenario(horizon_hours=39), plan())
    assert ("plan/horizon", 2) in found(report)
    assert ("plan/withdrawals", None) in found(report)  # blue moves at 60..72
    assert ("plan/horizon", 1) not in found(report)


def test_line_out_of_order() -> None:
    def swap(p: dict[str, Any]) -> None:
        p["withdrawals"].reverse()

    report = verify(scenario(), plan(swap))
    assert one(report) == ("plan/withdrawals", None)
    assert "scenario order yellow, blue" in report.violations[0].message


def test_withdrawal_arithmetic_and_sequence() -> None:
    assert one(verify(scenario(), plan(set_line("blue", 60, 71)))) == ("plan/withdrawals", None)
    report = verify(scenario(), plan(set_line("blue", 5, 17), set_stage(2, line_in_force="blue")))
    assert one(report) == ("plan/withdrawals", None)
    assert "before the move to line yellow completes at hour 10" in report.violations[0].message


def test_unknown_and_duplicate_lines() -> None:
    def extra(p: dict[str, Any]) -> None:
        p["withdrawals"].append({"line": "red", "start_hour": 80, "complete_hour": 90})
        p["withdrawals"].append(dict(p["withdrawals"][0]))

    report = verify(scenario(), plan(extra))
    assert [v.rule for v in report.violations] == ["plan/withdrawals"] * 2, report.lines()


def test_wrong_metrics() -> None:
    report = verify(scenario(), plan(lambda p: p["metrics"].update(completion_hour=41)))
    assert one(report) == ("plan/metrics", None)
    assert "expected 40" in report.violations[0].message
    report = verify(scenario(), plan(lambda p: p["metrics"].update(living_released_hour=None)))
    assert one(report) == ("plan/metrics", None)


@pytest.mark.parametrize(
    ("edit", "stage"),
    [
        (set_stage(2, hostage_ids=["h-living-2", "h-dead-1", "h-dead-3"]), 2),  # beyond count
        (set_stage(2, hostage_ids=["h-living-2", "h-dead-1", "nobody"]), 2),
        (set_stage(2, hostage_ids=["h-living-2", "h-dead-1", "p-short-4"]), 2),  # wrong side
        (set_stage(2, hostage_ids=["h-living-2", "h-dead-1", "h-dead-01"]), 2),
        (set_stage(2, hostage_ids=["h-living-2", "h-dead-1", "h-dead-0"]), 2),
        (set_stage(2, hostage_ids=["alice", "h-dead-1", "h-dead-2"]), 2),  # alice twice
    ],
)
def test_invalid_person_ids(edit: Edit, stage: int) -> None:
    report = verify(scenario(), plan(edit))
    assert report.violations, "expected a plan/people violation"
    assert {v.rule for v in report.violations} == {"plan/people"}
    assert report.violations[0].stage == stage


@pytest.mark.parametrize(
    "edits",
    [
        [set_stage(1, hostage_ids=["h-living-1", "alice"])],  # a member after a generated id
        [set_stage(2, hostage_ids=["h-living-2", "h-dead-2", "h-dead-1"])],  # n out of order
        [  # h-living-2 handed out before h-living-1
            set_stage(1, hostage_ids=["alice", "h-living-2"]),
            set_stage(2, hostage_ids=["h-living-1", "h-dead-1", "h-dead-2"]),
        ],
        [  # alice (a member) released last
            set_stage(1, hostage_ids=["h-living-1", "h-living-2"]),
            set_stage(2, hostage_ids=["alice", "h-dead-1", "h-dead-2"]),
        ],
    ],
)
def test_person_id_order_is_not_a_rule(edits: list[Edit]) -> None:
    report = verify(scenario(), plan(*edits))
    assert report.ok, report.lines()


def test_ids_must_match_counts() -> None:
    report = verify(scenario(), plan(set_stage(2, hostage_ids=["h-living-2", "h-dead-1"])))
    assert one(report) == ("plan/people", 2)
    assert "hostages[h-dead] is 2" in report.violations[0].message


def test_counts_must_be_positive_and_cohorts_known() -> None:
    zero = set_stage(1, hostages={"h-living": 2, "h-dead": 0})
    assert one(verify(scenario(), plan(zero))) == ("plan/people", 1)
    unknown = set_stage(1, hostages={"h-living": 2, "ghosts": 1})
    assert ("plan/people", 1) in found(verify(scenario(), plan(unknown)))
    wrong_side = set_stage(1, prisoners={"p-life": 4, "h-dead": 1})
    assert ("plan/people", 1) in found(verify(scenario(), plan(wrong_side)))


def test_totals_and_unreleased() -> None:
    assert one(verify(scenario(), plan(lambda p: p.update(unreleased={})))) == (
        "plan/people",
        None,
    )
    report = verify(scenario(), plan(lambda p: p["unreleased"].update({"h-dead": 0})))
    assert one(report) == ("plan/people", None)
    over = [
        set_stage(
            2,
            prisoners={"p-life": 2, "p-short": 5},
            prisoner_ids=[
                "p-life-5",
                "p-life-6",
                "p-short-1",
                "p-short-2",
                "p-short-3",
                "p-short-4",
                "p-short-5",
            ],
        ),
        lambda p: p.update(unreleased={}),
        lambda p: p["metrics"].update(prisoners_released=11),
    ]
    report = verify(scenario(), plan(*over))
    assert ("plan/people", None) in found(report)
    assert any("which has only 4" in v.message for v in report.violations)


def test_objective_values() -> None:
    sc = scenario(
        {**RATIO, "per_hostage": {"h-living": 2, "h-dead": 1.25}},
        objective={
            "terms": [
                "living_released_hour",
                "completion_hour",
                "stage_count",
                "peak_imbalance",
                "priority",
            ],
            "priorities": {"h-dead": 3, "p-short": 2, "p-life": 0},
        },
    )
    # stage 2 owes 2 + 2.5 = 4.5 and gives 5: the running balance peaks at 0.5 -> 1 prisoner.
    values = {
        "living_released_hour": 38,
        "completion_hour": 40,
        "stage_count": 2,
        "peak_imbalance": 1,
        "priority": 3 * 38 + 2 * 40,
    }
    report = verify(sc, plan(lambda p: p.update(objective=values)))
    assert found(report) == [("ratio", 2)]  # 0.5 ahead: the rule itself allows none
    wrong = plan(lambda p: p.update(objective={**values, "priority": 1}))
    assert ("plan/objective", None) in found(verify(sc, wrong))
    unknown = plan(lambda p: p.update(objective={"tidy": 0}))
    assert ("plan/objective", None) in found(verify(scenario(), unknown))
    not_listed = plan(lambda p: p.update(objective={"priority": 0}))
    assert ("plan/objective", None) in found(verify(scenario(), not_listed))


def test_living_released_hour_term_is_zero_without_living_releases() -> None:
    sc = scenario(objective={"terms": ["living_released_hour"]})
    report = verify(sc, plan(lambda p: p.update(objective={"living_released_hour": 0})))
    assert ("plan/objective", None) in found(report)  # living hostages are released: 38
    empty = {
        **PLAN,
        "stages": [],
        "unreleased": {"h-living": 3, "h-dead": 2, "p-life": 6, "p-short": 4},
        "metrics": {"living_released_hour": None, "completion_hour": 0, "stage_count": 0},
        "objective": {"living_released_hour": 0},
    }
    report = verify(sc, Plan.model_validate(empty))
    assert report.ok, report.lines()


# --------------------------------------------------------------------------- robustness


def every_rule() -> list[dict[str, Any]]:
    return [rule for rule, top, _, _ in CASES.values() if not top] + [
        {"id": "evening", "kind": "handover_hours", "windows": [[6, 10]]}
    ]


def test_malformed_plan_gives_violations_not_exceptions() -> None:
    rules: dict[str, dict[str, Any]] = {}
    for rule in every_rule():
        rules.setdefault(rule["id"], rule)
    sc = scenario(*rules.values())
    garbage = {
        "scenario": "tiny",
        "status": "feasible",
        "seed": 3,
        "objective": {"peak_imbalance": -1, "nonsense": 2},
        "withdrawals": [{"line": "purple", "start_hour": -5, "complete_hour": 9999}],
        "stages": [
            {
                "index": 7,
                "start_hour": -3,
                "handover_complete_hour": 1,
                "prisoner_release_hour": None,
                "end_hour": -100,
                "line_in_force": "nowhere",
                "hostages": {"ghosts": 2, "p-life": 1, "h-dead": -4},
                "hostage_ids": ["ghost-1", "ghost-1", "p-life-1", ""],
                "prisoners": {"h-living": 2, "p-short": 0},
                "prisoner_ids": ["alice"],
            },
            {
                "index": 1,
                "start_hour": -10,
                "handover_complete_hour": -8,
                "prisoner_release_hour": -50,
                "end_hour": 5,
                "line_in_force": "blue",
            },
        ],
        "unreleased": {"zzz": 0, "h-dead": -1},
        "metrics": {"living_released_hour": 3, "completion_hour": -1, "stage_count": 9},
    }
    report = verify(sc, Plan.model_validate(garbage))
    assert not report.ok
    assert all(isinstance(line, str) for line in report.lines())
    structural = {v.rule for v in report.violations if v.rule.startswith("plan/")}
    assert structural == {
        "plan/stages",
        "plan/horizon",
        "plan/people",
        "plan/withdrawals",
        "plan/metrics",
        "plan/objective",
    }
    assert not any("could not be checked" in v.message for v in report.violations)


# --------------------------------------------------------------------------- places and routes

# Two handover sites, a crossing as the reception point, one prison, two destinations (cairo
# abroad) and a junction. Shortest travel: site-north -> crossing 3 h (a parallel 5 h road is
# slower), site-south -> j -> crossing 2 h (the direct road takes 4), ofer -> ramallah 1 h,
# ofer -> j -> cairo 8 h (the direct road takes 10).
ROADS: dict[str, Any] = {
    "name": "roads",
    "horizon_hours": 240,
    "max_stages": 4,
    "handover_hours": 2,
    "hostage_cohorts": [
        {
            "id": "h-living",
            "count": 4,
            "status": "living",
            "members": [{"id": "alice", "name": "Alice A."}, {"id": "bob", "name": "Bob B."}],
        },
        {"id": "h-dead", "count": 2, "status": "deceased"},
    ],
    "prisoner_cohorts": [
        {
            "id": "p-life",
            "count": 6,
            "sentence": "life",
            "prison": "ofer",
            "members": [{"id": "carl", "name": "Carl C."}, {"id": "dina", "name": "Dina D."}],
        },
        {
            "id": "p-short",
            "count": 4,
            "sentence": "short",
            "prison": "ofer",
            "destinations": ["ramallah"],
            "members": [{"id": "eve", "name": "Eve E."}],
        },
    ],
    "withdrawal_lines": [
        {"id": "yellow", "share_held_pct": 50, "move_hours": 10},
        {"id": "blue", "share_held_pct": 30, "move_hours": 12},
    ],
    "places": [
        {"id": "site-north", "kind": "handover_site"},
        {"id": "site-south", "kind": "handover_site"},
        {"id": "crossing", "kind": "crossing"},
        {"id": "j", "kind": "junction"},
        {"id": "ofer", "kind": "prison"},
        {"id": "ramallah", "kind": "destination"},
        {"id": "cairo", "kind": "destination", "abroad": True},
    ],
    "routes": [
        {"between": ["site-north", "crossing"], "hours": 3},
        {"between": ["crossing", "site-north"], "hours": 5},
        {"between": ["site-south", "j"], "hours": 1},
        {"between": ["j", "crossing"], "hours": 1},
        {"between": ["site-south", "crossing"], "hours": 4},
        {"between": ["ofer", "ramallah"], "hours": 1},
        {"between": ["ofer", "j"], "hours": 2},
        {"between": ["j", "cairo"], "hours": 6},
        {"between": ["ofer", "cairo"], "hours": 10},
    ],
    "reception": "crossing",
}

NORTH = {"path": ["site-north", "crossing"], "hours": 3}
SOUTH = {"path": ["site-south", "j", "crossing"], "hours": 2}
TO_RAMALLAH = ["ofer", "ramallah"]
TO_CAIRO = ["ofer", "j", "cairo"]
TRAVEL = {"site-north": 3, "site-south": 2}
ROUTE = {"site-north": NORTH, "site-south": SOUTH}

# Valid for ROADS with no rules. Member and generated ids are deliberately not in list order
# (bob before alice); one p-life and one p-short prisoner (eve) stay unreleased.
ROADS_PLAN: dict[str, Any] = {
    "scenario": "roads",
    "status": "optimal",
    "seed": 0,
    "objective": {},
    "withdrawals": [
        {"line": "yellow", "start_hour": 0, "complete_hour": 10},
        {"line": "blue", "start_hour": 60, "complete_hour": 72},
    ],
    "stages": [
        {
            "index": 1,
            "start_hour": 12,
            "handover_complete_hour": 17,  # 12 + 2 + 3 of travel
            "prisoner_release_hour": 18,
            "end_hour": 18,
            "site": "site-north",
            "handover_route": NORTH,
            "line_in_force": "yellow",
            "hostages": {"h-living": 2},
            "hostage_ids": ["bob", "h-living-1"],
            "prisoners": {"p-life": 3},
            "prisoner_ids": ["carl", "p-life-1", "p-life-2"],
            "transfers": [
                {
                    "prison": "ofer",
                    "destination": "ramallah",
                    "path": TO_RAMALLAH,
                    "travel_hours": 1,
                    "arrival_hour": 19,
                    "prisoners": {"p-life": 2},
                    "prisoner_ids": ["p-life-1", "p-life-2"],
                },
                {
                    "prison": "ofer",
                    "destination": "cairo",
                    "path": TO_CAIRO,
                    "travel_hours": 8,
                    "arrival_hour": 26,
                    "prisoners": {"p-life": 1},
                    "prisoner_ids": ["carl"],
                },
            ],
        },
        {
            "index": 2,
            "start_hour": 36,
            "handover_complete_hour": 40,  # 36 + 2 + 2 of travel
            "prisoner_release_hour": 42,
            "end_hour": 42,
            "site": "site-south",
            "handover_route": SOUTH,
            "line_in_force": "yellow",
            "hostages": {"h-living": 2, "h-dead": 2},
            "hostage_ids": ["alice", "h-living-2", "h-dead-1", "h-dead-2"],
            "prisoners": {"p-life": 2, "p-short": 3},
            "prisoner_ids": ["dina", "p-life-3", "p-short-1", "p-short-2", "p-short-3"],
            "transfers": [
                {
                    "prison": "ofer",
                    "destination": "ramallah",
                    "path": TO_RAMALLAH,
                    "travel_hours": 1,
                    "arrival_hour": 43,
                    "prisoners": {"p-life": 1, "p-short": 3},
                    "prisoner_ids": ["p-life-3", "p-short-1", "p-short-2", "p-short-3"],
                },
                {
                    "prison": "ofer",
                    "destination": "cairo",
                    "path": TO_CAIRO,
                    "travel_hours": 8,
                    "arrival_hour": 50,
                    "prisoners": {"p-life": 1},
                    "prisoner_ids": ["dina"],
                },
            ],
        },
    ],
    "unreleased": {"p-life": 1, "p-short": 1},
    "metrics": {
        "living_released_hour": 40,
        "completion_hour": 42,
        "stage_count": 2,
        "hostages_released": 6,
        "prisoners_released": 8,
    },
}


def roads(*rules: dict[str, Any], **top: Any) -> Scenario:
    return _scenario_from(ROADS, rules, **top)


def roads_plan(*edits: Edit) -> Plan:
    return _plan_from(ROADS_PLAN, edits)


def transfer(k: int, destination: str, **fields: Any) -> Edit:
    """Update the transfer of stage k to ``destination``."""

    def edit(p: dict[str, Any]) -> None:
        for tr in p["stages"][k - 1]["transfers"]:
            if tr["destination"] == destination:
                tr.update(fields)

    return edit


def move(k: int, start: int, site: str | None = None, **metrics: int) -> Edit:
    """Stage k starts at ``start`` (at ``site``, default unchanged); its handover hours follow
    (prisoner release unchanged); ``metrics`` overrides metric fields that change with it."""

    def edit(p: dict[str, Any]) -> None:
        st = p["stages"][k - 1]
        if site is not None:
            st["site"] = site
            st["handover_route"] = copy.deepcopy(ROUTE[site])
        st["start_hour"] = start
        st["handover_complete_hour"] = start + 2 + TRAVEL[st["site"]]
        pr = st["prisoner_release_hour"]
        st["end_hour"] = max(st["handover_complete_hour"], pr or 0)
        p["metrics"].update(metrics)

    return edit


def swap_ids(k1: int, a: str, k2: int, b: str) -> Edit:
    """Person ``a`` (in stage k1) and ``b`` (in stage k2, of the same cohort) trade places,
    in the stages' id lists and in their transfers."""

    def edit(p: dict[str, Any]) -> None:
        for k in {k1, k2}:
            st = p["stages"][k - 1]
            for key in ("hostage_ids", "prisoner_ids"):
                st[key] = [{a: b, b: a}.get(pid, pid) for pid in st[key]]
            for tr in st["transfers"]:
                tr["prisoner_ids"] = [{a: b, b: a}.get(pid, pid) for pid in tr["prisoner_ids"]]

    return edit


def with_buses(p: dict[str, Any]) -> None:
    """Buses fields for a buses rule of 2 seats covering ramallah only."""
    p["stages"][0]["transfers"][0]["buses"] = 1
    p["stages"][1]["transfers"][0]["buses"] = 2


def with_vehicles(p: dict[str, Any]) -> None:
    """Vehicles fields for a hostage_fleet rule of 2 seats."""
    p["stages"][0]["vehicles"] = 1
    p["stages"][1]["vehicles"] = 2


def add_eve(p: dict[str, Any]) -> None:
    """Stage 2 also releases eve (p-short, to ramallah); totals follow (5 to ramallah)."""
    st = p["stages"][1]
    st["prisoners"]["p-short"] = 4
    st["prisoner_ids"].append("eve")
    st["transfers"][0]["prisoners"]["p-short"] = 4
    st["transfers"][0]["prisoner_ids"].append("eve")
    p["unreleased"] = {"p-life": 1}
    p["metrics"]["prisoners_released"] = 9


def drop_dina(p: dict[str, Any]) -> None:
    """Stage 2 no longer releases dina (p-life, to cairo); totals follow."""
    st = p["stages"][1]
    st["prisoners"]["p-life"] = 1
    st["prisoner_ids"].remove("dina")
    st["transfers"] = st["transfers"][:1]
    p["unreleased"]["p-life"] = 2
    p["metrics"]["prisoners_released"] = 7


FLEET = {"id": "fleet", "kind": "hostage_fleet", "vehicles": 2, "seats": 2, "turnaround_hours": 4}
BUSES = {"id": "bus-pool", "kind": "buses", "buses": 2, "seats": 2, "destinations": ["ramallah"]}


class RoadCase:
    """A rule that ``ROADS_PLAN`` (after ``prepare``) satisfies and ``ROADS_PLAN`` after
    ``prepare`` and ``breaks`` violates, reported as ``expected``. ``relaxed`` (default: no rule)
    is a scenario rule set under which the broken plan is valid: the edits break only the rule."""

    def __init__(
        self,
        rule: dict[str, Any],
        breaks: list[Edit],
        expected: tuple[str, int | None],
        prepare: list[Edit] | None = None,
        relaxed: list[dict[str, Any]] | None = None,
    ):
        self.rule, self.breaks, self.expected = rule, breaks, expected
        self.prepare = prepare or []
        self.relaxed = relaxed or []


ROAD_CASES: dict[str, RoadCase] = {
    "site_after_line": RoadCase(
        {"id": "south-late", "kind": "site_after_line", "sites": ["site-south"], "line": "yellow"},
        # yellow now completes at 40, after stage 2 starts at site-south (hour 36)
        [
            set_line("yellow", 30, 40),
            set_stage(1, line_in_force="initial"),
            set_stage(2, line_in_force="initial"),
        ],
        ("south-late", 2),
    ),
    "site_daily_limit": RoadCase(
        {"id": "one-a-day", "kind": "site_daily_limit", "per_day": 1},
        [move(2, 14, "site-north", living_released_hour=19)],  # both at site-north on day 0
        ("one-a-day", 2),
    ),
    "site_daily_limit-listed": RoadCase(
        {"id": "north-once", "kind": "site_daily_limit", "sites": ["site-north"], "per_day": 1},
        [move(2, 14, "site-north", living_released_hour=19)],
        ("north-once", 2),
    ),
    "hostage_fleet": RoadCase(
        FLEET,
        # stage 2 (2 vehicles) starts at 18 while stage 1 (1 vehicle) holds its own until 21
        [move(2, 18, living_released_hour=22)],
        ("fleet", 2),
        prepare=[with_vehicles],
        relaxed=[{**FLEET, "vehicles": 3}],
    ),
    "hostage_fleet-one-stage": RoadCase(
        {**FLEET, "vehicles": 1, "seats": 4},
        # five hostages now in stage 2: they need 2 vehicles of 4 seats; stage 1 keeps one
        [
            set_stage(1, hostages={"h-dead": 1}, hostage_ids=["h-dead-1"], vehicles=1),
            set_stage(
                2,
                hostages={"h-living": 4, "h-dead": 1},
                hostage_ids=["alice", "bob", "h-living-1", "h-living-2", "h-dead-2"],
                vehicles=2,
            ),
        ],
        ("fleet", 2),
        prepare=[set_stage(1, vehicles=1), set_stage(2, vehicles=1)],
        relaxed=[{**FLEET, "vehicles": 2, "seats": 4}],
    ),
    "buses": RoadCase(
        BUSES,
        [add_eve, transfer(2, "ramallah", buses=3)],  # 5 prisoners to ramallah: 3 buses
        ("bus-pool", 2),
        prepare=[with_buses],
        relaxed=[{**BUSES, "buses": 3}],
    ),
    "destination_quota": RoadCase(
        {
            "id": "exile-cap",
            "kind": "destination_quota",
            "cohorts": ["p-life"],
            "destinations": ["cairo"],
            "max_count": 2,
        },
        # p-life-3 goes to cairo too: 3 p-life prisoners there
        [
            transfer(2, "ramallah", prisoners={"p-short": 3}),
            transfer(2, "ramallah", prisoner_ids=["p-short-1", "p-short-2", "p-short-3"]),
            transfer(2, "cairo", prisoners={"p-life": 2}, prisoner_ids=["dina", "p-life-3"]),
        ],
        ("exile-cap", None),
    ),
    "destination_quota-min": RoadCase(
        {
            "id": "exile-floor",
            "kind": "destination_quota",
            "cohorts": ["p-life", "p-short"],
            "destinations": ["cairo"],
            "min_count": 2,
        },
        [drop_dina],
        ("exile-floor", None),
    ),
    "veto": RoadCase(
        {"id": "not-eve", "kind": "veto", "people": ["eve"]},
        [swap_ids(2, "p-short-3", 2, "eve")],
        ("not-eve", 2),
    ),
    "abroad": RoadCase(
        {"id": "carl-abroad", "kind": "abroad", "people": ["carl"]},
        [swap_ids(1, "carl", 1, "p-life-1")],  # carl to ramallah, p-life-1 to cairo
        ("carl-abroad", 1),
    ),
    "person_not_before": RoadCase(
        {"id": "late", "kind": "person_not_before", "people": ["alice", "dina"], "hour": 40},
        [swap_ids(1, "bob", 2, "alice")],  # alice received at 17
        ("late", 1),
    ),
    "preparation": RoadCase(
        {"id": "ready-at-12", "kind": "preparation", "cohorts": ["h-living"], "hours": 12},
        [move(1, 11)],  # stage 1 hands over h-living at 11, before they are ready
        ("ready-at-12", 1),
    ),
    "located_from": RoadCase(
        {"id": "found-late", "kind": "located_from", "people": ["alice"], "hour": 36},
        [swap_ids(1, "bob", 2, "alice")],  # alice in stage 1, which starts at 12
        ("found-late", 1),
    ),
    "fixed_stage": RoadCase(
        {"id": "first", "kind": "fixed_stage", "people": ["bob", "carl"], "stage": 1},
        [swap_ids(1, "bob", 2, "alice")],
        ("first", 2),
    ),
    "fixed_stage-unreleased": RoadCase(
        {"id": "dina-second", "kind": "fixed_stage", "people": ["dina"], "stage": 2},
        [drop_dina],
        ("dina-second", None),
    ),
}


def test_base_roads_plan_is_valid() -> None:
    report = verify(roads(), roads_plan())
    assert report.ok, report.lines()


def test_all_cases_cover_every_kind() -> None:
    kinds = {rule["kind"] for rule, _, _, _ in CASES.values()}
    kinds |= {case.rule["kind"] for case in ROAD_CASES.values()}
    assert kinds == set(RULE_KINDS)


@pytest.mark.parametrize("case", list(ROAD_CASES))
def test_road_rule_holds_on_valid_plan(case: str) -> None:
    c = ROAD_CASES[case]
    report = verify(roads(c.rule), roads_plan(*c.prepare))
    assert report.ok, report.lines()


@pytest.mark.parametrize("case", list(ROAD_CASES))
def test_road_rule_rejects_broken_plan(case: str) -> None:
    c = ROAD_CASES[case]
    broken = roads_plan(*c.prepare, *c.breaks)
    alone = verify(roads(*c.relaxed), broken)
    assert alone.ok, f"the edit must break only the rule: {alone.lines()}"
    report = verify(roads(c.rule), broken)
    assert found(report) == [c.expected], report.lines()
    assert all(v.message for v in report.violations)


# ---- structure with places


def test_handover_complete_hour_includes_travel() -> None:
    # 12 + 2, ignoring the 3 hours from site-north to the crossing
    report = verify(roads(), roads_plan(set_stage(1, handover_complete_hour=14)))
    assert one(report) == ("plan/stages", 1)
    assert "expected 17" in report.violations[0].message
    assert "3 hours of travel from site-north to crossing" in report.violations[0].message


def test_every_stage_has_a_handover_site() -> None:
    report = verify(roads(), roads_plan(set_stage(1, site=None)))
    assert ("plan/stages", 1) in found(report)
    report = verify(roads(), roads_plan(set_stage(1, site="crossing")))
    assert ("plan/stages", 1) in found(report)
    assert "not a handover site" in report.violations[0].message
    assert not any("could not be checked" in v.message for v in report.violations)


def test_no_site_or_route_without_handover_sites() -> None:
    report = verify(scenario(), plan(set_stage(1, site="site-north")))
    assert one(report) == ("plan/stages", 1)
    report = verify(scenario(), plan(set_stage(2, handover_route=NORTH)))
    assert one(report) == ("plan/routes", 2)


def test_handover_route_is_required_and_shortest() -> None:
    report = verify(roads(), roads_plan(set_stage(1, handover_route=None)))
    assert one(report) == ("plan/routes", 1)
    slow = {"path": ["site-south", "crossing"], "hours": 2}  # along a route, but 4 hours
    report = verify(roads(), roads_plan(set_stage(2, handover_route=slow)))
    assert one(report) == ("plan/routes", 2)
    assert "takes 4 hours; the shortest from site-south to crossing takes 2" in (
        report.violations[0].message
    )
    wrong_hours = {"path": SOUTH["path"], "hours": 4}
    report = verify(roads(), roads_plan(set_stage(2, handover_route=wrong_hours)))
    assert one(report) == ("plan/routes", 2)
    assert "expected 2" in report.violations[0].message
    off_road = {"path": ["site-south", "ofer", "crossing"], "hours": 2}
    report = verify(roads(), roads_plan(set_stage(2, handover_route=off_road)))
    assert one(report) == ("plan/routes", 2)
    assert "no route joins" in report.violations[0].message
    elsewhere = {"path": ["site-north", "crossing"], "hours": 3}  # from the other site
    report = verify(roads(), roads_plan(set_stage(2, handover_route=elsewhere)))
    assert found(report) == [("plan/routes", 2), ("plan/routes", 2)]  # the path, the hours
    assert "runs from site-north to crossing" in report.violations[0].message


def test_any_shortest_handover_route_is_accepted() -> None:
    routes = [*ROADS["routes"], {"between": ["site-north", "j"], "hours": 2}]
    tie = {"path": ["site-north", "j", "crossing"], "hours": 3}  # as fast as the direct road
    report = verify(roads(routes=routes), roads_plan(set_stage(1, handover_route=tie)))
    assert report.ok, report.lines()


def test_parallel_routes_use_the_fastest() -> None:
    # without the 3-hour road only the 5-hour one joins site-north and the crossing
    routes = [r for r in ROADS["routes"] if r["hours"] != 3]
    report = verify(roads(routes=routes), roads_plan())
    assert ("plan/stages", 1) in found(report)  # handover completes at 12 + 2 + 5
    assert ("plan/routes", 1) in found(report)


def test_transfer_to_a_destination_not_allowed() -> None:
    # p-short-3 (allowed only to ramallah) goes to cairo
    edits = [
        transfer(2, "ramallah", prisoners={"p-life": 1, "p-short": 2}),
        transfer(2, "ramallah", prisoner_ids=["p-life-3", "p-short-1", "p-short-2"]),
        transfer(2, "cairo", prisoners={"p-life": 1, "p-short": 1}),
        transfer(2, "cairo", prisoner_ids=["dina", "p-short-3"]),
    ]
    report = verify(roads(), roads_plan(*edits))
    assert one(report) == ("plan/transfers", 2)
    assert "may go only to ramallah" in report.violations[0].message


def test_transfer_path_not_along_routes() -> None:
    report = verify(roads(), roads_plan(transfer(1, "cairo", path=["ofer", "ramallah", "cairo"])))
    assert one(report) == ("plan/routes", 1)
    assert "from ramallah to cairo, which no route joins" in report.violations[0].message


def test_transfer_path_and_travel_hours_are_shortest() -> None:
    report = verify(roads(), roads_plan(transfer(1, "cairo", path=["ofer", "cairo"])))
    assert one(report) == ("plan/routes", 1)
    assert "takes 10 hours" in report.violations[0].message
    edits = [transfer(1, "cairo", travel_hours=10, arrival_hour=28)]
    report = verify(roads(), roads_plan(*edits))
    assert one(report) == ("plan/routes", 1)
    assert "expected 8" in report.violations[0].message


def test_transfer_arrival_hour() -> None:
    report = verify(roads(), roads_plan(transfer(2, "cairo", arrival_hour=42)))
    assert one(report) == ("plan/transfers", 2)
    assert "expected 50" in report.violations[0].message
    # arrival may pass the horizon
    late = [set_stage(2, prisoner_release_hour=236, end_hour=236)]
    late += [transfer(2, "ramallah", arrival_hour=237), transfer(2, "cairo", arrival_hour=244)]
    late.append(lambda p: p["metrics"].update(completion_hour=236))
    report = verify(roads(), roads_plan(*late))
    assert report.ok, report.lines()


def test_transfers_cover_the_stage_prisoners() -> None:
    # dina is released but in no transfer
    report = verify(
        roads(), roads_plan(set_stage(2, transfers=ROADS_PLAN["stages"][1]["transfers"][:1]))
    )
    assert {v.rule for v in report.violations} == {"plan/transfers"}
    assert any("prisoners[p-life] is 2" in v.message for v in report.violations)
    assert any(
        "'dina' (cohort p-life) is released but in no transfer" in v.message
        for v in report.violations
    )
    # counts and ids disagree within a transfer
    report = verify(roads(), roads_plan(transfer(1, "ramallah", prisoner_ids=["p-life-1"])))
    assert {v.rule for v in report.violations} == {"plan/transfers"}
    assert any(
        "lists 1 ids of cohort p-life, but prisoners[p-life] is 2" in v.message
        for v in report.violations
    )
    # an id not released in the stage
    ids = ["p-life-1", "p-life-4"]
    report = verify(roads(), roads_plan(transfer(1, "ramallah", prisoner_ids=ids)))
    assert ("plan/transfers", 1) in found(report)
    assert any("not among the stage's prisoner_ids" in v.message for v in report.violations)


def test_transfer_entries_are_unique_and_from_the_cohorts_prison() -> None:
    def split(p: dict[str, Any]) -> None:
        trs = p["stages"][1]["transfers"]
        first = copy.deepcopy(trs[0])
        first.update(prisoners={"p-life": 1}, prisoner_ids=["p-life-3"])
        trs[0].update(
            prisoners={"p-short": 3}, prisoner_ids=["p-short-1", "p-short-2", "p-short-3"]
        )
        trs.append(first)

    report = verify(roads(), roads_plan(split))
    assert one(report) == ("plan/transfers", 2)
    assert "appears twice" in report.violations[0].message
    report = verify(roads(), roads_plan(transfer(1, "cairo", prison="j", path=["j", "cairo"])))
    assert ("plan/transfers", 1) in found(report)
    assert any("held in ofer" in v.message for v in report.violations)


def test_no_transfers_without_destinations() -> None:
    stray = {
        "prison": "ofer",
        "destination": "ramallah",
        "path": TO_RAMALLAH,
        "travel_hours": 1,
        "arrival_hour": 17,
        "prisoners": {"p-life": 4},
        "prisoner_ids": ["p-life-1", "p-life-2", "p-life-3", "p-life-4"],
    }
    report = verify(scenario(), plan(set_stage(1, transfers=[stray])))
    assert one(report) == ("plan/transfers", 1)


def test_wrong_buses_count() -> None:
    sc = roads({**BUSES, "buses": 10})
    report = verify(sc, roads_plan(with_buses, transfer(2, "ramallah", buses=1)))
    assert one(report) == ("plan/transfers", 2)
    assert "buses is 1, expected 2 (ceil(4 prisoners / 2 seats) of buses rule bus-pool)" in (
        report.violations[0].message
    )
    # cairo is not covered: its buses stay null
    report = verify(sc, roads_plan(with_buses, transfer(1, "cairo", buses=1)))
    assert one(report) == ("plan/transfers", 1)
    # without a buses rule, every buses field is null
    report = verify(roads(), roads_plan(with_buses))
    assert found(report) == [("plan/transfers", 1), ("plan/transfers", 2)]
    assert "no buses rule covers ramallah" in report.violations[0].message


def test_buses_rule_counts_real_prisoners_not_the_buses_field() -> None:
    # the plan understates its buses (1 for 5 prisoners): reported structurally, and the rule
    # still sees the 3 buses really needed
    report = verify(roads(BUSES), roads_plan(with_buses, add_eve, transfer(2, "ramallah", buses=1)))
    assert found(report) == [("plan/transfers", 2), ("bus-pool", 2)]


def test_buses_rule_without_destinations_covers_all() -> None:
    rule = {"id": "all-buses", "kind": "buses", "buses": 2, "seats": 2}

    def fill(p: dict[str, Any]) -> None:
        with_buses(p)
        for st in p["stages"]:
            st["transfers"][1]["buses"] = 1

    report = verify(roads(rule), roads_plan(fill))  # stage 2 needs 2 + 1 buses
    assert found(report) == [("all-buses", 2)]


def test_vehicles_field() -> None:
    report = verify(roads(), roads_plan(with_vehicles))  # no hostage_fleet rule
    assert found(report) == [("plan/stages", 1), ("plan/stages", 2)]
    assert "vehicles must be null" in report.violations[0].message
    report = verify(roads(FLEET), roads_plan())  # vehicles missing
    assert found(report) == [("plan/stages", 1), ("plan/stages", 2)]
    report = verify(roads(FLEET), roads_plan(with_vehicles, set_stage(2, vehicles=3)))
    assert one(report) == ("plan/stages", 2)
    assert "expected 2 (ceil(4 hostages / 2 seats) of hostage_fleet rule fleet)" in (
        report.violations[0].message
    )


def test_hostage_fleet_turnaround_boundary() -> None:
    # stage 1 holds its vehicle over [12, 17 + turnaround)
    plan_at_17 = roads_plan(with_vehicles, move(2, 17, living_released_hour=21))
    assert verify(roads({**FLEET, "turnaround_hours": 0}), plan_at_17).ok
    assert found(verify(roads({**FLEET, "turnaround_hours": 1}), plan_at_17)) == [("fleet", 2)]
    # a stage that hands over no hostage is a structural error when there are hostage cohorts
    edits = [
        with_vehicles,
        set_stage(1, hostages={}, hostage_ids=[], vehicles=0),
        set_stage(
            2,
            hostages={"h-living": 4},
            hostage_ids=["alice", "bob", "h-living-1", "h-living-2"],
        ),
        lambda p: p.update(unreleased={"p-life": 1, "p-short": 1, "h-dead": 2}),
        lambda p: p["metrics"].update(hostages_released=4),
    ]
    report = verify(roads({**FLEET, "vehicles": 2}), roads_plan(*edits))
    assert found(report) == [("plan/stages", 1)], report.lines()
    assert "hands over no hostage" in report.violations[0].message


def test_vetoed_person_appearing() -> None:
    sc = roads({"id": "no-bob", "kind": "veto", "people": ["bob"]})
    report = verify(sc, roads_plan())
    assert one(report) == ("no-bob", 1)
    assert "bob is released in stage 1 at hour 17" in report.violations[0].message


def test_abroad_prisoner_in_no_transfer() -> None:
    sc = roads({"id": "carl-abroad", "kind": "abroad", "people": ["carl"]})

    untransferred = transfer(1, "cairo", prisoner_ids=[])  # carl leaves, but goes nowhere
    report = verify(sc, roads_plan(untransferred))
    assert ("carl-abroad", 1) in found(report)
    assert ("plan/transfers", 1) in found(report)
    assert any(
        "carl is released in stage 1 but in no transfer" in v.message for v in report.violations
    )


def test_person_not_before_uses_each_sides_release_hour() -> None:
    rule = {"id": "late", "kind": "person_not_before", "people": ["carl", "bob"], "hour": 18}
    report = verify(roads(rule), roads_plan())
    # carl (prisoner) leaves at 18; bob (hostage) is received at 17
    assert found(report) == [("late", 1)]
    assert "bob" in report.violations[0].message


def test_site_daily_limit_counts_each_site_apart() -> None:
    rule = {"id": "once", "kind": "site_daily_limit", "per_day": 1}
    # stage 2 on day 0 too, but at the other site
    report = verify(roads(rule), roads_plan(move(2, 14, living_released_hour=18)))
    assert report.ok, report.lines()
    listed = {"id": "south-once", "kind": "site_daily_limit", "sites": ["site-south"], "per_day": 1}
    both_north = roads_plan(move(2, 14, "site-north", living_released_hour=19))
    assert verify(roads(listed), both_north).ok


def test_malformed_roads_plan_gives_violations_not_exceptions() -> None:
    rules = [case.rule for case in ROAD_CASES.values()]
    sc = roads(*{r["id"]: r for r in rules}.values())  # one rule per id: one hostage_fleet
    garbage = copy.deepcopy(ROADS_PLAN)
    st = garbage["stages"][0]
    st.update(site="nowhere", handover_route={"path": [], "hours": -1}, vehicles=-2)
    st["transfers"][0].update(
        prison="atlantis", destination="ofer", path=["x"], prisoners={"ghost": -1, "p-life": 0}
    )
    st["transfers"][1].update(prisoner_ids=["carl", "carl", "nobody-9", "alice"], buses=-1)
    garbage["stages"][1].update(site=None, handover_route=None, transfers=[])
    report = verify(sc, Plan.model_validate(garbage))
    assert not report.ok
    assert {"plan/stages", "plan/routes", "plan/transfers"} <= {v.rule for v in report.violations}
    assert not any("could not be checked" in v.message for v in report.violations)
