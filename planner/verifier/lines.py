"""Checkers of the withdrawal-line rule kinds: a move before the first handover, a move after
releases, a move's window, a site usable only after a line. A conditional line the plan does
not reach (``required: false``) is judged as docs/rules.md says."""

from __future__ import annotations

from collections.abc import Iterator

from planner.scenario import (
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    SiteAfterLineRule,
)
from planner.verifier.context import Context, Violation, names
from planner.verifier.rules import checks


@checks(LineBeforeHandoverRule)
def check_line_before_handover(ctx: Context, r: LineBeforeHandoverRule) -> Iterator[Violation]:
    yield from ctx.starts_before_line(r.id, r.line)


@checks(LineAfterReleaseRule)
def check_line_after_release(ctx: Context, r: LineAfterReleaseRule) -> Iterator[Violation]:
    w = ctx.lines.get(r.line)
    if w is None:  # a conditional line not moved to has nothing to wait for
        if not ctx.conditional(r.line):
            yield ctx.missing_line(r.id, r.line)
        return
    need = r.min_count
    if need is None:
        need = sum(ctx.cohort_count(c) for c in r.cohorts)
    done = sum(n for _, _, n, hour in ctx.releases(r.cohorts) if hour <= w.start_hour)
    if done < need:
        message = (
            f"the move to line {r.line} starts at hour {w.start_hour}, when {done} "
            f"people of cohorts {names(r.cohorts)} are released, fewer than the {need} required"
        )
        yield Violation(rule=r.id, line=r.line, message=message)


@checks(LineWindowRule)
def check_line_window(ctx: Context, r: LineWindowRule) -> Iterator[Violation]:
    w = ctx.lines.get(r.line)
    if w is None:  # a conditional line not moved to keeps its window
        if not ctx.conditional(r.line):
            yield ctx.missing_line(r.id, r.line)
        return
    if w.start_hour < r.earliest_start:
        message = (
            f"the move to line {r.line} starts at hour {w.start_hour}, before the "
            f"earliest start {r.earliest_start}"
        )
        yield Violation(rule=r.id, line=r.line, message=message)
    if r.latest_start is not None and w.start_hour > r.latest_start:
        message = (
            f"the move to line {r.line} starts at hour {w.start_hour}, after the "
            f"latest start {r.latest_start}"
        )
        yield Violation(rule=r.id, line=r.line, message=message)
    if r.latest_complete is not None and w.complete_hour > r.latest_complete:
        message = (
            f"the move to line {r.line} completes at hour {w.complete_hour}, after the "
            f"latest completion {r.latest_complete}"
        )
        yield Violation(rule=r.id, line=r.line, message=message)


@checks(SiteAfterLineRule)
def check_site_after_line(ctx: Context, r: SiteAfterLineRule) -> Iterator[Violation]:
    yield from ctx.starts_before_line(r.id, r.line, r.sites)
