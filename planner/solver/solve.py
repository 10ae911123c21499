"""solve(): build the model, run the lexicographic steps, decode the plan, look for
alternatives or a conflict, and verify every plan independently."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import build_model
from planner.network import check_routes
from planner.plan import Plan
from planner.record import ExecutionRecord
from planner.scenario import Scenario
from planner.solver.alternatives import find_alternatives
from planner.solver.conflict import minimal_conflict
from planner.solver.control import stopping
from planner.solver.decode import decode
from planner.solver.run import SolverOptions, Status, StepReport, check_params, lexicographic
from planner.verifier import VerifyReport, verify

MAX_ALTERNATIVES = 10  # plans in one answer; each is a full plan inside the plan file


class SolveResult(BaseModel):
    """What a solve returns: ``status`` (optimal, feasible, infeasible, time_limit), the
    ``plan`` (if one was found), the ``conflict`` (rule ids, if proved infeasible), the
    independent verifier's report of the plan (``verification``) and the solver's figures.
    ``time_limit`` (no answer in time) is never a verdict of infeasibility.
    ``to_json()`` gives the plan contract."""

    model_config = ConfigDict(extra="forbid")
    scenario: str
    status: Status
    plan: Plan | None = None
    conflict: list[str] = Field(default_factory=list, description="rule ids, when infeasible")
    conflict_minimal: bool = True
    conflict_found: bool = Field(
        default=True,
        description="false: infeasible (proved), but no conflict was found: time ran out, or "
        "none was asked for (solve(conflict=False))",
    )
    conflict_sentences: list[str] = Field(default_factory=list, description="in the rules' words")
    steps: list[StepReport] = Field(default_factory=list)
    wall_seconds: float = 0.0
    model_size: dict[str, int] = Field(default_factory=dict)
    verification: VerifyReport | None = None
    seed: int = 0
    workers: int = 1
    time_limit_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.plan is not None and (self.verification is None or self.verification.ok)

    def summary_json(self) -> str:
        """An outcome without a plan as JSON: the status, the conflict (if infeasible) with
        each of its rules in the agreement's words, and the steps run."""
        data = {
            "scenario": self.scenario,
            "status": self.status,
            "conflict": self.conflict,
            "conflict_minimal": self.conflict_minimal,
            "conflict_found": self.conflict_found,
            "conflict_sentences": self.conflict_sentences,
            "steps": [s.model_dump(mode="json") for s in self.steps],
            "time_limit_seconds": self.time_limit_seconds,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def to_json(self) -> str:
        if self.plan is None:
            raise ValueError(f"no plan: the solve ended with status {self.status!r}")
        return self.plan.to_json()


def solve(
    sc: Scenario,
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
    """Solve a scenario; settings default to the scenario's ``solver`` section.

    Returns a SolveResult with status optimal/feasible (plan set, verified when ``check``),
    infeasible (``conflict`` names a minimal set of conflicting rule ids; ``conflict=False``
    skips that search when only the verdict is wanted), or time_limit.
    ``alternatives`` > 1 (at most ``MAX_ALTERNATIVES``) also looks for up to that many plans
    in all, each with a different structure (see ``find_alternatives``), within what is left
    of ``time_limit``: the limit bounds the whole solve. ``params`` passes CP-SAT parameters
    through by name (e.g. ``{"linearization_level": 2}``); ``log`` prints CP-SAT's search log
    to stderr. Setting ``stop`` (a ``threading.Event``, from any thread) stops the search and
    raises ``Interrupted``; Ctrl-C raises ``KeyboardInterrupt`` once the search has stopped.
    A model CP-SAT rejects raises ``ModelInvalid`` naming the part of the scenario.
    Re-planning from an execution record: ``planner.solver.rest.replan``.
    """
    if not 1 <= alternatives <= MAX_ALTERNATIVES:
        raise ValueError(f"alternatives: expected 1..{MAX_ALTERNATIVES}, found {alternatives}")
    limit, seed, workers = settings(sc, time_limit, seed, workers)
    options = SolverOptions(params=dict(params or {}), log=log)
    check_params(options.params)
    check_routes(sc)
    began = time.monotonic()
    with stopping(stop):
        return _solve(sc, limit, seed, workers, options, alternatives, (check, conflict), began)


def settings(
    sc: Scenario, time_limit: float | None, seed: int | None, workers: int | None
) -> tuple[float, int, int]:
    """The time limit, seed and workers given, else the scenario's ``solver`` section's."""
    return (
        time_limit if time_limit is not None else sc.solver.time_limit_seconds,
        seed if seed is not None else sc.solver.seed,
        workers if workers is not None else sc.solver.workers,
    )


def _solve(
    sc: Scenario,
    limit: float,
    seed: int,
    workers: int,
    options: SolverOptions,
    alternatives: int,
    wanted: tuple[bool, bool],
    began: float,
) -> SolveResult:
    check, conflict = wanted  # verify the plan; find a minimal conflict when infeasible
    built = build_model(sc)
    result = SolveResult(
        scenario=sc.name,
        status="time_limit",
        model_size=built.size(),
        seed=seed,
        workers=workers,
        time_limit_seconds=limit,
    )
    run = lexicographic(built, seconds=limit, seed=seed, workers=workers, options=options)
    result.steps = run.steps
    if run.infeasible:
        result.status = "infeasible"
        left = limit - (time.monotonic() - began)
        if conflict:
            add_conflict(result, sc, left, seed)
        else:
            result.conflict_found = result.conflict_minimal = False
    elif run.values is not None:
        status = "optimal" if run.all_optimal else "feasible"
        plan = decode(sc, built, run.values, run.term_values, status, seed)
        others = find_alternatives(
            sc,
            plan,
            run.values,
            alternatives - 1,
            deadline=began + limit,
            seed=seed,
            workers=workers,
            options=options,
        )
        result.plan = plan.model_copy(update={"alternatives": others}) if others else plan
        result.status = plan.status
        if check:
            result.verification = verify(sc, result.plan)
            for i, other in enumerate(others, start=2):
                report = verify(sc, other)
                for bad in report.violations:
                    result.verification.violations.append(
                        bad.model_copy(update={"message": f"alternative {i}: {bad.message}"})
                    )
    result.wall_seconds = round(time.monotonic() - began, 3)
    return result


def add_conflict(
    result: SolveResult,
    sc: Scenario,
    seconds: float,
    seed: int,
    record: ExecutionRecord | None = None,
) -> None:
    """An infeasible result's conflict (with ``record``: the record fixed, as in a re-plan)."""
    conflict = (
        minimal_conflict(sc, time_limit=seconds, seed=seed, record=record)
        if seconds > 0.01
        else None
    )
    if conflict is None or not conflict.decided:
        result.conflict_found = result.conflict_minimal = False
    else:
        result.conflict = conflict.rules
        result.conflict_minimal = conflict.minimal
        result.conflict_sentences = conflict.sentences
