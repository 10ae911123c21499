"""The trade-off frontier between objective terms (``planner frontier``), by epsilon constraints.

Between two terms A and B: minimise A, then B (lexicographically, the scenario's other terms
after them), which gives the point with the smallest A; then bound B below that point's value
and solve again, until no plan keeps the bound (that corner is reported as infeasible) or B
cannot go lower. Every point is lexicographically optimal under its bound, so no point found
dominates another (a point whose terms were not all proved optimal is marked so). With three
terms, an outer loop bounds the third term the same way and the points are filtered for
dominance. Each point is a full plan, verified independently, and says which rules bind there:
deleting the rule lets the first term improve with the other terms kept within the point's
values.

Terms the scenario cannot lower (people left unreleased, conditional lines not reached) stay
first, as in a solve: the frontier is among plans that release everyone they can.
"""

from __future__ import annotations

import threading
import time
from typing import Literal

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import BuiltModel, build_model
from planner.model.objective import TERMS
from planner.network import check_routes
from planner.plan import Plan
from planner.scenario import Scenario
from planner.solver.control import run_search, stopping
from planner.solver.decode import decode
from planner.solver.run import lexicographic, make_solver
from planner.solver.solve import settings
from planner.verifier import verify

MAX_POINTS = 50
BIND_WORK = 2.0  # CP-SAT deterministic work per what-binds trial at a point (repeatable)


class BindingAt(BaseModel):
    """A rule that binds at a frontier point: deleting it lowers the first term by ``gain``
    (at least; ``proved``: exactly) with the other terms kept within the point's values."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    basis: Literal["term", "assumption"]
    gain: int
    proved: bool


class FrontierPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    values: dict[str, int] = Field(description="the frontier terms at this point")
    bounds: dict[str, int] = Field(description="the epsilon bounds the point was solved under")
    proved: bool = Field(description="every term minimised was proved optimal")
    verified: bool
    binding: list[BindingAt] = Field(default_factory=list)
    plan: Plan


class Frontier(BaseModel):
    """The points, best first in the first term; the bounds no plan keeps (infeasible corners);
    ``complete`` false when time ran out (or ``max_points``) before the frontier was closed."""

    model_config = ConfigDict(extra="forbid")
    scenario: str
    between: list[str]
    points: list[FrontierPoint] = Field(default_factory=list)
    infeasible: list[dict[str, int]] = Field(default_factory=list)
    complete: bool = True
    seconds: float = 0.0


def frontier_scenario(sc: Scenario, between: list[str]) -> Scenario:
    """The scenario with the frontier terms first among its listed terms."""
    rest = [t for t in sc.objective.terms if t not in between]
    objective = sc.objective.model_copy(update={"terms": [*between, *rest]})
    return sc.model_copy(update={"objective": objective})


def check_between(sc: Scenario, between: list[str]) -> None:
    """Two or three known, distinct terms; else ValueError."""
    if not 2 <= len(between) <= 3 or len(set(between)) != len(between):
        raise ValueError(f"between: expected 2 or 3 different terms, found {between}")
    for term in between:
        if term not in TERMS:
            raise ValueError(f"between: {term!r} is not an objective term ({', '.join(TERMS)})")
    if "priority" in between and not sc.objective.priorities:
        raise ValueError("between: the 'priority' term needs objective.priorities")


class _Search:
    def __init__(self, sc: Scenario, between: list[str], seed: int, deadline: float) -> None:
        self.sc = frontier_scenario(sc, between)
        self.between, self.seed, self.deadline = between, seed, deadline
        self.out = Frontier(scenario=sc.name, between=between)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def solve(self, bounds: dict[str, int]) -> FrontierPoint | None | Literal["infeasible"]:
        """The lexicographic optimum under ``bounds`` (term <= value): a point, "infeasible",
        or None when time ran out."""
        if self.left() <= 0.05:
            return None
        built = build_model(self.sc)
        for term, value in bounds.items():
            built.model.add(built.terms[term] <= value)
        run = lexicographic(built, seconds=self.left(), seed=self.seed, workers=1)
        if run.infeasible:
            return "infeasible"
        if run.values is None:
            return None
        status = "optimal" if run.all_optimal else "feasible"
        plan = decode(self.sc, built, run.values, run.term_values, status, self.seed)
        values = {t: run.term_values[t] for t in self.between}
        report = verify(self.sc, plan)
        return FrontierPoint(
            values=values,
            bounds=dict(bounds),
            proved=run.all_optimal,
            verified=report.ok,
            plan=plan,
        )

    def line(self, outer: dict[str, int]) -> list[FrontierPoint]:
        """The two-term frontier of the first two terms, under the ``outer`` bounds."""
        b = self.between[1]
        found: list[FrontierPoint] = []
        bounds = dict(outer)
        while len(self.out.points) + len(found) < MAX_POINTS:
            got = self.solve(bounds)
            if got is None:
                self.out.complete = False
                break
            if got == "infeasible":
                if b in bounds:
                    self.out.infeasible.append(dict(bounds))
                break
            found.append(got)
            if got.values[b] <= 0:
                break
            bounds = {**outer, b: got.values[b] - 1}
        else:
            self.out.complete = False
        return found


def _dominates(p: FrontierPoint, q: FrontierPoint, terms: list[str]) -> bool:
    return all(p.values[t] <= q.values[t] for t in terms) and p.values != q.values


def _binding(search: _Search, point: FrontierPoint) -> list[BindingAt]:
    """Rules whose deletion lowers the first term with the others kept at the point's values."""
    first, others = search.between[0], search.between[1:]
    out: list[BindingAt] = []
    for rule in search.sc.rules:
        if search.left() <= 0.05:
            search.out.complete = False
            break
        built = build_model(search.sc.without([rule.id]))
        for term in others:
            built.model.add(built.terms[term] <= point.values[term])
        for term, value in _kept(search.sc, point.plan).items():  # people and lines first
            if term in built.terms:
                built.model.add(built.terms[term] <= value)
        gain = _lowest(built, first, point.values[first], search)
        if gain is not None:
            out.append(BindingAt(rule=rule.id, basis=rule.basis, gain=gain[0], proved=gain[1]))
    return sorted(out, key=lambda b: -b.gain)


def _kept(sc: Scenario, plan: Plan) -> dict[str, int]:
    """The point's values of the terms a solve keeps first (people not released, conditional
    lines not reached), read from its plan: a rule deleted must not buy a better first term by
    releasing fewer people or reaching fewer lines."""
    unreleased = sum(sc.objective.unreleased_weight(c) * n for c, n in plan.unreleased.items())
    return {"unreleased": unreleased, "lines_unreached": len(plan.lines_not_reached)}


def _lowest(built: BuiltModel, term: str, current: int, search: _Search) -> tuple[int, bool] | None:
    """(current - the lowest value found, proved optimal), or None if none lower was found."""
    model = built.model
    model.add(built.terms[term] <= current - 1)
    model.minimize(built.terms[term])
    solver = make_solver(search.seed, 1, search.left())
    solver.parameters.max_deterministic_time = BIND_WORK
    code = run_search(solver, model, built)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return current - int(solver.value(built.terms[term])), code == cp_model.OPTIMAL


def frontier(
    sc: Scenario,
    between: list[str],
    *,
    time_limit: float = 120.0,
    seed: int | None = None,
    binding: bool = True,
    stop: threading.Event | None = None,
) -> Frontier:
    """The Pareto frontier of ``sc`` between two or three objective terms (see the module).
    ``time_limit`` bounds the whole search; what it did not finish makes ``complete`` false
    (never a claim that no more points exist). ``binding``: what binds at each point."""
    check_between(sc, between)
    check_routes(sc)
    _, seed_, _ = settings(sc, None, seed, None)
    began = time.monotonic()
    search = _Search(sc, between, seed_, began + time_limit)
    with stopping(stop):
        points = _points(search)
        for p in points:
            if binding:
                p.binding = _binding(search, p)
    terms = between
    points = [p for p in points if not any(_dominates(q, p, terms) for q in points)]
    search.out.points = sorted(points, key=lambda p: [p.values[t] for t in terms])
    search.out.seconds = round(time.monotonic() - began, 3)
    return search.out


def _points(search: _Search) -> list[FrontierPoint]:
    if len(search.between) == 2:
        return search.line({})
    c = search.between[2]
    points: list[FrontierPoint] = []
    outer: dict[str, int] = {}
    while search.out.complete:
        found = search.line(outer)
        if not found:
            if c in outer:
                search.out.infeasible.append(dict(outer))
            break
        points += found
        low = min(p.values[c] for p in found)
        if low <= 0:
            break
        outer = {c: low - 1}
    return points
