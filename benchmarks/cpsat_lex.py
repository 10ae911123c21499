"""Lexicographic minimisation with CP-SAT for the comparison formulations (bare, per_person):
minimise each term in turn, bound it by its optimum, go on to the next; one worker, a fixed
seed, each step hinted with the solution of the step before."""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from benchmarks.core import Outcome


def _hint(model: cp_model.CpModel, solution: list[int]) -> None:
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(solution)))
    hint.values.extend(solution)


def lexicographic(
    formulation: str,
    model: cp_model.CpModel,
    terms: dict[str, Any],
    *,
    time_limit: float,
    seed: int = 0,
    began: float | None = None,
) -> Outcome:
    """Minimise ``terms`` (name -> linear expression) in order within ``time_limit`` seconds
    counted from ``began`` (default: now). Status optimal when every term is proved optimal;
    feasible when a step stopped on the time limit with a solution (its value is reported,
    later terms are not); infeasible or time_limit when the first step found nothing."""
    began = time.monotonic() if began is None else began
    deadline = began + time_limit
    out = Outcome(formulation, "optimal")
    out.size = {
        "variables": len(model.proto.variables),
        "constraints": len(model.proto.constraints),
    }
    solution: list[int] | None = None
    for name, expr in terms.items():
        left = deadline - time.monotonic()
        if left <= 0.01:
            out.status = "feasible" if solution is not None else "time_limit"
            break
        model.minimize(expr)
        if solution is not None:
            _hint(model, solution)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = left
        t0 = time.monotonic()
        code = solver.solve(model)
        step = {"term": name, "status": solver.status_name(code).lower(), "value": None}
        step["seconds"] = round(time.monotonic() - t0, 3)
        out.steps.append(step)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if solution is None:
                out.status = "infeasible" if code == cp_model.INFEASIBLE else "time_limit"
            else:
                out.status = "feasible"
            break
        value = int(solver.value(expr))
        step["value"] = out.objective[name] = value
        solution = list(solver.response_proto.solution)
        if code != cp_model.OPTIMAL:
            out.status = "feasible"
            break
        model.add(expr <= value)
    out.seconds = time.monotonic() - began
    return out


def ratio_bound(core: Any, ratios: list[Any]) -> int:
    """A bound on any exchange ratio's running balance, in whole prisoners."""
    owed = sum((int(rate) + 1) * core.count(h) for r in ratios for h, rate in r.per_hostage.items())
    return sum(core.prisoners.values()) + owed


def running_balances(
    m: cp_model.CpModel, r: Any, balance: Any, slots: int, bound: int
) -> list[cp_model.IntVar]:
    """100 x the rule's running balance at the end of each slot (``balance(r, s)``: 100 x slot
    s's own), one variable per slot, each the one before plus the slot's own: linear in slots."""
    out: list[cp_model.IntVar] = []
    for s in range(slots):
        running = m.new_int_var(-100 * bound, 100 * bound, f"{r.id}.running{s}")
        m.add(running == (out[-1] if out else 0) + balance(r, s))
        out.append(running)
    return out


def peak_imbalance(
    m: cp_model.CpModel, ratios: list[Any], running_of: Any, bound: int
) -> cp_model.IntVar:
    """The largest |running balance| of any exchange ratio at the end of any slot, in whole
    prisoners (``running_of(r)``: the rule's running balances, 100 x)."""
    peak = m.new_int_var(0, bound, "peak_imbalance")
    for r in ratios:
        for running in running_of(r):
            m.add(100 * peak >= running)
            m.add(100 * peak >= -running)
    return peak
