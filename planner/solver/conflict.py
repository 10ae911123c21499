"""Minimal sets of rules that cannot hold together.

Every rule is enforced by one literal. The model is solved without its objective, with the
literals of the rules under study as assumptions and every other rule switched off (which is
the same as deleting it from the file); CP-SAT returns a sufficient (not minimal) set, which is
then shrunk by deletion until dropping any one rule makes the rest feasible.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict

from planner.model.builder import build_model
from planner.record import ExecutionRecord
from planner.scenario import Scenario
from planner.solver.control import run_search
from planner.solver.run import make_solver


class Conflict(BaseModel):
    """A conflict search's answer. ``decided`` false: time ran out (or the model was invalid)
    before CP-SAT said whether the rules can hold together, so nothing is claimed."""

    model_config = ConfigDict(extra="forbid")
    feasible: bool = False
    decided: bool = True
    rules: list[str]
    minimal: bool
    sentences: list[str] = []
    seconds: float = 0.0


def core_status(
    sc: Scenario,
    assumed: list[str],
    seed: int,
    seconds: float,
    record: ExecutionRecord | None = None,
) -> tuple[int, list[str]]:
    """Solve with the ``assumed`` rules enforced and all others deleted; on infeasibility,
    return a sufficient subset of ``assumed`` (CP-SAT's assumption core), in scenario order.
    ``record``: the execution record is fixed, as in a re-plan."""
    built = build_model(sc, enforce_rules=False, with_objective=False, record=record)
    built.assume(assumed)
    solver = make_solver(seed, 1, seconds)
    code = run_search(solver, built.model, built)
    core: list[str] = []
    if code == cp_model.INFEASIBLE:
        by_index = {lit.index: rid for rid, lit in built.literals.items()}
        found = {
            by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index
        }
        core = [r for r in assumed if r in found]
    return code, core


def sentences(sc: Scenario, rule_ids: list[str]) -> list[str]:
    """Each rule in the agreement's words: ``rule `id`: sentence``."""
    return [f"rule `{rid}`: {sc.rule(rid).describe(sc)}" for rid in rule_ids]


def minimal_conflict(
    sc: Scenario,
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    among: list[str] | None = None,
    record: ExecutionRecord | None = None,
) -> Conflict:
    """A set of rule ids that cannot hold together; minimal unless time ran out.

    Only the rules in ``among`` (default: all) are considered; the others are deleted. An empty
    list means the scenario's fixed structure (horizon, stage slots, cohort sizes, line moves)
    admits no plan even with every rule deleted.
    """
    began = time.monotonic()
    every = [r.id for r in sc.rules] if among is None else list(among)
    code, core = core_status(sc, every, seed, time_limit, record)
    if code != cp_model.INFEASIBLE:
        feasible = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        return Conflict(
            feasible=feasible,
            decided=feasible,
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
        code, smaller = core_status(sc, trial, seed, left, record)
        if code == cp_model.INFEASIBLE:
            core = smaller if smaller else trial
        elif code != cp_model.FEASIBLE and code != cp_model.OPTIMAL:
            minimal = False  # unknown: keep the rule, the set may not be minimal
    return Conflict(
        rules=core,
        minimal=minimal,
        sentences=sentences(sc, core),
        seconds=round(time.monotonic() - began, 3),
    )
