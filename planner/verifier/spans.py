"""Arithmetic on ranges of generated ids: a span is an inclusive ``(first, last)`` of the n of
``<cohort>-<n>``. Sizes, unions, containment, differences and overlaps are computed from the
bounds alone (sort and sweep), never by expanding a range into its ids."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import TypeVar

Span = tuple[int, int]
T = TypeVar("T")


def size(span: Span) -> int:
    """How many ids the span holds (0 for a reversed span)."""
    return max(span[1] - span[0] + 1, 0)


def union(spans: Iterable[Span]) -> list[Span]:
    """The numbers of ``spans`` as sorted, disjoint spans that do not touch (reversed spans,
    which hold nothing, are dropped)."""
    out: list[Span] = []
    for first, last in sorted(s for s in spans if s[0] <= s[1]):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def covers(spans: list[Span], first: int, last: int) -> bool:
    """Whether ``[first, last]`` lies inside ``spans`` (a :func:`union`)."""
    i = bisect_right(spans, (first, float("inf"))) - 1  # the last span starting at or before
    return i >= 0 and spans[i][1] >= last


def minus(outer: list[Span], inner: list[Span]) -> list[Span]:
    """The numbers of ``outer`` not in ``inner`` (both a :func:`union`), as spans."""
    out: list[Span] = []
    j = 0
    for first, last in outer:
        at = first
        while j < len(inner) and inner[j][1] < at:
            j += 1
        k = j
        while k < len(inner) and inner[k][0] <= last:
            if inner[k][0] > at:
                out.append((at, inner[k][0] - 1))
            at = max(at, inner[k][1] + 1)
            k += 1
        if at <= last:
            out.append((at, last))
    return out


def overlaps(items: Iterable[tuple[int, int, T]]) -> Iterator[tuple[Span, T, T]]:
    """Items ``(first, last, tag)`` that share numbers with an earlier item (in the order of
    their first number): ``(shared span, the earlier item's tag, the item's tag)``, once per
    overlapping item. Reversed items hold nothing and overlap nothing."""
    ordered = sorted((s for s in items if s[0] <= s[1]), key=lambda s: (s[0], s[1]))
    reach: tuple[int, int, T] | None = None  # the item reaching furthest so far
    for first, last, tag in ordered:
        if reach is not None and first <= reach[1]:
            yield (first, min(last, reach[1])), reach[2], tag
        if reach is None or last > reach[1]:
            reach = (first, last, tag)
