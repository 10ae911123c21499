"""Running CP-SAT: the solver factory and the lexicographic steps.

Determinism: with ``workers=1`` (the default) and a fixed seed, CP-SAT repeats itself, so the
same scenario and seed give the same plan bytes as long as every step finishes within the time
limit. With several workers the search is parallel and a wall-clock limit can stop it at
different points, so plans may differ from run to run (they are still verified).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ortools.sat import sat_parameters_pb2
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict

from planner.model.builder import BuiltModel
from planner.solver.control import run_search

Status = Literal["optimal", "feasible", "infeasible", "time_limit"]

# Names of CP-SAT's parameters (the SatParameters message), for the pass-through.
FIELDS = frozenset(sat_parameters_pb2.SatParameters.DESCRIPTOR.fields_by_name)
# Parameters the planner sets itself; a pass-through may not override them.
OWN_PARAMETERS = ("num_workers", "random_seed", "max_time_in_seconds")


class StepReport(BaseModel):
    """One lexicographic step: the term minimised, CP-SAT's status, the value found, the
    seconds it took and how many variables it was hinted with."""

    model_config = ConfigDict(extra="forbid")
    term: str
    status: str
    value: int | None
    seconds: float
    hinted: int = 0


@dataclass(frozen=True)
class SolverOptions:
    """What a caller adds to the planner's own settings (seed, workers, time limit): extra
    ``SatParameters`` by name, and a log switch (the log goes to stderr; stdout stays the plan)."""

    params: Mapping[str, Any] = field(default_factory=dict)
    log: bool = False


def check_params(params: Mapping[str, Any]) -> None:
    """Reject (ValueError) a pass-through parameter CP-SAT does not know, one the planner sets
    itself, or a value of the wrong type."""
    scratch = cp_model.CpSolver().parameters
    for name, value in params.items():
        if name in OWN_PARAMETERS:
            raise ValueError(
                f"CP-SAT parameter {name!r} is set by the planner's own options (seed, workers, "
                "time limit)"
            )
        if name not in FIELDS:
            raise ValueError(f"unknown CP-SAT parameter {name!r}")
        try:
            setattr(scratch, name, value)
        except (TypeError, ValueError, AttributeError):
            raise ValueError(f"CP-SAT parameter {name!r} cannot take {value!r}") from None


def make_solver(
    seed: int, workers: int, seconds: float, options: SolverOptions | None = None
) -> cp_model.CpSolver:
    """A CpSolver with the planner's settings, then the pass-through parameters."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.random_seed = seed
    p.max_time_in_seconds = max(seconds, 0.01)
    p.catch_sigint_signal = False  # Ctrl-C is Python's: see planner.solver.control
    if options is not None:
        for name, value in options.params.items():
            setattr(p, name, value)
        if options.log:
            p.log_search_progress = True
            p.log_to_stdout = False
            solver.log_callback = lambda line: print(line, file=sys.stderr)
    return solver


# CP-SAT's deterministic time (work units, about a second each here, the same on every run)
# allowed to each unreported tie-break step: the seeds and examples need a small fraction of
# it; a large case stops its tie-breaks there with the reported terms already optimal.
TIDY_WORK = 1.0


@dataclass
class Lexicographic:
    """Outcome of minimising the terms of a built model one after another."""

    values: dict[int, int] | None  # variable index -> value of the last solution
    steps: list[StepReport]
    all_optimal: bool
    infeasible: bool
    term_values: dict[str, int] = field(default_factory=dict)  # as CP-SAT found them


def named_values(built: BuiltModel, values: Mapping[int, int]) -> dict[str, int]:
    """A solution keyed by variable name: a hint for a model built from an edited scenario,
    whose variables are numbered differently."""
    out: dict[str, int] = {}
    for i, var in enumerate(built.model.proto.variables):
        if var.name and i in values:
            out[var.name] = values[i]
    return out


def _hint(model: cp_model.CpModel, every_var: list[cp_model.IntVar], by_name: Mapping[str, int]):
    proto = model.proto.variables
    for var in every_var:
        name = proto[var.index].name
        if name in by_name:
            model.add_hint(var, by_name[name])


def hint_count(model: cp_model.CpModel) -> int:
    """Variables hinted in the model. Reading ``proto.solution_hint`` when there is none would
    create an empty hint, which changes CP-SAT's search: look only when one is present."""
    proto = model.proto
    return len(proto.solution_hint.vars) if proto.has_solution_hint() else 0


def lexicographic(
    built: BuiltModel,
    *,
    seconds: float,
    seed: int,
    workers: int,
    terms: list[str] | None = None,
    hint: Mapping[str, int] | None = None,
    options: SolverOptions | None = None,
    exact_terms: bool = True,
) -> Lexicographic:
    """Minimise each term in turn (all of ``built.terms`` unless ``terms`` is given), bounding
    it by its optimum before the next. Step 1 is hinted with ``hint`` (variable name -> value),
    if given; each later step with the solution of the step before. Steps share ``seconds``.
    ``exact_terms`` false: the values of terms not minimised are not settled (explain's
    trials read only the minimised ones)."""
    run = _Steps(built, time.monotonic() + seconds, seed, workers, options)
    run.exact_terms = exact_terms
    for term in terms if terms is not None else list(built.terms):
        if not run.step(term, hint):
            run.all_optimal = run.all_optimal and term.startswith("tidy")
            break
    return run.result()


class _Steps:
    """The state of one lexicographic run: the best solution so far and the steps taken."""

    def __init__(
        self,
        built: BuiltModel,
        deadline: float,
        seed: int,
        workers: int,
        options: SolverOptions | None,
    ):
        self.built, self.deadline = built, deadline
        self.seed, self.workers, self.options = seed, workers, options
        model = built.model
        self.every_var = [
            model.get_int_var_from_proto_index(i) for i in range(len(model.proto.variables))
        ]
        self.best: list[int] | None = None
        self.term_values: dict[str, int] = {}
        self.steps: list[StepReport] = []
        self.all_optimal, self.infeasible = True, False
        self.exact_terms = True  # settle every term's value (decode needs them all)

    def _hints(self, hint: Mapping[str, int] | None) -> int:
        model = self.built.model
        model.clear_hints()
        if self.best is not None:
            for var, value in zip(self.every_var, self.best, strict=True):
                model.add_hint(var, value)
        elif hint:
            _hint(model, self.every_var, hint)
        return hint_count(model)

    def step(self, term: str, hint: Mapping[str, int] | None) -> bool:
        """Minimise ``term``; True if proved optimal (the run goes on)."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0.01:
            return False
        model, expr = self.built.model, self.built.terms[term]
        model.minimize(expr)
        hinted = self._hints(hint)
        solver = make_solver(self.seed, self.workers, remaining, self.options)
        if term.startswith("tidy"):  # unreported tie-breaks: bounded work, still repeatable
            solver.parameters.max_deterministic_time = TIDY_WORK
        t0 = time.monotonic()
        code = run_search(solver, model, self.built)
        report = StepReport(
            term=term,
            status=solver.status_name(code).lower(),
            value=None,
            seconds=round(time.monotonic() - t0, 3),
            hinted=hinted,
        )
        self.steps.append(report)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.infeasible = code == cp_model.INFEASIBLE and self.best is None
            return False
        report.value = int(solver.value(expr))
        self.best = [int(solver.value(x)) for x in self.every_var]
        self.term_values = {t: int(solver.value(e)) for t, e in self.built.terms.items()}
        model.add(expr <= report.value)
        return code == cp_model.OPTIMAL

    def result(self) -> Lexicographic:
        if self.best is None:
            return Lexicographic(None, self.steps, self.all_optimal, self.infeasible, {})
        values = dict(zip((x.index for x in self.every_var), self.best, strict=True))
        term_values = self.term_values
        proved = {st.term for st in self.steps if st.status == "optimal"}
        # A term proved optimal is exact in every later solution (bounded by its optimum from
        # above, by the plan from below), and the tie-breaks are plain sums: only a reported
        # term not proved needs settling.
        reported = [t for t in self.built.terms if not t.startswith("tidy")]
        if self.exact_terms and not proved.issuperset(reported):
            left = min(self.deadline - time.monotonic(), 1.0)
            term_values = _tight_terms(self.built, values, self.seed, left) if left > 0 else {}
        return Lexicographic(values, self.steps, self.all_optimal, self.infeasible, term_values)


def _tight_terms(
    built: BuiltModel, values: Mapping[int, int], seed: int, seconds: float
) -> dict[str, int]:
    """Exact term values of a solution whose terms were not all minimised (a step ran out of
    time): a term's variable is only bounded below by the plan, so fix every other variable to
    the solution and let CP-SAT lower the term variables to the plan's own values. Terms it
    cannot settle in ``seconds`` are left out rather than reported loose."""
    model = built.model.clone()
    proto = model.proto.variables
    loose = []
    for i, value in values.items():
        var = model.get_int_var_from_proto_index(i)
        if proto[i].name.startswith("objective."):
            loose.append(var)
        else:
            model.add(var == value)
    model.minimize(sum(loose, start=0))
    solver = make_solver(seed, 1, seconds)
    if run_search(solver, model) != cp_model.OPTIMAL:
        return {}
    return {t: int(solver.value(e)) for t, e in built.terms.items()}
