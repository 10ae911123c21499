"""Structural checks: the plan's own numbers and format, whatever the rules say (the ``plan/*``
violation ids). Rule-kind specifics they depend on (which rule fixes ``vehicles`` or ``buses``,
the peak imbalance objective term, ...) come from ``planner.verifier.rules``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from planner.plan import Stage, Withdrawal
from planner.verifier.context import (
    PLAN_HORIZON,
    PLAN_METRICS,
    PLAN_OBJECTIVE,
    PLAN_PEOPLE,
    PLAN_ROUTES,
    PLAN_SCENARIO,
    PLAN_STAGES,
    PLAN_TRANSFERS,
    PLAN_WITHDRAWALS,
    Context,
    Violation,
    ceil_div,
    names,
)
from planner.verifier.holding import check_origins
from planner.verifier.people import check_people
from planner.verifier.rules import fleet_rule, peak_imbalance, prisoners_may_precede_start
from planner.verifier.transfers import check_routes, check_transfers


def _check_scenario(ctx: Context) -> Iterator[Violation]:
    if ctx.plan.scenario != ctx.sc.name:
        yield Violation(
            rule=PLAN_SCENARIO,
            message=f"the plan is for scenario {ctx.plan.scenario!r}, not {ctx.sc.name!r}",
        )


# --------------------------------------------------------------------------- stages


def _check_stages(ctx: Context) -> Iterator[Violation]:
    sc = ctx.sc
    n_stages = len(ctx.stages)
    if n_stages > sc.max_stages:
        yield Violation(
            rule=PLAN_STAGES,
            message=f"the plan has {n_stages} stages, more than max_stages {sc.max_stages}",
        )
    may_precede = prisoners_may_precede_start(sc)
    fleet = fleet_rule(sc)
    prev_start: int | None = None
    for pos, st in ctx.numbered():
        problems = chain(
            _stage_order(pos, st, prev_start),
            _stage_people(ctx, pos, st),
            _check_site(ctx, pos, st),
            _stage_handover(ctx, st),
            _check_vehicles(ctx, st, fleet),
            _stage_hours(pos, st, may_precede),
            _stage_line(ctx, st),
        )
        for message in problems:
            yield Violation(rule=PLAN_STAGES, stage=pos, message=message)
        prev_start = st.start_hour


def _stage_order(pos: int, st: Stage, prev_start: int | None) -> Iterator[str]:
    if st.index != pos:
        yield f"the stage at position {pos} has index {st.index}; expected {pos}"
    if prev_start is not None and st.start_hour < prev_start:
        yield (
            f"stage {pos} starts at hour {st.start_hour}, before stage {pos - 1} at hour "
            f"{prev_start}; stages must be in order of start_hour"
        )


def _stage_people(ctx: Context, pos: int, st: Stage) -> Iterator[str]:
    hostages = sum(n for n in st.hostages.values() if n > 0)
    people = hostages + sum(n for n in st.prisoners.values() if n > 0)
    if st.other_remains and pos > ctx.recorded:
        yield (
            f"stage {pos} has other_remains {st.other_remains}; only a recorded stage can "
            "say that remains proved not to be a hostage's"
        )
    if st.other_remains > 0 and pos <= ctx.recorded:
        return  # a recorded handover of remains that proved not to be a hostage's
    if people < 1:
        yield f"stage {pos} releases nobody; every stage releases at least one person"
    elif hostages < 1 and ctx.sc.hostage_cohorts:
        yield (
            f"stage {pos} hands over no hostage; with hostage cohorts, every stage "
            "hands over at least one"
        )


def _check_site(ctx: Context, pos: int, st: Stage) -> Iterator[str]:
    sites = ctx.sc.sites
    if not sites:
        if st.site is not None:
            yield (
                f"stage {pos} has site {st.site!r}, but the scenario has no handover "
                "sites; site must be null"
            )
        return
    if st.site is None:
        yield f"stage {pos} has no site; with handover sites every stage has one ({names(sites)})"
    elif ctx.place_kind.get(st.site) != "handover_site":
        yield f"site {st.site!r} is not a handover site (expected one of {names(sites)})"
    elif ctx.handover_travel(st) is None:
        yield (
            f"no route leads from site {st.site} to the reception point "
            f"{ctx.sc.reception}, so the handover cannot complete"
        )


def _stage_handover(ctx: Context, st: Stage) -> Iterator[str]:
    sc = ctx.sc
    travel = ctx.handover_travel(st)
    if travel is None:
        return
    expected_hc = st.start_hour + sc.handover_hours + travel
    if st.handover_complete_hour != expected_hc:
        how = f"start_hour {st.start_hour} + handover_hours {sc.handover_hours}"
        if sc.sites:
            how += f" + {travel} hours of travel from {st.site} to {sc.reception}"
        yield (
            f"handover_complete_hour is {st.handover_complete_hour}, expected {expected_hc} ({how})"
        )


def _check_vehicles(ctx: Context, st: Stage, fleet: Any) -> Iterator[str]:
    """``vehicles`` against ``fleet``, the scenario's hostage_fleet rule (or None)."""
    if fleet is None:
        if st.vehicles is not None:
            yield (
                f"vehicles is {st.vehicles}, but the scenario has no hostage_fleet rule; "
                "vehicles must be null"
            )
        return
    hostages = ctx.hostages_of(st)
    want = ceil_div(hostages, fleet.seats)
    if hostages == 0 and st.vehicles in (None, 0):
        return
    if st.vehicles != want:
        yield (
            f"vehicles is {st.vehicles}, expected {want} (ceil({hostages} hostages / "
            f"{fleet.seats} seats) of hostage_fleet rule {fleet.id})"
        )


def _stage_hours(pos: int, st: Stage, may_precede: bool) -> Iterator[str]:
    """``prisoner_release_hour`` and ``end_hour``; ``may_precede``: whether prisoners may be
    released before the stage starts."""
    has_prisoners = any(n > 0 for n in st.prisoners.values())
    prh = st.prisoner_release_hour
    if has_prisoners and prh is None:
        yield f"stage {pos} releases prisoners but has no prisoner_release_hour"
    if not has_prisoners and prh is not None:
        yield f"stage {pos} releases no prisoners but has prisoner_release_hour {prh}"
    expected_end = st.handover_complete_hour if prh is None else max(st.handover_complete_hour, prh)
    if st.end_hour != expected_end:
        yield (
            f"end_hour is {st.end_hour}, expected {expected_end} (the later of handover "
            f"completion and prisoner release)"
        )
    if not may_precede and prh is not None and prh < st.start_hour:
        yield (
            f"prisoners are released at hour {prh}, before the stage starts at hour "
            f"{st.start_hour} (only a pairing rule allows that)"
        )


def _stage_line(ctx: Context, st: Stage) -> Iterator[str]:
    expected_line = ctx.line_in_force(st.start_hour)
    if st.line_in_force != expected_line:
        yield (
            f"line_in_force is {st.line_in_force!r}, expected {expected_line!r} at start "
            f"hour {st.start_hour}"
        )


# --------------------------------------------------------------------------- hours and lines


def _check_horizon(ctx: Context) -> Iterator[Violation]:
    horizon = ctx.sc.horizon_hours
    for pos, st in ctx.numbered():
        hours = {
            "start_hour": st.start_hour,
            "handover_complete_hour": st.handover_complete_hour,
            "prisoner_release_hour": st.prisoner_release_hour,
            "end_hour": st.end_hour,
        }
        for name, hour in hours.items():
            if hour is not None and not 0 <= hour <= horizon:
                yield Violation(
                    rule=PLAN_HORIZON,
                    stage=pos,
                    message=f"{name} {hour} lies outside the horizon [0, {horizon}]",
                )


def _check_withdrawals(ctx: Context) -> Iterator[Violation]:
    for message in _withdrawal_list(ctx):
        yield Violation(rule=PLAN_WITHDRAWALS, message=message)
    for line, message in _withdrawal_hours(ctx):
        yield Violation(rule=PLAN_WITHDRAWALS, line=line, message=message)


def _withdrawal_list(ctx: Context) -> Iterator[str]:
    """Which lines the plan lists, how often, and in which order."""
    expected = [ln.id for ln in ctx.sc.withdrawal_lines]
    listed = [w.line for w in ctx.plan.withdrawals]
    for line in dict.fromkeys(listed):
        if line not in expected:
            yield f"the plan lists line {line!r}, which is no withdrawal line of the scenario"
    for line, times in Counter(listed).items():
        if times > 1:
            yield f"line {line} appears {times} times; every line appears once"
    yield from _lines_reached(ctx, expected)
    order = [line for line in dict.fromkeys(listed) if line in expected]
    if order != [line for line in expected if line in ctx.lines]:
        yield (
            f"lines appear in the order {names(order)}; expected the scenario order "
            f"{names(expected)}"
        )


def _lines_reached(ctx: Context, expected: list[str]) -> Iterator[str]:
    """Every required line is reached; a conditional one may not be (and is then named in
    ``lines_not_reached``); lines are reached in order."""
    conditional = [ln.id for ln in ctx.sc.withdrawal_lines if not ln.required]
    for line in expected:
        if line not in ctx.lines and line not in conditional:
            yield f"line {line} is missing from the plan's withdrawals"
    absent = [line for line in conditional if line not in ctx.lines]
    if ctx.plan.lines_not_reached != absent:
        yield (
            f"lines_not_reached is [{names(ctx.plan.lines_not_reached)}]; the conditional "
            f"lines the plan does not move to are [{names(absent)}]"
        )
    reached = [line in ctx.lines for line in expected]
    if any(not a and b for a, b in zip(reached, reached[1:], strict=False)):
        yield "the plan moves to a line after one it never reaches; lines are reached in order"


def _withdrawal_hours(ctx: Context) -> Iterator[tuple[str, str]]:
    """Each move's hours: its length, after the previous move, within the horizon."""
    horizon = ctx.sc.horizon_hours
    previous: Withdrawal | None = None
    for ln in ctx.sc.withdrawal_lines:
        w = ctx.lines.get(ln.id)
        if w is None:
            previous = None
            continue
        if w.complete_hour != w.start_hour + ln.move_hours:
            yield (
                ln.id,
                (
                    f"line {ln.id} completes at hour {w.complete_hour}, expected "
                    f"{w.start_hour + ln.move_hours} (start {w.start_hour} + move_hours "
                    f"{ln.move_hours})"
                ),
            )
        if previous is not None and w.start_hour < previous.complete_hour:
            yield (
                ln.id,
                (
                    f"the move to line {ln.id} starts at hour {w.start_hour}, before the move to "
                    f"line {previous.line} completes at hour {previous.complete_hour}"
                ),
            )
        for name, hour in (("start_hour", w.start_hour), ("complete_hour", w.complete_hour)):
            if not 0 <= hour <= horizon:
                yield ln.id, f"line {ln.id} {name} {hour} lies outside the horizon [0, {horizon}]"
        previous = w


# --------------------------------------------------------------------------- metrics, objective


@dataclass(frozen=True)
class _Metrics:
    living_released_hour: int | None
    completion_hour: int
    stage_count: int
    hostages_released: int
    prisoners_released: int


def _metrics(ctx: Context) -> _Metrics:
    living = {c.id for c in ctx.sc.hostage_cohorts if c.status == "living"}
    living_hours = [
        st.handover_complete_hour
        for st in ctx.stages
        if any(st.hostages.get(c, 0) > 0 for c in living)
    ]
    return _Metrics(
        living_released_hour=max(living_hours) if living_hours else None,
        completion_hour=max((st.end_hour for st in ctx.stages), default=0),
        stage_count=len(ctx.stages),
        hostages_released=sum(sum(st.hostages.values()) for st in ctx.stages),
        prisoners_released=sum(sum(st.prisoners.values()) for st in ctx.stages),
    )


def _check_metrics(ctx: Context) -> Iterator[Violation]:
    want = _metrics(ctx)
    got = ctx.plan.metrics
    for name in (
        "living_released_hour",
        "completion_hour",
        "stage_count",
        "hostages_released",
        "prisoners_released",
    ):
        if getattr(got, name) != getattr(want, name):
            yield Violation(
                rule=PLAN_METRICS,
                message=f"metrics.{name} is {getattr(got, name)}, expected {getattr(want, name)}",
            )


def _priority(ctx: Context) -> int:
    total = 0
    for cohort, weight in ctx.sc.objective.priorities.items():
        hours = [hour for _, _, _, hour in ctx.releases([cohort])]
        total += weight * max(hours, default=0)
    return total


def _objective_value(ctx: Context, term: str) -> int:
    metrics = _metrics(ctx)
    if term == "living_released_hour":
        return metrics.living_released_hour or 0
    if term == "completion_hour":
        return metrics.completion_hour
    if term == "stage_count":
        return metrics.stage_count
    if term == "peak_imbalance":
        return peak_imbalance(ctx)
    if term == "priority":
        return _priority(ctx)
    if term == "lines_unreached":
        return sum(
            1 for ln in ctx.sc.withdrawal_lines if not ln.required and ln.id not in ctx.lines
        )
    if term == "unreleased":
        return sum(
            ctx.sc.objective.unreleased_weight(c.id) * max(0, c.count - ctx.total(c.id))
            for c in [*ctx.sc.hostage_cohorts, *ctx.sc.prisoner_cohorts]
        )
    raise ValueError(f"unknown objective term {term!r}")


def _check_objective(ctx: Context) -> Iterator[Violation]:
    terms = list(ctx.sc.objective_terms)
    for term, value in ctx.plan.objective.items():
        if term not in terms:
            yield Violation(
                rule=PLAN_OBJECTIVE,
                message=f"objective term {term!r} is not one of the scenario's terms "
                f"({names(terms)})",
            )
            continue
        want = _objective_value(ctx, term)
        if value != want:
            yield Violation(
                rule=PLAN_OBJECTIVE, message=f"objective {term} is {value}, expected {want}"
            )


STRUCTURAL_CHECKS: dict[str, Callable[[Context], Iterable[Violation]]] = {
    PLAN_SCENARIO: _check_scenario,
    PLAN_STAGES: _check_stages,
    PLAN_HORIZON: _check_horizon,
    PLAN_PEOPLE: lambda ctx: chain(check_people(ctx), check_origins(ctx)),
    PLAN_ROUTES: check_routes,
    PLAN_TRANSFERS: check_transfers,
    PLAN_WITHDRAWALS: _check_withdrawals,
    PLAN_METRICS: _check_metrics,
    PLAN_OBJECTIVE: _check_objective,
}
