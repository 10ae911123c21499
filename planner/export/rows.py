"""A plan as flat records: one per stage and cohort, per transfer and cohort, per withdrawal.

The shared core of the tabular exports (csv, xlsx) and of ``Plan.to_frame()``. It reads the
plan by its attributes only and imports nothing of ``planner``: ``planner.plan`` imports it
lazily (``to_frame``), and the imports of the package run one way.

People are ids and counts, never names. ``ids`` of a record is the cohort's named ids (when
the cohort they belong to is known) followed by its generated ids as ranges
(``living-1…living-20``), separated by ``"; "``. Which cohort a named id belongs to comes from
the scenario (``member_cohort``); without it, from the counts when only one cohort of the
stage (or transfer) has people outside its ranges. Named ids that neither settles are listed on
the first record of that side as ``"cohort not known: <ids>"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Record = dict[str, Any]
HOSTAGE, PRISONER, OTHER_REMAINS = "hostage", "prisoner", "other_remains"
TRANSFER_FIELDS = ("prison", "destination", "travel_hours", "buses")  # as the plan has them


def plan_fields(item: Any, names: Sequence[str]) -> Record:
    """Fields of a plan object copied under their own names."""
    return {name: getattr(item, name) for name in names}


def range_text(cohort: str, first: int, last: int) -> str:
    """Generated ids ``first`` to ``last`` of a cohort, as the plan's reports write them."""
    if first == last:
        return f"{cohort}-{first}"
    return f"{cohort}-{first}…{cohort}-{last}"


def _range_size(spans: Sequence[Sequence[int]]) -> int:
    return sum(last - first + 1 for first, last in spans)


def named_by_cohort(
    named: Sequence[str],
    counts: Mapping[str, int],
    ranges: Mapping[str, Sequence[Sequence[int]]],
    member_cohort: Mapping[str, str] | None,
) -> tuple[dict[str, list[str]], list[str]]:
    """Named ids per cohort, and those whose cohort is not known (see the module's text)."""
    out: dict[str, list[str]] = {}
    rest: list[str] = []
    for pid in named:
        cohort = (member_cohort or {}).get(pid)
        if cohort in counts:
            out.setdefault(cohort, []).append(pid)
        else:
            rest.append(pid)
    gaps = {c: n - _range_size(ranges.get(c, [])) - len(out.get(c, [])) for c, n in counts.items()}
    open_cohorts = [c for c, gap in gaps.items() if gap > 0]
    if rest and len(open_cohorts) == 1 and gaps[open_cohorts[0]] == len(rest):
        out.setdefault(open_cohorts[0], []).extend(rest)
        rest = []
    return out, rest


def people_records(
    counts: Mapping[str, int],
    named: Sequence[str],
    ranges: Mapping[str, Sequence[Sequence[int]]],
    side: str,
    member_cohort: Mapping[str, str] | None,
) -> list[Record]:
    """One record per cohort of ``counts``: side, cohort, count, ids."""
    by_cohort, unknown = named_by_cohort(named, counts, ranges, member_cohort)
    out: list[Record] = []
    for cohort, count in counts.items():
        parts = list(by_cohort.get(cohort, []))
        parts += [range_text(cohort, a, b) for a, b in ranges.get(cohort, [])]
        out.append({"side": side, "cohort": cohort, "count": count, "ids": "; ".join(parts)})
    if unknown:
        note = "cohort not known: " + " ".join(unknown)
        if out:
            out[0]["ids"] = "; ".join(p for p in (out[0]["ids"], note) if p)
        else:
            out.append({"side": side, "cohort": "", "count": None, "ids": note})
    return out


def _recorded(plan: Any, index: int) -> bool:
    return plan.record is not None and index <= plan.record.stages


def stage_base(plan: Any, st: Any) -> Record:
    """The columns of a stage shared by each of its cohort records."""
    route = st.handover_route
    return {
        "row": "stage",
        "stage": st.index,
        "recorded": _recorded(plan, st.index),
        "site": st.site,
        "line_in_force": st.line_in_force,
        "vehicles": st.vehicles,
        "start_hour": st.start_hour,
        "handover_complete_hour": st.handover_complete_hour,
        "prisoner_release_hour": st.prisoner_release_hour,
        "end_hour": st.end_hour,
        "path": " > ".join(route.path) if route is not None else None,
        "travel_hours": route.hours if route is not None else None,
    }


def records_of_stage(
    plan: Any, st: Any, member_cohort: Mapping[str, str] | None = None
) -> list[Record]:
    """One record per cohort of a stage (hostages first, then prisoners; remains that proved
    not to be a hostage's as side ``other_remains``; a stage releasing nobody: one record
    without a cohort)."""
    base = stage_base(plan, st)
    people = people_records(st.hostages, st.hostage_ids, st.hostage_ranges, HOSTAGE, member_cohort)
    if st.other_remains:
        people.append({"side": OTHER_REMAINS, "cohort": "", "count": st.other_remains, "ids": ""})
    people += people_records(
        st.prisoners, st.prisoner_ids, st.prisoner_ranges, PRISONER, member_cohort
    )
    if not people:
        people = [{"side": None, "cohort": None, "count": None, "ids": ""}]
    return [base | p for p in people]


def stage_records(plan: Any, member_cohort: Mapping[str, str] | None = None) -> list[Record]:
    """One record per stage and cohort (:func:`records_of_stage`), stage by stage."""
    return [rec for st in plan.stages for rec in records_of_stage(plan, st, member_cohort)]


def transfers_of_stage(
    plan: Any, st: Any, member_cohort: Mapping[str, str] | None = None
) -> list[Record]:
    """One record per transfer of a stage and cohort: from the stage's prisoner release
    (``start_hour``, which is arrival_hour - travel_hours) to the arrival at the destination
    (``end_hour``)."""
    out: list[Record] = []
    for k, tr in enumerate(st.transfers, start=1):
        base: Record = {
            "row": "transfer",
            "stage": st.index,
            "transfer": k,
            "recorded": _recorded(plan, st.index),
            **plan_fields(tr, TRANSFER_FIELDS),
            "path": " > ".join(tr.path),
            "start_hour": tr.arrival_hour - tr.travel_hours,
            "prisoner_release_hour": st.prisoner_release_hour,
            "end_hour": tr.arrival_hour,
        }
        people = people_records(
            tr.prisoners, tr.prisoner_ids, tr.prisoner_ranges, PRISONER, member_cohort
        )
        out += [base | p for p in people or [{"side": PRISONER, "count": None, "ids": ""}]]
    return out


def transfer_records(plan: Any, member_cohort: Mapping[str, str] | None = None) -> list[Record]:
    """One record per transfer and cohort (:func:`transfers_of_stage`), stage by stage."""
    return [rec for st in plan.stages for rec in transfers_of_stage(plan, st, member_cohort)]


def withdrawal_records(plan: Any) -> list[Record]:
    """One record per withdrawal move: its start (``start_hour``) and completion
    (``end_hour``)."""
    lines = set(plan.record.lines) if plan.record is not None else set()
    return [
        {
            "row": "withdrawal",
            "withdrawal": i,
            "line": w.line,
            "recorded": w.line in lines,
            "start_hour": w.start_hour,
            "end_hour": w.complete_hour,
        }
        for i, w in enumerate(plan.withdrawals, start=1)
    ]
