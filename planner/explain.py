"""Why a scenario has no plan, and what binds when it has one, in the scenario's own words.

Infeasible: disjoint minimal conflicts (``planner.solver.conflict``), each with the smallest
change of each of its numbers that makes the rest feasible (bisection, each trial solved).
Feasible: which rules cost the first objective terms the most hours, found by deleting each rule
or relaxing it by a step and solving again. Every trial edits the scenario as a user would edit
the file (``Scenario.without``, ``Scenario.with_value``) and builds the model afresh, so every
claim holds when the user makes that edit and solves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import build_model
from planner.scenario import Relax, Rule, Scenario
from planner.solver import lexicographic, make_solver, minimal_conflict, named_values
from planner.solver.conflict import Conflict

__all__ = ["Conflict", "Explanation", "explain", "minimal_conflict", "smallest_relaxation"]


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


def _is_hours(field: str) -> bool:
    return "hour" in field


def _far_end(sc: Scenario, r: Rule, field: str, direction: int) -> int:
    """The most relaxed value worth trying for a number: downwards, the schema's lower bound
    (no further than -horizon); upwards, the horizon for hours, else everyone."""
    H = sc.horizon_hours
    if direction < 0:
        lowest = type(r).lowest(field)
        return -H if lowest is None else max(lowest, -H)
    if _is_hours(field):
        return H
    everyone = sum(c.count for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts])
    return max(everyone, sc.max_stages)


def _step(relax: Relax, current: int) -> int:
    """The change 'what binds' tries: the rule's own step, else a day for hours, else 10%."""
    if relax.step is not None:
        return relax.step * relax.direction
    if _is_hours(relax.field):
        return 24 * relax.direction
    return relax.direction * max(1, math.ceil(abs(current) * 0.1))


def _with_value(sc: Scenario, rule_id: str, field: str, value: int) -> Scenario:
    return sc.with_value(rule_id, field, value)


def _feasible(sc: Scenario, drop: list[str], seed: int, seconds: float) -> bool | None:
    """Is the scenario with the ``drop`` rules deleted feasible? None: no answer in time."""
    built = build_model(sc.without(drop), with_objective=False)
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
    terms: list[str],
    seed: int,
    seconds: float,
    hint: dict[str, int] | None = None,
) -> tuple[dict[str, int], dict[str, int], bool] | None:
    """Best values CP-SAT found for ``terms`` (lexicographic), the solution by variable name
    (a hint for an edited variant), and whether every term was proved optimal; None if no
    solution in time."""
    built = build_model(sc)
    run = lexicographic(built, seconds=seconds, seed=seed, workers=1, terms=terms, hint=hint)
    if run.values is None:
        return None
    proved = len(run.steps) == len(terms) and all(st.status == "optimal" for st in run.steps)
    return {t: run.term_values[t] for t in terms}, named_values(built, run.values), proved


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
        if not found.decided:  # no answer in time: claim nothing
            out.complete = False
            break
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
                for field, direction, _ in r.relaxable:
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
    found = _optimum(sc, terms, seed, min(left(), per_solve))
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
        if not r.dropping_relaxes:
            continue  # dropping a totals rule releases nobody: not a relaxation
        trials: list[tuple[str, Scenario]] = [("dropped", sc.without([r.id]))]
        for relax in r.relaxable:
            field, direction = relax.field, relax.direction
            current = getattr(r, field)
            if current is None:
                continue
            value = current + _step(relax, current)
            if current > 0 > value:
                value = 0  # a positive gap or lag relaxes to none before it turns negative
            unit = " h" if _is_hours(field) else ""
            trials.append(
                (f"{field} {current}{unit} -> {value}{unit}", sc.with_value(r.id, field, value))
            )
        for change, variant in trials:
            if left() <= 0:
                out.complete = False
                break
            got = _optimum(variant, terms, seed, min(left(), per_trial), hint)
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
