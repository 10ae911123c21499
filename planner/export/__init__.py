"""Exports of a plan: csv, xlsx, ics, geojson, md (what each holds: ``docs/exports.md``).

``export_plan(plan, fmt, scenario, explanation)`` returns the file's bytes. Each format is one
module (``to_<fmt>.py``), imported only when used; ``rows`` (flat records) and ``frame``
(``Plan.to_frame``, ``Plan._repr_html_``) import nothing of ``planner``. People are given by
id, id ranges and counts only, never by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.export.common import DEFAULT_SOURCE, check_clock, check_inputs
from planner.io import InputError

if TYPE_CHECKING:
    from planner.explainer import Explanation
    from planner.plan import Plan
    from planner.scenario import Scenario

FORMATS = ("csv", "xlsx", "ics", "geojson", "md")
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "ics": ".ics", "geojson": ".geojson", "md": ".md"}
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar",
    "geojson": "application/geo+json",
    "md": "text/markdown",
}
__all__ = ["FORMATS", "MEDIA_TYPES", "SUFFIXES", "export_plan"]


def export_plan(
    plan: Plan,
    fmt: str,
    scenario: Scenario | None = None,
    explanation: Explanation | None = None,
    *,
    source: str = DEFAULT_SOURCE,
) -> bytes:
    """The plan in format ``fmt`` (one of :data:`FORMATS`), as the bytes of the file.

    ``scenario`` must be the plan's (``plan.scenario == scenario.name``); ics needs it with a
    ``start_time``, geojson needs it for the places; csv, xlsx and md add clock times and
    (xlsx, md) the rules with the verifier's word when it is given. ``explanation``
    (``planner explain --json``, of the same scenario) adds "what binds" to md. Raises
    :class:`planner.io.InputError` (``source`` names the input in its lines) when the
    inputs cannot give the format."""
    if fmt not in FORMATS:
        raise InputError(
            source, [("$", f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")]
        )
    check_inputs(plan, scenario, source)
    if explanation is not None and explanation.scenario != plan.scenario:
        raise InputError(
            source,
            [
                (
                    "$.scenario",
                    f"the explanation is of scenario {explanation.scenario!r}, the plan of "
                    f"{plan.scenario!r}: give --explain the output of planner explain --json "
                    "for the plan's scenario",
                )
            ],
        )
    check_clock(plan, scenario, source)
    return _export(plan, fmt, scenario, explanation, source)


def _export(
    plan: Plan,
    fmt: str,
    scenario: Scenario | None,
    explanation: Explanation | None,
    source: str,
) -> bytes:
    """One format's module, imported when used."""
    if fmt == "csv":
        from planner.export.to_csv import export_csv

        return export_csv(plan, scenario, source)
    if fmt == "xlsx":
        from planner.export.to_xlsx import export_xlsx

        return export_xlsx(plan, scenario, source)
    if fmt == "ics":
        from planner.export.to_ics import export_ics

        return export_ics(plan, scenario, source)
    if fmt == "geojson":
        from planner.export.to_geojson import export_geojson

        return export_geojson(plan, scenario, source)
    from planner.export.to_md import export_md

    return export_md(plan, scenario, explanation, source)
