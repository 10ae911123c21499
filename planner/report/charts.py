"""The geometry of the report's charts, computed here and drawn by the templates: the timeline
(one row per withdrawal move and per stage, on a date or hour axis, with the rules' hours as
labelled vertical lines), each stage's detail (handover and prisoner transfers by the hour) and
the frontier. The cumulative chart is in ``planner.report.cumulative``.

Every number is a rounded pixel coordinate or a count; every text is raw (the templates escape).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from planner.plan import Plan, Stage
from planner.report.axis import TimeAxis, hour_ticks, lanes, px, text_px, time_axis
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.frontier import Frontier

WIDTH = 1000  # the charts' drawing width in pixels
LABEL_W = 190  # the row labels' column
ROW_H = 30
BAR_H = 16
MIN_BAR = 12  # the narrowest bar drawn, so that a 3-hour handover on a 400-hour axis shows
LANE_H = 14
PLOT_W = WIDTH - LABEL_W - 50  # room on the right for the counts and the final totals


@dataclass(frozen=True)
class Bar:
    row: int
    label: str  # the row's label
    x: float
    y: float
    width: float
    start_hour: int
    end_hour: int
    kind: str  # "move", "stage", "recorded", "transfer"
    note: str  # the text beside the bar (counts)
    note_x: float
    note_anchor: str  # "start" (right of the bar) or "end" (left of it)
    title: str  # the tooltip
    release_x: float | None = None  # prisoners released (a diamond)
    release_hour: int | None = None


@dataclass(frozen=True)
class Marker:
    """A rule's hour as a vertical line: ``by`` (a deadline) or ``from`` (not before)."""

    hour: float
    x: float
    kind: str
    rules: list[str]
    label: str
    label_x: float
    label_y: float
    anchor: str
    lane: int


@dataclass
class Timeline:
    axis: TimeAxis
    bars: list[Bar]
    markers: list[Marker]
    height: float
    plot_top: float
    plot_bottom: float
    width: float = WIDTH

    @property
    def stage_bars(self) -> list[Bar]:
        return [b for b in self.bars if b.kind in ("stage", "recorded")]


def _total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def _bar(
    axis: TimeAxis, row: int, y: float, span: tuple[int, int], label: str, kind: str, note: str
) -> Bar:
    a, b = span
    x = axis.x(a)
    width = max(axis.x(b) - x, MIN_BAR)
    if x + width + 6 + text_px(note) <= axis.right + 10:
        note_x, anchor = px(x + width + 6), "start"
    else:
        note_x, anchor = px(x - 8), "end"
    title = f"{label}: {axis.clock(a)} to {axis.clock(b)}"
    return Bar(row, label, x, y, px(width), a, b, kind, note, note_x, anchor, title)


def _stage_note(st: Stage, hours: bool = True) -> str:
    h, p = _total(st.hostages) + st.other_remains, _total(st.prisoners)
    counts = f"{h:,} hostage{'s' * (h != 1)} · {p:,} prisoner{'s' * (p != 1)}"
    return f"h{st.start_hour}–{st.handover_complete_hour}: {counts}" if hours else counts


# A rule's hour: the field, and whether it is a bound ("by") or a start ("from"). Found by field
# name, so that no rule kind is named outside its catalogue, builder and checker.
HOUR_FIELDS = (
    ("within_hours", "by"),
    ("latest_complete", "by"),
    ("latest_start", "by"),
    ("earliest_start", "from"),
    ("from_hour", "from"),
    ("hour", "from"),
)


def rule_hours(sc: Scenario, plan: Plan) -> list[tuple[float, str, str]]:
    """(hour, kind, rule id) of every rule with an hour on the timeline: deadlines (from t=0,
    or from the completion of their line's move in this plan), windows, hours not before."""
    moved = {w.line: w.complete_hour for w in plan.withdrawals}
    out = []
    for r in sc.rules:
        for name, kind in HOUR_FIELDS:
            value = getattr(r, name, None)
            if not isinstance(value, int) or (kind == "from" and value <= 0):
                continue
            if name == "within_hours" and getattr(r, "after_line", None) is not None:
                line = r.after_line  # type: ignore[attr-defined]
                if line not in moved:
                    continue
                value += moved[line]
            out.append((float(value), kind, r.id))
    return sorted(out)


def _markers(sc: Scenario | None, plan: Plan, axis: TimeAxis) -> list[Marker]:
    if sc is None:
        return []
    grouped: dict[tuple[float, str], list[str]] = {}
    for hour, kind, rule in rule_hours(sc, plan):
        grouped.setdefault((hour, kind), []).append(rule)
    placed = []
    for (hour, kind), rules in sorted(grouped.items()):
        beyond = hour > axis.last  # past the plan's hours: at the right edge, with an arrow
        x = axis.right if beyond else axis.x(hour)
        label = f"{'by' if kind == 'by' else 'from'} h{hour:g}: {', '.join(rules)}"
        label = f"{label} →" if beyond else label
        w = text_px(label)
        if x + 3 + w <= axis.right + 10:
            placed.append((x + 3, x + 3 + w, hour, kind, rules, label, x + 3, "start"))
        else:
            placed.append((x - 3 - w, x - 3, hour, kind, rules, label, x - 3, "end"))
    placed.sort()
    lane_of = lanes([(a, b) for a, b, *_ in placed])
    out = []
    for (_a, _b, hour, kind, rules, label, lx, anchor), lane in zip(placed, lane_of, strict=True):
        y = 8 + lane * LANE_H + 10
        x = min(axis.x(hour), axis.right)
        out.append(Marker(hour, x, kind, rules, label, px(lx), y, anchor, lane))
    return out


def timeline(plan: Plan, sc: Scenario | None = None) -> Timeline:
    """Withdrawal moves and stages, one row each, on one axis with the rules' hours."""
    hours = [0]
    for w in plan.withdrawals:
        hours += [w.start_hour, w.complete_hour]
    for st in plan.stages:
        hours += [st.start_hour, st.end_hour]
    rule_h = [h for h, _, _ in rule_hours(sc, plan)] if sc is not None else []
    first = min(hours)
    last = max(hours)
    # the rules' hours widen the axis up to half as much again; those beyond sit at its edge
    last = max([last, *(h for h in rule_h if h <= first + (last - first) * 1.5)])
    last = int(last) + max(2, round((last - first) * 0.02))
    start = sc.start_time if sc is not None else None
    axis = time_axis(first, last, LABEL_W, PLOT_W, start)
    markers = _markers(sc, plan, axis)
    top = 8 + max((m.lane + 1 for m in markers), default=0) * LANE_H + 4
    bars = []
    row = 0
    for w in plan.withdrawals:
        y = top + row * ROW_H + (ROW_H - BAR_H) / 2
        span = (w.start_hour, w.complete_hour)
        note = f"h{w.start_hour}–{w.complete_hour}: {w.complete_hour - w.start_hour} h move"
        bars.append(_bar(axis, row, y, span, f"move to {w.line}", "move", note))
        row += 1
    recorded = plan.record.stages if plan.record is not None else 0
    for st in plan.stages:
        y = top + row * ROW_H + (ROW_H - BAR_H) / 2
        kind = "recorded" if st.index <= recorded else "stage"
        label = f"stage {st.index}" + (" (recorded)" if kind == "recorded" else "")
        if st.site:
            label += f" · {st.site}"
        bar = _bar(
            axis, row, y, (st.start_hour, st.handover_complete_hour), label, kind, _stage_note(st)
        )
        if st.prisoner_release_hour is not None:
            rel = st.prisoner_release_hour
            bar = _with_release(bar, axis, rel)
        bars.append(bar)
        row += 1
    bottom = top + row * ROW_H + 4
    return Timeline(axis, bars, markers, bottom + 34, top, bottom)


def _with_release(bar: Bar, axis: TimeAxis, hour: int) -> Bar:
    """The bar with its prisoner release marked; the note moves past the diamond."""
    rx = axis.x(hour)
    note_x = bar.note_x
    if bar.note_anchor == "start":
        note_x = px(max(note_x, rx + 10))
    title = f"{bar.title}; prisoners released {axis.clock(hour)}"
    return Bar(
        bar.row, bar.label, bar.x, bar.y, bar.width, bar.start_hour, bar.end_hour, bar.kind,
        bar.note, note_x, bar.note_anchor, title, rx, hour,
    )  # fmt: skip


@dataclass
class StageDetail:
    """One stage by the hour: its handover, its prisoner release and each transfer."""

    index: int
    title: str
    axis: TimeAxis
    bars: list[Bar] = field(default_factory=list)
    height: float = 0.0
    plot_bottom: float = 0.0
    width: float = WIDTH


def stage_detail(st: Stage, sc: Scenario | None, recorded: bool = False) -> StageDetail:
    ends = [st.end_hour, *(t.arrival_hour for t in st.transfers)]
    first, last = st.start_hour - 1, max(ends) + 1
    start = sc.start_time if sc is not None else None
    axis = time_axis(first, last, LABEL_W, PLOT_W, None)
    axis.start_time = start
    axis.ticks = hour_ticks(axis, most=14, clock=start is not None)
    site = f" at {st.site}" if st.site else ""
    title = f"Stage {st.index}{' (recorded)' if recorded else ''}{site}"
    if start is not None:
        title += (start + timedelta(hours=st.start_hour)).strftime(", %a %d %b %Y")
    out = StageDetail(st.index, title, axis)
    y0, row_h = 6, 24
    route = " → ".join(st.handover_route.path) if st.handover_route else "handover"
    vehicles = f" · {st.vehicles} vehicles" if st.vehicles is not None else ""
    bar = _bar(
        axis, 0, y0 + 4, (st.start_hour, st.handover_complete_hour), route, "stage",
        _stage_note(st, hours=False).split(" · ")[0] + vehicles,
    )  # fmt: skip
    if st.prisoner_release_hour is not None:
        bar = _with_release(bar, axis, st.prisoner_release_hour)
    out.bars.append(bar)
    for i, t in enumerate(st.transfers, start=1):
        n = _total(t.prisoners)
        buses = f" · {t.buses} bus{'es' * (t.buses != 1)}" if t.buses is not None else ""
        rel = st.prisoner_release_hour if st.prisoner_release_hour is not None else st.end_hour
        out.bars.append(
            _bar(
                axis, i, y0 + i * row_h + 4, (rel, t.arrival_hour),
                f"{t.prison} → {t.destination}", "transfer", f"{n:,} prisoners{buses}",
            )
        )  # fmt: skip
    out.plot_bottom = y0 + (len(st.transfers) + 1) * row_h + 2
    out.height = out.plot_bottom + 30
    return out


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    title: str


@dataclass
class FrontierChart:
    x_label: str
    y_label: str
    points: list[Point]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    left: float = 70
    top: float = 20
    plot_w: float = 560
    plot_h: float = 300
    width: float = 760
    height: float = 380


def frontier_chart(fr: Frontier) -> FrontierChart:
    """The frontier's points on the plane of its first two terms (a third is in the tooltips)."""
    a, b = fr.between[0], fr.between[1]
    ch = FrontierChart(a, b, [], [], [])
    xs = [p.values[a] for p in fr.points] or [0, 1]
    ys = [p.values[b] for p in fr.points] or [0, 1]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad_x, pad_y = max(1, (x1 - x0) // 10), max(1, (y1 - y0) // 10)
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y

    def fx(v: float) -> float:
        return px(ch.left + (v - x0) / (x1 - x0) * ch.plot_w)

    def fy(v: float) -> float:
        return px(ch.top + ch.plot_h - (v - y0) / (y1 - y0) * ch.plot_h)

    for i, p in enumerate(fr.points, start=1):
        rest = ", ".join(f"{t} {p.values[t]}" for t in fr.between)
        ch.points.append(Point(fx(p.values[a]), fy(p.values[b]), str(i), f"point {i}: {rest}"))
    ch.x_ticks = [(fx(v), str(v)) for v in sorted(set(xs))]
    ch.y_ticks = [(fy(v), str(v)) for v in sorted(set(ys))]
    return ch
