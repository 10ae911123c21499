"""Independent plan verifier: re-checks a plan against its scenario from the plan's numbers alone.

The contract is ``docs/rules.md``. This package deliberately shares no code with the solver
(``planner/model/``) and never imports ortools, so a plan is checked by a second, much simpler
reading of the rules. It reports every problem it finds as a :class:`Violation`; it never raises
on a malformed plan.

Violation ids are either a scenario rule id or a structural id beginning with ``plan/`` (a rule
id cannot contain ``/``, so the two never clash):

- ``plan/scenario``: the plan names another scenario.
- ``plan/stages``: stage numbering and order, hours (``handover_complete_hour`` including the
  travel from the site to the reception point, ``end_hour``, ``prisoner_release_hour``),
  ``line_in_force``, ``site`` (a handover site exactly when the scenario has handover sites) and
  ``vehicles`` (``ceil(hostages / seats)`` of the ``hostage_fleet`` rule, or null).
- ``plan/horizon``: a stage hour outside ``[0, H]``.
- ``plan/people``: counts, person ids and ranges of generated ids (each within its cohort, none
  overlapping another or a listed id, ids + range sizes = the count), ``unreleased``.
- ``plan/routes``: travel over the routes graph: ``handover_route`` (present exactly with
  handover sites; a path along routes from the site to the reception point taking the shortest
  hours) and each transfer's ``path`` / ``travel_hours`` (the same, from prison to destination).
- ``plan/transfers``: which prisoners are moved where: every prisoner of a cohort with
  destinations in exactly one transfer of its stage, to an allowed destination, from the cohort's
  prison; per-cohort counts, ids and ranges (inside the stage's); ``arrival_hour``; ``buses``
  (``ceil(prisoners / seats)`` of the covering ``buses`` rule, or null).
- ``plan/withdrawals``, ``plan/metrics``, ``plan/objective``.

Field arithmetic (``vehicles``, ``buses``) is reported once, structurally; the ``hostage_fleet``
and ``buses`` rule checks then judge the limits with the numbers recomputed from the people, so
a plan that understates its vehicles or buses is still caught by the rule; a stage needing more
vehicles than the fleet breaks ``hostage_fleet`` even if it occupies no hour. Limits over several
stages (``site_daily_limit``, ``hostage_fleet``) name the stage that goes over. Travel times are
recomputed here with networkx (Dijkstra, weight ``hours``, the fastest of parallel routes),
independently of ``planner.network``.

Ranges are never expanded: they are checked by their bounds (sort and sweep), so the cost grows
with stages, cohorts, ranges and listed ids, not with the people in the ranges.

Modules: ``context`` (the ids, :class:`Violation`, :class:`VerifyReport` and the lookups every
check shares), ``structure`` (the ``plan/*`` checks), ``people`` (``plan/people``), ``transfers``
(``plan/routes``, ``plan/transfers``), ``spans`` (arithmetic on ranges), ``rules`` (one checker
per rule class in :data:`CHECKERS`; the only module that names rule classes), ``verify`` (the
entry point).
"""

from __future__ import annotations

from planner.verifier.context import (
    PLAN_HORIZON,
    PLAN_METRICS,
    PLAN_OBJECTIVE,
    PLAN_PEOPLE,
    PLAN_ROUTES,
    PLAN_SCENARIO,
    PLAN_STAGES,
    PLAN_TRANSFERS,
    PLAN_WITHDRAWALS,
    VerifyReport,
    Violation,
)
from planner.verifier.rules import CHECKERS
from planner.verifier.structure import STRUCTURAL_CHECKS
from planner.verifier.verify import verify

__all__ = [
    "CHECKERS",
    "PLAN_HORIZON",
    "PLAN_METRICS",
    "PLAN_OBJECTIVE",
    "PLAN_PEOPLE",
    "PLAN_ROUTES",
    "PLAN_SCENARIO",
    "PLAN_STAGES",
    "PLAN_TRANSFERS",
    "PLAN_WITHDRAWALS",
    "STRUCTURAL_CHECKS",
    "VerifyReport",
    "Violation",
    "verify",
]
