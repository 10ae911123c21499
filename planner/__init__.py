"""planner: plans the logistics of a phased hostage-prisoner exchange.

from planner import load_scenario, solve, verify
scenario = load_scenario()            # the packaged seed case, or a path
result = solve(scenario)              # SolveResult: status, plan, conflict, verification
print(result.to_json())               # the plan contract
report = verify(scenario, result.plan)
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.io import InputError, load_plan, load_scenario, scenario_from_data
from planner.plan import Plan, Stage, Withdrawal
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.explainer import Explanation
    from planner.frontier import Frontier
    from planner.record import ExecutionRecord
    from planner.report.compare import PlanComparison
    from planner.robustness import Robustness
    from planner.solver import SolveResult
    from planner.verifier import VerifyReport

__version__ = "0.1.0"


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner scenario"
    return schema


def record_json_schema() -> dict[str, Any]:
    """JSON Schema of the execution record format (``planner replan --record``)."""
    from planner.record import ExecutionRecord

    schema = ExecutionRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner execution record"
    return schema


def solve(
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    check: bool = True,
    alternatives: int = 1,
    params: Mapping[str, Any] | None = None,
    log: bool = False,
    stop: threading.Event | None = None,
    conflict: bool = True,
) -> SolveResult:
    """Solve a scenario (settings default to its ``solver`` section); ``params`` passes CP-SAT
    parameters through by name, ``log`` prints CP-SAT's search log to stderr; setting ``stop``
    from another thread stops the search (``planner.solver.Interrupted`` is raised). See
    ``planner.solver.solve``."""
    from planner.solver import solve as _solve

    return _solve(
        scenario,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        check=check,
        alternatives=alternatives,
        params=params,
        log=log,
        stop=stop,
        conflict=conflict,
    )


def replan(
    scenario: Scenario,
    record: ExecutionRecord | Mapping[str, Any] | str | Path,
    *,
    previous: Plan | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    check: bool = True,
    stop: threading.Event | None = None,
) -> SolveResult:
    """Freeze what has happened and plan the rest. ``record`` is an ``ExecutionRecord``, its
    JSON data, or the path of a record file (checked against ``scenario``; bad input raises
    ``InputError``). The result's plan is one full plan, record and rest; ``plan.record``
    marks the recorded part and lists the deviations (also in ``result.verification``).
    ``previous``: the plan being remade, kept where the rules and the objective allow."""
    from planner.record import ExecutionRecord, load_record, record_from_data
    from planner.solver.rest import replan as _replan

    if isinstance(record, ExecutionRecord):
        rec = record_from_data(record.model_dump(mode="json"), scenario)
    elif isinstance(record, str | Path):
        rec = load_record(str(record), scenario)
    else:
        rec = record_from_data(record, scenario)
    return _replan(
        scenario,
        rec,
        previous=previous,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        check=check,
        stop=stop,
    )


def verify(scenario: Scenario, plan: Plan, record: ExecutionRecord | None = None) -> VerifyReport:
    """Independent check of a plan against every rule of the scenario (no ortools). A plan
    with a record part (``replan``) reports the record's departures as ``deviations``; with
    ``record``, the plan must keep that record unchanged."""
    from planner.verifier import verify as _verify

    return _verify(scenario, plan, record)


def explain(
    scenario: Scenario,
    *,
    time_limit: float = 120.0,
    top: int = 10,
    jobs: int | None = None,
    stop: threading.Event | None = None,
) -> Explanation:
    """Infeasible: disjoint minimal conflicts with the smallest fix of each number. Feasible:
    which rules bind the first objective terms, and by how many hours. Time running out is
    never a verdict (``feasible`` None, ``unfinished`` lists what was not done); ``stop`` as
    in ``solve``. The trial solves run on ``jobs`` processes (default every core; the answer
    is the same for any number)."""
    from planner.explainer import explain as _explain

    return _explain(scenario, time_limit=time_limit, top=top, jobs=jobs, stop=stop)


def frontier(
    scenario: Scenario,
    between: list[str],
    *,
    time_limit: float = 120.0,
    seed: int | None = None,
    binding: bool = True,
    stop: threading.Event | None = None,
) -> Frontier:
    """The Pareto frontier between two or three objective terms: verified plans, each with the
    rules that bind there, and the bounds no plan keeps. See ``planner.frontier``."""
    from planner.frontier import frontier as _frontier

    return _frontier(
        scenario, between, time_limit=time_limit, seed=seed, binding=binding, stop=stop
    )


def robustness(
    scenario: Scenario,
    *,
    samples: int,
    plan: Plan | None = None,
    seed: int = 0,
    jobs: int = 1,
    dask: Any = None,
    seconds_per_future: float = 30.0,
    stop: threading.Event | None = None,
) -> Robustness:
    """How a plan (default: the planner's) fares over ``samples`` sampled futures of the
    scenario's uncertain numbers: per rule the share of futures it holds in, the hours'
    percentiles, what breaks it. ``jobs`` local processes, or ``dask`` (a scheduler address
    or a ``distributed.Client``); the answer depends on ``seed`` only. See
    ``planner.robustness``. ``seconds_per_future`` bounds each future's re-plan (a future
    that runs out is undecided, left out of the shares)."""
    from planner.robustness import robustness as _robustness

    return _robustness(
        scenario,
        samples=samples,
        plan=plan,
        seed=seed,
        jobs=jobs,
        dask=dask,
        seconds_per_future=seconds_per_future,
        stop=stop,
    )


def compare_plans(a: Plan, b: Plan) -> PlanComparison:
    """Stage-by-stage differences between two plans."""
    from planner.report.compare import compare_plans as _compare

    return _compare(a, b)


def export_plan(
    plan: Plan,
    fmt: str,
    scenario: Scenario | None = None,
    explanation: Explanation | None = None,
) -> bytes:
    """A plan as ``csv``, ``xlsx``, ``ics``, ``geojson`` or ``md`` (bytes, ready to write);
    see ``planner.export`` and docs/exports.md. Raises InputError when the format needs what
    is not given (ics: a scenario with start_time)."""
    from planner.export import export_plan as _export

    return _export(plan, fmt, scenario, explanation=explanation)


def init_scenario(name: str, directory: str | Path) -> list[Path]:
    """Copy a packaged seed or example into ``directory`` to start from (``planner init``)."""
    from planner.starters import init_scenario as _init

    return _init(name, directory)


# Result types, importable from the package (``from planner import SolveResult``) but loaded
# only when asked for, so that ``import planner.verifier`` still loads no solver.
_LAZY = {
    "SolveResult": "planner.solver",
    "Explanation": "planner.explainer",
    "VerifyReport": "planner.verifier",
    "ExecutionRecord": "planner.record",
    "Frontier": "planner.frontier",
    "Robustness": "planner.robustness",
    "PlanComparison": "planner.report.compare",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """Importing a submodule binds it on its package under its own name; for the modules
    whose name is also a library function (``planner.frontier``, ``planner.robustness``) the
    function stays: ``planner.robustness(...)`` works however often it is called and whatever
    was imported before (``from planner.robustness import Robustness`` still works)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_FUNCTIONS = frozenset({"frontier", "robustness", "explain", "verify", "solve"})
sys.modules[__name__].__class__ = _Package


__all__ = [
    "ExecutionRecord",
    "Explanation",
    "Frontier",
    "InputError",
    "Plan",
    "PlanComparison",
    "Robustness",
    "Scenario",
    "SolveResult",
    "Stage",
    "VerifyReport",
    "Withdrawal",
    "compare_plans",
    "explain",
    "export_plan",
    "frontier",
    "init_scenario",
    "load_plan",
    "load_scenario",
    "record_json_schema",
    "replan",
    "robustness",
    "scenario_from_data",
    "scenario_json_schema",
    "solve",
    "verify",
]
