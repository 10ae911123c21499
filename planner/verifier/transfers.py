"""The structural checks of travel and transfers (``plan/routes``, ``plan/transfers``): each
leg's path and hours over the routes graph, and which prisoners each transfer moves where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from planner.plan import Stage, Transfer, range_text
from planner.verifier.context import (
    PLAN_ROUTES,
    PLAN_TRANSFERS,
    Context,
    Violation,
    ceil_div,
    names,
)
from planner.verifier.rules import covering_buses
from planner.verifier.spans import Span, covers, minus, overlaps, size, union

# --------------------------------------------------------------------------- routes


def _check_leg(
    ctx: Context, what: str, path: list[str], hours: int, source: str, target: str
) -> Iterator[str]:
    """Problems with a claimed (path, hours) from source to target: each is a message."""
    shortest = ctx.shortest(source, target)
    if shortest is None:
        yield f"{what}: no route leads from {source} to {target}"
        return
    if not path:
        yield f"{what}: the path is empty; expected places from {source} to {target}"
    elif path[0] != source or path[-1] != target:
        yield (
            f"{what}: the path runs from {path[0]} to {path[-1]}; expected from {source} to "
            f"{target}"
        )
    else:
        g = ctx.graph
        gaps = [(a, b) for a, b in zip(path, path[1:], strict=False) if not g.has_edge(a, b)]
        if gaps:
            a, b = gaps[0]
            yield f"{what}: the path goes from {a} to {b}, which no route joins"
        else:
            total = sum(g.edges[a, b]["hours"] for a, b in zip(path, path[1:], strict=False))
            if total != shortest:
                yield (
                    f"{what}: the path {' -> '.join(path)} takes {total} hours; the shortest "
                    f"from {source} to {target} takes {shortest}"
                )
    if hours != shortest:
        yield (
            f"{what}: {hours} hours of travel, expected {shortest} (the shortest from {source} to "
            f"{target})"
        )


def check_routes(ctx: Context) -> Iterator[Violation]:
    sc = ctx.sc
    for pos, st in ctx.numbered():

        def bad(message: str, pos: int = pos) -> Violation:
            return Violation(rule=PLAN_ROUTES, stage=pos, message=message)

        route = st.handover_route
        if not sc.sites:
            if route is not None:
                yield bad(
                    "handover_route is given, but the scenario has no handover sites; it must "
                    "be null"
                )
        elif route is None:
            yield bad(
                f"handover_route is missing; expected the shortest route from the site to the "
                f"reception point {sc.reception}"
            )
        elif (
            st.site is not None
            and ctx.place_kind.get(st.site) == "handover_site"
            and sc.reception is not None
        ):
            for message in _check_leg(
                ctx, "handover_route", route.path, route.hours, st.site, sc.reception
            ):
                yield bad(message)
        for tr in st.transfers:
            if tr.prison in ctx.graph and tr.destination in ctx.graph:
                what = f"transfer {tr.prison} -> {tr.destination}"
                for message in _check_leg(
                    ctx, what, tr.path, tr.travel_hours, tr.prison, tr.destination
                ):
                    yield bad(message)


# --------------------------------------------------------------------------- transfers


def check_transfers(ctx: Context) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        for message in _stage_transfers(ctx, pos, st):
            yield Violation(rule=PLAN_TRANSFERS, stage=pos, message=message)


class _StagePrisoners:
    """A stage's prisoners, as its transfers are checked against them: the ids it lists and,
    per cohort (when first asked), the union of its ranges and of the generated ids it lists."""

    def __init__(self, ctx: Context, st: Stage):
        self.ctx, self.st = ctx, st
        self.ids = set(st.prisoner_ids)
        self._spans: dict[str, list[Span]] = {}

    def spans(self, cohort: str) -> list[Span]:
        if cohort not in self._spans:
            listed = _generated_of(self.ctx, self.st.prisoner_ids, cohort)
            self._spans[cohort] = union([*self.st.prisoner_ranges.get(cohort, []), *listed])
        return self._spans[cohort]

    def has(self, pid: str) -> bool:
        if pid in self.ids:
            return True
        gen = self.ctx.generated(pid)
        return gen is not None and covers(self.spans(gen[0]), gen[1], gen[1])


@dataclass
class _Moved:
    """Who the stage's transfers move so far: ids listed and, per cohort, ranges, each with
    the position and label of its transfer."""

    ctx: Context
    ids: dict[str, tuple[int, str]] = field(default_factory=dict)
    ranges: dict[str, list[tuple[int, int, tuple[int, str]]]] = field(default_factory=dict)
    count: Counter[str] = field(default_factory=Counter)  # cohort -> people moved

    def spans(self, cohort: str) -> list[Span]:
        """Everyone of ``cohort`` with a generated id the transfers move, as a union."""
        listed = _generated_of(self.ctx, list(self.ids), cohort)
        return union([*((a, b) for a, b, _ in self.ranges.get(cohort, [])), *listed])

    def covers(self, pid: str) -> bool:
        """Whether a generated id is inside a transfer's ranges."""
        gen = self.ctx.generated(pid)
        if gen is None or gen[0] not in self.ranges:
            return False
        return any(a <= gen[1] <= b for a, b, _ in self.ranges[gen[0]])

    def overlaps(self) -> Iterator[str]:
        """Ids moved by two transfers, of cohorts with ranges (sort and sweep)."""
        for c, items in self.ranges.items():
            singles = [(n, n, at) for n, at in self._listed(c)]
            for (a, b), x, y in overlaps([*items, *singles]):
                first, again = (x, y) if x[0] <= y[0] else (y, x)
                yield f"{again[1]} lists {range_text(c, a, b)}, already listed by {first[1]}"

    def _listed(self, cohort: str) -> Iterator[tuple[int, tuple[int, str]]]:
        for pid, at in self.ids.items():
            gen = self.ctx.generated(pid)
            if gen is not None and gen[0] == cohort:
                yield gen[1], at


def _generated_of(ctx: Context, ids: list[str], cohort: str) -> list[Span]:
    """The generated ids of ``cohort`` among ``ids``, as one-id spans."""
    out = []
    for pid in ids:
        gen = ctx.generated(pid)
        if gen is not None and gen[0] == cohort:
            out.append((gen[1], gen[1]))
    return out


def _stage_transfers(ctx: Context, pos: int, st: Stage) -> Iterator[str]:
    routed = ctx.routed
    if not routed:
        if st.transfers:
            yield (
                f"stage {pos} lists {len(st.transfers)} transfers, but no prisoner cohort "
                "has destinations; transfers must be empty"
            )
        return
    pairs: set[tuple[str, str]] = set()
    moved = _Moved(ctx)
    stage = _StagePrisoners(ctx, st)
    for i, tr in enumerate(st.transfers):
        label = f"transfer {tr.prison} -> {tr.destination}"
        if (tr.prison, tr.destination) in pairs:
            yield f"{label} appears twice; one entry per (prison, destination)"
        pairs.add((tr.prison, tr.destination))
        if ctx.place_kind.get(tr.prison) != "prison":
            yield f"{label}: {tr.prison!r} is not a place of kind prison"
        if ctx.place_kind.get(tr.destination) != "destination":
            yield f"{label}: {tr.destination!r} is not a place of kind destination"
        yield from _transfer_cohorts(ctx, tr, label, moved.count)
        total = ctx.transfer_total(tr)
        if total == 0:
            yield f"{label} moves nobody; a transfer has at least one prisoner"
        yield from _transfer_people(ctx, tr, (i, label), moved, stage)
        yield from _transfer_numbers(ctx, st, tr, label, total)
    yield from moved.overlaps()
    yield from _untransferred(ctx, st, moved)


def _untransferred(ctx: Context, st: Stage, moved: _Moved) -> Iterator[str]:
    """The stage's counts and people of cohorts with destinations that no transfer moves."""
    routed = ctx.routed
    for c in routed:
        n = max(st.prisoners.get(c, 0), 0)
        if moved.count[c] != n:
            yield (
                f"the stage's transfers move {moved.count[c]} of cohort {c}, but prisoners[{c}] "
                f"is {n}; every prisoner of a cohort with destinations is transferred"
            )
    for pid in st.prisoner_ids:
        cohort, _ = ctx.owner(pid)
        if cohort in routed and pid not in moved.ids and not moved.covers(pid):
            yield f"{pid!r} (cohort {cohort}) is released but in no transfer"
    for c, spans in st.prisoner_ranges.items():
        if c in routed and spans:
            for a, b in minus(union(spans), moved.spans(c)):
                verb = "is" if a == b else "are"
                yield f"{range_text(c, a, b)} (cohort {c}) {verb} released but in no transfer"


def _transfer_cohorts(ctx: Context, tr: Transfer, label: str, moved: Counter[str]) -> Iterator[str]:
    """The transfer's per-cohort counts; adds them to ``moved``."""
    routed = ctx.routed
    for c, n in tr.prisoners.items():
        if c not in routed:
            why = (
                "has no destinations, so its prisoners are not transferred"
                if c in ctx.prisoner_cohorts
                else "is no prisoner cohort of the scenario"
            )
            yield f"{label} lists cohort {c!r}, which {why}"
            continue
        if n <= 0:
            yield f"{label}: prisoners[{c}] is {n}; counts are positive"
            continue
        moved[c] += n
        held = ctx.sc.prisoner(c)
        prison = held.prison if held is not None else None
        if prison != tr.prison:
            yield f"{label} moves cohort {c}, which is held in {prison}"
        if tr.destination not in routed[c]:
            yield f"{label} moves {n} of cohort {c}, which may go only to {names(routed[c])}"


def _transfer_people(
    ctx: Context, tr: Transfer, at: tuple[int, str], moved: _Moved, stage: _StagePrisoners
) -> Iterator[str]:
    """The transfer's prisoner_ids and prisoner_ranges (``at``: its position and label)
    against its counts and its stage; records them in ``moved``."""
    label = at[1]
    listed: Counter[str] = Counter()
    in_ranges: Counter[str] = Counter()
    yield from _transfer_ids(ctx, tr, at, listed, moved, stage)
    yield from _transfer_ranges(tr, at, in_ranges, moved, stage)
    for c, n in tr.prisoners.items():
        if c in ctx.routed and n > 0 and listed[c] + in_ranges[c] != n:
            got = f"{listed[c]} ids"
            if c in tr.prisoner_ranges:
                got += f" and {in_ranges[c]} in prisoner_ranges"
            yield f"{label} lists {got} of cohort {c}, but prisoners[{c}] is {n}"


def _transfer_ids(
    ctx: Context,
    tr: Transfer,
    at: tuple[int, str],
    listed: Counter[str],
    moved: _Moved,
    stage: _StagePrisoners,
) -> Iterator[str]:
    """The transfer's prisoner_ids, counted per cohort in ``listed``."""
    label = at[1]
    for pid in tr.prisoner_ids:
        if pid in moved.ids:
            yield f"{label} lists {pid!r}, already listed by {moved.ids[pid][1]}"
            continue
        moved.ids[pid] = at
        if not stage.has(pid):
            yield f"{label} lists {pid!r}, who is not among the stage's prisoner_ids"
        cohort, reason = ctx.owner(pid)
        if cohort is None:
            yield f"{label}: {reason}"
        elif cohort not in tr.prisoners:
            yield f"{label} lists {pid!r} of cohort {cohort}, which it does not count"
        else:
            listed[cohort] += 1


def _transfer_ranges(
    tr: Transfer,
    at: tuple[int, str],
    in_ranges: Counter[str],
    moved: _Moved,
    stage: _StagePrisoners,
) -> Iterator[str]:
    """The transfer's prisoner_ranges, each inside the stage's; sizes counted in
    ``in_ranges``."""
    label = at[1]
    for c, spans in tr.prisoner_ranges.items():
        if c not in tr.prisoners:
            yield f"{label} lists prisoner_ranges of cohort {c!r}, which it does not count"
            continue
        if not spans:
            yield f"{label}: prisoner_ranges[{c}] is empty; cohorts without ranges are omitted"
        for a, b in spans:
            in_ranges[c] += size((a, b))
            if a > b:
                yield (
                    f"{label}: prisoner_ranges[{c}] has [{a}, {b}], which is empty: a range "
                    "runs from its first id to its last"
                )
                continue
            moved.ranges.setdefault(c, []).append((a, b, at))
            if not covers(stage.spans(c), a, b):
                yield (
                    f"{label} lists {range_text(c, a, b)} (prisoner_ranges[{c}] [{a}, {b}]), "
                    "not all among the stage's prisoners"
                )


def _transfer_numbers(
    ctx: Context, st: Stage, tr: Transfer, label: str, total: int
) -> Iterator[str]:
    """The transfer's ``arrival_hour`` and ``buses``; ``total``: the prisoners it moves."""
    prh = st.prisoner_release_hour
    if prh is not None and tr.arrival_hour != prh + tr.travel_hours:
        yield (
            f"{label}: arrival_hour is {tr.arrival_hour}, expected "
            f"{prh + tr.travel_hours} (prisoner_release_hour {prh} + travel_hours "
            f"{tr.travel_hours})"
        )
    rule = covering_buses(ctx.sc, tr.destination)
    if rule is None:
        if tr.buses is not None:
            yield (
                f"{label}: buses is {tr.buses}, but no buses rule covers "
                f"{tr.destination}; buses must be null"
            )
    elif total > 0 and tr.buses != ceil_div(total, rule.seats):
        yield (
            f"{label}: buses is {tr.buses}, expected {ceil_div(total, rule.seats)} "
            f"(ceil({total} prisoners / {rule.seats} seats) of buses rule {rule.id})"
        )
