"""Why a scenario has no plan, in the scenario's own words.

Every rule is enforced by one literal. To explain infeasibility the model is solved without its
objective, with the literals as assumptions; CP-SAT returns a sufficient (not minimal) set of
them, which is then shrunk by deletion until dropping any one rule makes the rest feasible.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict

from planner.model.builder import build_model
from planner.scenario import (
    AvailabilityRule,
    DeadlineRule,
    EarliestStartRule,
    ExchangeRatioRule,
    HandoverHoursRule,
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    OrderRule,
    PairingRule,
    PrisonProcessingRule,
    ReleaseRule,
    Rule,
    Scenario,
    StageCapacityRule,
    StageGapRule,
)


class Conflict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feasible: bool = False
    rules: list[str]
    minimal: bool
    sentences: list[str] = []
    seconds: float = 0.0


def describe_rule(sc: Scenario, r: Rule) -> str:
    """One sentence quoting the rule's own numbers."""

    def names(ids: list[str]) -> str:
        return ", ".join(ids)

    if isinstance(r, ReleaseRule):
        if r.min_count is None:
            return f"every member of {names(r.cohorts)} is released"
        return f"at least {r.min_count} of {names(r.cohorts)} are released"
    if isinstance(r, ExchangeRatioRule):
        rates = ", ".join(f"{rate:g} per {h}" for h, rate in r.per_hostage.items())
        band = (
            f"behind by at most {r.max_prisoners_behind}, ahead by at most {r.max_prisoners_ahead}"
        )
        return f"{names(r.prisoners)} released at {rates} ({r.scope.replace('_', ' ')}; {band})"
    if isinstance(r, LineBeforeHandoverRule):
        ln = sc.withdrawal_lines[sc.line_index(r.line)]
        return f"the move to line {r.line} ({ln.move_hours} h) completes before the first handover"
    if isinstance(r, LineAfterReleaseRule):
        what = f"at least {r.min_count} of" if r.min_count is not None else "all of"
        return f"the move to line {r.line} starts only after {what} {names(r.cohorts)} are released"
    if isinstance(r, LineWindowRule):
        parts = [f"starts no earlier than hour {r.earliest_start}"]
        if r.latest_start is not None:
            parts.append(f"starts by hour {r.latest_start}")
        if r.latest_complete is not None:
            parts.append(f"completes by hour {r.latest_complete}")
        return f"the move to line {r.line} " + " and ".join(parts)
    if isinstance(r, DeadlineRule):
        anchor = f"the move to line {r.after_line} completing" if r.after_line else "t=0"
        return (
            f"every member of {names(r.cohorts)} is released within {r.within_hours} h of {anchor}"
        )
    if isinstance(r, EarliestStartRule):
        return f"no handover starts before hour {r.hour}"
    if isinstance(r, StageGapRule):
        most = f" and at most {r.max_hours} h" if r.max_hours is not None else ""
        return f"consecutive stages start at least {r.min_hours} h apart{most}"
    if isinstance(r, HandoverHoursRule):
        wins = ", ".join(f"{lo:02d}:00-{hi:02d}:00" for lo, hi in r.windows)
        return f"handovers take place within {wins} (clock time)"
    if isinstance(r, StageCapacityRule):
        who = names(r.cohorts) if r.cohorts else f"all {r.side}"
        how = f"{r.vehicles} vehicles x {r.seats} seats = " if r.vehicles is not None else ""
        return f"at most {how}{r.limit} of {who} per stage"
    if isinstance(r, PrisonProcessingRule):
        return f"{r.prison} releases at most {r.per_day} prisoners per day"
    if isinstance(r, OrderRule):
        gap = f" by at least {r.min_gap_hours} h" if r.min_gap_hours else ""
        if r.mode == "all_before_any":
            return f"all of {names(r.first)} are released before any of {names(r.then)}{gap}"
        return (
            f"the last of {names(r.first)} is released no later than the last of "
            f"{names(r.then)}{gap}"
        )
    if isinstance(r, AvailabilityRule):
        return f"{names(r.cohorts)} can be released only from hour {r.from_hour}"
    if isinstance(r, PairingRule):
        return (
            f"each stage's prisoners are released {r.min_lag_hours} to {r.max_lag_hours} h after "
            "its hostages are received"
        )
    return r.description or r.kind


def _status(sc: Scenario, assumed: list[str], seed: int, seconds: float) -> tuple[int, list[str]]:
    """Solve with the ``assumed`` rules enforced and all others dropped; on infeasibility,
    return a sufficient subset of ``assumed`` (CP-SAT's assumption core)."""
    built = build_model(sc, enforce_rules=False, with_objective=False)
    lits = built.literals
    built.model.add_assumptions([lits[r] for r in assumed])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    code = solver.solve(built.model)
    core: list[str] = []
    if code == cp_model.INFEASIBLE:
        by_index = {lit.index: rid for rid, lit in lits.items()}
        core = [
            by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index
        ]
        core = [r for r in assumed if r in core]  # scenario order
    return code, core


def minimal_conflict(
    sc: Scenario,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    among: list[str] | None = None,
) -> Conflict:
    """A set of rule ids that cannot hold together; minimal unless time ran out.

    Only the rules in ``among`` (default: all) are considered; the others are dropped. An empty
    list means the scenario's fixed structure (horizon, stage slots, cohort sizes, line moves)
    admits no plan even with every rule dropped.
    """
    began = time.monotonic()
    every = [r.id for r in sc.rules] if among is None else list(among)
    code, core = _status(sc, every, seed, time_limit)
    if code != cp_model.INFEASIBLE:
        feasible = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        return Conflict(
            feasible=feasible,
            rules=[],
            minimal=feasible,
            seconds=round(time.monotonic() - began, 3),
        )
    minimal = True
    for rid in list(core):
        if rid not in core:
            continue
        left = time_limit - (time.monotonic() - began)
        if left <= 0.05:
            minimal = False
            break
        trial = [r for r in core if r != rid]
        code, smaller = _status(sc, trial, seed, left)
        if code == cp_model.INFEASIBLE:
            core = smaller if smaller else trial
        elif code != cp_model.FEASIBLE and code != cp_model.OPTIMAL:
            minimal = False  # unknown: keep the rule, the set may not be minimal
    sentences = [f"rule `{rid}`: {describe_rule(sc, sc.rule(rid))}" for rid in core]
    return Conflict(
        rules=core, minimal=minimal, sentences=sentences, seconds=round(time.monotonic() - began, 3)
    )
