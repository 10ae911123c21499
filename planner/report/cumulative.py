"""The cumulative chart's geometry: hostages received and prisoners released over time (step
lines), and per exchange ratio the band of prisoners the agreement allows for the hostages
received so far, in panels over one hour axis."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.plan import Plan
from planner.report.axis import TimeAxis, count_ticks, px
from planner.report.charts import WIDTH
from planner.scenario import Scenario

PANEL_H = 120
PANEL_GAP = 46
RATIO_H = 90


@dataclass(frozen=True)
class BandStep:
    """From ``start_hour`` to ``end_hour`` the running total may lie in [low, high]."""

    start_hour: int
    end_hour: int
    low: float
    high: float


@dataclass
class StepLine:
    label: str
    css: str
    steps: list[tuple[int, int]]  # (hour, running total from then on)
    points: str = ""
    final: int = 0
    final_y: float = 0.0


@dataclass
class Band:
    rule: str
    label: str
    steps: list[BandStep]
    polygon: str = ""
    upper: str = ""
    lower: str = ""


@dataclass
class Panel:
    title: str
    y_label: str
    top: float
    top_value: int
    lines: list[StepLine] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    height: float = PANEL_H

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def y(self, value: float) -> float:
        return px(self.bottom - value / max(self.top_value, 1) * self.height)


@dataclass
class Cumulative:
    axis: TimeAxis
    panels: list[Panel]
    height: float
    width: float = WIDTH


def _steps(events: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Running totals: (hour, total from that hour), one per hour with a change."""
    out: list[tuple[int, int]] = []
    total = 0
    for hour, n in sorted(events):
        total += n
        if out and out[-1][0] == hour:
            out[-1] = (hour, total)
        else:
            out.append((hour, total))
    return out


def received(plan: Plan, cohorts: set[str] | None = None) -> list[tuple[int, int]]:
    return _steps(
        [
            (st.handover_complete_hour, sum(n for c, n in st.hostages.items()
                                            if cohorts is None or c in cohorts))
            for st in plan.stages
        ]
    )  # fmt: skip


def released(plan: Plan, cohorts: set[str] | None = None) -> list[tuple[int, int]]:
    return _steps(
        [
            (st.prisoner_release_hour, sum(n for c, n in st.prisoners.items()
                                           if cohorts is None or c in cohorts))
            for st in plan.stages
            if st.prisoner_release_hour is not None
        ]
    )  # fmt: skip


def ratio_band(rule: Any, plan: Plan) -> list[BandStep]:
    """The prisoners of an exchange ratio the agreement allows, hour by hour: the prisoners
    owed for the hostages received so far, less ``max_prisoners_behind`` and plus
    ``max_prisoners_ahead`` (per stage: once for each stage received so far), at least 0."""
    rates: dict[str, float] = rule.per_hostage
    per_stage = rule.scope != "cumulative"
    owed = 0.0
    changes: list[tuple[int, float, float]] = [(min(0, plan.stages[0].start_hour), 0.0, 0.0)]
    in_order = sorted(plan.stages, key=lambda s: (s.handover_complete_hour, s.index))
    for stages, st in enumerate(in_order, start=1):
        owed += sum(rates.get(c, 0) * n for c, n in st.hostages.items())
        slack = stages if per_stage else 1
        low = max(0.0, owed - rule.max_prisoners_behind * slack)
        high = owed + rule.max_prisoners_ahead * slack
        changes.append((st.handover_complete_hour, round(low, 2), round(high, 2)))
    out = []
    for (h, low, high), nxt in zip(changes, [*changes[1:], None], strict=True):
        end = nxt[0] if nxt is not None else h
        if nxt is not None and end == h:
            continue
        out.append(BandStep(h, end, low, high))
    return out


def _step_points(panel: Panel, axis: TimeAxis, steps: list[tuple[int, int]]) -> str:
    pts = [(axis.x(axis.first), panel.y(0))]
    value = 0
    for hour, total in steps:
        x = axis.x(hour)
        pts += [(x, panel.y(value)), (x, panel.y(total))]
        value = total
    pts.append((axis.right, panel.y(value)))
    return " ".join(f"{x:g},{y:g}" for x, y in pts)


def _band_shape(panel: Panel, axis: TimeAxis, band: Band, last: int) -> None:
    upper, lower = [], []
    for i, s in enumerate(band.steps):
        end = s.end_hour if i + 1 < len(band.steps) else last
        xa, xb = axis.x(s.start_hour), axis.x(end)
        upper += [(xa, panel.y(s.high)), (xb, panel.y(s.high))]
        lower += [(xa, panel.y(s.low)), (xb, panel.y(s.low))]
    band.upper = " ".join(f"{x:g},{y:g}" for x, y in upper)
    band.lower = " ".join(f"{x:g},{y:g}" for x, y in lower)
    band.polygon = " ".join(f"{x:g},{y:g}" for x, y in [*upper, *reversed(lower)])


def _finish(panel: Panel, axis: TimeAxis) -> None:
    top = max(
        [1, *(s[1] for ln in panel.lines for s in ln.steps),
         *(math.ceil(b.high) for band in panel.bands for b in band.steps)]
    )  # fmt: skip
    panel.top_value = top
    panel.y_ticks = count_ticks(top, panel.top, panel.height)
    for ln in panel.lines:
        ln.points = _step_points(panel, axis, ln.steps)
        ln.final = ln.steps[-1][1] if ln.steps else 0
        ln.final_y = panel.y(ln.final)
    for band in panel.bands:
        _band_shape(panel, axis, band, axis.last)


def _names(ids: list[str]) -> str:
    return ", ".join(ids)


def band_label(r: Any) -> str:
    """What an exchange ratio allows, in a line: the rates, the scope and the slack."""
    rates: dict[str, float] = r.per_hostage
    if len(set(rates.values())) == 1:
        what = f"{next(iter(rates.values())):g} per hostage of {_names(list(rates))}"
    else:
        what = ", ".join(f"{v:g} per {c}" for c, v in rates.items())
    behind, ahead = r.max_prisoners_behind, r.max_prisoners_ahead
    slack = "exactly" if behind == ahead == 0 else f"behind ≤ {behind}, ahead ≤ {ahead}"
    return f"allowed: {what} ({r.scope.replace('_', ' ')}, {slack})"


def ratio_rules(sc: Scenario | None) -> list[Any]:
    """The scenario's exchange ratios (found by their fields: ``per_hostage`` and a band)."""
    if sc is None:
        return []
    return [r for r in sc.rules if hasattr(r, "per_hostage") and hasattr(r, "max_prisoners_ahead")]


def cumulative(plan: Plan, sc: Scenario | None, axis: TimeAxis) -> Cumulative:
    """Panels on the timeline's hours: hostages received, prisoners released, and one per
    exchange ratio (its prisoners released against the band it allows)."""
    panels = [
        Panel("Hostages received", "hostages", 24.0, 1,
              [StepLine("hostages received", "hostages", received(plan))]),
    ]  # fmt: skip
    panels.append(
        Panel("Prisoners released", "prisoners", panels[-1].bottom + PANEL_GAP, 1,
              [StepLine("prisoners released", "prisoners", released(plan))])
    )  # fmt: skip
    for r in ratio_rules(sc) if plan.stages else []:
        top = panels[-1].bottom + PANEL_GAP + 16  # room for the band's key under the title
        band = Band(r.id, band_label(r), ratio_band(r, plan))
        done = released(plan, set(r.prisoners))
        line = StepLine(f"{_names(r.prisoners)} released", "ratio", done)
        panels.append(
            Panel(f"Balance: {_names(r.prisoners)} released against {r.id}", "prisoners", top, 1,
                  [line], [band], height=RATIO_H)
        )  # fmt: skip
    for p in panels:
        _finish(p, axis)
    return Cumulative(axis, panels, panels[-1].bottom + 40)
