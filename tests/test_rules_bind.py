"""For every rule kind, a tiny scenario where the rule binds: the plan with the rule differs from
the plan without it, in the way the rule says. Every plan also passes the verifier."""

from __future__ import annotations

from tinyscen import solved, tiny

from planner.plan import Plan

ONLY_COMPLETION = {"terms": ["completion_hour", "stage_count"]}


def released(plan: Plan, cohort: str) -> int:
    return sum(st.hostages.get(cohort, 0) + st.prisoners.get(cohort, 0) for st in plan.stages)


def stage_of(plan: Plan, cohort: str) -> list[int]:
    return [st.index for st in plan.stages if cohort in st.hostages or cohort in st.prisoners]


def test_base_is_one_stage_at_hour_zero() -> None:
    plan = solved(tiny())
    assert [(s.start_hour, s.handover_complete_hour) for s in plan.stages] == [(0, 2)]
    assert plan.metrics.hostages_released == 5 and released(plan, "pris") == 30
    assert plan.withdrawals[0].start_hour == 0 and plan.withdrawals[1].start_hour == 24


def test_release_min_count() -> None:
    # with 'unreleased' listed after stage_count, releasing costs a stage: nobody need be
    # released without a release rule, and min_count makes at least 2 released
    free = ("all-hostages", "all-prisoners")
    fewest = {"terms": ["stage_count", "unreleased"]}
    without = solved(tiny(drop=free, objective=fewest))
    assert without.metrics.hostages_released == 0 and without.metrics.stage_count == 0
    two = {"kind": "release", "id": "two", "cohorts": ["living", "dead"], "min_count": 2}
    plan = solved(tiny(two, drop=free, objective=fewest))
    assert plan.metrics.hostages_released >= 2 and plan.metrics.stage_count == 1


def test_optional_cohorts_are_released_as_far_as_the_rules_allow() -> None:
    # no rule requires anyone: 'unreleased' comes first, so everyone is released
    plan = solved(tiny(drop=("all-hostages", "all-prisoners")))
    assert plan.objective["unreleased"] == 0 and plan.unreleased == {}
    assert plan.metrics.hostages_released == 5 and released(plan, "remains") == 30
    # a veto keeps one back; the rest of the cohort is still released
    vetoed = {"kind": "veto", "id": "kept", "people": ["p-1"]}
    data_members = {
        "prisoner_cohorts": [
            {
                "id": "pris",
                "count": 30,
                "sentence": "life",
                "prison": "ofer",
                "members": [{"id": "p-1"}],
            },
            {"id": "remains", "count": 30, "sentence": "remains"},
        ]
    }
    plan = solved(tiny(vetoed, drop=("all-prisoners",), **data_members))
    assert released(plan, "pris") == 29 and plan.objective["unreleased"] == 1


def test_prisoners_go_with_a_handover() -> None:
    # releasing the prisoners needs a stage, and every stage hands over a hostage
    plan = solved(tiny(drop=("all-hostages",)))
    assert released(plan, "pris") == 30
    assert plan.stages and all(sum(st.hostages.values()) >= 1 for st in plan.stages)


def test_exchange_ratio_per_stage() -> None:
    assert released(solved(tiny()), "remains") == 30  # optional: released as far as allowed
    rule = {
        "kind": "exchange_ratio",
        "id": "remains-10",
        "prisoners": ["remains"],
        "per_hostage": {"dead": 10},
    }
    plan = solved(tiny(rule))
    assert released(plan, "remains") == 20
    for st in plan.stages:
        assert st.prisoners.get("remains", 0) == 10 * st.hostages.get("dead", 0)


def test_exchange_ratio_cumulative_band_spreads_prisoners() -> None:
    # 30 prisoners owed 10 per living hostage, never more than 10 ahead or behind, and at most
    # one hostage per stage: prisoners follow the hostages stage by stage.
    cap = {"kind": "stage_capacity", "id": "one-car", "side": "hostages", "max_per_stage": 1}
    rule = {
        "kind": "exchange_ratio",
        "id": "ten-each",
        "prisoners": ["pris"],
        "per_hostage": {"living": 10},
        "scope": "cumulative",
        "max_prisoners_ahead": 0,
        "max_prisoners_behind": 10,
    }
    without = solved(tiny(cap))
    assert stage_of(without, "pris") == [1]
    plan = solved(tiny(cap, rule, drop=("all-hostages",), objective={"terms": ["completion_hour"]}))
    running = 0
    for st in plan.stages:
        running += st.prisoners.get("pris", 0) - 10 * st.hostages.get("living", 0)
        assert -10 <= running <= 0
    assert released(plan, "pris") == 30 and len(stage_of(plan, "pris")) >= 3


def test_line_before_handover() -> None:
    assert solved(tiny()).stages[0].start_hour == 0
    plan = solved(tiny({"kind": "line_before_handover", "id": "yellow-first", "line": "yellow"}))
    assert plan.stages[0].start_hour == 24
    assert plan.stages[0].line_in_force == "yellow"


def test_line_after_release() -> None:
    avail = {"kind": "availability", "id": "dead-later", "cohorts": ["dead"], "from_hour": 50}
    assert solved(tiny(avail)).withdrawals[1].start_hour == 24
    rule = {
        "kind": "line_after_release",
        "id": "next-after-all",
        "line": "next",
        "cohorts": ["living", "dead"],
    }
    plan = solved(tiny(avail, rule))
    assert plan.withdrawals[1].start_hour == 52  # the dead are received at 50 + 2
    some = {
        "kind": "line_after_release",
        "id": "next-after-3",
        "line": "next",
        "cohorts": ["living", "dead"],
        "min_count": 3,
    }
    assert solved(tiny(avail, some)).withdrawals[1].start_hour == 24  # 3 living out at hour 2


def test_line_window() -> None:
    rule = {
        "kind": "line_window",
        "id": "yellow-later",
        "line": "yellow",
        "earliest_start": 10,
        "latest_complete": 40,
    }
    plan = solved(tiny(rule))
    assert (plan.withdrawals[0].start_hour, plan.withdrawals[0].complete_hour) == (10, 34)


def test_deadline_splits_a_stage() -> None:
    avail = {"kind": "availability", "id": "dead-later", "cohorts": ["dead"], "from_hour": 50}
    without = solved(tiny(avail, objective=ONLY_COMPLETION))
    assert without.metrics.stage_count == 1 and without.metrics.living_released_hour == 52
    rule = {"kind": "deadline", "id": "living-10h", "cohorts": ["living"], "within_hours": 10}
    plan = solved(tiny(avail, rule, objective=ONLY_COMPLETION))
    assert plan.metrics.stage_count == 2 and plan.metrics.living_released_hour <= 10


def test_deadline_after_line() -> None:
    rule = {
        "kind": "deadline",
        "id": "living-after-yellow",
        "cohorts": ["living"],
        "within_hours": 5,
        "after_line": "yellow",
    }
    late = {"kind": "line_window", "id": "yellow-at-30", "line": "yellow", "earliest_start": 30}
    not_before = {"kind": "earliest_start", "id": "not-before-58", "hour": 58}
    assert solved(tiny(late, not_before)).withdrawals[0].start_hour == 30
    # living received at 60 at the earliest: the anchor (the line's completion) must be >= 55,
    # so the move to the line may not complete earlier than hour 55.
    plan = solved(tiny(rule, late, not_before))
    assert plan.metrics.living_released_hour == 60
    assert plan.withdrawals[0].complete_hour == 55


def test_earliest_start() -> None:
    plan = solved(tiny({"kind": "earliest_start", "id": "not-before-5", "hour": 5}))
    assert plan.stages[0].start_hour == 5


def test_stage_gap() -> None:
    avail = {"kind": "availability", "id": "dead-later", "cohorts": ["dead"], "from_hour": 10}
    without = solved(tiny(avail))
    assert [s.start_hour for s in without.stages] == [0, 10]
    gap = {"kind": "stage_gap", "id": "a-day-apart", "min_hours": 24}
    assert [s.start_hour for s in solved(tiny(avail, gap)).stages] == [0, 24]


def test_stage_gap_max_forces_an_intermediate_stage() -> None:
    avail = {"kind": "availability", "id": "dead-later", "cohorts": ["dead"], "from_hour": 60}
    cap = {"kind": "stage_capacity", "id": "two-cars", "side": "hostages", "max_per_stage": 2}
    plan = solved(tiny(avail, cap, {"kind": "stage_gap", "id": "gap-max", "max_hours": 30}))
    starts = [s.start_hour for s in plan.stages]
    assert all(b - a <= 30 for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] >= 60


def test_handover_hours_with_clock() -> None:
    rule = {"kind": "handover_hours", "id": "daylight", "windows": [[6, 18]]}
    assert solved(tiny(rule)).stages[0].start_hour == 6
    # t=0 at 20:00 local: the first daylight window opens 10 hours later
    plan = solved(tiny(rule, start_time="2025-10-10T20:00:00+03:00"))
    assert plan.stages[0].start_hour == 10


def test_stage_capacity() -> None:
    rule = {
        "kind": "stage_capacity",
        "id": "one-car",
        "side": "hostages",
        "vehicles": 1,
        "seats": 2,
    }
    plan = solved(tiny(rule))
    assert plan.metrics.stage_count == 3
    assert all(sum(s.hostages.values()) <= 2 for s in plan.stages)


def test_prison_processing() -> None:
    rule = {"kind": "prison_processing", "id": "ofer-20-a-day", "prison": "ofer", "per_day": 20}
    plan = solved(tiny(rule))
    days = {s.prisoner_release_hour // 24 for s in plan.stages if s.prisoners}
    assert len(days) == 2 and plan.metrics.completion_hour >= 24


def test_order_all_before_any_with_gap() -> None:
    rule = {
        "kind": "order",
        "id": "dead-first",
        "first": ["dead"],
        "then": ["living"],
        "min_gap_hours": 5,
    }
    plan = solved(tiny(rule))
    assert stage_of(plan, "dead") == [1] and stage_of(plan, "living") == [2]
    assert plan.stages[1].handover_complete_hour >= plan.stages[0].handover_complete_hour + 5


def test_order_hostages_before_prisoners_with_pairing() -> None:
    rule = {
        "kind": "order",
        "id": "hostages-first",
        "first": ["living", "dead"],
        "then": ["pris"],
        "min_gap_hours": 1,
    }
    plan = solved(tiny(rule))
    assert plan.stages[0].prisoner_release_hour == 3


def test_order_finish_no_later() -> None:
    avail = {"kind": "availability", "id": "living-later", "cohorts": ["living"], "from_hour": 40}
    rule = {
        "kind": "order",
        "id": "living-done-first",
        "first": ["living"],
        "then": ["pris"],
        "mode": "finish_no_later",
    }
    without = solved(tiny(avail))
    assert without.stages[0].prisoners.get("pris") == 30
    plan = solved(tiny(avail, rule))
    last_pris = max(s.prisoner_release_hour or 0 for s in plan.stages if "pris" in s.prisoners)
    assert last_pris >= 42


def test_availability() -> None:
    rule = {
        "kind": "availability",
        "id": "dead-later",
        "cohorts": ["dead"],
        "from_hour": 50,
        "range_hours": [30, 90],
    }
    plan = solved(tiny(rule))
    assert [s.start_hour for s in plan.stages] == [0, 50]
    assert stage_of(plan, "dead") == [2]


def test_pairing() -> None:
    assert solved(tiny()).stages[0].prisoner_release_hour == 0
    rule = {"kind": "pairing", "id": "after-receipt", "min_lag_hours": 3, "max_lag_hours": 6}
    plan = solved(tiny(rule))
    st = plan.stages[0]
    assert st.prisoner_release_hour == st.handover_complete_hour + 3 == 5
