"""Tiny scenarios built in code for the tests (imported as a plain module)."""

from __future__ import annotations

import copy
from typing import Any

from planner.io import scenario_from_data
from planner.plan import Plan
from planner.scenario import Scenario
from planner.solver import solve

BASE: dict[str, Any] = {
    "name": "tiny",
    "horizon_hours": 300,
    "max_stages": 6,
    "handover_hours": 2,
    "hostage_cohorts": [
        {"id": "living", "count": 3, "status": "living"},
        {"id": "dead", "count": 2, "status": "deceased"},
    ],
    "prisoner_cohorts": [
        {"id": "pris", "count": 30, "sentence": "life", "prison": "ofer"},
        {"id": "remains", "count": 30, "sentence": "remains"},
    ],
    "withdrawal_lines": [
        {"id": "yellow", "share_held_pct": 53, "move_hours": 24},
        {"id": "next", "share_held_pct": 40, "move_hours": 10},
    ],
    "rules": [
        {"kind": "release", "id": "all-hostages", "cohorts": ["living", "dead"]},
        {"kind": "release", "id": "all-prisoners", "cohorts": ["pris"]},
    ],
    "solver": {"time_limit_seconds": 20, "seed": 0, "workers": 1},
}


def _variant(
    base: dict[str, Any], rules: tuple[dict[str, Any], ...], drop: tuple[str, ...], top: Any
) -> Scenario:
    """``base`` plus ``rules``, minus rules whose id is in ``drop``; ``top`` overrides
    top-level fields."""
    data = copy.deepcopy(base)
    data["rules"] = [r for r in data["rules"] if r["id"] not in drop] + list(rules)
    data.update(top)
    return scenario_from_data(data, base["name"])


def tiny(*rules: dict[str, Any], drop: tuple[str, ...] = (), **top: Any) -> Scenario:
    """The base scenario plus ``rules``, minus ``drop``; ``top`` overrides fields."""
    return _variant(BASE, rules, drop, top)


def solved(sc: Scenario, **kwargs: Any) -> Plan:
    """Solve, assert the plan exists and passes the independent verifier, return it."""
    result = solve(sc, **kwargs)
    assert result.plan is not None, (result.status, result.conflict)
    assert result.verification is not None and result.verification.ok, result.verification
    return result.plan


LOGISTICS: dict[str, Any] = {
    "name": "tiny-logistics",
    "horizon_hours": 300,
    "max_stages": 6,
    "handover_hours": 2,
    "hostage_cohorts": [
        {"id": "living", "count": 4, "status": "living", "members": [{"id": "h-named"}]},
    ],
    "prisoner_cohorts": [
        {
            "id": "pris",
            "count": 30,
            "sentence": "life",
            "prison": "prison-p",
            "members": [{"id": "p-one"}, {"id": "p-two"}],
        },
    ],
    "withdrawal_lines": [{"id": "yellow", "share_held_pct": 53, "move_hours": 24}],
    "places": [
        {"id": "site-a", "kind": "handover_site"},
        {"id": "site-b", "kind": "handover_site"},
        {"id": "crossing-x", "kind": "crossing"},
        {"id": "prison-p", "kind": "prison"},
        {"id": "west", "kind": "destination"},
        {"id": "abroad", "kind": "destination", "abroad": True},
    ],
    "routes": [
        {"between": ["site-a", "crossing-x"], "hours": 1},
        {"between": ["site-b", "crossing-x"], "hours": 3},
        {"between": ["prison-p", "west"], "hours": 2},
        {"between": ["prison-p", "abroad"], "hours": 6},
    ],
    "reception": "crossing-x",
    "rules": [
        {"kind": "release", "id": "all-hostages", "cohorts": ["living"]},
        {"kind": "release", "id": "all-prisoners", "cohorts": ["pris"]},
        {"kind": "pairing", "id": "after-receipt", "min_lag_hours": 1, "max_lag_hours": 12},
    ],
    "solver": {"time_limit_seconds": 20, "seed": 0, "workers": 1},
}


def logistics(*rules: dict[str, Any], drop: tuple[str, ...] = (), **top: Any) -> Scenario:
    """The logistics base scenario plus ``rules``, minus ``drop``; ``top`` overrides fields."""
    return _variant(LOGISTICS, rules, drop, top)
