"""Why a scenario has no plan, and what binds when it has one, in the scenario's own words.

Infeasible: disjoint minimal conflicts (``planner.solver.conflict``), each with the smallest
change of each of its numbers that makes the rest feasible (bisection, each trial solved).
Feasible: which rules cost the first objective terms the most hours, found by deleting each rule
or relaxing it by a step and solving again. Every trial edits the scenario as a user would edit
the file (``Scenario.without``, ``Scenario.with_value``) and builds the model afresh, so every
claim holds when the user makes that edit and solves.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.progress import step
from planner.scenario import Scenario
from planner.scenario.rules.base import BASIS_WORDS
from planner.solver import minimal_conflict
from planner.solver.conflict import Conflict
from planner.solver.control import stopping
from planner.solver.parallel import TrialPool, default_jobs, run_all
from planner.trials import (
    Fix,
    Optimum,
    OptimumTask,
    Trial,
    binding_trials,
    fix_task,
    is_hours,
    optimum,
    optimum_task,
    smallest_relaxation,
)

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
    basis: Literal["term", "assumption"] = Field(
        default="term",
        description="the rule's basis: an agreed term (a change needs the other party) or a "
        "planning assumption (cheap to revisit)",
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
    basis: Literal["term", "assumption"] = Field(
        default="term",
        description="the rule's basis: an agreed term (a change needs the other party) or a "
        "planning assumption (cheap to revisit)",
    )
    sentence: str


class Explanation(BaseModel):
    """What ``explain`` found (``planner explain --json``). Infeasible: ``conflicts``, each a
    minimal set of rule ids that cannot all hold, with the smallest change of each number that
    resolves it (``fixes``). Feasible: ``binding``, the rules that cost the first objective
    terms the most (gains when each is deleted or relaxed by a step), against ``baseline``.
    ``feasible`` None and ``complete`` false mean time ran out: nothing is claimed for what is
    listed in ``unfinished``."""

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


def _relaxation_sentence(
    rule_id: str, field: str, current: int, fix: Fix, bounds: tuple[int | None, int | None]
) -> str:
    unit = " h" if is_hours(field) else ""
    value = fix.value
    if value is None and not fix.decided:
        return f"rule `{rule_id}`: {field}: no answer within the time limit"
    if value is None:
        inside = (
            f" within its range_hours [{bounds[0]}, {bounds[1]}]" if bounds[0] is not None else ""
        )
        return f"rule `{rule_id}`: no value of {field}{inside} alone makes this conflict go away"
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


# CP-SAT deterministic time (work units, the same on every run and in every process) allowed
# to each term of a what-binds trial: a trial cut there reports a lower bound (">="), at the
# same point on every run, so explain repeats itself however loaded the machine is. (Measured:
# January 2025 with its stage gap dropped stops its first term there after 4.1 s of wall time
# on a 2-core machine, value 52 found, not proved.)
TRIAL_WORK = 2.0


@dataclass
class _Explaining:
    """One explain run: the scenario, its settings, the clock and the explanation so far."""

    sc: Scenario
    seed: int
    time_limit: float
    out: Explanation
    jobs: int = 1
    began: float = dataclass_field(default_factory=time.monotonic)
    hint: dict[str, int] = dataclass_field(default_factory=dict)

    @property
    def per_solve(self) -> float:
        return self.sc.solver.time_limit_seconds

    @property
    def per_trial(self) -> float:
        """Wall-clock cap of a what-binds trial (a backstop: ``TRIAL_WORK`` ends it first on
        any but a very slow machine); an unproved trial gives a lower bound."""
        return self.per_solve

    @property
    def deadline(self) -> float:
        return self.began + self.time_limit

    def left(self) -> float:
        return self.time_limit - (time.monotonic() - self.began)

    def done(self) -> Explanation:
        self.out.seconds = round(time.monotonic() - self.began, 3)
        return self.out

    def unfinished(self, what: str) -> None:
        """Time ran out for ``what``: the explanation is partial and says so."""
        self.out.complete = False
        self.out.unfinished.append(what)

    def baseline(self) -> str:
        """Solve the scenario as it is, first terms only: a plan decides it feasible (and is the
        baseline of what binds); a proof of infeasibility sends explain to the conflicts;
        "unknown" (no answer in time) leaves the question to the conflict search."""
        terms = _first_terms(self.sc)
        found = optimum(self.sc, terms, self.seed, min(self.left(), self.per_solve), want_hint=True)
        if found.status != "found":
            return found.status
        self.out.feasible = True
        self.out.baseline = found.values
        self.out.baseline_proved = found.proved
        self.hint = found.hint
        if not found.proved:  # gains below are against a value not proved optimal
            self.unfinished("the proof that the baseline is optimal")
        return "found"

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
        rules deleted; the bisections are independent and run in the pool."""
        wanted: list[tuple[ConflictExplanation, str, str, int]] = []
        for conflict in self.out.conflicts:
            for rid in conflict.rules:
                for field, direction, _ in self.sc.rule(rid).relaxable:
                    if getattr(self.sc.rule(rid), field) is not None:
                        wanted.append((conflict, rid, field, direction))
        if not wanted:
            return
        if self.left() <= 0:
            for _, rid, field, _ in wanted:
                self.unfinished(f"the smallest change of {field} of rule `{rid}`")
            return
        tasks = [
            (
                self.sc,
                rid,
                field,
                direction,
                self._others(conflict),
                self.seed,
                self.per_solve,
                self.deadline,
            )
            for conflict, rid, field, direction in wanted
        ]
        for (conflict, rid, field, _), fix in zip(
            wanted, run_all(fix_task, tasks, self.jobs, what="smallest fixes"), strict=True
        ):
            self._record_fix(conflict, rid, field, fix)

    def _others(self, conflict: ConflictExplanation) -> list[str]:
        return [r for c in self.out.conflicts if c is not conflict for r in c.rules]

    def _record_fix(self, conflict: ConflictExplanation, rid: str, field: str, fix: Fix) -> None:
        current = getattr(self.sc.rule(rid), field)
        if not fix.decided:
            self.unfinished(f"the smallest change of {field} of rule `{rid}`")
        conflict.relaxations.append(
            Relaxation(
                rule=rid,
                field=field,
                current=current,
                suggested=fix.value,
                decided=fix.decided,
                basis=self.sc.rule(rid).basis,
                sentence=_relaxation_sentence(
                    rid, field, current, fix, self.sc.rule(rid).value_bounds(field)
                )
                + f"; {BASIS_WORDS[self.sc.rule(rid).basis]}",
            )
        )

    def binding(self, top: int) -> None:
        """Which rules cost the first objective terms the most, by deleting or relaxing each.
        Every rule is dropped (one trial each, in the pool); as soon as dropping a rule shows a
        gain (or is not settled), its numbers are each relaxed by a step. Rows and notes are
        put in rule and trial order, whatever order the pool answers in."""
        terms = list(self.out.baseline)
        tried = [r for r in self.sc.rules if r.dropping_relaxes]  # dropping a totals rule
        if self.left() <= 0:  # releases nobody: not a relaxation
            not_tried = ", ".join(f"`{x.id}`" for x in tried)
            self.unfinished(f"what binds: rules {not_tried} not tried")
            return
        per_rule = [binding_trials(self.sc, r) for r in tried]
        answers: dict[tuple[int, int], Optimum] = {}
        with TrialPool(self.jobs) as pool:
            pending = {
                pool.submit(optimum_task, self._task(per_rule[i][0])): (i, 0)
                for i in range(len(tried))
            }
            while pending:
                for handle in pool.finished(pending):
                    i, j = pending.pop(handle)
                    answers[i, j] = handle.get()
                    step("what binds: trials", len(answers), len(answers) + len(pending))
                    if j == 0 and _worth_relaxing(answers[i, 0], self.out.baseline):
                        for k, trial in enumerate(per_rule[i][1:], start=1):
                            pending[pool.submit(optimum_task, self._task(trial))] = (i, k)
        rows: list[Binding] = []
        for (i, j), got in sorted(answers.items()):
            row = self._row(per_rule[i][j], got, terms)
            if row is not None:
                rows.append(row)
        rows.sort(key=lambda b: tuple(-b.gains.get(t, 0) for t in terms))
        self.out.binding = rows[:top]

    def _task(self, trial: Trial) -> OptimumTask:
        return (
            trial.variant,
            list(self.out.baseline),
            self.seed,
            self.per_trial,
            TRIAL_WORK,
            self.deadline,
            self.hint,
        )

    def _row(self, trial: Trial, got: Optimum, terms: list[str]) -> Binding | None:
        """The what-binds row of one trial (None: no gain, or no answer, said in
        ``unfinished`` where something was not settled)."""
        what = f"what binds: rule `{trial.rule}` {trial.change}"
        if got.status == "not tried":
            self.unfinished(f"{what} (not tried: time ran out)")
            return None
        if got.status != "found":
            self.unfinished(f"{what} (no plan found in time)")
            return None
        base = self.out.baseline
        gains = {t: base[t] - v for t, v in got.values.items()}
        if not any(g > 0 for g in gains.values()):
            if not got.proved:  # no gain found, but none ruled out either
                self.unfinished(f"{what} (not proved in time)")
            return None
        said = ", ".join(f"{t} {base[t]} -> {v}" for t, v in got.values.items())
        how = "proved" if got.proved else "at least the best found in time"
        if not got.proved and len(got.values) < len(terms):
            how += "; " + ", ".join(t for t in terms if t not in got.values) + " not settled"
        return Binding(
            rule=trial.rule,
            change=trial.change,
            gains=gains,
            proved=got.proved,
            basis=self.sc.rule(trial.rule).basis,
            sentence=f"rule `{trial.rule}` {trial.change}: {said} ({how}); "
            f"{BASIS_WORDS[self.sc.rule(trial.rule).basis]}",
        )


def _worth_relaxing(dropped: Optimum, base: dict[str, int]) -> bool:
    """Relaxing a number gains no more than dropping the rule: the numbers are tried only when
    dropping it gains something, or when that trial settled nothing."""
    if dropped.status != "found":
        return True
    return any(base[t] - v > 0 for t, v in dropped.values.items())


def explain(
    sc: Scenario,
    *,
    time_limit: float = 120.0,
    seed: int | None = None,
    top: int = 10,
    max_conflicts: int = 5,
    jobs: int | None = None,
    stop: threading.Event | None = None,
) -> Explanation:
    """Why a scenario is infeasible (disjoint minimal conflicts, each with the smallest
    relaxation of each of its numbers), or, if feasible, which rules bind (hours gained on the
    first objective terms when each rule is dropped or relaxed by a step).

    The scenario is solved as it is first; the conflict search runs only when that proves it
    infeasible (or gives no answer in time). The independent trial solves (fixes, what binds)
    run on ``jobs`` processes (default: every core; 1: in this process), each with one CP-SAT
    worker and the seed, so the explanation is the same for any ``jobs``.

    Time running out is never a verdict: ``feasible`` is None when undecided, and every part
    not finished is listed in ``unfinished`` (``complete`` false). Setting ``stop`` (from any
    thread) stops the running search and raises ``planner.solver.Interrupted``."""
    run = _Explaining(
        sc=sc,
        seed=sc.solver.seed if seed is None else seed,
        time_limit=time_limit,
        out=Explanation(scenario=sc.name, feasible=None),
        jobs=default_jobs() if jobs is None else jobs,
    )
    with stopping(stop):
        status = run.baseline() if run.left() > 0 else "not tried"
        if status != "found":
            run.conflicts(max_conflicts)
        if run.out.feasible is False:
            run.fixes()
        elif run.out.feasible and status == "found":
            run.binding(top)
        elif run.out.feasible:  # the conflict search found a plan the baseline did not
            run.unfinished("what binds (no baseline plan found in time)")
    return run.done()
