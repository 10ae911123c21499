"""Re-planning: the record frozen, the rest planned (``planner replan``).

The record's stages are the model's first slots, fixed as they happened; every rule judges
the open slots and the plan as a whole. When the record leaves no plan of the rest that keeps
every rule, the fewest rules are given up (``planner.solver.giveup``) and the rest is planned
without them. The verifier then checks the whole plan; what concerns only the record comes
back as deviations.
"""

from __future__ import annotations

import threading
import time

from planner.model.builder import BuiltModel, build_model
from planner.network import check_routes
from planner.plan import Deviation, Plan, RecordPart
from planner.record import ExecutionRecord, checked_record, effective_scenario
from planner.scenario import Scenario
from planner.solver.control import stopping
from planner.solver.decode import decode
from planner.solver.giveup import GivenUp, rules_to_give_up
from planner.solver.previous import CHANGED, previous_hint, with_changed_term
from planner.solver.run import Lexicographic, SolverOptions, lexicographic
from planner.solver.solve import SolveResult, add_conflict, settings
from planner.verifier import verify


def replan(
    sc: Scenario,
    record: ExecutionRecord,
    *,
    previous: Plan | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    check: bool = True,
    stop: threading.Event | None = None,
    keep: frozenset[str] = frozenset(),
) -> SolveResult:
    """Freeze ``record`` (checked against ``sc``) and plan the rest from its ``now_hour`` with
    the same rules and objective; settings default to the scenario's ``solver`` section, and
    ``time_limit`` bounds the whole re-plan. The plan is one full plan (record + rest) whose
    ``record`` part marks the recorded stages and lists the deviations (also in
    ``verification.deviations``) and any rules given up. ``previous``: the plan being remade;
    its stages still ahead stay as they were where the rules and the objective allow. Status
    infeasible only when the rest cannot be planned even with every rule given up. ``keep``:
    rules never given up (a robustness future's sampled numbers are facts, not beliefs)."""
    record = checked_record(sc, record)
    limit, seed_, workers_ = settings(sc, time_limit, seed, workers)
    check_routes(sc)
    began = time.monotonic()
    with stopping(stop):
        return _replan(sc, record, previous, limit, seed_, workers_, check, began, keep)


def _attempt(
    sc: Scenario,
    record: ExecutionRecord,
    previous: Plan | None,
    seconds: float,
    seed: int,
    workers: int,
) -> tuple[BuiltModel, Lexicographic]:
    built = build_model(sc, record=record)
    hint = None
    if previous is not None:
        with_changed_term(built, previous, record.now_hour)
        hint = previous_hint(built, previous, record.now_hour)
    run = lexicographic(
        built, seconds=seconds, seed=seed, workers=workers, options=SolverOptions(), hint=hint
    )
    return built, run


def _replan(
    given: Scenario,
    record: ExecutionRecord,
    previous: Plan | None,
    limit: float,
    seed: int,
    workers: int,
    check: bool,
    began: float,
    keep: frozenset[str] = frozenset(),
) -> SolveResult:
    sc = effective_scenario(given, record)
    built, run = _attempt(sc, record, previous, limit, seed, workers)
    result = SolveResult(
        scenario=sc.name,
        status="time_limit",
        model_size=built.size(),
        seed=seed,
        workers=workers,
        time_limit_seconds=limit,
    )
    given_up: GivenUp | None = None
    steps = list(run.steps)
    if run.infeasible:
        left = limit - (time.monotonic() - began)
        given_up = (
            rules_to_give_up(sc, record, seed=seed, seconds=left, keep=keep)
            if left > 0.01
            else None
        )
        if given_up is not None and given_up.rules:
            left = limit - (time.monotonic() - began)
            built, run = _attempt(sc.without(given_up.rules), record, previous, left, seed, workers)
            steps += run.steps
    result.steps = steps
    if run.infeasible:
        result.status = "infeasible"
        add_conflict(result, sc, limit - (time.monotonic() - began), seed, record)
    elif run.values is not None:
        status = "optimal" if run.all_optimal else "feasible"
        plan = decode(sc, built, run.values, run.term_values, status, seed)
        part = RecordPart(
            now_hour=record.now_hour,
            stages=len(record.stages),
            lines=[w.line for w in record.withdrawals],
            given_up=given_up.rules if given_up is not None else [],
            given_up_proved=given_up.proved if given_up is not None else True,
            changed_stages=run.term_values.get(CHANGED) if previous is not None else None,
        )
        plan = plan.model_copy(update={"record": part})
        report = verify(given, plan, record)
        part.deviations = [Deviation(**d.model_dump()) for d in report.deviations]
        result.plan = plan
        result.status = plan.status
        if check:
            result.verification = report
    result.wall_seconds = round(time.monotonic() - began, 3)
    return result
