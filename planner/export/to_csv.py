"""CSV (RFC 4180, UTF-8, CRLF): one file, one record per stage and cohort, per transfer and
cohort, per withdrawal move; the column ``row`` says which. Columns: ``docs/exports.md``."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from planner.export.common import DEFAULT_SOURCE, iso, member_cohorts, sheet_text
from planner.export.rows import (
    Record,
    records_of_stage,
    transfers_of_stage,
    withdrawal_records,
)
from planner.plan import Plan
from planner.scenario import Scenario

HOUR_COLUMNS = ("start_hour", "handover_complete_hour", "prisoner_release_hour", "end_hour")
COLUMNS = (
    "row",
    "stage",
    "transfer",
    "withdrawal",
    "recorded",
    "site",
    "line_in_force",
    "line",
    "vehicles",
    *HOUR_COLUMNS,
    "prison",
    "destination",
    "path",
    "travel_hours",
    "buses",
    "side",
    "cohort",
    "count",
    "ids",
    *(h.replace("_hour", "_time") for h in HOUR_COLUMNS),
)


def plan_records(plan: Plan, scenario: Scenario | None) -> list[Record]:
    """Each stage's records followed by its transfers', then the withdrawal moves."""
    members = member_cohorts(scenario)
    out: list[Record] = []
    for st in plan.stages:
        out += records_of_stage(plan, st, members) + transfers_of_stage(plan, st, members)
    return out + withdrawal_records(plan)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)  # a number, negative ones too, is never quoted as text
    return sheet_text(value)


def _timed(rec: Record, start: datetime | None, source: str) -> Record:
    out = dict(rec)
    for h in HOUR_COLUMNS:
        out[h.replace("_hour", "_time")] = iso(start, rec.get(h), source)
    return out


def export_csv(plan: Plan, scenario: Scenario | None, source: str = DEFAULT_SOURCE) -> bytes:
    """The csv's bytes; text cells cleaned and kept from reading as formulas (sheet_text)."""
    start = scenario.start_time if scenario is not None else None
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for rec in plan_records(plan, scenario):
        writer.writerow({k: _cell(v) for k, v in _timed(rec, start, source).items()})
    return buf.getvalue().encode("utf-8")
