"""iCalendar (RFC 5545, the ``icalendar`` package): one VEVENT per handover (stage start to
handover complete), per prisoner transfer (release to arrival) and per withdrawal move (start to
complete). Needs the scenario's start_time.

Deterministic: UIDs are ``<scenario>-<kind>-<index>@planner`` and DTSTAMP is t=0, so the same
plan and scenario give the same bytes. Times are UTC (``...Z``) when start_time has an offset,
floating local times when it has none. An event that takes no time has no DTEND (RFC 5545:
it ends when it starts).
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event

from planner.export.common import DEFAULT_SOURCE, check_inputs, clean_text, clock_at, need_clock
from planner.export.rows import range_text
from planner.plan import Plan, Stage, Transfer, Withdrawal
from planner.scenario import Scenario

PRODID = "-//planner//exchange plan//EN"


def _at(start: datetime, hour: int, source: str = DEFAULT_SOURCE) -> datetime:
    """The event time: UTC with an offset, floating without (clock_at checks the UTC time)."""
    at = clock_at(start, hour, source)
    assert at is not None
    return at.astimezone(UTC) if at.utcoffset() is not None else at


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in counts.items()) or "none"


def _ids(named: list[str], ranges: dict[str, list[tuple[int, int]]]) -> str:
    parts = list(named) + [range_text(c, a, b) for c, spans in ranges.items() for a, b in spans]
    return ", ".join(parts) or "none"


def _event(
    uid: str, summary: str, description: list[str], span: tuple[datetime, datetime], stamp: datetime
) -> Event:
    """One VEVENT; its text cleaned (newlines kept in the description, which escapes them)."""
    ev = Event()
    ev.add("uid", clean_text(uid))
    ev.add("dtstamp", stamp)
    ev.add("dtstart", span[0])
    if span[1] != span[0]:
        ev.add("dtend", span[1])
    ev.add("summary", clean_text(summary))
    ev.add("description", clean_text("\n".join(description), "\t\n"))
    return ev


def _handover(plan: Plan, st: Stage, start: datetime) -> tuple[str, list[str]]:
    recorded = " (recorded)" if plan.record is not None and st.index <= plan.record.stages else ""
    where = f" at {st.site}" if st.site else ""
    summary = (
        f"Stage {st.index} handover{where}{recorded}: {_n(sum(st.hostages.values()), 'hostage')} "
        f"({_counts(st.hostages)})"
    )
    release = (
        "no prisoners released"
        if st.prisoner_release_hour is None
        else f"prisoners released at h{st.prisoner_release_hour}, "
        f"{st.prisoner_release_hour - st.handover_complete_hour} h after the hostages are "
        f"received: {_counts(st.prisoners)}"
    )
    lines = [
        f"Hours from t=0 ({start.isoformat()}): handover starts h{st.start_hour}, hostages "
        f"received h{st.handover_complete_hour}, stage ends h{st.end_hour}.",
        f"Hostages by cohort: {_counts(st.hostages)}.",
        f"Hostage ids: {_ids(st.hostage_ids, st.hostage_ranges)}.",
        f"Stage {st.index}: {release}.",
        f"Line in force: {st.line_in_force}.",
    ]
    if st.handover_route is not None:
        lines.append(
            f"Route to reception: {' > '.join(st.handover_route.path)} "
            f"({st.handover_route.hours} h)."
        )
    if st.vehicles is not None:
        lines.append(f"Intermediary vehicles: {st.vehicles}.")
    if st.other_remains:
        lines.append(f"Remains that proved not to be a hostage's: {st.other_remains}.")
    return summary, lines


def _transfer(st: Stage, k: int, tr: Transfer) -> tuple[str, list[str]]:
    buses = f", {_n(tr.buses, 'bus', 'buses')}" if tr.buses is not None else ""
    summary = (
        f"Stage {st.index} transfer {k}: {_n(sum(tr.prisoners.values()), 'prisoner')} "
        f"from {tr.prison} to {tr.destination}{buses}"
    )
    lines = [
        f"Released h{tr.arrival_hour - tr.travel_hours}, arrival h{tr.arrival_hour} "
        f"({tr.travel_hours} h travel).",
        f"Path: {' > '.join(tr.path)}.",
        f"Prisoners by cohort: {_counts(tr.prisoners)}.",
        f"Prisoner ids: {_ids(tr.prisoner_ids, tr.prisoner_ranges)}.",
    ]
    return summary, lines


def _withdrawal(plan: Plan, w: Withdrawal, scenario: Scenario | None) -> tuple[str, list[str]]:
    recorded = " (recorded)" if plan.record is not None and w.line in plan.record.lines else ""
    summary = f"Withdrawal to {w.line}{recorded}"
    lines = [f"Move starts h{w.start_hour}, complete h{w.complete_hour}."]
    line = (
        next((ln for ln in scenario.withdrawal_lines if ln.id == w.line), None)
        if scenario
        else None
    )
    if line is not None:
        lines.append(f"Share of territory still held at {w.line}: {line.share_held_pct}%.")
    return summary, lines


def export_ics(plan: Plan, scenario: Scenario | None, source: str = "export") -> bytes:
    start = need_clock("iCalendar", scenario, source)
    check_inputs(plan, scenario, source)
    stamp = start.astimezone(UTC) if start.utcoffset() is not None else start.replace(tzinfo=UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", clean_text(f"Exchange plan: {plan.scenario}"))
    name = plan.scenario
    for st in plan.stages:
        summary, lines = _handover(plan, st, start)
        span = (_at(start, st.start_hour, source), _at(start, st.handover_complete_hour, source))
        cal.add_component(
            _event(f"{name}-handover-{st.index}@planner", summary, lines, span, stamp)
        )
        for k, tr in enumerate(st.transfers, start=1):
            summary, lines = _transfer(st, k, tr)
            span = (
                _at(start, tr.arrival_hour - tr.travel_hours, source),
                _at(start, tr.arrival_hour, source),
            )
            uid = f"{name}-transfer-{st.index}-{k}@planner"
            cal.add_component(_event(uid, summary, lines, span, stamp))
    for i, w in enumerate(plan.withdrawals, start=1):
        summary, lines = _withdrawal(plan, w, scenario)
        span = (_at(start, w.start_hour, source), _at(start, w.complete_hour, source))
        cal.add_component(_event(f"{name}-withdrawal-{i}@planner", summary, lines, span, stamp))
    return cal.to_ical()
