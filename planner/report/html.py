"""A self-contained HTML report of a plan (``planner report``): summary, timeline, cumulative
releases against the agreed balance, stages, transfers, alternatives; with the scenario, clock
times, rules and the verifier's verdict; with an explanation, what binds; with a robustness
study, the share of futures each rule holds in; with a frontier, its chart and table.

The markup is in Jinja2 templates (``planner/report/templates``) with autoescaping, so every
text is escaped; the charts' geometry is computed in ``planner.report.charts`` and
``planner.report.cumulative`` and drawn as SVG by the templates. No script and no external file
(unless ``interactive``: plotly charts with plotly.js inline): the page can be mailed or
archived as it is. The output depends only on its inputs (no time stamp, no random id), so the
same inputs give the same bytes.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from planner.plan import Plan, Ranges
from planner.report.charts import MIN_BAR, frontier_chart, stage_detail, timeline
from planner.report.cumulative import cumulative
from planner.report.people import people_items
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.explainer import Explanation
    from planner.frontier import Frontier
    from planner.robustness import Robustness


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("planner.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.0%}"
    return env


def _clock_of(sc: Scenario | None) -> Any:
    def clock(hour: int | None) -> str:
        if hour is None:
            return "–"
        if sc is None or sc.start_time is None:
            return f"h{hour}"
        return f"h{hour} ({(sc.start_time + timedelta(hours=hour)).strftime('%d %b %H:%M')})"

    return clock


def _people(ids: list[str], ranges: Ranges) -> str:
    """Who is released, each id or run (living-1…living-20); the template escapes."""
    return ", ".join(people_items(ids, ranges)) or "–"


def _plan_view(plan: Plan, sc: Scenario | None, key: str, detail: bool) -> dict[str, Any]:
    """One plan's charts and tables (the plan itself or an alternative)."""
    tl = timeline(plan, sc)
    recorded = plan.record.stages if plan.record is not None else 0
    return {
        "plan": plan,
        "key": key,
        "timeline": tl,
        "cumulative": cumulative(plan, sc, tl.axis) if plan.stages else None,
        "details": (
            [stage_detail(st, sc, st.index <= recorded) for st in plan.stages] if detail else []
        ),
        "recorded": recorded,
        "transfers": [(st.index, t) for st in plan.stages for t in st.transfers],
    }


def _verdict(plan: Plan, sc: Scenario | None) -> dict[str, Any] | None:
    if sc is None:
        return None
    from planner.verifier import verify

    report = verify(sc, plan)
    return {
        "ok": report.ok,
        "rules": len(sc.rules),
        "deviations": len(report.deviations),
        "lines": report.lines() if not report.ok else [],
    }


def _interactive(views: list[dict[str, Any]]) -> list[str]:
    """The plotly charts' markup (plotly.js inline once), or an input error without plotly."""
    if importlib.util.find_spec("plotly") is None:
        from planner.io import InputError

        raise InputError(
            "report",
            [
                (
                    "--interactive",
                    "needs plotly: pip install 'exchange-logistics-planner[interactive]'",
                )
            ],
        )
    from planner.report.interactive import plotly_charts

    return plotly_charts(views[0])


def plan_html(
    plan: Plan,
    sc: Scenario | None = None,
    frontier: Frontier | None = None,
    *,
    explanation: Explanation | None = None,
    robustness: Robustness | None = None,
    interactive: bool = False,
) -> str:
    """The report as one HTML document. InputError when a clock time of the plan (or of an
    alternative) falls outside the calendar (a tampered plan's hours, a late start_time)."""
    from planner.export.common import check_clock

    for each in (plan, *plan.alternatives):
        check_clock(each, sc, "report")
    views = [_plan_view(plan, sc, "p1", detail=True)]
    views += [
        _plan_view(alt, sc, f"p{i}", detail=False)
        for i, alt in enumerate(plan.alternatives, start=2)
    ]
    template = environment().get_template("report.html.j2")
    return template.render(
        title=f"{plan.scenario}: {plan.status} plan (seed {plan.seed})",
        plan=plan,
        sc=sc,
        views=views,
        min_bar=MIN_BAR,
        verdict=_verdict(plan, sc),
        clock=_clock_of(sc),
        people=_people,
        frontier=frontier,
        frontier_chart=frontier_chart(frontier) if frontier is not None else None,
        explanation=explanation,
        robustness=robustness,
        plotly=_interactive(views) if interactive else [],
        rules=[(r.id, r.kind, r.describe(sc)) for r in sc.rules] if sc is not None else [],
    )
