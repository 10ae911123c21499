"""The hour axis of the report's charts: pixel positions of hours, and its ticks: one per day
at local midnight when the scenario has a ``start_time`` (labelled with the date), round hours
otherwise. Plain numbers only; the templates draw them. A start_time that puts the span's clock
times outside the calendar (years 1 to 9999, in UTC too) is refused (``InputError``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from planner.export.common import shifted

HOUR_STEPS = (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440)
CHAR_PX = 6.4  # the width of one character at the charts' 11 px font, roughly


def check_clock(start_time: datetime, first: int, last: int, source: str = "report") -> None:
    """Every clock time of hours ``first``..``last`` (a day either side, for the midnights) is
    in the calendar; else an InputError naming the hour."""
    for hour in (first, last):
        if any(shifted(start_time, h) is None for h in (hour - 24, hour, hour + 24)):
            from planner.io import InputError

            raise InputError(
                source,
                [
                    (
                        "$.start_time",
                        f"clock time out of range: t=0 ({start_time.isoformat()}) + {hour} h "
                        "is outside the calendar (years 1 to 9999, in UTC too, with a day to "
                        "spare); give a scenario whose start_time leaves room for the plan's "
                        "hours, or no start_time (hours only)",
                    )
                ],
            )


def text_px(text: str) -> float:
    """The width a label takes, for placing labels apart (an estimate, never measured)."""
    return len(text) * CHAR_PX


def px(value: float) -> float:
    """A coordinate rounded as it is written: the same inputs give the same bytes."""
    return round(value, 1)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    kind: str = "hour"  # "day" (local midnight), "hour"
    hour: float = 0.0


@dataclass
class TimeAxis:
    """Hours ``first``..``last`` drawn on pixels ``left``..``left + width``."""

    first: int
    last: int
    left: float
    width: float
    start_time: datetime | None = None
    ticks: list[Tick] = field(default_factory=list)

    def x(self, hour: float) -> float:
        span = max(self.last - self.first, 1)
        return px(self.left + (hour - self.first) / span * self.width)

    @property
    def right(self) -> float:
        return px(self.left + self.width)

    def clock(self, hour: float) -> str:
        """``h42 (12 Oct 06:00)`` with a start time, ``h42`` without."""
        at = shifted(self.start_time, hour) if self.start_time is not None else None
        if at is None:
            return f"h{hour:g}"
        return f"h{hour:g} ({at.strftime('%d %b %H:%M')})"


def nice_step(span: float, most: int) -> int:
    """The smallest round step in hours that gives at most ``most`` ticks over ``span``."""
    for step in HOUR_STEPS:
        if span / step <= most:
            return step
    return HOUR_STEPS[-1] * math.ceil(span / most / HOUR_STEPS[-1])


def hour_ticks(axis: TimeAxis, most: int = 12, clock: bool = False) -> list[Tick]:
    """Round hours; ``clock``: labelled with the time of day (a stage's detail)."""
    step = nice_step(axis.last - axis.first, most)
    first = math.ceil(axis.first / step) * step
    out = []
    for h in range(first, axis.last + 1, step):
        label = f"h{h}"
        at = shifted(axis.start_time, h) if clock and axis.start_time is not None else None
        if at is not None:
            label = at.strftime("%H:%M")
        out.append(Tick(axis.x(h), label, "hour", h))
    return out


def midnights(start_time: datetime, first: int, last: int) -> list[float]:
    """The hours (from t=0) of every local midnight after hour ``first`` up to ``last``."""
    begin = start_time + timedelta(hours=first)
    day = begin.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    out = []
    while (hour := (day - start_time).total_seconds() / 3600) <= last:
        out.append(hour)
        day += timedelta(days=1)
    return out


def day_ticks(axis: TimeAxis, label_px: float = 46) -> list[Tick]:
    """One tick per day spanned, at local midnight; every day labelled when there is room,
    else every k-th."""
    assert axis.start_time is not None
    hours = midnights(axis.start_time, axis.first, axis.last)
    per_day = axis.width / max(axis.last - axis.first, 1) * 24
    every = max(1, math.ceil(label_px / max(per_day, 1e-9)))
    out = []
    for i, h in enumerate(hours):
        day = axis.start_time + timedelta(hours=h)
        shown = i % every == 0 and axis.x(h) + label_px - 8 <= axis.right + 30
        out.append(Tick(axis.x(h), day.strftime("%d %b") if shown else "", "day", h))
    return out


MAX_DAY_TICKS = 120  # past this many days, round-hour ticks labelled with their dates


def date_ticks(axis: TimeAxis, most: int = 10) -> list[Tick]:
    """A long span with a start time: round steps of hours (weeks and more), each labelled with
    its date."""
    assert axis.start_time is not None
    out = []
    for t in hour_ticks(axis, most):
        day = axis.start_time + timedelta(hours=t.hour)
        out.append(Tick(t.x, day.strftime("%d %b %Y"), "date", t.hour))
    return out


def time_axis(
    first: int, last: int, left: float, width: float, start_time: datetime | None
) -> TimeAxis:
    axis = TimeAxis(first, max(last, first + 1), left, width, start_time)
    if start_time is not None:
        check_clock(start_time, axis.first, axis.last)
    if start_time is None:
        axis.ticks = hour_ticks(axis)
    elif (axis.last - axis.first) / 24 <= MAX_DAY_TICKS:
        axis.ticks = day_ticks(axis)
    else:
        axis.ticks = date_ticks(axis)
    return axis


def count_ticks(top: int, y0: float, height: float, most: int = 5) -> list[tuple[float, str]]:
    """Round counts 0..``top`` on a vertical axis: (pixel y, label)."""
    if top <= 0:
        return [(px(y0 + height), "0")]
    raw = top / most
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [(px(y0 + height - v / top * height), f"{v:,}") for v in range(0, top + 1, step)]


def lanes(spans: list[tuple[float, float]], gap: float = 6) -> list[int]:
    """For labels covering the pixel spans (in order of their start), the lowest lane of each
    that no earlier label in the same lane overlaps."""
    ends: list[float] = []
    out = []
    for a, b in spans:
        lane = next((i for i, end in enumerate(ends) if end + gap <= a), len(ends))
        if lane == len(ends):
            ends.append(b)
        else:
            ends[lane] = b
        out.append(lane)
    return out
