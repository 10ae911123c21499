"""Trial solves of edited scenarios, for explain: is a variant feasible, what is its optimum,
what is the smallest change of one number that makes it feasible.

Every trial edits the scenario as a user would edit the file (``Scenario.without``,
``Scenario.with_value``) and builds the model afresh, so every claim holds when the user makes
that edit and solves. Trials are independent: each is a plain function of picklable arguments
(one CP-SAT worker, a fixed seed, an absolute ``time.monotonic()`` deadline) so that explain
can run them in a process pool and get the same answers as in one process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ortools.sat.python import cp_model

from planner.model.builder import build_model
from planner.scenario import Relax, Rule, Scenario
from planner.solver import lexicographic, make_solver, named_values
from planner.solver.control import run_search
from planner.solver.run import SolverOptions


def is_hours(field_name: str) -> bool:
    return "hour" in field_name


def far_end(sc: Scenario, r: Rule, field_name: str, direction: int) -> int:
    """The most relaxed value worth trying for a number: downwards, the schema's lower bound
    (no further than -horizon); upwards, the horizon for hours, else everyone, no further
    than the schema's upper bound (every suggestion is a value the file can hold)."""
    H = sc.horizon_hours
    if direction < 0:
        lowest = type(r).lowest(field_name)
        return within(r, field_name, -H if lowest is None else max(lowest, -H))
    if is_hours(field_name):
        far = H
    else:
        everyone = sum(c.count for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts])
        far = max(everyone, sc.max_stages)
    highest = type(r).highest(field_name)
    return within(r, field_name, far if highest is None else min(far, highest))


def within(r: Rule, field_name: str, value: int) -> int:
    """``value`` kept inside the rule's own bounds on the number (``RuleBase.value_bounds``:
    an uncertain number stays in its range), so a suggestion is a value the file can hold."""
    lo, hi = r.value_bounds(field_name)
    value = value if lo is None else max(lo, value)
    return value if hi is None else min(hi, value)


def step_of(relax: Relax, current: int) -> int:
    """The change 'what binds' tries: the rule's own step, else a day for hours, else 10%."""
    if relax.step is not None:
        return relax.step * relax.direction
    if is_hours(relax.field):
        return 24 * relax.direction
    return relax.direction * max(1, math.ceil(abs(current) * 0.1))


def feasible(sc: Scenario, drop: list[str], seed: int, seconds: float) -> bool | None:
    """Is the scenario with the ``drop`` rules deleted feasible? None: no answer in time."""
    built = build_model(sc.without(drop), with_objective=False)
    code = run_search(make_solver(seed, 1, seconds), built.model, built)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


class Fix(NamedTuple):
    """A bisection's answer: the closest value found that makes the rest feasible (None: none
    does, or none was found), and whether that is decided (False: time ran out)."""

    value: int | None
    decided: bool


def smallest_relaxation(
    sc: Scenario,
    rule_id: str,
    field_name: str,
    direction: int,
    *,
    drop: Sequence[str] = (),
    seed: int = 0,
    seconds: float = 10.0,
    deadline: float | None = None,
) -> Fix:
    """The value of ``field_name`` closest to the current one that makes the scenario feasible
    (with the ``drop`` rules dropped), by bisection; value None if even the far end is
    infeasible. Feasibility only grows as a number is relaxed, so bisection finds the exact
    boundary. A trial without an answer within ``seconds`` (or past the ``time.monotonic()``
    deadline) ends the search undecided: it never counts as infeasible."""
    r = sc.rule(rule_id)
    current = getattr(r, field_name)
    far = far_end(sc, r, field_name, direction)
    if (far - current) * direction <= 0:
        return Fix(None, True)

    def trial(value: int) -> bool | None:
        left = seconds if deadline is None else min(seconds, deadline - time.monotonic())
        if left <= 0:
            return None
        return feasible(sc.with_value(rule_id, field_name, value), list(drop), seed, left)

    at_far = trial(far)
    if at_far is None:
        return Fix(None, False)
    if not at_far:
        return Fix(None, True)
    bad, good = current, far
    while abs(good - bad) > 1:
        mid = (bad + good) // 2
        ok = trial(mid)
        if ok is None:
            return Fix(good, False)
        if ok:
            good = mid
        else:
            bad = mid
    return Fix(good, True)


@dataclass
class Optimum:
    """A lexicographic trial's answer. ``values``: the terms CP-SAT settled, in order — every
    term proved optimal, then the first term not proved (its best value found: an upper bound
    of its optimum); later terms are left out. ``proved``: every term proved optimal."""

    status: str  # "found" | "infeasible" | "unknown" (no solution in time) | "not tried"
    values: dict[str, int] = field(default_factory=dict)
    proved: bool = False
    hint: dict[str, int] = field(default_factory=dict)


def optimum(
    sc: Scenario,
    terms: list[str],
    seed: int,
    seconds: float,
    hint: dict[str, int] | None = None,
    *,
    want_hint: bool = False,
    work: float | None = None,
) -> Optimum:
    """Best values CP-SAT found for ``terms`` (lexicographic) within ``seconds``, and within
    ``work`` units of CP-SAT's deterministic time per term if given (a limit that cuts a
    search at the same point on every run, however loaded the machine); with ``want_hint``
    also the solution by variable name (a hint for an edited variant)."""
    if seconds <= 0:
        return Optimum("not tried")
    built = build_model(sc)
    options = None if work is None else SolverOptions({"max_deterministic_time": work})
    run = lexicographic(
        built,
        seconds=seconds,
        seed=seed,
        workers=1,
        terms=terms,
        hint=hint,
        options=options,
        exact_terms=False,
    )
    if run.values is None:
        return Optimum("infeasible" if run.infeasible else "unknown")
    values: dict[str, int] = {}
    for st in run.steps:
        if st.value is None:
            break
        values[st.term] = st.value
        if st.status != "optimal":
            break
    if not values:
        return Optimum("unknown")
    proved = len(run.steps) == len(terms) and all(st.status == "optimal" for st in run.steps)
    named = named_values(built, run.values) if want_hint else {}
    return Optimum("found", values, proved, named)


@dataclass(frozen=True)
class Trial:
    """One what-binds trial: a rule dropped or one of its numbers moved by a step."""

    rule: str
    change: str
    variant: Scenario


def binding_trials(sc: Scenario, r: Rule) -> list[Trial]:
    """The edits 'what binds' tries for a rule: delete it, then move each number by a step."""
    trials = [Trial(r.id, "dropped", sc.without([r.id]))]
    for relax in r.relaxable:
        current = getattr(r, relax.field)
        if current is None:
            continue
        value = current + step_of(relax, current)
        if current > 0 > value:
            value = 0  # a positive gap or lag relaxes to none before it turns negative
        value = within(r, relax.field, value)
        if value == current:
            continue  # at the end of the rule's own range
        unit = " h" if is_hours(relax.field) else ""
        change = f"{relax.field} {current}{unit} -> {value}{unit}"
        trials.append(Trial(r.id, change, sc.with_value(r.id, relax.field, value)))
    return trials


# --------------------------------------------------------------------------- pool tasks
# Top-level functions of one picklable tuple each, so that a process pool can run them.

OptimumTask = tuple[Scenario, list[str], int, float, float, float, dict[str, int]]
FixTask = tuple[Scenario, str, str, int, list[str], int, float, float]


def optimum_task(task: OptimumTask) -> Optimum:
    """(variant, terms, seed, per-trial seconds, work per term, deadline, hint) -> its
    optimum."""
    variant, terms, seed, per_trial, work, deadline, hint = task
    left = min(per_trial, deadline - time.monotonic())
    return optimum(variant, terms, seed, left, hint, work=work)


def fix_task(task: FixTask) -> Fix:
    """(scenario, rule, field, direction, drop, seed, per-solve seconds, deadline) -> a Fix."""
    sc, rid, field_name, direction, drop, seed, seconds, deadline = task
    if deadline - time.monotonic() <= 0:
        return Fix(None, False)
    return smallest_relaxation(
        sc, rid, field_name, direction, drop=drop, seed=seed, seconds=seconds, deadline=deadline
    )
