"""Objective terms, each a linear expression minimised in turn (lexicographic)."""

from __future__ import annotations

from planner.model.rules import peak_imbalance
from planner.model.variables import LinExpr, Variables


def living_released_hour(v: Variables) -> LinExpr:
    living = [c.id for c in v.sc.hostage_cohorts if c.status == "living"]
    last = v.model.new_int_var(0, v.H, "objective.living_released_hour")
    for s in range(v.S):
        for c in living:
            v.model.add(last >= v.handover_complete(s)).only_enforce_if(v.used[s, c])
    return last


def completion_hour(v: Variables) -> LinExpr:
    last = v.model.new_int_var(0, v.H, "objective.completion_hour")
    for s in range(v.S):
        v.model.add(last >= v.handover_complete(s)).only_enforce_if(v.active[s])
        v.model.add(last >= v.release[s]).only_enforce_if(v.has_prisoners[s])
    return last


def stage_count(v: Variables) -> LinExpr:
    return sum(v.active, start=0)


def priority(v: Variables) -> LinExpr:
    total: LinExpr = 0
    for cohort, weight in v.sc.objective.priorities.items():
        done = v.model.new_int_var(0, v.H, f"objective.priority.{cohort}")
        for s in range(v.S):
            v.model.add(done >= v.release_hour(s, cohort)).only_enforce_if(v.used[s, cohort])
        total = total + weight * done
    return total


def unreleased(v: Variables) -> LinExpr:
    """People not released, each weighted by its cohort's priority (at least 1)."""
    total: LinExpr = 0
    for c in v.cohorts:
        released = sum((v.count[s, c] for s in range(v.S)), start=0)
        total = total + v.sc.objective.unreleased_weight(c) * (v.sc.cohort_count(c) - released)
    return total


def lines_unreached(v: Variables) -> LinExpr:
    """Conditional lines not moved to."""
    return sum((1 - x for x in v.reached.values()), start=0)


def tidy_people(v: Variables) -> LinExpr:
    """First tie-break after the listed terms: people in earlier stages (slots are in time
    order, so weighting each person by the slot index moves releases forward)."""
    return sum((s * v.count[s, c] for s in range(v.S) for c in v.cohorts), start=0)


def tidy_hours(v: Variables) -> LinExpr:
    """Last tie-break: every stage, release and withdrawal as early as the terms allow."""
    return sum(v.start, start=0) + sum(v.release, start=0) + sum(v.line_start.values(), start=0)


TERMS = {
    "living_released_hour": living_released_hour,
    "completion_hour": completion_hour,
    "stage_count": stage_count,
    "peak_imbalance": peak_imbalance,
    "priority": priority,
    "unreleased": unreleased,
    "lines_unreached": lines_unreached,
}
