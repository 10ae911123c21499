"""Checks of a whole scenario's size and clock that need no id lookups: the model cells it
would create (a limit checked before any model is built) and the calendar its hours fit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from planner.scenario.base import Problem

Scenario = Any  # planner.scenario.scenario.Scenario (not imported: it imports this module)


def clock_problems(sc: Scenario) -> Iterator[Problem]:
    """Every hour a plan can show (up to the horizon, plus travel over every route for an
    arrival) has a clock time before the year 10000."""
    if sc.start_time is None:
        return
    hours = sc.horizon_hours + sum(r.hours for r in sc.routes)
    try:
        sc.start_time + timedelta(hours=hours)
    except OverflowError:
        what = "horizon_hours + route hours" if sc.routes else "horizon_hours"
        yield (
            "$.start_time",
            f"expected a start_time whose clock times fit the calendar: t=0 + {hours} h "
            f"({what}) is after the year 9999; found {sc.start_time.isoformat()}",
        )


def estimated_size(sc: Scenario) -> int:
    """Stage x cohort (x destination) and stage x person cells the model would create."""
    cells = 0
    for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
        cells += 1 + len(sc.allowed_destinations(c.id))
    owner = sc.member_cohort()
    for person in sc.individuals():
        cells += max(1, len(sc.allowed_destinations(owner.get(person, ""))))
    return sc.max_stages * cells
