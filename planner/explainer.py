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
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import NamedTuple

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import build_model
from planner.scenario import Relax, Rule, Scenario
from planner.solver import lexicographic, make_solver, minimal_conflict, named_values
from planner.solver.conflict import Conflict
from planner.solver.control import run_search, stopping

__all__ = ["Conflict", "Explanation", "explain", "minimal_conflict", "smallest_relaxation"]


# --------------------------------------------------------------------------- explain


class Relaxation(BaseModel):
    """The smallest change of one number of one rule that makes its conflict go away."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    field: str
    current: int
    suggested: int | None = Field(
        description="null: no value of this number alone suffices (when decided), or no "
        "answer in time (decided false)"
    )
    decided: bool = Field(
        default=True,
        description="false: time ran out; ``suggested`` (if any) makes the rest feasible but "
        "is not proved the smallest change",
    )
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
    feasible: bool | None = Field(description="null: not decided (no answer within the time limit)")
    baseline: dict[str, int] = Field(default_factory=dict)
    baseline_proved: bool = Field(
        default=True, description="false: the baseline is the best found, not proved optimal"
    )
    conflicts: list[ConflictExplanation] = Field(default_factory=list)
    binding: list[Binding] = Field(default_factory=list)
    complete: bool = Field(default=True, description="false: time ran out before the end")
    unfinished: list[str] = Field(
        default_factory=list, description="what time ran out for, in words (complete false)"
    )
    seconds: float = 0.0


def _is_hours(field: str) -> bool:
    return "hour" in field


def _far_end(sc: Scenario, r: Rule, field: str, direction: int) -> int:
    """The most relaxed value worth trying for a number: downwards, the schema's lower bound
    (no further than -horizon); upwards, the horizon for hours, else everyone, no further
    than the schema's upper bound (every suggestion is a value the file can hold)."""
    H = sc.horizon_hours
    if direction < 0:
        lowest = type(r).lowest(field)
        return -H if lowest is None else max(lowest, -H)
    if _is_hours(field):
        far = H
    else:
        everyone = sum(c.count for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts])
        far = max(everyone, sc.max_stages)
    highest = type(r).highest(field)
    return far if highest is None else min(far, highest)  # a value the file may hold


def _step(relax: Relax, current: int) -> int:
    """The change 'what binds' tries: the rule's own step, else a day for hours, else 10%."""
    if relax.step is not None:
        return relax.step * relax.direction
    if _is_hours(relax.field):
        return 24 * relax.direction
    return relax.direction * max(1, math.ceil(abs(current) * 0.1))


def _feasible(sc: Scenario, drop: list[str], seed: int, seconds: float) -> bool | None:
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
    field: str,
    direction: int,
    *,
    drop: Sequence[str] = (),
    seed: int = 0,
    seconds: float = 10.0,
    deadline: float | None = None,
) -> Fix:
    """The value of ``field`` closest to the current one that makes the scenario feasible (with
    the ``drop`` rules dropped), by bisection; value None if even the far end is infeasible.
    Feasibility only grows as a number is relaxed, so bisection finds the exact boundary. A
    trial without an answer within ``seconds`` (or past the ``time.monotonic()`` deadline)
    ends the search undecided: it never counts as infeasible."""
    r = sc.rule(rule_id)
    current = getattr(r, field)
    far = _far_end(sc, r, field, direction)
    if (far - current) * direction <= 0:
        return Fix(None, True)

    def trial(value: int) -> bool | None:
        left = seconds if deadline is None else min(seconds, deadline - time.monotonic())
        if left <= 0:
            return None
        return _feasible(sc.with_value(rule_id, field, value), list(drop), seed, left)

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


def _relaxation_sentence(rule_id: str, field: str, current: int, fix: Fix) -> str:
    unit = " h" if _is_hours(field) else ""
    value = fix.value
    if value is None and not fix.decided:
        return f"rule `{rule_id}`: {field}: no answer within the time limit"
    if value is None:
        return f"rule `{rule_id}`: no value of {field} alone makes this conflict go away"
    if not fix.decided:
        return (
            f"rule `{rule_id}`: {field} {current}{unit} -> {value}{unit} makes the rest "
            f"feasible ({value - current:+d}{unit}); time ran out before a smaller change "
            "was ruled out"
        )
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
    if seconds <= 0:
        return None
    built = build_model(sc)
    run = lexicographic(built, seconds=seconds, seed=seed, workers=1, terms=terms, hint=hint)
    if run.values is None or any(t not in run.term_values for t in terms):
        return None  # no solution in time, or its term values could not be settled in time
    proved = len(run.steps) == len(terms) and all(st.status == "optimal" for st in run.steps)
    return {t: run.term_values[t] for t in terms}, named_values(built, run.values), proved


@dataclass
class _Explaining:
    """One explain run: the scenario, its settings, the clock and the explanation so far."""

    sc: Scenario
    seed: int
    time_limit: float
    out: Explanation
    began: float = dataclass_field(default_factory=time.monotonic)

    @property
    def per_solve(self) -> float:
        return self.sc.solver.time_limit_seconds

    @property
    def per_trial(self) -> float:
        """A what-binds trial; an unproved one gives a lower bound."""
        return min(self.per_solve, 10.0)

    def left(self) -> float:
        return self.time_limit - (time.monotonic() - self.began)

    def done(self) -> Explanation:
        self.out.seconds = round(time.monotonic() - self.began, 3)
        return self.out

    def unfinished(self, what: str) -> None:
        """Time ran out for ``what``: the explanation is partial and says so."""
        self.out.complete = False
        self.out.unfinished.append(what)

    def conflicts(self, most: int) -> None:
        """Disjoint minimal conflicts, up to ``most``. The first search decides feasibility:
        feasible, infeasible, or (no answer in time) undecided, claiming nothing."""
        remaining = [r.id for r in self.sc.rules]
        while len(self.out.conflicts) < most:
            which = "further conflicts" if self.out.conflicts else "whether any plan exists"
            if self.left() <= 0:
                self.unfinished(f"the search for {which}")
                break
            found = minimal_conflict(
                self.sc,
                time_limit=min(self.left(), self.per_solve * 4),
                seed=self.seed,
                among=remaining,
            )
            if found.feasible:
                if not self.out.conflicts:
                    self.out.feasible = True
                break
            if not found.decided:  # no answer in time: claim nothing
                self.unfinished(f"the search for {which}")
                break
            self.out.feasible = False
            if not found.minimal:
                self.unfinished(f"the shrinking of conflict {len(self.out.conflicts) + 1}")
            self.out.conflicts.append(
                ConflictExplanation(
                    rules=found.rules, minimal=found.minimal, sentences=found.sentences
                )
            )
            if not found.rules:
                break
            remaining = [r for r in remaining if r not in found.rules]

    def fixes(self) -> None:
        """The smallest change of each number of each conflict, with the other conflicts'
        rules deleted."""
        for i, conflict in enumerate(self.out.conflicts):
            others = [r for j, c in enumerate(self.out.conflicts) if j != i for r in c.rules]
            for rid in conflict.rules:
                for field, direction, _ in self.sc.rule(rid).relaxable:
                    self._fix(conflict, rid, field, direction, others)

    def _fix(
        self, conflict: ConflictExplanation, rid: str, field: str, direction: int, others: list[str]
    ) -> None:
        current = getattr(self.sc.rule(rid), field)
        if current is None:
            return
        if self.left() <= 0:
            self.unfinished(f"the smallest change of {field} of rule `{rid}`")
            return
        fix = smallest_relaxation(
            self.sc,
            rid,
            field,
            direction,
            drop=others,
            seed=self.seed,
            seconds=self.per_solve,
            deadline=self.began + self.time_limit,
        )
        if not fix.decided:
            self.unfinished(f"the smallest change of {field} of rule `{rid}`")
        conflict.relaxations.append(
            Relaxation(
                rule=rid,
                field=field,
                current=current,
                suggested=fix.value,
                decided=fix.decided,
                sentence=_relaxation_sentence(rid, field, current, fix),
            )
        )

    def binding(self, top: int) -> None:
        """Which rules cost the first objective terms the most, by deleting or relaxing each."""
        terms = _first_terms(self.sc)
        found = _optimum(self.sc, terms, self.seed, min(self.left(), self.per_solve))
        if found is None:
            self.unfinished("the optimum of " + ", ".join(terms) + " (no plan found in time)")
            return
        base, hint, proved = found
        self.out.baseline = base
        self.out.baseline_proved = proved
        if not proved:  # gains below are against a value not proved optimal
            self.unfinished("the proof that the baseline is optimal")
        rows: list[Binding] = []
        tried = [r for r in self.sc.rules if r.dropping_relaxes]  # dropping a totals rule
        for i, r in enumerate(tried):  # releases nobody: not a relaxation
            if self.left() <= 0:
                not_tried = ", ".join(f"`{x.id}`" for x in tried[i:])
                self.unfinished(f"what binds: rules {not_tried} not tried")
                break
            rows += self._rule_rows(r, terms, base, hint)
        rows.sort(key=lambda b: tuple(-b.gains[t] for t in terms))
        self.out.binding = rows[:top]

    def _rule_rows(
        self, r: Rule, terms: list[str], base: dict[str, int], hint: dict[str, int]
    ) -> list[Binding]:
        rows: list[Binding] = []
        for change, variant in _trials(self.sc, r):
            if self.left() <= 0:
                self.unfinished(f"what binds: rule `{r.id}` {change}")
                break
            got = _optimum(variant, terms, self.seed, min(self.left(), self.per_trial), hint)
            if got is None:
                self.unfinished(f"what binds: rule `{r.id}` {change} (no plan found in time)")
                continue
            values, _, proved = got
            gains = {t: base[t] - values[t] for t in terms}
            if not any(g > 0 for g in gains.values()):
                if not proved:  # no gain found, but none ruled out either
                    self.unfinished(f"what binds: rule `{r.id}` {change} (not proved in time)")
                if change == "dropped":
                    break  # relaxing a number gains no more than dropping the rule
                continue
            said = ", ".join(f"{t} {base[t]} -> {values[t]}" for t in terms)
            how = "proved" if proved else "at least the best found in time"
            rows.append(
                Binding(
                    rule=r.id,
                    change=change,
                    gains=gains,
                    proved=proved,
                    sentence=f"rule `{r.id}` {change}: {said} ({how})",
                )
            )
        return rows


def _trials(sc: Scenario, r: Rule) -> list[tuple[str, Scenario]]:
    """The edits 'what binds' tries for a rule: delete it, then move each number by a step."""
    trials: list[tuple[str, Scenario]] = [("dropped", sc.without([r.id]))]
    for relax in r.relaxable:
        current = getattr(r, relax.field)
        if current is None:
            continue
        value = current + _step(relax, current)
        if current > 0 > value:
            value = 0  # a positive gap or lag relaxes to none before it turns negative
        unit = " h" if _is_hours(relax.field) else ""
        change = f"{relax.field} {current}{unit} -> {value}{unit}"
        trials.append((change, sc.with_value(r.id, relax.field, value)))
    return trials


def explain(
    sc: Scenario,
    *,
    time_limit: float = 120.0,
    seed: int | None = None,
    top: int = 10,
    max_conflicts: int = 5,
    stop: threading.Event | None = None,
) -> Explanation:
    """Why a scenario is infeasible (disjoint minimal conflicts, each with the smallest
    relaxation of each of its numbers), or, if feasible, which rules bind (hours gained on the
    first objective terms when each rule is dropped or relaxed by a step).

    Time running out is never a verdict: ``feasible`` is None when undecided, and every part
    not finished is listed in ``unfinished`` (``complete`` false). Setting ``stop`` (from any
    thread) stops the running search and raises ``planner.solver.Interrupted``."""
    run = _Explaining(
        sc=sc,
        seed=sc.solver.seed if seed is None else seed,
        time_limit=time_limit,
        out=Explanation(scenario=sc.name, feasible=None),
    )
    with stopping(stop):
        run.conflicts(max_conflicts)
        if run.out.feasible is False:
            run.fixes()
        elif run.out.feasible:
            run.binding(top)
    return run.done()
