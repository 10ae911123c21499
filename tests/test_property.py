"""Property tests: random small scenarios. Every plan the solver returns passes the independent
verifier, and every conflict it reports is a real, minimal one. This pits the CP-SAT model
against the verifier on combinations no hand-written test covers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_claims import feasible
from tinyscen import BASE, LOGISTICS

from planner.io import scenario_from_data
from planner.solver import solve

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def timing_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    pool: list[dict[str, Any]] = [
        {
            "kind": "deadline",
            "id": "d-living",
            "cohorts": ["living"],
            "within_hours": draw(st.integers(0, 80)),
        },
        {"kind": "line_before_handover", "id": "line-first", "line": "yellow"},
        {
            "kind": "availability",
            "id": "dead-later",
            "cohorts": ["dead"],
            "from_hour": draw(st.integers(0, 90)),
        },
        {
            "kind": "stage_capacity",
            "id": "cap",
            "side": "hostages",
            "max_per_stage": draw(st.integers(1, 5)),
        },
        {
            "kind": "pairing",
            "id": "pair",
            "min_lag_hours": (lo := draw(st.integers(-3, 3))),
            "max_lag_hours": lo + draw(st.integers(0, 10)),
        },
        {
            "kind": "stage_gap",
            "id": "gap",
            "min_hours": (g := draw(st.integers(0, 30))),
            "max_hours": draw(st.one_of(st.none(), st.integers(g, g + 60))),
        },
        {
            "kind": "order",
            "id": "ord",
            "first": ["dead"],
            "then": ["living", "pris"],
            "mode": draw(st.sampled_from(["all_before_any", "finish_no_later"])),
            "min_gap_hours": draw(st.integers(0, 6)),
        },
        {
            "kind": "exchange_ratio",
            "id": "ratio",
            "prisoners": ["remains"],
            "per_hostage": {"dead": draw(st.sampled_from([5, 10, 12.5, 15]))},
            "scope": draw(st.sampled_from(["per_stage", "cumulative"])),
            "max_prisoners_ahead": draw(st.integers(0, 10)),
            "max_prisoners_behind": draw(st.integers(0, 10)),
        },
        {
            "kind": "prison_processing",
            "id": "ofer-day",
            "prison": "ofer",
            "per_day": draw(st.integers(5, 40)),
        },
        {
            "kind": "handover_hours",
            "id": "clock",
            "windows": [[(w := draw(st.integers(0, 18))), draw(st.integers(w + 3, 24))]],
        },
        {"kind": "earliest_start", "id": "not-before", "hour": draw(st.integers(0, 30))},
        {
            "kind": "line_window",
            "id": "yellow-window",
            "line": "yellow",
            "earliest_start": draw(st.integers(0, 20)),
            "latest_complete": draw(st.one_of(st.none(), st.integers(24, 80))),
        },
        {
            "kind": "line_after_release",
            "id": "next-after",
            "line": "next",
            "cohorts": ["living", "dead"],
            "min_count": draw(st.one_of(st.none(), st.integers(1, 5))),
        },
        {
            "kind": "release",
            "id": "some-remains",
            "cohorts": ["remains"],
            "min_count": draw(st.integers(0, 20)),
        },
    ]
    picked = draw(st.lists(st.sampled_from(range(len(pool))), unique=True, max_size=7))
    return [pool[i] for i in sorted(picked)]


@st.composite
def logistics_rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    pool: list[dict[str, Any]] = [
        {
            "kind": "hostage_fleet",
            "id": "fleet",
            "vehicles": draw(st.integers(1, 3)),
            "seats": draw(st.integers(1, 3)),
            "turnaround_hours": draw(st.integers(0, 8)),
        },
        {
            "kind": "buses",
            "id": "buses",
            "buses": draw(st.integers(1, 4)),
            "seats": draw(st.integers(5, 20)),
        },
        {"kind": "site_daily_limit", "id": "site-day", "per_day": draw(st.integers(1, 2))},
        {"kind": "site_after_line", "id": "zone", "sites": ["site-a"], "line": "yellow"},
        {
            "kind": "destination_quota",
            "id": "quota",
            "cohorts": ["pris"],
            "destinations": ["abroad"],
            "min_count": draw(st.integers(0, 10)),
        },
        {"kind": "veto", "id": "veto", "people": ["p-two"]},
        {"kind": "abroad", "id": "abroad-one", "people": ["p-one"]},
        {
            "kind": "person_not_before",
            "id": "late",
            "people": ["p-one"],
            "hour": draw(st.integers(0, 60)),
        },
        {
            "kind": "located_from",
            "id": "found",
            "people": ["h-named"],
            "hour": draw(st.integers(0, 60)),
        },
        {
            "kind": "fixed_stage",
            "id": "fixed",
            "people": ["h-named"],
            "stage": draw(st.integers(1, 3)),
        },
        {
            "kind": "deadline",
            "id": "d-living",
            "cohorts": ["living"],
            "within_hours": draw(st.integers(3, 60)),
        },
    ]
    picked = draw(st.lists(st.sampled_from(range(len(pool))), unique=True, max_size=6))
    return [pool[i] for i in sorted(picked)]


def check(data: dict[str, Any]) -> None:
    sc = scenario_from_data(data)
    result = solve(sc, time_limit=20)
    assert result.status != "time_limit", "tiny scenarios must be decided"
    if result.plan is not None:
        assert result.verification is not None
        assert result.verification.ok, result.verification.lines()
        return
    assert result.status == "infeasible"
    # judged as the user would: edit the file (keep only those rules) and solve from scratch
    conflict = result.conflict
    assert not feasible(data, keep=conflict), conflict  # the conflict alone cannot hold
    for rid in conflict:  # and it is minimal
        assert feasible(data, keep=[r for r in conflict if r != rid]), (conflict, rid)


@pytest.mark.slow
@SETTINGS
@given(timing_rules())
def test_timing_rules_plans_verify_and_conflicts_are_minimal(rules: list[dict[str, Any]]) -> None:
    data = copy.deepcopy(BASE)
    data["rules"] += rules
    check(data)


@pytest.mark.slow
@SETTINGS
@given(logistics_rules())
def test_logistics_rules_plans_verify_and_conflicts_are_minimal(
    rules: list[dict[str, Any]],
) -> None:
    data = copy.deepcopy(LOGISTICS)
    data["rules"] += rules
    check(data)
