"""Who a stage or transfer releases, for people to read: named ids, and generated ids as runs
``living-1…living-20``, from a plan's ranges or from its listed ids alike. The same people give
the same text whichever way the plan writes them (ranges or ids), so ``compare`` compares
people, not notation. Texts are raw: each report escapes them its own way."""

from __future__ import annotations

from collections.abc import Iterable

from planner.plan import Ranges, parse_generated, range_text

Span = tuple[int, int]


def _runs(spans: list[Span]) -> list[Span]:
    """Spans sorted, touching ones joined; overlapping ones are kept apart, so that a plan
    giving someone twice still shows it."""
    out: list[Span] = []
    for first, last in sorted(spans):
        if out and first == out[-1][1] + 1:
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def people_items(ids: Iterable[str], ranges: Ranges, *, canonical: bool = False) -> list[str]:
    """Named ids, then per prefix the runs of generated ids (listed or in ranges), in the
    plan's order; ``canonical``: both sorted, so that the same people give the same items
    whatever the order or notation of the plan. A reversed range, which holds nobody, is
    shown as written (``living[5, 3]``)."""
    named: list[str] = []
    spans: dict[str, list[Span]] = {}
    reversed_: list[str] = []
    for pid in ids:
        gen = parse_generated(pid)
        if gen is None:
            named.append(pid)
        else:
            spans.setdefault(gen[0], []).append((gen[1], gen[1]))
    for cohort, given in ranges.items():
        for first, last in given:
            if first <= last:
                spans.setdefault(cohort, []).append((first, last))
            else:
                reversed_.append(f"{cohort}[{first}, {last}]")
    out = sorted(named) if canonical else named
    for prefix in sorted(spans) if canonical else spans:
        out += [range_text(prefix, first, last) for first, last in _runs(spans[prefix])]
    return out + (sorted(reversed_) if canonical else reversed_)
