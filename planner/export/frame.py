"""``Plan.to_frame()`` and ``Plan._repr_html_()``: the plan in a notebook.

``planner.plan`` imports this module lazily, inside the two methods, so importing the plan
stays light (no pandas); this module in turn imports nothing of ``planner`` but ``rows`` and
reads the plan by its attributes (the imports of the package run one way).
"""

from __future__ import annotations

from html import escape
from typing import Any

from planner.export.rows import records_of_stage

FRAME_COLUMNS = (
    "stage",
    "recorded",
    "start_hour",
    "handover_complete_hour",
    "prisoner_release_hour",
    "end_hour",
    "site",
    "line_in_force",
    "vehicles",
    "side",
    "cohort",
    "count",
    "ids",
)
NULLABLE_INTS = ("prisoner_release_hour", "vehicles", "count")


def plan_frame(plan: Any) -> Any:
    """A pandas DataFrame, one row per stage and cohort (columns :data:`FRAME_COLUMNS`; side
    is hostage, prisoner or other_remains; nullable integers where a plan may have none)."""
    import pandas as pd

    rows = [
        {c: rec.get(c) for c in FRAME_COLUMNS}
        for st in plan.stages
        for rec in records_of_stage(plan, st)
    ]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    for c in NULLABLE_INTS:
        frame[c] = frame[c].astype("Int64")
    for c in ("stage", "start_hour", "handover_complete_hour", "end_hour"):
        frame[c] = frame[c].astype("int64")
    frame["recorded"] = frame["recorded"].astype(bool)
    return frame


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in counts.items()) or "none"


def _row(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>"


def plan_html_summary(plan: Any) -> str:
    """A small HTML table of the plan (every value escaped; no script, no style)."""
    m = plan.metrics
    living = "none" if m.living_released_hour is None else f"h{m.living_released_hour}"
    head = (
        f"plan of {plan.scenario}: {plan.status} (seed {plan.seed}); {m.stage_count} stages, "
        f"living received by {living}, complete h{m.completion_hour}; "
        f"{m.hostages_released} hostages, {m.prisoners_released} prisoners released"
    )
    rows = [_row(["stage", "start", "received", "released", "site", "hostages", "prisoners"],
                 "th")]  # fmt: skip
    for st in plan.stages:
        released = "" if st.prisoner_release_hour is None else f"h{st.prisoner_release_hour}"
        rows.append(
            _row(
                [
                    str(st.index),
                    f"h{st.start_hour}",
                    f"h{st.handover_complete_hour}",
                    released,
                    st.site or "",
                    _counts(st.hostages),
                    _counts(st.prisoners),
                ]
            )
        )
    return f"<table><caption>{escape(head)}</caption>" + "".join(rows) + "</table>"
