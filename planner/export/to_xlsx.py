"""Excel workbook (openpyxl): sheets stages, transfers, withdrawals, rules, plan.

Hours are integers, clock times real datetimes (the scenario's wall clock; Excel has no time
zones, so the offset is in the header). Header rows are bold and frozen. The bytes are the same
for the same plan and scenario: the workbook's created/modified properties are the scenario's
start_time (else 2000-01-01), and every zip member carries a fixed timestamp.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from planner.export.common import (
    DEFAULT_SOURCE,
    clean_text,
    clock_at,
    member_cohorts,
    offset_text,
    rule_statuses,
    sheet_text,
)
from planner.export.rows import stage_records, transfer_records, withdrawal_records
from planner.plan import Plan
from planner.scenario import Scenario

FIXED_EPOCH = datetime(2000, 1, 1)  # the workbook's dates without a start_time (naive UTC)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # every zip member's timestamp
MAX_WIDTH = 80
TIME_FORMAT = "yyyy-mm-dd hh:mm"

STAGE_COLUMNS = (
    "stage", "recorded", "site", "line_in_force", "vehicles", "start_hour",
    "handover_complete_hour", "prisoner_release_hour", "end_hour", "path", "travel_hours",
    "side", "cohort", "count", "ids",
)  # fmt: skip
TRANSFER_COLUMNS = (
    "stage", "transfer", "recorded", "prison", "destination", "path", "travel_hours",
    "start_hour", "end_hour", "buses", "cohort", "count", "ids",
)  # fmt: skip
WITHDRAWAL_COLUMNS = ("withdrawal", "line", "recorded", "start_hour", "end_hour")
RULE_COLUMNS = ("id", "kind", "basis", "rule", "status", "violations")
HOUR_TIMES = {
    "start_hour": "start_time",
    "handover_complete_hour": "handover_complete_time",
    "prisoner_release_hour": "prisoner_release_time",
    "end_hour": "end_time",
}


def _wall_clock(start: datetime | None, hour: int | None, source: str) -> datetime | None:
    """A naive datetime on the scenario's wall clock (Excel cells carry no time zone)."""
    at = clock_at(start, hour, source)
    return at.replace(tzinfo=None) if at is not None else None


def _columns(base: Sequence[str], start: datetime | None) -> list[str]:
    """The sheet's columns: ``base``, then a clock time per hour column when t=0 is known."""
    if start is None:
        return list(base)
    return list(base) + [HOUR_TIMES[c] for c in base if c in HOUR_TIMES]


def _append(ws: Any, values: list[Any]) -> None:
    """A row: numbers, booleans and datetimes as they are; any other value as a text cell
    (``data_type`` ``"s"``, never a formula) of :func:`sheet_text`."""
    ws.append([v if v is None or isinstance(v, int | float | datetime) else sheet_text(v)
               for v in values])  # fmt: skip
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _sheet(
    wb: Workbook,
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    start: datetime | None,
    source: str = DEFAULT_SOURCE,
) -> None:
    ws = wb.create_sheet(title)
    zone = f" ({offset_text(start)})" if start is not None else ""
    _append(ws, [c + zone if c in HOUR_TIMES.values() else c for c in columns])
    for rec in rows:
        values = dict(rec)
        for hour, time in HOUR_TIMES.items():
            values[time] = _wall_clock(start, rec.get(hour), source)
        _append(ws, [values.get(c) for c in columns])
    _style(ws, columns)


def _style(ws: Any, columns: list[str]) -> None:
    """Bold, frozen header; clock times formatted; widths from the longest value."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for i, name in enumerate(columns, start=1):
        letter = get_column_letter(i)
        longest = len(str(ws.cell(row=1, column=i).value))
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if isinstance(cell.value, datetime):
                cell.number_format = TIME_FORMAT
                longest = max(longest, len(TIME_FORMAT))
            elif cell.value is not None:
                longest = max(longest, max(len(part) for part in str(cell.value).split("\n")))
            if name in ("rule", "violations"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = min(MAX_WIDTH, max(8, longest + 2))


def _rule_rows(plan: Plan, scenario: Scenario | None) -> list[dict[str, Any]]:
    if scenario is None:
        return [{"id": "", "rule": "the rules need --scenario: give the plan's scenario to list "
                 "its rules with the independent verifier's verdict"}]  # fmt: skip
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "basis": r.basis,
            "rule": r.sentence,
            "status": r.status,
            "violations": "\n".join(r.messages) or None,
        }
        for r in rule_statuses(scenario, plan)
    ]


def _plan_rows(plan: Plan, start: datetime | None) -> list[dict[str, Any]]:
    """The plan's summary as name/value pairs."""
    m = plan.metrics
    pairs: list[tuple[str, Any]] = [
        ("scenario", plan.scenario),
        ("status", plan.status),
        ("seed", plan.seed),
        ("start_time (t=0)", start.replace(tzinfo=None) if start is not None else None),
        ("clock", offset_text(start) if start is not None else "not known (hours from t=0)"),
        ("stages", m.stage_count),
        ("living_released_hour", m.living_released_hour),
        ("completion_hour", m.completion_hour),
        ("hostages_released", m.hostages_released),
        ("prisoners_released", m.prisoners_released),
    ]
    pairs += [(f"objective {term}", value) for term, value in plan.objective.items()]
    pairs += [(f"unreleased {cohort}", n) for cohort, n in plan.unreleased.items()]
    return [{"name": k, "value": v} for k, v in pairs]


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with a fixed timestamp on every member (openpyxl stamps the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _stamp(start: datetime | None) -> datetime:
    """The workbook's created/modified time: t=0 in UTC (naive, as openpyxl writes it)."""
    if start is None:
        return FIXED_EPOCH
    if start.utcoffset() is None:
        return start
    return start.astimezone(UTC).replace(tzinfo=None)


def export_xlsx(plan: Plan, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> bytes:
    """The workbook's bytes; text cells cleaned and kept from reading as formulas."""
    start = scenario.start_time if scenario is not None else None
    members = member_cohorts(scenario)
    wb = Workbook()
    wb.remove(wb.active)
    for title, base, rows in (
        ("stages", STAGE_COLUMNS, stage_records(plan, members)),
        ("transfers", TRANSFER_COLUMNS, transfer_records(plan, members)),
        ("withdrawals", WITHDRAWAL_COLUMNS, withdrawal_records(plan)),
    ):
        _sheet(wb, title, _columns(base, start), rows, start, source)
    _sheet(wb, "rules", list(RULE_COLUMNS), _rule_rows(plan, scenario), None)
    _sheet(wb, "plan", ["name", "value"], _plan_rows(plan, start), None)
    wb.properties.creator = "planner"
    wb.properties.title = clean_text(f"Exchange plan: {plan.scenario}")
    wb.properties.created = wb.properties.modified = _stamp(start)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_zip(buf.getvalue())
