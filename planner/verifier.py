"""Independent plan verifier: re-checks a plan against its scenario from the plan's numbers alone.

The contract is ``docs/rules.md``. This module deliberately shares no code with the solver
(``planner/model/``) and never imports ortools, so a plan is checked by a second, much simpler
reading of the rules. It reports every problem it finds as a :class:`Violation`; it never raises
on a malformed plan.

Violation ids are either a scenario rule id or a structural id beginning with ``plan/`` (a rule
id cannot contain ``/``, so the two never clash):

- ``plan/scenario``: the plan names another scenario.
- ``plan/stages``: stage numbering and order, hours (``handover_complete_hour`` including the
  travel from the site to the reception point, ``end_hour``, ``prisoner_release_hour``),
  ``line_in_force``, ``site`` (a handover site exactly when the scenario has handover sites) and
  ``vehicles`` (``ceil(hostages / seats)`` of the ``hostage_fleet`` rule, or null).
- ``plan/horizon``: a stage hour outside ``[0, H]``.
- ``plan/people``: counts, person ids, ``unreleased``.
- ``plan/routes``: travel over the routes graph: ``handover_route`` (present exactly with
  handover sites; a path along routes from the site to the reception point taking the shortest
  hours) and each transfer's ``path`` / ``travel_hours`` (the same, from prison to destination).
- ``plan/transfers``: which prisoners are moved where: every prisoner of a cohort with
  destinations in exactly one transfer of its stage, to an allowed destination, from the cohort's
  prison; per-cohort counts and ids; ``arrival_hour``; ``buses`` (``ceil(prisoners / seats)`` of
  the covering ``buses`` rule, or null).
- ``plan/withdrawals``, ``plan/metrics``, ``plan/objective``.

Field arithmetic (``vehicles``, ``buses``) is reported once, structurally; the ``hostage_fleet``
and ``buses`` rule checks then judge the limits with the numbers recomputed from the people, so
a plan that understates its vehicles or buses is still caught by the rule; a stage needing more
vehicles than the fleet breaks ``hostage_fleet`` even if it occupies no hour. Limits over several
stages (``site_daily_limit``, ``hostage_fleet``) name the stage that goes over. Travel times are
recomputed here with networkx (Dijkstra, weight ``hours``, the fastest of parallel routes),
independently of ``planner.network``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from pydantic import BaseModel, ConfigDict

from planner.plan import Plan, Stage, Transfer, Withdrawal
from planner.scenario import (
    AbroadRule,
    AvailabilityRule,
    BusesRule,
    DeadlineRule,
    DestinationQuotaRule,
    EarliestStartRule,
    ExchangeRatioRule,
    FixedStageRule,
    HandoverHoursRule,
    HostageFleetRule,
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    LocatedFromRule,
    OrderRule,
    PairingRule,
    PersonNotBeforeRule,
    PrisonProcessingRule,
    ReleaseRule,
    Scenario,
    SiteAfterLineRule,
    SiteDailyLimitRule,
    StageCapacityRule,
    StageGapRule,
    VetoRule,
)

PLAN_SCENARIO = "plan/scenario"
PLAN_STAGES = "plan/stages"
PLAN_HORIZON = "plan/horizon"
PLAN_PEOPLE = "plan/people"
PLAN_ROUTES = "plan/routes"
PLAN_TRANSFERS = "plan/transfers"
PLAN_WITHDRAWALS = "plan/withdrawals"
PLAN_METRICS = "plan/metrics"
PLAN_OBJECTIVE = "plan/objective"

_GENERATED_N = re.compile(r"[1-9][0-9]*")


# --------------------------------------------------------------------------- report


class Violation(BaseModel):
    """One way in which a plan breaks a rule (or the plan format)."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    stage: int | None = None
    message: str


class VerifyReport(BaseModel):
    """Every violation found in a plan; ``ok`` when there are none."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def lines(self) -> list[str]:
        """One line per violation: ``rule <id>: stage <n>: <message>``."""
        out = []
        for v in self.violations:
            where = f"stage {v.stage}: " if v.stage is not None else ""
            out.append(f"rule {v.rule}: {where}{v.message}")
        return out


# --------------------------------------------------------------------------- helpers


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)


def _hundredths(x: int) -> str:
    """An integer number of hundredths as a short decimal: 350 -> '3.5', -25 -> '-0.25'."""
    sign = "-" if x < 0 else ""
    whole, frac = divmod(abs(x), 100)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def _graph(sc: Scenario) -> nx.Graph:
    """Places and routes as an undirected graph; parallel routes keep the fastest."""
    g = nx.Graph()
    g.add_nodes_from(p.id for p in sc.places)
    for r in sc.routes:
        a, b = r.between
        if a == b:
            continue
        if not g.has_edge(a, b) or r.hours < g.edges[a, b]["hours"]:
            g.add_edge(a, b, hours=r.hours)
    return g


class _People:
    """Which cohort a person id belongs to, per docs/rules.md."""

    def __init__(self, sc: Scenario):
        self.sc = sc
        self.member_of: dict[str, str] = {}
        self.unnamed: dict[str, int] = {}
        for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
            self.unnamed[c.id] = c.count - len(c.members)
            for m in c.members:
                self.member_of.setdefault(m.id, c.id)

    def owner(self, pid: str) -> tuple[str | None, str]:
        """(cohort, "") for a valid id; (None, reason) otherwise."""
        if pid in self.member_of:
            return self.member_of[pid], ""
        head, sep, tail = pid.rpartition("-")
        if sep and head in self.unnamed and _GENERATED_N.fullmatch(tail):
            n, limit = int(tail), self.unnamed[head]
            if n <= limit:
                return head, ""
            return None, (
                f"id {pid!r} is beyond cohort {head}'s {limit} unnamed people "
                f"({head}-1 to {head}-{limit})"
            )
        return None, f"id {pid!r} is not the id of anyone in the scenario"


@dataclass
class _Context:
    """The scenario and plan, with the lookups every check needs (built once per verify)."""

    sc: Scenario
    plan: Plan
    hostage_cohorts: dict[str, int] = field(default_factory=dict)  # id -> count
    prisoner_cohorts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, Withdrawal] = field(default_factory=dict)  # first occurrence in the plan
    people: _People | None = None
    graph: nx.Graph = field(default_factory=nx.Graph)
    place_kind: dict[str, str] = field(default_factory=dict)
    routed: dict[str, list[str]] = field(default_factory=dict)  # cohort -> destinations
    fleet: HostageFleetRule | None = None
    # person id -> (stage position, stage, listed among hostage_ids?) for every listing
    where: dict[str, list[tuple[int, Stage, bool]]] = field(default_factory=dict)
    _distances: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, sc: Scenario, plan: Plan) -> _Context:
        ctx = cls(sc=sc, plan=plan)
        ctx.hostage_cohorts = {c.id: c.count for c in sc.hostage_cohorts}
        ctx.prisoner_cohorts = {c.id: c.count for c in sc.prisoner_cohorts}
        for w in plan.withdrawals:
            ctx.lines.setdefault(w.line, w)
        ctx.people = _People(sc)
        ctx.graph = _graph(sc)
        ctx.place_kind = {p.id: p.kind for p in sc.places}
        for c in sc.prisoner_cohorts:
            dests = sc.allowed_destinations(c.id)
            if dests:
                ctx.routed[c.id] = dests
        ctx.fleet = next((r for r in sc.rules if isinstance(r, HostageFleetRule)), None)
        for pos, st in enumerate(plan.stages, start=1):
            for ids, hostage in ((st.hostage_ids, True), (st.prisoner_ids, False)):
                for pid in ids:
                    ctx.where.setdefault(pid, []).append((pos, st, hostage))
        return ctx

    def owner(self, pid: str) -> tuple[str | None, str]:
        people = self.people if self.people is not None else _People(self.sc)
        return people.owner(pid)

    def shortest(self, source: str, target: str) -> int | None:
        """Shortest travel hours from source to target over the routes (None: no route)."""
        if source not in self.graph or target not in self.graph:
            return None
        if source not in self._distances:
            lengths = nx.single_source_dijkstra_path_length(self.graph, source, weight="hours")
            self._distances[source] = {k: int(v) for k, v in lengths.items()}
        return self._distances[source].get(target)

    def handover_travel(self, stage: Stage) -> int | None:
        """Travel hours from the stage's site to the reception point: 0 without handover sites;
        None when the site is not a handover site or cannot reach the reception point."""
        if not self.sc.sites:
            return 0
        if stage.site is None or self.place_kind.get(stage.site) != "handover_site":
            return None
        if self.sc.reception is None:
            return None
        return self.shortest(stage.site, self.sc.reception)

    def is_abroad(self, place_id: str) -> bool:
        place = self.sc.place(place_id)
        return place is not None and place.abroad

    def covering_buses(self, destination: str) -> BusesRule | None:
        for r in self.sc.rules:
            if isinstance(r, BusesRule) and (
                r.destinations is None or destination in r.destinations
            ):
                return r
        return None

    def hostages_of(self, stage: Stage) -> int:
        return sum(n for c, n in stage.hostages.items() if n > 0 and c in self.hostage_cohorts)

    @staticmethod
    def transfer_total(tr: Transfer) -> int:
        return sum(n for n in tr.prisoners.values() if n > 0)

    def person_hour(self, stage: Stage, hostage: bool) -> int:
        """Release hour of a person listed in ``stage`` (hostage_ids or prisoner_ids)."""
        return stage.handover_complete_hour if hostage else self.prisoner_hour(stage)

    @property
    def stages(self) -> list[Stage]:
        return self.plan.stages

    def numbered(self) -> Iterator[tuple[int, Stage]]:
        """(1-based position, stage); positions are what violations report."""
        return enumerate(self.plan.stages, start=1)

    def is_hostage(self, cohort: str) -> bool:
        return cohort in self.hostage_cohorts

    def cohort_count(self, cohort: str) -> int:
        return self.hostage_cohorts.get(cohort, self.prisoner_cohorts.get(cohort, 0))

    def count(self, stage: Stage, cohort: str) -> int:
        """People of ``cohort`` released in ``stage`` (read from the cohort's own side)."""
        side = stage.hostages if self.is_hostage(cohort) else stage.prisoners
        return side.get(cohort, 0)

    def total(self, cohort: str) -> int:
        return sum(max(self.count(st, cohort), 0) for st in self.stages)

    @staticmethod
    def prisoner_hour(stage: Stage) -> int:
        """The stage's prisoner release hour; ``end_hour`` when it is (wrongly) missing, which
        ``plan/stages`` reports."""
        if stage.prisoner_release_hour is not None:
            return stage.prisoner_release_hour
        return stage.end_hour

    def release_hour(self, stage: Stage, cohort: str) -> int:
        if self.is_hostage(cohort):
            return stage.handover_complete_hour
        return self.prisoner_hour(stage)

    def releases(self, cohorts: Iterable[str]) -> list[tuple[int, str, int, int]]:
        """(stage position, cohort, people, release hour) for every release of the cohorts."""
        out = []
        wanted = list(cohorts)
        for pos, st in self.numbered():
            for c in wanted:
                n = self.count(st, c)
                if n > 0:
                    out.append((pos, c, n, self.release_hour(st, c)))
        return out


def _missing_line(rule_id: str, line: str) -> Violation:
    return Violation(
        rule=rule_id,
        stage=None,
        message=f"line {line} does not appear in the plan's withdrawals, so the rule cannot hold",
    )


# --------------------------------------------------------------------------- structural checks


def _check_scenario(ctx: _Context) -> Iterator[Violation]:
    if ctx.plan.scenario != ctx.sc.name:
        yield Violation(
            rule=PLAN_SCENARIO,
            message=f"the plan is for scenario {ctx.plan.scenario!r}, not {ctx.sc.name!r}",
        )


def _line_in_force(ctx: _Context, start: int) -> str:
    in_force = ctx.sc.initial_position
    for ln in ctx.sc.withdrawal_lines:
        w = ctx.lines.get(ln.id)
        if w is not None and w.complete_hour <= start:
            in_force = ln.id
    return in_force


def _check_stages(ctx: _Context) -> Iterator[Violation]:
    sc = ctx.sc
    n_stages = len(ctx.stages)
    if n_stages > sc.max_stages:
        yield Violation(
            rule=PLAN_STAGES,
            message=f"the plan has {n_stages} stages, more than max_stages {sc.max_stages}",
        )
    pairing = any(isinstance(r, PairingRule) for r in sc.rules)
    prev_start: int | None = None
    for pos, st in ctx.numbered():

        def bad(message: str, pos: int = pos) -> Violation:
            return Violation(rule=PLAN_STAGES, stage=pos, message=message)

        if st.index != pos:
            yield bad(f"the stage at position {pos} has index {st.index}; expected {pos}")
        if prev_start is not None and st.start_hour < prev_start:
            yield bad(
                f"stage {pos} starts at hour {st.start_hour}, before stage {pos - 1} at hour "
                f"{prev_start}; stages must be in order of start_hour"
            )
        prev_start = st.start_hour
        hostages = sum(n for n in st.hostages.values() if n > 0)
        people = hostages + sum(n for n in st.prisoners.values() if n > 0)
        if people < 1:
            yield bad(f"stage {pos} releases nobody; every stage releases at least one person")
        elif hostages < 1 and sc.hostage_cohorts:
            yield bad(
                f"stage {pos} hands over no hostage; with hostage cohorts, every stage "
                "hands over at least one"
            )
        yield from _check_site(ctx, pos, st)
        travel = ctx.handover_travel(st)
        if travel is not None:
            expected_hc = st.start_hour + sc.handover_hours + travel
            if st.handover_complete_hour != expected_hc:
                how = f"start_hour {st.start_hour} + handover_hours {sc.handover_hours}"
                if sc.sites:
                    how += f" + {travel} hours of travel from {st.site} to {sc.reception}"
                yield bad(
                    f"handover_complete_hour is {st.handover_complete_hour}, expected "
                    f"{expected_hc} ({how})"
                )
        yield from _check_vehicles(ctx, pos, st)
        has_prisoners = any(n > 0 for n in st.prisoners.values())
        prh = st.prisoner_release_hour
        if has_prisoners and prh is None:
            yield bad(f"stage {pos} releases prisoners but has no prisoner_release_hour")
        if not has_prisoners and prh is not None:
            yield bad(f"stage {pos} releases no prisoners but has prisoner_release_hour {prh}")
        expected_end = (
            st.handover_complete_hour if prh is None else max(st.handover_complete_hour, prh)
        )
        if st.end_hour != expected_end:
            yield bad(
                f"end_hour is {st.end_hour}, expected {expected_end} (the later of handover "
                f"completion and prisoner release)"
            )
        if not pairing and prh is not None and prh < st.start_hour:
            yield bad(
                f"prisoners are released at hour {prh}, before the stage starts at hour "
                f"{st.start_hour} (only a pairing rule allows that)"
            )
        expected_line = _line_in_force(ctx, st.start_hour)
        if st.line_in_force != expected_line:
            yield bad(
                f"line_in_force is {st.line_in_force!r}, expected {expected_line!r} at start "
                f"hour {st.start_hour}"
            )


def _check_site(ctx: _Context, pos: int, st: Stage) -> Iterator[Violation]:
    sites = ctx.sc.sites
    if not sites:
        if st.site is not None:
            yield Violation(
                rule=PLAN_STAGES,
                stage=pos,
                message=f"stage {pos} has site {st.site!r}, but the scenario has no handover "
                "sites; site must be null",
            )
        return
    if st.site is None:
        yield Violation(
            rule=PLAN_STAGES,
            stage=pos,
            message=f"stage {pos} has no site; with handover sites every stage has one "
            f"({_names(sites)})",
        )
    elif ctx.place_kind.get(st.site) != "handover_site":
        yield Violation(
            rule=PLAN_STAGES,
            stage=pos,
            message=f"site {st.site!r} is not a handover site (expected one of {_names(sites)})",
        )
    elif ctx.handover_travel(st) is None:
        yield Violation(
            rule=PLAN_STAGES,
            stage=pos,
            message=f"no route leads from site {st.site} to the reception point "
            f"{ctx.sc.reception}, so the handover cannot complete",
        )


def _check_vehicles(ctx: _Context, pos: int, st: Stage) -> Iterator[Violation]:
    fleet = ctx.fleet
    if fleet is None:
        if st.vehicles is not None:
            yield Violation(
                rule=PLAN_STAGES,
                stage=pos,
                message=f"vehicles is {st.vehicles}, but the scenario has no hostage_fleet rule; "
                "vehicles must be null",
            )
        return
    hostages = ctx.hostages_of(st)
    want = _ceil_div(hostages, fleet.seats)
    if hostages == 0 and st.vehicles in (None, 0):
        return
    if st.vehicles != want:
        yield Violation(
            rule=PLAN_STAGES,
            stage=pos,
            message=f"vehicles is {st.vehicles}, expected {want} (ceil({hostages} hostages / "
            f"{fleet.seats} seats) of hostage_fleet rule {fleet.id})",
        )


def _check_leg(
    ctx: _Context, what: str, path: list[str], hours: int, source: str, target: str
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


def _check_routes(ctx: _Context) -> Iterator[Violation]:
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


def _check_transfers(ctx: _Context) -> Iterator[Violation]:
    sc = ctx.sc
    routed = ctx.routed
    for pos, st in ctx.numbered():

        def bad(message: str, pos: int = pos) -> Violation:
            return Violation(rule=PLAN_TRANSFERS, stage=pos, message=message)

        if not routed:
            if st.transfers:
                yield bad(
                    f"stage {pos} lists {len(st.transfers)} transfers, but no prisoner cohort "
                    "has destinations; transfers must be empty"
                )
            continue
        pairs: set[tuple[str, str]] = set()
        moved: Counter[str] = Counter()  # cohort -> people in the stage's transfers
        in_transfer: dict[str, str] = {}  # id -> the transfer listing it
        stage_ids = set(st.prisoner_ids)
        for tr in st.transfers:
            label = f"transfer {tr.prison} -> {tr.destination}"
            if (tr.prison, tr.destination) in pairs:
                yield bad(f"{label} appears twice; one entry per (prison, destination)")
            pairs.add((tr.prison, tr.destination))
            if ctx.place_kind.get(tr.prison) != "prison":
                yield bad(f"{label}: {tr.prison!r} is not a place of kind prison")
            if ctx.place_kind.get(tr.destination) != "destination":
                yield bad(f"{label}: {tr.destination!r} is not a place of kind destination")
            for c, n in tr.prisoners.items():
                if c not in routed:
                    why = (
                        "has no destinations, so its prisoners are not transferred"
                        if c in ctx.prisoner_cohorts
                        else "is no prisoner cohort of the scenario"
                    )
                    yield bad(f"{label} lists cohort {c!r}, which {why}")
                    continue
                if n <= 0:
                    yield bad(f"{label}: prisoners[{c}] is {n}; counts are positive")
                    continue
                moved[c] += n
                held = sc.prisoner(c)
                prison = held.prison if held is not None else None
                if prison != tr.prison:
                    yield bad(f"{label} moves cohort {c}, which is held in {prison}")
                if tr.destination not in routed[c]:
                    yield bad(
                        f"{label} moves {n} of cohort {c}, which may go only to {_names(routed[c])}"
                    )
            total = ctx.transfer_total(tr)
            if total == 0:
                yield bad(f"{label} moves nobody; a transfer has at least one prisoner")
            listed: Counter[str] = Counter()
            for pid in tr.prisoner_ids:
                if pid in in_transfer:
                    yield bad(f"{label} lists {pid!r}, already listed by {in_transfer[pid]}")
                    continue
                in_transfer[pid] = label
                if pid not in stage_ids:
                    yield bad(f"{label} lists {pid!r}, who is not among the stage's prisoner_ids")
                cohort, reason = ctx.owner(pid)
                if cohort is None:
                    yield bad(f"{label}: {reason}")
                elif cohort not in tr.prisoners:
                    yield bad(f"{label} lists {pid!r} of cohort {cohort}, which it does not count")
                else:
                    listed[cohort] += 1
            for c, n in tr.prisoners.items():
                if c in routed and n > 0 and listed[c] != n:
                    yield bad(
                        f"{label} lists {listed[c]} ids of cohort {c}, but prisoners[{c}] is {n}"
                    )
            prh = st.prisoner_release_hour
            if prh is not None and tr.arrival_hour != prh + tr.travel_hours:
                yield bad(
                    f"{label}: arrival_hour is {tr.arrival_hour}, expected "
                    f"{prh + tr.travel_hours} (prisoner_release_hour {prh} + travel_hours "
                    f"{tr.travel_hours})"
                )
            rule = ctx.covering_buses(tr.destination)
            if rule is None:
                if tr.buses is not None:
                    yield bad(
                        f"{label}: buses is {tr.buses}, but no buses rule covers "
                        f"{tr.destination}; buses must be null"
                    )
            elif total > 0 and tr.buses != _ceil_div(total, rule.seats):
                yield bad(
                    f"{label}: buses is {tr.buses}, expected {_ceil_div(total, rule.seats)} "
                    f"(ceil({total} prisoners / {rule.seats} seats) of buses rule {rule.id})"
                )
        for c in routed:
            n = max(st.prisoners.get(c, 0), 0)
            if moved[c] != n:
                yield bad(
                    f"the stage's transfers move {moved[c]} of cohort {c}, but prisoners[{c}] "
                    f"is {n}; every prisoner of a cohort with destinations is transferred"
                )
        for pid in st.prisoner_ids:
            cohort, _ = ctx.owner(pid)
            if cohort in routed and pid not in in_transfer:
                yield bad(f"{pid!r} (cohort {cohort}) is released but in no transfer")


def _check_horizon(ctx: _Context) -> Iterator[Violation]:
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


def _check_withdrawals(ctx: _Context) -> Iterator[Violation]:
    sc, horizon = ctx.sc, ctx.sc.horizon_hours
    expected = [ln.id for ln in sc.withdrawal_lines]
    listed = [w.line for w in ctx.plan.withdrawals]

    def bad(message: str) -> Violation:
        return Violation(rule=PLAN_WITHDRAWALS, message=message)

    for line in dict.fromkeys(listed):
        if line not in expected:
            yield bad(f"the plan lists line {line!r}, which is no withdrawal line of the scenario")
    for line, times in Counter(listed).items():
        if times > 1:
            yield bad(f"line {line} appears {times} times; every line appears once")
    for line in expected:
        if line not in ctx.lines:
            yield bad(f"line {line} is missing from the plan's withdrawals")
    order = [line for line in dict.fromkeys(listed) if line in expected]
    if order != [line for line in expected if line in ctx.lines]:
        yield bad(
            f"lines appear in the order {_names(order)}; expected the scenario order "
            f"{_names(expected)}"
        )
    previous: Withdrawal | None = None
    for ln in sc.withdrawal_lines:
        w = ctx.lines.get(ln.id)
        if w is None:
            previous = None
            continue
        if w.complete_hour != w.start_hour + ln.move_hours:
            yield bad(
                f"line {ln.id} completes at hour {w.complete_hour}, expected "
                f"{w.start_hour + ln.move_hours} (start {w.start_hour} + move_hours "
                f"{ln.move_hours})"
            )
        if previous is not None and w.start_hour < previous.complete_hour:
            yield bad(
                f"the move to line {ln.id} starts at hour {w.start_hour}, before the move to "
                f"line {previous.line} completes at hour {previous.complete_hour}"
            )
        for name, hour in (("start_hour", w.start_hour), ("complete_hour", w.complete_hour)):
            if not 0 <= hour <= horizon:
                yield bad(f"line {ln.id} {name} {hour} lies outside the horizon [0, {horizon}]")
        previous = w


def _check_people(ctx: _Context) -> Iterator[Violation]:
    seen: dict[str, int] = {}  # id -> stage of its first appearance
    totals: Counter[str] = Counter()

    def bad(message: str, stage: int | None = None) -> Violation:
        return Violation(rule=PLAN_PEOPLE, stage=stage, message=message)

    for pos, st in ctx.numbered():
        sides = (
            ("hostage", st.hostages, st.hostage_ids, ctx.hostage_cohorts, ctx.prisoner_cohorts),
            ("prisoner", st.prisoners, st.prisoner_ids, ctx.prisoner_cohorts, ctx.hostage_cohorts),
        )
        for side, counts, ids, own, other in sides:
            for c, n in counts.items():
                if c not in own:
                    what = f"{'a prisoner' if side == 'hostage' else 'a hostage'} cohort"
                    kind = what if c in other else "no cohort of the scenario"
                    yield bad(f"{side}s lists {c!r}, which is {kind}", pos)
                elif n <= 0:
                    yield bad(f"{side}s[{c}] is {n}; counts are positive (zeros are omitted)", pos)
                else:
                    totals[c] += n
            listed: Counter[str] = Counter()
            for pid in ids:
                cohort, reason = ctx.owner(pid)
                if cohort is None:
                    yield bad(f"{side}_ids: {reason}", pos)
                elif cohort not in own:
                    yield bad(f"{side}_ids lists {pid!r} of the other side's cohort {cohort}", pos)
                else:
                    listed[cohort] += 1
                if pid in seen:
                    yield bad(f"id {pid!r} appears again (first in stage {seen[pid]})", pos)
                    continue
                seen[pid] = pos
            for c in own:
                n = counts.get(c, 0)
                if listed[c] != max(n, 0):
                    got = f"{side}_ids lists {listed[c]} of cohort {c}"
                    yield bad(f"{got}, but {side}s[{c}] is {n}", pos)

    for c in [*ctx.hostage_cohorts, *ctx.prisoner_cohorts]:
        count = ctx.cohort_count(c)
        if totals[c] > count:
            yield bad(f"the plan releases {totals[c]} of cohort {c}, which has only {count}")
        want_left = max(count - totals[c], 0)
        got_left = ctx.plan.unreleased.get(c)
        if got_left == 0:
            yield bad(f"unreleased[{c}] is 0; zero counts are omitted")
        elif (got_left or 0) != want_left:
            yield bad(
                f"unreleased[{c}] is {got_left or 0}, expected {want_left} "
                f"({count} in the cohort, {totals[c]} released)"
            )
    for c in ctx.plan.unreleased:
        if c not in ctx.hostage_cohorts and c not in ctx.prisoner_cohorts:
            yield bad(f"unreleased lists {c!r}, which is no cohort of the scenario")


@dataclass(frozen=True)
class _Metrics:
    living_released_hour: int | None
    completion_hour: int
    stage_count: int
    hostages_released: int
    prisoners_released: int


def _metrics(ctx: _Context) -> _Metrics:
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


def _check_metrics(ctx: _Context) -> Iterator[Violation]:
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


def _ratio_balances(ctx: _Context, r: ExchangeRatioRule) -> list[tuple[int, int, int]]:
    """Per stage, in hundredths: (prisoners given, prisoners owed, given - owed)."""
    rates = {h: round(rate * 100) for h, rate in r.per_hostage.items()}
    out = []
    for st in ctx.stages:
        given = 100 * sum(st.prisoners.get(p, 0) for p in r.prisoners)
        owed = sum(rate * st.hostages.get(h, 0) for h, rate in rates.items())
        out.append((given, owed, given - owed))
    return out


def _peak_imbalance(ctx: _Context) -> int:
    peak = 0  # in hundredths
    for r in ctx.sc.rules:
        if isinstance(r, ExchangeRatioRule):
            running = 0
            for _, _, balance in _ratio_balances(ctx, r):
                running += balance
                peak = max(peak, abs(running))
    return -(-peak // 100)  # rounded up to whole prisoners


def _priority(ctx: _Context) -> int:
    total = 0
    for cohort, weight in ctx.sc.objective.priorities.items():
        hours = [hour for _, _, _, hour in ctx.releases([cohort])]
        total += weight * max(hours, default=0)
    return total


def _objective_value(ctx: _Context, term: str) -> int:
    metrics = _metrics(ctx)
    if term == "living_released_hour":
        return metrics.living_released_hour or 0
    if term == "completion_hour":
        return metrics.completion_hour
    if term == "stage_count":
        return metrics.stage_count
    if term == "peak_imbalance":
        return _peak_imbalance(ctx)
    if term == "priority":
        return _priority(ctx)
    raise ValueError(f"unknown objective term {term!r}")


def _check_objective(ctx: _Context) -> Iterator[Violation]:
    terms = list(ctx.sc.objective.terms)
    for term, value in ctx.plan.objective.items():
        if term not in terms:
            yield Violation(
                rule=PLAN_OBJECTIVE,
                message=f"objective term {term!r} is not one of the scenario's terms "
                f"({_names(terms)})",
            )
            continue
        want = _objective_value(ctx, term)
        if value != want:
            yield Violation(
                rule=PLAN_OBJECTIVE, message=f"objective {term} is {value}, expected {want}"
            )


STRUCTURAL_CHECKS: dict[str, Callable[[_Context], Iterable[Violation]]] = {
    PLAN_SCENARIO: _check_scenario,
    PLAN_STAGES: _check_stages,
    PLAN_HORIZON: _check_horizon,
    PLAN_PEOPLE: _check_people,
    PLAN_ROUTES: _check_routes,
    PLAN_TRANSFERS: _check_transfers,
    PLAN_WITHDRAWALS: _check_withdrawals,
    PLAN_METRICS: _check_metrics,
    PLAN_OBJECTIVE: _check_objective,
}


# --------------------------------------------------------------------------- rule checks


def check_release(ctx: _Context, r: ReleaseRule) -> Iterator[Violation]:
    if r.min_count is None:
        for c in r.cohorts:
            released, count = ctx.total(c), ctx.cohort_count(c)
            if released < count:
                yield Violation(
                    rule=r.id,
                    message=f"cohort {c} has {released} of {count} released; all are required",
                )
    else:
        released = sum(ctx.total(c) for c in r.cohorts)
        if released < r.min_count:
            yield Violation(
                rule=r.id,
                message=f"{released} people of cohorts {_names(r.cohorts)} are released, fewer "
                f"than min_count {r.min_count}",
            )


def check_exchange_ratio(ctx: _Context, r: ExchangeRatioRule) -> Iterator[Violation]:
    ahead, behind = 100 * r.max_prisoners_ahead, 100 * r.max_prisoners_behind
    given_sum = owed_sum = 0
    for pos, (given, owed, _) in enumerate(_ratio_balances(ctx, r), start=1):
        given_sum += given
        owed_sum += owed
        if r.scope == "cumulative":
            g, o, what = given_sum, owed_sum, f"stages 1 to {pos} release"
        else:
            g, o, what = given, owed, f"stage {pos} releases"
        balance = g - o
        if balance > ahead:
            excess = f"{_hundredths(balance)} ahead, more than the {r.max_prisoners_ahead} allowed"
        elif balance < -behind:
            excess = (
                f"{_hundredths(-balance)} behind, more than the {r.max_prisoners_behind} allowed"
            )
        else:
            continue
        yield Violation(
            rule=r.id,
            stage=pos,
            message=f"{what} {_hundredths(g)} prisoners of {_names(r.prisoners)} against "
            f"{_hundredths(o)} owed for their hostages: {excess}",
        )


def _starts_before_line(
    ctx: _Context, rule_id: str, line: str, sites: list[str] | None = None
) -> Iterator[Violation]:
    """Stages (at ``sites``, if given) that start before the move to ``line`` completes."""
    w = ctx.lines.get(line)
    if w is None:
        yield _missing_line(rule_id, line)
        return
    for pos, st in ctx.numbered():
        if (sites is None or st.site in sites) and st.start_hour < w.complete_hour:
            at = f" at site {st.site}" if sites is not None else ""
            yield Violation(
                rule=rule_id,
                stage=pos,
                message=f"stage {pos} starts{at} at hour {st.start_hour}, before line {line} "
                f"completes at hour {w.complete_hour}",
            )


def check_line_before_handover(ctx: _Context, r: LineBeforeHandoverRule) -> Iterator[Violation]:
    yield from _starts_before_line(ctx, r.id, r.line)


def check_line_after_release(ctx: _Context, r: LineAfterReleaseRule) -> Iterator[Violation]:
    w = ctx.lines.get(r.line)
    if w is None:
        yield _missing_line(r.id, r.line)
        return
    need = r.min_count
    if need is None:
        need = sum(ctx.cohort_count(c) for c in r.cohorts)
    done = sum(n for _, _, n, hour in ctx.releases(r.cohorts) if hour <= w.start_hour)
    if done < need:
        yield Violation(
            rule=r.id,
            message=f"the move to line {r.line} starts at hour {w.start_hour}, when {done} "
            f"people of cohorts {_names(r.cohorts)} are released, fewer than the {need} required",
        )


def check_line_window(ctx: _Context, r: LineWindowRule) -> Iterator[Violation]:
    w = ctx.lines.get(r.line)
    if w is None:
        yield _missing_line(r.id, r.line)
        return
    if w.start_hour < r.earliest_start:
        yield Violation(
            rule=r.id,
            message=f"the move to line {r.line} starts at hour {w.start_hour}, before the "
            f"earliest start {r.earliest_start}",
        )
    if r.latest_start is not None and w.start_hour > r.latest_start:
        yield Violation(
            rule=r.id,
            message=f"the move to line {r.line} starts at hour {w.start_hour}, after the "
            f"latest start {r.latest_start}",
        )
    if r.latest_complete is not None and w.complete_hour > r.latest_complete:
        yield Violation(
            rule=r.id,
            message=f"the move to line {r.line} completes at hour {w.complete_hour}, after the "
            f"latest completion {r.latest_complete}",
        )


def check_deadline(ctx: _Context, r: DeadlineRule) -> Iterator[Violation]:
    due, anchor = r.within_hours, "t=0"
    if r.after_line is not None:
        w = ctx.lines.get(r.after_line)
        if w is None:
            yield _missing_line(r.id, r.after_line)
            return
        due = w.complete_hour + r.within_hours
        anchor = f"line {r.after_line} complete at hour {w.complete_hour}"
    for c in r.cohorts:
        released, count = ctx.total(c), ctx.cohort_count(c)
        if released < count:
            yield Violation(
                rule=r.id,
                message=f"cohort {c} has {released} of {count} released; all are due by hour {due}",
            )
    for pos, c, n, hour in ctx.releases(r.cohorts):
        if hour > due:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} releases {n} of cohort {c} at hour {hour}, after the "
                f"deadline hour {due} ({anchor} + {r.within_hours} hours)",
            )


def check_earliest_start(ctx: _Context, r: EarliestStartRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        if st.start_hour < r.hour:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} starts at hour {st.start_hour}, before hour {r.hour}",
            )


def check_stage_gap(ctx: _Context, r: StageGapRule) -> Iterator[Violation]:
    stages = ctx.stages
    for pos in range(2, len(stages) + 1):
        gap = stages[pos - 1].start_hour - stages[pos - 2].start_hour
        if gap < r.min_hours:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} starts {gap} hours after stage {pos - 1}, fewer than the "
                f"minimum {r.min_hours}",
            )
        if r.max_hours is not None and gap > r.max_hours:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} starts {gap} hours after stage {pos - 1}, more than the "
                f"maximum {r.max_hours}",
            )


def check_handover_hours(ctx: _Context, r: HandoverHoursRule) -> Iterator[Violation]:
    offset = ctx.sc.clock_offset
    windows = ", ".join(f"[{lo}, {hi})" for lo, hi in r.windows)
    for pos, st in ctx.numbered():
        clock = (offset + st.start_hour) % 24
        duration = st.handover_complete_hour - st.start_hour
        if not any(lo <= clock and clock + duration <= hi for lo, hi in r.windows):
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"the handover runs from clock hour {clock} for {duration} hours, "
                f"outside every window {windows}",
            )


def check_stage_capacity(ctx: _Context, r: StageCapacityRule) -> Iterator[Violation]:
    own = ctx.hostage_cohorts if r.side == "hostages" else ctx.prisoner_cohorts
    cohorts = r.cohorts if r.cohorts is not None else list(own)
    limit = r.limit
    why = f"{r.vehicles} vehicles x {r.seats} seats" if r.max_per_stage is None else "max_per_stage"
    for pos, st in ctx.numbered():
        side = st.hostages if r.side == "hostages" else st.prisoners
        people = sum(side.get(c, 0) for c in cohorts)
        if people > limit:
            scope = f" of cohorts {_names(cohorts)}" if r.cohorts is not None else ""
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} releases {people} {r.side}{scope}, more than {limit} ({why})",
            )


def check_prison_processing(ctx: _Context, r: PrisonProcessingRule) -> Iterator[Violation]:
    cohorts = [c.id for c in ctx.sc.prisoner_cohorts if c.prison == r.prison]
    days: dict[int, list[tuple[int, int]]] = {}  # day -> [(stage, people)]
    for pos, st in ctx.numbered():
        people = sum(st.prisoners.get(c, 0) for c in cohorts)
        if people > 0:
            days.setdefault(ctx.prisoner_hour(st) // 24, []).append((pos, people))
    for day in sorted(days):
        loads = days[day]
        total = sum(n for _, n in loads)
        if total > r.per_day:
            stages = [pos for pos, _ in loads]
            which = f"stage{'s' if len(stages) > 1 else ''} {_names(map(str, stages))}"
            yield Violation(
                rule=r.id,
                stage=stages[0] if len(stages) == 1 else None,
                message=f"day {day} (hours {24 * day} to {24 * day + 23}) releases {total} "
                f"prisoners held in {r.prison} ({which}), more than {r.per_day} per day",
            )


def check_order(ctx: _Context, r: OrderRule) -> Iterator[Violation]:
    then = ctx.releases(r.then)
    if not then:
        return
    for c in r.first:
        released, count = ctx.total(c), ctx.cohort_count(c)
        if released < count:
            yield Violation(
                rule=r.id,
                message=f"cohort {c} has {released} of {count} released, but cohort {then[0][1]} "
                f"is released (stage {then[0][0]}); all of {c} must be released first",
            )
    first = ctx.releases(r.first)
    if not first:
        return
    last_first = max(first, key=lambda rel: (rel[3], rel[0]))
    if r.mode == "all_before_any":
        target = min(then, key=lambda rel: (rel[3], rel[0]))
        which = "first"
    else:
        target = max(then, key=lambda rel: (rel[3], -rel[0]))
        which = "last"
    need = last_first[3] + r.min_gap_hours
    if target[3] < need:
        yield Violation(
            rule=r.id,
            stage=target[0],
            message=f"the {which} release of {_names(r.then)} is at hour {target[3]} (cohort "
            f"{target[1]}), earlier than hour {need}: the last release of {_names(r.first)} "
            f"at hour {last_first[3]} (stage {last_first[0]}) + min_gap_hours {r.min_gap_hours}",
        )


def check_availability(ctx: _Context, r: AvailabilityRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        for c in r.cohorts:
            if ctx.count(st, c) <= 0:
                continue
            if ctx.is_hostage(c):
                hour, what = st.start_hour, "starts"
            else:
                hour, what = ctx.prisoner_hour(st), "releases its prisoners"
            if hour < r.from_hour:
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"stage {pos} releases cohort {c} and {what} at hour {hour}, before "
                    f"the cohort is available at hour {r.from_hour}",
                )


def check_pairing(ctx: _Context, r: PairingRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        if not any(n > 0 for n in st.prisoners.values()):
            continue
        prh, hc = ctx.prisoner_hour(st), st.handover_complete_hour
        lo, hi = hc + r.min_lag_hours, hc + r.max_lag_hours
        if not lo <= prh <= hi:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"prisoners are released at hour {prh}, outside [{lo}, {hi}] (handover "
                f"complete at hour {hc}, lag {r.min_lag_hours} to {r.max_lag_hours} hours)",
            )


def check_site_after_line(ctx: _Context, r: SiteAfterLineRule) -> Iterator[Violation]:
    yield from _starts_before_line(ctx, r.id, r.line, r.sites)


def check_site_daily_limit(ctx: _Context, r: SiteDailyLimitRule) -> Iterator[Violation]:
    sites = r.sites if r.sites is not None else ctx.sc.sites
    for site in sites:
        days: dict[int, list[int]] = {}  # day -> stage positions starting at the site
        for pos, st in ctx.numbered():
            if st.site == site:
                days.setdefault(st.start_hour // 24, []).append(pos)
        for day in sorted(days):
            stages = days[day]
            if len(stages) > r.per_day:
                yield Violation(
                    rule=r.id,
                    stage=stages[r.per_day],
                    message=f"{len(stages)} stages start at site {site} on day {day} (hours "
                    f"{24 * day} to {24 * day + 23}: stages {_names(map(str, stages))}), more "
                    f"than {r.per_day} per day",
                )


def check_hostage_fleet(ctx: _Context, r: HostageFleetRule) -> Iterator[Violation]:
    # (position, vehicles needed, occupied from, occupied until (exclusive))
    busy = []
    for pos, st in ctx.numbered():
        need = _ceil_div(ctx.hostages_of(st), r.seats)
        if need <= 0:
            continue
        until = st.handover_complete_hour + r.turnaround_hours
        busy.append((pos, need, st.start_hour, until))
        if need > r.vehicles:
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} needs {need} vehicles (ceil({ctx.hostages_of(st)} hostages "
                f"/ {r.seats} seats)), more than the fleet of {r.vehicles}",
            )
    for hour in sorted({since for _, _, since, until in busy if since < until}):
        using = [(pos, need) for pos, need, since, until in busy if since <= hour < until]
        total = sum(need for _, need in using)
        if total > r.vehicles and len(using) > 1:
            starting = [pos for pos, _, since, until in busy if since == hour and since < until]
            yield Violation(
                rule=r.id,
                stage=starting[-1],
                message=f"at hour {hour} stages {_names(str(pos) for pos, _ in using)} use "
                f"{' + '.join(str(need) for _, need in using)} = {total} vehicles, more than "
                f"the fleet of {r.vehicles} (a stage holds its vehicles from its start until "
                f"{r.turnaround_hours} hours after its handover completes)",
            )


def check_buses(ctx: _Context, r: BusesRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        used = []
        for tr in st.transfers:
            if r.destinations is not None and tr.destination not in r.destinations:
                continue
            if r.destinations is None and ctx.place_kind.get(tr.destination) != "destination":
                continue
            total = ctx.transfer_total(tr)
            if total > 0:
                used.append((tr.destination, _ceil_div(total, r.seats)))
        total_buses = sum(n for _, n in used)
        if total_buses > r.buses:
            parts = ", ".join(f"{n} to {d}" for d, n in used)
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"stage {pos} needs {total_buses} buses ({parts}; {r.seats} seats "
                f"each), more than {r.buses}",
            )


def check_destination_quota(ctx: _Context, r: DestinationQuotaRule) -> Iterator[Violation]:
    moved = 0
    for st in ctx.stages:
        for tr in st.transfers:
            if tr.destination in r.destinations:
                moved += sum(max(tr.prisoners.get(c, 0), 0) for c in r.cohorts)
    what = f"{moved} prisoners of {_names(r.cohorts)} go to {_names(r.destinations)}"
    if r.min_count is not None and moved < r.min_count:
        yield Violation(rule=r.id, message=f"{what}, fewer than min_count {r.min_count}")
    if r.max_count is not None and moved > r.max_count:
        yield Violation(rule=r.id, message=f"{what}, more than max_count {r.max_count}")


def check_veto(ctx: _Context, r: VetoRule) -> Iterator[Violation]:
    for person in r.people:
        for pos, st, hostage in ctx.where.get(person, []):
            yield Violation(
                rule=r.id,
                stage=pos,
                message=f"{person} is released in stage {pos} at hour "
                f"{ctx.person_hour(st, hostage)}, but is vetoed",
            )


def check_abroad(ctx: _Context, r: AbroadRule) -> Iterator[Violation]:
    for person in r.people:
        for pos, st, _ in ctx.where.get(person, []):
            dests = [tr.destination for tr in st.transfers if person in tr.prisoner_ids]
            if not dests:
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"{person} is released in stage {pos} but in no transfer; they must "
                    "go to a destination marked abroad",
                )
            elif not any(ctx.is_abroad(d) for d in dests):
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"{person} goes to {_names(dests)} in stage {pos}, not to a "
                    "destination marked abroad",
                )


def check_person_not_before(ctx: _Context, r: PersonNotBeforeRule) -> Iterator[Violation]:
    for person in r.people:
        for pos, st, hostage in ctx.where.get(person, []):
            hour = ctx.person_hour(st, hostage)
            if hour < r.hour:
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"{person} is released in stage {pos} at hour {hour}, before hour "
                    f"{r.hour}",
                )


def check_located_from(ctx: _Context, r: LocatedFromRule) -> Iterator[Violation]:
    for person in r.people:
        for pos, st, _ in ctx.where.get(person, []):
            if st.start_hour < r.hour:
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"{person} is handed over in stage {pos}, which starts at hour "
                    f"{st.start_hour}, before they can be located at hour {r.hour}",
                )


def check_fixed_stage(ctx: _Context, r: FixedStageRule) -> Iterator[Violation]:
    for person in r.people:
        listed = ctx.where.get(person, [])
        if not listed:
            yield Violation(
                rule=r.id,
                message=f"{person} is not released; they must be released in stage {r.stage}",
            )
        for pos, st, _ in listed:
            if st.index != r.stage:
                yield Violation(
                    rule=r.id,
                    stage=pos,
                    message=f"{person} is released in stage {st.index}, not in stage {r.stage}",
                )


CHECKERS: dict[str, Callable[[_Context, Any], Iterable[Violation]]] = {
    "release": check_release,
    "exchange_ratio": check_exchange_ratio,
    "line_before_handover": check_line_before_handover,
    "line_after_release": check_line_after_release,
    "line_window": check_line_window,
    "deadline": check_deadline,
    "earliest_start": check_earliest_start,
    "stage_gap": check_stage_gap,
    "handover_hours": check_handover_hours,
    "stage_capacity": check_stage_capacity,
    "prison_processing": check_prison_processing,
    "order": check_order,
    "availability": check_availability,
    "pairing": check_pairing,
    "site_after_line": check_site_after_line,
    "site_daily_limit": check_site_daily_limit,
    "hostage_fleet": check_hostage_fleet,
    "buses": check_buses,
    "destination_quota": check_destination_quota,
    "veto": check_veto,
    "abroad": check_abroad,
    "person_not_before": check_person_not_before,
    "located_from": check_located_from,
    "fixed_stage": check_fixed_stage,
}


# --------------------------------------------------------------------------- entry point


def _run(rule_id: str, check: Callable[..., Iterable[Violation]], *args: Any) -> list[Violation]:
    """Run one check; a crash on a malformed plan becomes a violation, never an exception."""
    try:
        return list(check(*args))
    except Exception as exc:  # a verifier reports; it does not crash
        return [
            Violation(
                rule=rule_id,
                message=f"could not be checked ({type(exc).__name__}: {exc})",
            )
        ]


def verify(scenario: Scenario, plan: Plan) -> VerifyReport:
    """Re-check every structural property and every rule of ``scenario`` against ``plan``."""
    ctx = _Context.build(scenario, plan)
    violations: list[Violation] = []
    for rule_id, structural in STRUCTURAL_CHECKS.items():
        violations += _run(rule_id, structural, ctx)
    for rule in scenario.rules:
        checker = CHECKERS.get(rule.kind)
        if checker is None:
            violations.append(Violation(rule=rule.id, message=f"unknown rule kind {rule.kind!r}"))
            continue
        violations += _run(rule.id, checker, ctx, rule)
    return VerifyReport(scenario=scenario.name, violations=violations)


__all__ = ["CHECKERS", "STRUCTURAL_CHECKS", "VerifyReport", "Violation", "verify"]
