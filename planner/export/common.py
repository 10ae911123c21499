"""What the exports share: checking their inputs, clock times, rules with the verifier's word."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from planner.io import InputError
from planner.plan import Plan
from planner.scenario import Scenario
from planner.scenario.rules.base import BASIS_WORDS

DEFAULT_SOURCE = "export"


def check_inputs(plan: Plan, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> None:
    """The scenario, when given, is the plan's."""
    if scenario is not None and scenario.name != plan.scenario:
        raise InputError(
            source,
            [
                (
                    "$.scenario",
                    f"the plan is of scenario {plan.scenario!r}, the scenario given is "
                    f"{scenario.name!r}: give --scenario the scenario the plan was made for",
                )
            ],
        )


def need_scenario(fmt: str, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> Scenario:
    if scenario is None:
        raise InputError(
            source,
            [("$", f"{fmt} needs the plan's scenario (its places and routes): give --scenario")],
        )
    return scenario


def need_clock(fmt: str, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> datetime:
    """The scenario's start_time (t=0); an InputError saying what to give when it is missing."""
    if scenario is None:
        raise InputError(
            source,
            [("$", f"{fmt} needs clock times: give --scenario, a scenario with start_time")],
        )
    if scenario.start_time is None:
        raise InputError(
            source,
            [
                (
                    "$.start_time",
                    f"{fmt} needs clock times: scenario {scenario.name!r} has no start_time; "
                    "give --scenario, a scenario with start_time (the clock time of t=0)",
                )
            ],
        )
    return scenario.start_time


def clock_at(start: datetime | None, hour: int | None) -> datetime | None:
    """The clock time ``hour`` hours after t=0 (None without a start time or an hour)."""
    if start is None or hour is None:
        return None
    return start + timedelta(hours=hour)


def iso(start: datetime | None, hour: int | None) -> str:
    """ISO 8601 clock time of an hour ("" when not known)."""
    at = clock_at(start, hour)
    return at.isoformat() if at is not None else ""


def offset_text(start: datetime) -> str:
    """The UTC offset of the scenario's clock: "UTC+03:00", or "local" for a naive time."""
    off = start.utcoffset()
    if off is None:
        return "local time"
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class RuleStatus:
    """One rule of the scenario (or a structural ``plan/*`` check that failed) with the
    independent verifier's word on the plan: held, broken, or deviation (a departure of the
    plan's execution record, a fact rather than a fault)."""

    id: str
    kind: str
    basis: str
    sentence: str
    status: str
    messages: list[str] = field(default_factory=list)

    @property
    def basis_words(self) -> str:
        return BASIS_WORDS.get(self.basis, self.basis)


def rule_statuses(scenario: Scenario, plan: Plan) -> list[RuleStatus]:
    """Each rule of the scenario in order, then any structural check the plan fails."""
    from planner.verifier import verify

    report = verify(scenario, plan)
    broken: dict[str, list[str]] = {}
    deviating: dict[str, list[str]] = {}
    for v in report.violations:
        broken.setdefault(v.rule, []).append(v.message)
    for v in report.deviations:
        deviating.setdefault(v.rule, []).append(v.message)
    out = []
    for r in scenario.rules:
        status = "broken" if r.id in broken else "deviation" if r.id in deviating else "held"
        messages = broken.get(r.id) or deviating.get(r.id) or []
        out.append(RuleStatus(r.id, r.kind, r.basis, r.describe(scenario), status, messages))
    known = {r.id for r in scenario.rules}
    for rule_id, messages in broken.items():
        if rule_id not in known:
            out.append(RuleStatus(rule_id, "structure", "", "the plan's structure", "broken",
                                  messages))  # fmt: skip
    return out


def member_cohorts(scenario: Scenario | None) -> dict[str, str] | None:
    """Named person id -> cohort id (ids only: a member's name is never read)."""
    return scenario.member_cohort() if scenario is not None else None
