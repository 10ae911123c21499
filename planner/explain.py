"""Why a scenario has no plan, in the scenario's own words.

Every rule is enforced by one literal. To explain infeasibility the model is solved without its
objective, with the literals as assumptions; CP-SAT returns a sufficient (not minimal) set of
them, which is then shrunk by deletion until dropping any one rule makes the rest feasible.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import build_model
from planner.scenario import (
    AbroadRule,
    AvailabilityRule,
    BusesRule,
    DeadlineRule,
    DestinationQuotaRule,
    EarliestStartRule,
    ExchangeRatioRule,
    FixedStageRule,
    HandoverHoursRule,
    HostageFleetRule,
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    LocatedFromRule,
    OrderRule,
    PairingRule,
    PersonNotBeforeRule,
    PrisonProcessingRule,
    ReleaseRule,
    Rule,
    Scenario,
    SiteAfterLineRule,
    SiteDailyLimitRule,
    StageCapacityRule,
    StageGapRule,
    VetoRule,
)
from planner.solver import decode, lexicographic, make_solver


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
    if isinstance(r, SiteAfterLineRule):
        return f"no handover at {names(r.sites)} before the move to line {r.line} completes"
    if isinstance(r, SiteDailyLimitRule):
        where = names(r.sites) if r.sites else "any handover site"
        return f"at most {r.per_day} handovers a day at {where}"
    if isinstance(r, HostageFleetRule):
        return (
            f"{r.vehicles} intermediary vehicles x {r.seats} seats, each busy until "
            f"{r.turnaround_hours} h after its handover completes"
        )
    if isinstance(r, BusesRule):
        where = f" to {names(r.destinations)}" if r.destinations else ""
        return f"at most {r.buses} buses x {r.seats} seats per stage{where}"
    if isinstance(r, DestinationQuotaRule):
        bounds = []
        if r.min_count is not None:
            bounds.append(f"at least {r.min_count}")
        if r.max_count is not None:
            bounds.append(f"at most {r.max_count}")
        return f"{' and '.join(bounds)} of {names(r.cohorts)} go to {names(r.destinations)}"
    if isinstance(r, VetoRule):
        return f"{names(r.people)} are never released"
    if isinstance(r, AbroadRule):
        return f"{names(r.people)}, if released, go abroad"
    if isinstance(r, PersonNotBeforeRule):
        return f"{names(r.people)} are released no earlier than hour {r.hour}"
    if isinstance(r, LocatedFromRule):
        return f"{names(r.people)} can be handed over only from hour {r.hour} (location unknown)"
    if isinstance(r, FixedStageRule):
        return f"{names(r.people)} are released in stage {r.stage}"
    return r.description or r.kind


def _status(sc: Scenario, assumed: list[str], seed: int, seconds: float) -> tuple[int, list[str]]:
    """Solve with the ``assumed`` rules enforced and all others dropped; on infeasibility,
    return a sufficient subset of ``assumed`` (CP-SAT's assumption core)."""
    built = build_model(sc, enforce_rules=False, with_objective=False)
    lits = built.literals
    built.model.add_assumptions([lits[r] for r in assumed])
    solver = make_solver(seed, 1, seconds)
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


# --------------------------------------------------------------------------- explain


class Relaxation(BaseModel):
    """The smallest change of one number of one rule that makes its conflict go away."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    field: str
    current: int
    suggested: int | None = Field(description="null: no value of this number alone suffices")
    sentence: str


class ConflictExplanation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[str]
    minimal: bool
    sentences: list[str]
    relaxations: list[Relaxation] = Field(default_factory=list)


class Binding(BaseModel):
    """How much the first objective terms improve if a rule is dropped or relaxed by a step."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    change: str
    gains: dict[str, int]
    proved: bool = Field(
        default=True,
        description="false: the relaxed optimum was not proved in time, so each "
        "gain is a lower bound",
    )
    sentence: str


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str
    feasible: bool
    baseline: dict[str, int] = Field(default_factory=dict)
    conflicts: list[ConflictExplanation] = Field(default_factory=list)
    binding: list[Binding] = Field(default_factory=list)
    complete: bool = Field(default=True, description="false: time ran out before the end")
    seconds: float = 0.0


# kind -> the numbers a negotiator can move, and which way relaxes the rule (+1 raise, -1 lower)
RELAXABLE: dict[str, list[tuple[str, int]]] = {
    "deadline": [("within_hours", 1)],
    "earliest_start": [("hour", -1)],
    "stage_gap": [("min_hours", -1), ("max_hours", 1)],
    "stage_capacity": [("max_per_stage", 1), ("vehicles", 1)],
    "prison_processing": [("per_day", 1)],
    "pairing": [("max_lag_hours", 1), ("min_lag_hours", -1)],
    "availability": [("from_hour", -1)],
    "line_window": [("latest_start", 1), ("latest_complete", 1), ("earliest_start", -1)],
    "order": [("min_gap_hours", -1)],
    "exchange_ratio": [("max_prisoners_behind", 1), ("max_prisoners_ahead", 1)],
    "release": [("min_count", -1)],
    "line_after_release": [("min_count", -1)],
    "site_daily_limit": [("per_day", 1)],
    "hostage_fleet": [("vehicles", 1), ("turnaround_hours", -1)],
    "buses": [("buses", 1)],
    "destination_quota": [("min_count", -1), ("max_count", 1)],
    "person_not_before": [("hour", -1)],
    "located_from": [("hour", -1)],
}


def _is_hours(field: str) -> bool:
    return "hour" in field


def _far_end(sc: Scenario, r: Rule, field: str, direction: int) -> int:
    """The most relaxed value worth trying for a number."""
    H = sc.horizon_hours
    if direction < 0:
        if field in ("min_lag_hours", "min_gap_hours"):
            return -H
        return 1 if r.kind == "line_after_release" else 0
    if _is_hours(field):
        return H
    everyone = sum(c.count for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts])
    return max(everyone, sc.max_stages)


def _step(field: str, current: int, direction: int) -> int:
    """The stated step for 'what binds': a day for hours, one vehicle or bus, else 10%."""
    if _is_hours(field):
        return 24 * direction
    if field in ("vehicles", "buses"):
        return direction
    return direction * max(1, math.ceil(abs(current) * 0.1))


def _with_value(sc: Scenario, rule_id: str, field: str, value: int) -> Scenario:
    rules = [r.model_copy(update={field: value}) if r.id == rule_id else r for r in sc.rules]
    return sc.model_copy(update={"rules": rules})


def _feasible(sc: Scenario, drop: list[str], seed: int, seconds: float) -> bool | None:
    built = build_model(sc, with_objective=False, drop=drop)
    code = make_solver(seed, 1, seconds).solve(built.model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


def smallest_relaxation(
    sc: Scenario,
    rule_id: str,
    field: str,
    direction: int,
    *,
    drop: Sequence[str] = (),
    seed: int = 0,
    seconds: float = 10.0,
) -> int | None:
    """The value of ``field`` closest to the current one that makes the scenario feasible (with
    the ``drop`` rules dropped), by bisection; None if even the far end is infeasible.
    Feasibility only grows as a number is relaxed, so bisection finds the exact boundary."""
    r = sc.rule(rule_id)
    current = getattr(r, field)
    far = _far_end(sc, r, field, direction)
    if (far - current) * direction <= 0:
        return None
    if not _feasible(_with_value(sc, rule_id, field, far), list(drop), seed, seconds):
        return None
    bad, good = current, far
    while abs(good - bad) > 1:
        mid = (bad + good) // 2
        if _feasible(_with_value(sc, rule_id, field, mid), list(drop), seed, seconds):
            good = mid
        else:
            bad = mid
    return good


def _relaxation_sentence(rule_id: str, field: str, current: int, value: int | None) -> str:
    unit = " h" if _is_hours(field) else ""
    if value is None:
        return f"rule `{rule_id}`: no value of {field} alone makes this conflict go away"
    return (
        f"rule `{rule_id}`: {field} {current}{unit} -> {value}{unit} is the smallest change "
        f"that makes the rest feasible ({value - current:+d}{unit})"
    )


def _first_terms(sc: Scenario, n: int = 2) -> list[str]:
    return list(sc.objective.terms[:n])


def _optimum(
    sc: Scenario,
    drop: list[str],
    terms: list[str],
    seed: int,
    seconds: float,
    hint: dict[int, int] | None = None,
) -> tuple[dict[str, int], dict[int, int], bool] | None:
    """Best values found for ``terms`` (lexicographic), the solution, and whether every term
    was proved optimal; None if no solution in time. A relaxed variant has the same variables,
    so the baseline solution is a valid hint."""
    built = build_model(sc, drop=drop)
    run = lexicographic(built, seconds=seconds, seed=seed, workers=1, terms=terms, hint=hint)
    if run.values is None:
        return None
    proved = len(run.steps) == len(terms) and all(st.status == "optimal" for st in run.steps)
    plan = decode(sc, built, run.values, "optimal" if proved else "feasible", seed)
    return {t: plan.objective[t] for t in terms}, run.values, proved


def explain(
    sc: Scenario,
    *,
    time_limit: float = 120.0,
    seed: int | None = None,
    top: int = 10,
    max_conflicts: int = 5,
) -> Explanation:
    """Why a scenario is infeasible (disjoint minimal conflicts, each with the smallest
    relaxation of each of its numbers), or, if feasible, which rules bind (hours gained on the
    first objective terms when each rule is dropped or relaxed by a step)."""
    began = time.monotonic()
    seed = sc.solver.seed if seed is None else seed
    per_solve = sc.solver.time_limit_seconds
    per_trial = min(per_solve, 10.0)  # a what-binds trial; an unproved one gives a lower bound
    out = Explanation(scenario=sc.name, feasible=True)

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    remaining = [r.id for r in sc.rules]
    while len(out.conflicts) < max_conflicts and left() > 0:
        found = minimal_conflict(
            sc, time_limit=min(left(), per_solve * 4), seed=seed, among=remaining
        )
        if found.feasible:
            break
        out.feasible = False
        out.conflicts.append(
            ConflictExplanation(rules=found.rules, minimal=found.minimal, sentences=found.sentences)
        )
        if not found.rules:
            break
        remaining = [r for r in remaining if r not in found.rules]
    if not out.feasible:
        for i, conflict in enumerate(out.conflicts):
            others = [r for j, c in enumerate(out.conflicts) if j != i for r in c.rules]
            for rid in conflict.rules:
                r = sc.rule(rid)
                for field, direction in RELAXABLE.get(r.kind, []):
                    current = getattr(r, field)
                    if current is None or left() <= 0:
                        out.complete = out.complete and current is None
                        continue
                    value = smallest_relaxation(
                        sc,
                        rid,
                        field,
                        direction,
                        drop=others,
                        seed=seed,
                        seconds=min(left(), per_solve),
                    )
                    conflict.relaxations.append(
                        Relaxation(
                            rule=rid,
                            field=field,
                            current=current,
                            suggested=value,
                            sentence=_relaxation_sentence(rid, field, current, value),
                        )
                    )
        out.seconds = round(time.monotonic() - began, 3)
        return out
    terms = _first_terms(sc)
    found = _optimum(sc, [], terms, seed, min(left(), per_solve))
    if found is None:
        out.complete = False
        out.seconds = round(time.monotonic() - began, 3)
        return out
    base, hint, proved = found
    out.baseline = base
    if not proved:
        out.complete = False  # gains below are measured against a value not proved optimal
    rows: list[Binding] = []
    for r in sc.rules:
        if r.kind == "release" and r.min_count is None:
            continue  # dropping a totals rule releases nobody: not a relaxation
        trials: list[tuple[str, Scenario, list[str]]] = [("dropped", sc, [r.id])]
        for field, direction in RELAXABLE.get(r.kind, []):
            current = getattr(r, field)
            if current is None:
                continue
            value = current + _step(field, current, direction)
            if current > 0 > value:
                value = 0  # a positive gap or lag relaxes to none before it turns negative
            unit = " h" if _is_hours(field) else ""
            trials.append(
                (
                    f"{field} {current}{unit} -> {value}{unit}",
                    _with_value(sc, r.id, field, value),
                    [],
                )
            )
        for change, variant, drop in trials:
            if left() <= 0:
                out.complete = False
                break
            got = _optimum(variant, drop, terms, seed, min(left(), per_trial), hint)
            if got is None:
                out.complete = False
                continue
            gains = {t: base[t] - got[0][t] for t in terms}
            at_least = "" if got[2] else "at least "
            if change == "dropped" and not any(g > 0 for g in gains.values()):
                break  # relaxing a number gains no more than dropping the rule
            if any(g > 0 for g in gains.values()):
                said = ", ".join(f"{t} {base[t]} -> {got[0][t]}" for t in terms)
                said = f"{said} ({at_least}{'proved' if got[2] else 'the best found in time'})"
                rows.append(
                    Binding(
                        rule=r.id,
                        change=change,
                        gains=gains,
                        proved=got[2],
                        sentence=f"rule `{r.id}` {change}: {said}",
                    )
                )
    rows.sort(key=lambda b: tuple(-b.gains[t] for t in terms))
    out.binding = rows[:top]
    out.seconds = round(time.monotonic() - began, 3)
    return out
