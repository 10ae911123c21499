"""The ``plan/people`` check: per stage and side, the counts, the ids listed and the ranges of
generated ids; every person at most once in the plan; ``unreleased``.

Ranges are checked by their bounds (``planner.verifier.spans``), never expanded: per cohort,
each range within ``1..count - len(members)``, all ranges of the plan and the generated ids it
lists sorted once and swept for overlaps, and per stage ``listed + range sizes == count``. The
cost grows with stages, cohorts, ranges and listed ids, not with the people in the ranges."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from planner.plan import Ranges, Stage, range_text
from planner.verifier.context import PLAN_PEOPLE, Context, Violation
from planner.verifier.spans import overlaps, size


@dataclass(frozen=True)
class _Where:
    """Where some ids are given: a stage position and a phrase (``in hostage_ranges[c] [1, 5]``)."""

    pos: int
    what: str


@dataclass
class _Side:
    """One side of one stage: ``name`` is "hostage" or "prisoner"."""

    name: str
    counts: dict[str, int]
    ids: list[str]
    ranges: Ranges
    own: dict[str, int]
    other: dict[str, int]

    def kind_of(self, cohort: str) -> str:
        """What a cohort this side does not own is (for a message)."""
        if cohort in self.other:
            return f"{'a prisoner' if self.name == 'hostage' else 'a hostage'} cohort"
        return "no cohort of the scenario"


@dataclass
class _Sweep:
    """Per cohort with ranges, every range of the plan and every generated id it lists, for
    one sort-and-sweep over the whole plan (O(r log r))."""

    ctx: Context
    ranged: set[str]  # cohorts with ranges somewhere in the plan
    items: dict[str, list[tuple[int, int, _Where]]] = field(default_factory=dict)

    def listed(self, pos: int, side: str, pid: str) -> None:
        gen = self.ctx.generated(pid) if self.ranged else None
        if gen is not None and gen[0] in self.ranged:
            n = gen[1]
            self.items.setdefault(gen[0], []).append((n, n, _Where(pos, f"listed in {side}_ids")))

    def range(self, pos: int, side: str, cohort: str, first: int, last: int) -> None:
        where = _Where(pos, f"in {side}_ranges[{cohort}] [{first}, {last}]")
        self.items.setdefault(cohort, []).append((first, last, where))

    def violations(self) -> Iterator[Violation]:
        for cohort, items in self.items.items():
            for (first, last), x, y in overlaps(items):
                before, again = (x, y) if x.pos <= y.pos else (y, x)
                ids = "id" if first == last else "ids"
                verb = "appears" if first == last else "appear"
                yield Violation(
                    rule=PLAN_PEOPLE,
                    stage=again.pos,
                    message=f"{ids} {range_text(cohort, first, last)} ({again.what}) {verb} "
                    f"again (first in stage {before.pos}, {before.what})",
                )


def _sides(ctx: Context, st: Stage) -> tuple[_Side, _Side]:
    h, p = ctx.hostage_cohorts, ctx.prisoner_cohorts
    return (
        _Side("hostage", st.hostages, st.hostage_ids, st.hostage_ranges, h, p),
        _Side("prisoner", st.prisoners, st.prisoner_ids, st.prisoner_ranges, p, h),
    )


def check_people(ctx: Context) -> Iterator[Violation]:
    seen: dict[str, int] = {}  # id -> stage of its first appearance
    totals: Counter[str] = Counter()
    ranged = {c for st in ctx.stages for c in (*st.hostage_ranges, *st.prisoner_ranges)}
    sweep = _Sweep(ctx, ranged & ctx.persons.unnamed.keys())
    for pos, st in ctx.numbered():
        for side in _sides(ctx, st):
            in_ranges: Counter[str] = Counter()
            problems = [
                *_side_counts(side, totals),
                *_side_ranges(ctx, pos, side, in_ranges, sweep),
                *_side_ids(ctx, pos, side, in_ranges, seen, sweep),
            ]
            for message in problems:
                yield Violation(rule=PLAN_PEOPLE, stage=pos, message=message)
    yield from sweep.violations()
    for message in _unreleased(ctx, totals):
        yield Violation(rule=PLAN_PEOPLE, message=message)


def _side_counts(side: _Side, totals: Counter[str]) -> Iterator[str]:
    """One side's per-cohort counts in a stage; adds them to ``totals``."""
    for c, n in side.counts.items():
        if c not in side.own:
            yield f"{side.name}s lists {c!r}, which is {side.kind_of(c)}"
        elif n <= 0:
            yield f"{side.name}s[{c}] is {n}; counts are positive (zeros are omitted)"
        else:
            totals[c] += n


def _side_ranges(
    ctx: Context, pos: int, side: _Side, in_ranges: Counter[str], sweep: _Sweep
) -> Iterator[str]:
    """One side's ranges in stage ``pos``: each within its cohort's unnamed people; their
    sizes go to ``in_ranges`` and the ranges to ``sweep``."""
    for c, spans in side.ranges.items():
        if c not in side.own:
            yield f"{side.name}_ranges lists {c!r}, which is {side.kind_of(c)}"
            continue
        if not spans:
            yield f"{side.name}_ranges[{c}] is empty; cohorts without ranges are omitted"
        limit = ctx.unnamed(c)
        for first, last in spans:
            in_ranges[c] += size((first, last))
            given = f"{side.name}_ranges[{c}] has [{first}, {last}]"
            if first > last:
                yield f"{given}, which is empty: a range runs from its first id to its last"
            elif last > limit:
                who = f"({c}-1 to {c}-{limit})" if limit > 0 else "(it has none)"
                yield f"{given}, beyond cohort {c}'s {limit} unnamed people {who}"
            sweep.range(pos, side.name, c, first, last)


def _side_ids(
    ctx: Context,
    pos: int,
    side: _Side,
    in_ranges: Counter[str],
    seen: dict[str, int],
    sweep: _Sweep,
) -> Iterator[str]:
    """One side's person ids in stage ``pos``; records each first appearance in ``seen``; the
    ids and ``in_ranges`` together match the side's counts."""
    listed: Counter[str] = Counter()
    for pid in side.ids:
        cohort, reason = ctx.owner(pid)
        if cohort is None:
            yield f"{side.name}_ids: {reason}"
        elif cohort not in side.own:
            yield f"{side.name}_ids lists {pid!r} of the other side's cohort {cohort}"
        else:
            listed[cohort] += 1
        if pid in seen:
            yield f"id {pid!r} appears again (first in stage {seen[pid]})"
            continue
        seen[pid] = pos
        sweep.listed(pos, side.name, pid)
    for c in side.own:
        n = side.counts.get(c, 0)
        if listed[c] + in_ranges[c] == max(n, 0):
            continue
        got = f"{side.name}_ids lists {listed[c]}"
        if c in side.ranges:
            got += f" and {side.name}_ranges {in_ranges[c]}"
        yield f"{got} of cohort {c}, but {side.name}s[{c}] is {n}"


def _unreleased(ctx: Context, totals: Counter[str]) -> Iterator[str]:
    """The plan's ``unreleased`` against the cohorts and the people released (``totals``)."""
    for c in [*ctx.hostage_cohorts, *ctx.prisoner_cohorts]:
        count = ctx.cohort_count(c)
        if totals[c] > count:
            yield f"the plan releases {totals[c]} of cohort {c}, which has only {count}"
        want_left = max(count - totals[c], 0)
        got_left = ctx.plan.unreleased.get(c)
        if got_left == 0:
            yield f"unreleased[{c}] is 0; zero counts are omitted"
        elif (got_left or 0) != want_left:
            yield (
                f"unreleased[{c}] is {got_left or 0}, expected {want_left} "
                f"({count} in the cohort, {totals[c]} released)"
            )
    for c in ctx.plan.unreleased:
        if c not in ctx.hostage_cohorts and c not in ctx.prisoner_cohorts:
            yield f"unreleased lists {c!r}, which is no cohort of the scenario"
