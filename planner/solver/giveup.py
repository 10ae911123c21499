"""Rules a re-plan's rest cannot keep, given its record.

When what has happened leaves no plan of the rest that keeps every rule (a deadline already
past, a quota the record has used up), the re-plan gives up as few rules as it can: it
maximises the rules kept, an agreed term outweighing every planning assumption together, so
assumptions are given up before terms. The answer is proved when CP-SAT proves that maximum
optimal: then keeping any one of the rules given up (the others still given up) leaves no
plan, or a cheaper set would exist.
"""

from __future__ import annotations

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict

from planner.model.builder import build_model
from planner.record import ExecutionRecord
from planner.scenario import Scenario
from planner.solver.control import run_search
from planner.solver.run import make_solver


class GivenUp(BaseModel):
    """The rules given up, and whether CP-SAT proved the set the cheapest."""

    model_config = ConfigDict(extra="forbid")
    rules: list[str]
    proved: bool


def rules_to_give_up(
    sc: Scenario,
    record: ExecutionRecord,
    *,
    seed: int,
    seconds: float,
    keep: frozenset[str] = frozenset(),
) -> GivenUp | None:
    """The fewest rules (terms weighing more than all assumptions) whose deletion lets the
    rest be planned; None when no plan exists even with every rule deleted, or time ran out
    before any was found."""
    built = build_model(sc, enforce_rules=False, with_objective=False, record=record)
    assumptions = sum(1 for r in sc.rules if r.basis == "assumption")
    weight = {r.id: (1 if r.basis == "assumption" else assumptions + 1) for r in sc.rules}
    lits = built.literals
    for rid in keep:  # facts of this future (robustness): never given up
        if rid in lits:
            built.model.add(lits[rid] == 1)
    built.model.maximize(sum(weight[rid] * lit for rid, lit in lits.items()))
    solver = make_solver(seed, 1, seconds)
    code = run_search(solver, built.model, built)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    dropped = [r.id for r in sc.rules if not solver.boolean_value(lits[r.id])]
    return GivenUp(rules=dropped, proved=code == cp_model.OPTIMAL)
