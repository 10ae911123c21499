"""The entry point: every structural check, then each scenario rule's checker."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from planner.plan import Plan
from planner.scenario import Scenario
from planner.verifier import holding, lines  # noqa: F401 (they register their checkers)
from planner.verifier.context import Context, VerifyReport, Violation
from planner.verifier.record import (
    PLAN_RECORD,
    check_against_record,
    check_rest,
    grown_scenario,
    is_deviation,
)
from planner.verifier.rules import CHECKERS
from planner.verifier.structure import STRUCTURAL_CHECKS


def _run(rule_id: str, check: Callable[..., Iterable[Violation]], *args: Any) -> list[Violation]:
    """Run one check; a crash on a malformed plan becomes a violation, never an exception."""
    try:
        return list(check(*args))
    except Exception as exc:  # a verifier reports; it does not crash
        return [
            Violation(
                rule=rule_id,
                message=f"could not be checked ({type(exc).__name__}: {exc})",
            )
        ]


def verify(scenario: Scenario, plan: Plan, record: Any = None) -> VerifyReport:
    """Re-check every structural property and every rule of ``scenario`` against ``plan``.

    A plan with an execution record (``plan.record``, from ``planner replan``): violations
    that concern only the record are reported apart, as ``deviations`` (facts, not faults);
    the cohorts are as large as the record's releases of them. With ``record`` (the
    ``ExecutionRecord`` the plan was made from) the plan must also keep it unchanged."""
    deviations: list[Violation] = []
    if plan.record is not None:
        scenario, deviations = grown_scenario(scenario, plan)
    ctx = Context.build(scenario, plan)
    violations: list[Violation] = []
    if record is not None:
        violations += _run(
            PLAN_RECORD, check_against_record, plan, record, scenario, ctx.handover_travel
        )
    violations += _run(PLAN_RECORD, check_rest, plan)
    for rule_id, structural in STRUCTURAL_CHECKS.items():
        violations += _run(rule_id, structural, ctx)
    for rule in scenario.rules:
        checker = CHECKERS.get(type(rule))
        if checker is None:
            violations.append(Violation(rule=rule.id, message=f"unknown rule kind {rule.kind!r}"))
            continue
        found = _run(rule.id, checker, ctx, rule)
        violations += [v.model_copy(update={"basis": rule.basis}) for v in found]
    deviations += [v for v in violations if is_deviation(plan, v)]
    violations = [v for v in violations if not is_deviation(plan, v)]
    return VerifyReport(scenario=scenario.name, violations=violations, deviations=deviations)
