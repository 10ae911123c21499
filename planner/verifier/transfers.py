"""The structural checks of travel and transfers (``plan/routes``, ``plan/transfers``): each
leg's path and hours over the routes graph, and which prisoners each transfer moves where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from planner.plan import Stage, Transfer
from planner.verifier.context import (
    PLAN_ROUTES,
    PLAN_TRANSFERS,
    Context,
    Violation,
    ceil_div,
    names,
)
from planner.verifier.rules import covering_buses

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
    moved: Counter[str] = Counter()  # cohort -> people in the stage's transfers
    in_transfer: dict[str, str] = {}  # id -> the transfer listing it
    stage_ids = set(st.prisoner_ids)
    for tr in st.transfers:
        label = f"transfer {tr.prison} -> {tr.destination}"
        if (tr.prison, tr.destination) in pairs:
            yield f"{label} appears twice; one entry per (prison, destination)"
        pairs.add((tr.prison, tr.destination))
        if ctx.place_kind.get(tr.prison) != "prison":
            yield f"{label}: {tr.prison!r} is not a place of kind prison"
        if ctx.place_kind.get(tr.destination) != "destination":
            yield f"{label}: {tr.destination!r} is not a place of kind destination"
        yield from _transfer_cohorts(ctx, tr, label, moved)
        total = ctx.transfer_total(tr)
        if total == 0:
            yield f"{label} moves nobody; a transfer has at least one prisoner"
        yield from _transfer_ids(ctx, tr, label, in_transfer, stage_ids)
        yield from _transfer_numbers(ctx, st, tr, label, total)
    for c in routed:
        n = max(st.prisoners.get(c, 0), 0)
        if moved[c] != n:
            yield (
                f"the stage's transfers move {moved[c]} of cohort {c}, but prisoners[{c}] "
                f"is {n}; every prisoner of a cohort with destinations is transferred"
            )
    for pid in st.prisoner_ids:
        cohort, _ = ctx.owner(pid)
        if cohort in routed and pid not in in_transfer:
            yield f"{pid!r} (cohort {cohort}) is released but in no transfer"


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


def _transfer_ids(
    ctx: Context, tr: Transfer, label: str, in_transfer: dict[str, str], stage_ids: set[str]
) -> Iterator[str]:
    """The transfer's prisoner_ids; records each in ``in_transfer``."""
    listed: Counter[str] = Counter()
    for pid in tr.prisoner_ids:
        if pid in in_transfer:
            yield f"{label} lists {pid!r}, already listed by {in_transfer[pid]}"
            continue
        in_transfer[pid] = label
        if pid not in stage_ids:
            yield f"{label} lists {pid!r}, who is not among the stage's prisoner_ids"
        cohort, reason = ctx.owner(pid)
        if cohort is None:
            yield f"{label}: {reason}"
        elif cohort not in tr.prisoners:
            yield f"{label} lists {pid!r} of cohort {cohort}, which it does not count"
        else:
            listed[cohort] += 1
    for c, n in tr.prisoners.items():
        if c in ctx.routed and n > 0 and listed[c] != n:
            yield f"{label} lists {listed[c]} ids of cohort {c}, but prisoners[{c}] is {n}"


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
