"""What the exports share: checking their inputs, clock times, rules with the verifier's word,
and cleaning the text they write (plans and scenarios are untrusted input)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from planner.io import InputError
from planner.plan import Plan
from planner.scenario import Scenario
from planner.scenario.rules.base import BASIS_WORDS

DEFAULT_SOURCE = "export"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads these as a formula


def clean_text(value: object, keep: str = "") -> str:
    """``value`` as text with every control character (C0, DEL, C1) written as its escape text
    (ESC as ``\\u001b``), but those in ``keep`` (a format's tab or newline). With a newline
    kept, a CR LF or a lone CR is a newline. Every export's text goes through here."""
    text = str(value)
    if "\n" in keep:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub(lambda m: m[0] if m[0] in keep else f"\\u{ord(m[0]):04x}", text)


def sheet_text(value: object) -> str:
    """A spreadsheet's text cell (csv, xlsx): cleaned (tab and newline kept), and with a
    leading ``'`` when it starts as a formula would (``= + - @``, tab, CR: the OWASP rule
    against CSV injection)."""
    raw = str(value)
    text = clean_text(raw, "\t\n")
    return "'" + text if raw.startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS) else text


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


def shifted(start: datetime, hour: float) -> datetime | None:
    """t=0 plus ``hour`` hours, None when it (or, with an offset, its UTC time) is outside the
    calendar (years 1 to 9999)."""
    try:
        at = start + timedelta(hours=hour)
        if at.utcoffset() is not None:
            at.astimezone(UTC)
    except OverflowError:
        return None
    return at


def _out_of_range(start: datetime, hour: int, path: str = "$") -> tuple[str, str]:
    return (
        path,
        f"clock time out of range: t=0 ({start.isoformat()}) + {hour} h is outside the "
        "calendar (years 1 to 9999, in UTC too); give a scenario whose start_time leaves room "
        "for the plan's hours, or no start_time (hours only)",
    )


def clock_at(
    start: datetime | None, hour: int | None, source: str = DEFAULT_SOURCE
) -> datetime | None:
    """The clock time ``hour`` hours after t=0 (None without a start time or an hour); an
    InputError when it is out of the calendar (:func:`check_clock` finds them all first)."""
    if start is None or hour is None:
        return None
    at = shifted(start, hour)
    if at is None:
        raise InputError(source, [_out_of_range(start, hour)])
    return at


def plan_hours(plan: Plan) -> Iterator[tuple[str, int | None]]:
    """Every hour of the plan an export may turn into a clock time, with its JSON path."""
    yield "$.metrics.living_released_hour", plan.metrics.living_released_hour
    yield "$.metrics.completion_hour", plan.metrics.completion_hour
    if plan.record is not None:
        yield "$.record.now_hour", plan.record.now_hour
    for i, st in enumerate(plan.stages):
        for name in ("start_hour", "handover_complete_hour", "prisoner_release_hour", "end_hour"):
            yield f"$.stages[{i}].{name}", getattr(st, name)
        for k, tr in enumerate(st.transfers):
            where = f"$.stages[{i}].transfers[{k}]"
            yield f"{where}.arrival_hour", tr.arrival_hour
            yield f"{where}.arrival_hour - travel_hours", tr.arrival_hour - tr.travel_hours
    for i, w in enumerate(plan.withdrawals):
        yield f"$.withdrawals[{i}].start_hour", w.start_hour
        yield f"$.withdrawals[{i}].complete_hour", w.complete_hour


def check_clock(plan: Plan, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> None:
    """Every clock time of the plan (t=0 itself included) is in the calendar, on the scenario's
    clock and in UTC; else an InputError naming each hour that is not (at most 10)."""
    start = scenario.start_time if scenario is not None else None
    if start is None:
        return
    problems = [
        _out_of_range(start, hour, path)
        for path, hour in [("$.scenario start_time", 0), *plan_hours(plan)]
        if hour is not None and shifted(start, hour) is None
    ]
    if problems:
        raise InputError(source, problems[:10])


def iso(start: datetime | None, hour: int | None, source: str = DEFAULT_SOURCE) -> str:
    """ISO 8601 clock time of an hour ("" when not known)."""
    at = clock_at(start, hour, source)
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
    """One rule of the scenario (or a structural ``plan/*`` check the plan fails or its
    execution record departs from) with the independent verifier's word on the plan: held,
    broken, or deviation (a departure of the plan's execution record, a fact rather than a
    fault)."""

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
    """Each rule of the scenario in order, then each structural check (an id that is not a
    rule's, ``plan/…``) the plan fails (broken) or its record departs from (deviation)."""
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
    for status, found in (("broken", broken), ("deviation", deviating)):
        for rule_id, messages in found.items():
            if rule_id not in known and (status == "broken" or rule_id not in broken):
                out.append(RuleStatus(rule_id, "structure", "", "the plan's structure", status,
                                      messages))  # fmt: skip
    return out


def member_cohorts(scenario: Scenario | None) -> dict[str, str] | None:
    """Named person id -> cohort id (ids only: a member's name is never read)."""
    return scenario.member_cohort() if scenario is not None else None
