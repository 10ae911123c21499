"""One checker per rule kind, registered per rule class in :data:`CHECKERS`, and the few
kind-specific lookups the structural checks need (the ``hostage_fleet`` and ``buses`` rules that
fix ``vehicles`` and ``buses``, whether a ``pairing`` rule exists, the ``exchange_ratio`` peak
imbalance). This is the only verifier module that names a rule class."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import BaseModel

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
    LocatedFromRule,
    OrderRule,
    PairingRule,
    PersonNotBeforeRule,
    PrisonProcessingRule,
    ReleaseRule,
    Scenario,
    SiteDailyLimitRule,
    StageCapacityRule,
    StageGapRule,
    VetoRule,
)
from planner.verifier.context import Checker, Context, Violation, ceil_div, hundredths, names

CHECKERS: dict[type[BaseModel], Checker] = {}  # rule class -> its checker


def checks(cls: type[BaseModel]) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of rule class ``cls``."""

    def register(fn: Checker) -> Checker:
        if cls in CHECKERS:
            raise ValueError(f"{cls.__name__} already has a checker")
        CHECKERS[cls] = fn
        return fn

    return register


# --------------------------------------------------------------------------- kind-specific lookups


def prisoners_may_precede_start(sc: Scenario) -> bool:
    """Whether prisoners may be released before their stage starts (only with a pairing rule)."""
    return any(isinstance(r, PairingRule) for r in sc.rules)


def fleet_rule(sc: Scenario) -> HostageFleetRule | None:
    """The hostage_fleet rule that fixes each stage's ``vehicles``, if any."""
    return next((r for r in sc.rules if isinstance(r, HostageFleetRule)), None)


def covering_buses(sc: Scenario, destination: str) -> BusesRule | None:
    """The first buses rule covering transfers to ``destination``, if any."""
    for r in sc.rules:
        if isinstance(r, BusesRule) and (r.destinations is None or destination in r.destinations):
            return r
    return None


def peak_imbalance(ctx: Context) -> int:
    """The ``peak_imbalance`` objective term: the largest running imbalance of any
    exchange_ratio rule, rounded up to whole prisoners."""
    peak = 0  # in hundredths
    for r in ctx.sc.rules:
        if isinstance(r, ExchangeRatioRule):
            running = 0
            for _, _, balance in ctx.ratio_balances(r.per_hostage, r.prisoners):
                running += balance
                peak = max(peak, abs(running))
    return -(-peak // 100)  # rounded up to whole prisoners


# --------------------------------------------------------------------------- rule checks


@checks(ReleaseRule)
def check_release(ctx: Context, r: ReleaseRule) -> Iterator[Violation]:
    if r.min_count is None:
        for c, released, count in ctx.shortfalls(r.cohorts):
            message = f"cohort {c} has {released} of {count} released; all are required"
            yield Violation(rule=r.id, message=message)
    else:
        released = sum(ctx.total(c) for c in r.cohorts)
        if released < r.min_count:
            message = (
                f"{released} people of cohorts {names(r.cohorts)} are released, fewer "
                f"than min_count {r.min_count}"
            )
            yield Violation(rule=r.id, message=message)


@checks(ExchangeRatioRule)
def check_exchange_ratio(ctx: Context, r: ExchangeRatioRule) -> Iterator[Violation]:
    ahead, behind = 100 * r.max_prisoners_ahead, 100 * r.max_prisoners_behind
    given_sum = owed_sum = 0
    balances = ctx.ratio_balances(r.per_hostage, r.prisoners)
    for pos, (given, owed, _) in enumerate(balances, start=1):
        given_sum += given
        owed_sum += owed
        if r.scope == "cumulative":
            g, o, what = given_sum, owed_sum, f"stages 1 to {pos} release"
        else:
            g, o, what = given, owed, f"stage {pos} releases"
        balance = g - o
        if balance > ahead:
            excess = f"{hundredths(balance)} ahead, more than the {r.max_prisoners_ahead} allowed"
        elif balance < -behind:
            excess = (
                f"{hundredths(-balance)} behind, more than the {r.max_prisoners_behind} allowed"
            )
        else:
            continue
        message = (
            f"{what} {hundredths(g)} prisoners of {names(r.prisoners)} against "
            f"{hundredths(o)} owed for their hostages: {excess}"
        )
        yield Violation(rule=r.id, stage=pos, message=message)


@checks(DeadlineRule)
def check_deadline(ctx: Context, r: DeadlineRule) -> Iterator[Violation]:
    due: int | None = r.within_hours
    anchor = "t=0"
    if r.after_line is not None:
        w = ctx.lines.get(r.after_line)
        if w is None and not ctx.conditional(r.after_line):
            yield ctx.missing_line(r.id, r.after_line)
            return
        due = w.complete_hour + r.within_hours if w is not None else None  # never: no hour
        anchor = f"line {r.after_line} complete at hour {w.complete_hour}" if w else ""
    for c, released, count in ctx.shortfalls(r.cohorts):
        by = f"; all are due by hour {due}" if due is not None else "; all are required"
        message = f"cohort {c} has {released} of {count} released{by}"
        yield Violation(rule=r.id, message=message)
    if due is None:
        return
    for pos, c, n, hour in ctx.releases(r.cohorts):
        if hour > due:
            message = (
                f"stage {pos} releases {n} of cohort {c} at hour {hour}, after the "
                f"deadline hour {due} ({anchor} + {r.within_hours} hours)"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(EarliestStartRule)
def check_earliest_start(ctx: Context, r: EarliestStartRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        if st.start_hour < r.hour:
            message = f"stage {pos} starts at hour {st.start_hour}, before hour {r.hour}"
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(StageGapRule)
def check_stage_gap(ctx: Context, r: StageGapRule) -> Iterator[Violation]:
    stages = ctx.stages
    for pos in range(2, len(stages) + 1):
        gap = stages[pos - 1].start_hour - stages[pos - 2].start_hour
        if gap < r.min_hours:
            message = (
                f"stage {pos} starts {gap} hours after stage {pos - 1}, fewer than the "
                f"minimum {r.min_hours}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)
        if r.max_hours is not None and gap > r.max_hours:
            message = (
                f"stage {pos} starts {gap} hours after stage {pos - 1}, more than the "
                f"maximum {r.max_hours}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(HandoverHoursRule)
def check_handover_hours(ctx: Context, r: HandoverHoursRule) -> Iterator[Violation]:
    offset = ctx.sc.clock_offset
    windows = ", ".join(f"[{lo}, {hi})" for lo, hi in r.windows)
    for pos, st in ctx.numbered():
        clock = (offset + st.start_hour) % 24
        duration = st.handover_complete_hour - st.start_hour
        if not any(lo <= clock and clock + duration <= hi for lo, hi in r.windows):
            message = (
                f"the handover runs from clock hour {clock} for {duration} hours, "
                f"outside every window {windows}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(StageCapacityRule)
def check_stage_capacity(ctx: Context, r: StageCapacityRule) -> Iterator[Violation]:
    own = ctx.hostage_cohorts if r.side == "hostages" else ctx.prisoner_cohorts
    cohorts = r.cohorts if r.cohorts is not None else list(own)
    limit = r.limit
    why = f"{r.vehicles} vehicles x {r.seats} seats" if r.max_per_stage is None else "max_per_stage"
    for pos, st in ctx.numbered():
        side = st.hostages if r.side == "hostages" else st.prisoners
        people = sum(side.get(c, 0) for c in cohorts)
        if people > limit:
            scope = f" of cohorts {names(cohorts)}" if r.cohorts is not None else ""
            message = f"stage {pos} releases {people} {r.side}{scope}, more than {limit} ({why})"
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(PrisonProcessingRule)
def check_prison_processing(ctx: Context, r: PrisonProcessingRule) -> Iterator[Violation]:
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
            which = f"stage{'s' if len(stages) > 1 else ''} {names(map(str, stages))}"
            message = (
                f"day {day} (hours {24 * day} to {24 * day + 23}) releases {total} "
                f"prisoners held in {r.prison} ({which}), more than {r.per_day} per day"
            )
            only = stages[0] if len(stages) == 1 else None
            yield Violation(rule=r.id, stage=only, message=message)


@checks(OrderRule)
def check_order(ctx: Context, r: OrderRule) -> Iterator[Violation]:
    then = ctx.releases(r.then)
    if not then:
        return
    for c, released, count in ctx.shortfalls(r.first):
        message = (
            f"cohort {c} has {released} of {count} released, but cohort {then[0][1]} "
            f"is released (stage {then[0][0]}); all of {c} must be released first"
        )
        yield Violation(rule=r.id, message=message)
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
        message = (
            f"the {which} release of {names(r.then)} is at hour {target[3]} (cohort "
            f"{target[1]}), earlier than hour {need}: the last release of {names(r.first)} "
            f"at hour {last_first[3]} (stage {last_first[0]}) + min_gap_hours {r.min_gap_hours}"
        )
        yield Violation(rule=r.id, stage=target[0], message=message)


@checks(AvailabilityRule)
def check_availability(ctx: Context, r: AvailabilityRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        for c in r.cohorts:
            if ctx.count(st, c) <= 0:
                continue
            if ctx.is_hostage(c):
                hour, what = st.start_hour, "starts"
            else:
                hour, what = ctx.prisoner_hour(st), "releases its prisoners"
            if hour < r.from_hour:
                message = (
                    f"stage {pos} releases cohort {c} and {what} at hour {hour}, before "
                    f"the cohort is available at hour {r.from_hour}"
                )
                yield Violation(rule=r.id, stage=pos, message=message)


@checks(PairingRule)
def check_pairing(ctx: Context, r: PairingRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        if not any(n > 0 for n in st.prisoners.values()):
            continue
        prh, hc = ctx.prisoner_hour(st), st.handover_complete_hour
        lo, hi = hc + r.min_lag_hours, hc + r.max_lag_hours
        if not lo <= prh <= hi:
            message = (
                f"prisoners are released at hour {prh}, outside [{lo}, {hi}] (handover "
                f"complete at hour {hc}, lag {r.min_lag_hours} to {r.max_lag_hours} hours)"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(SiteDailyLimitRule)
def check_site_daily_limit(ctx: Context, r: SiteDailyLimitRule) -> Iterator[Violation]:
    sites = r.sites if r.sites is not None else ctx.sc.sites
    for site in sites:
        days: dict[int, list[int]] = {}  # day -> stage positions starting at the site
        for pos, st in ctx.numbered():
            if st.site == site:
                days.setdefault(st.start_hour // 24, []).append(pos)
        for day in sorted(days):
            stages = days[day]
            if len(stages) > r.per_day:
                message = (
                    f"{len(stages)} stages start at site {site} on day {day} (hours "
                    f"{24 * day} to {24 * day + 23}: stages {names(map(str, stages))}), more "
                    f"than {r.per_day} per day"
                )
                yield Violation(rule=r.id, stage=stages[r.per_day], message=message)


@checks(HostageFleetRule)
def check_hostage_fleet(ctx: Context, r: HostageFleetRule) -> Iterator[Violation]:
    # (position, vehicles needed, occupied from, occupied until (exclusive))
    busy = []
    for pos, st in ctx.numbered():
        need = ceil_div(ctx.hostages_of(st), r.seats)
        if need <= 0:
            continue
        until = st.handover_complete_hour + r.turnaround_hours
        busy.append((pos, need, st.start_hour, until))
        if need > r.vehicles:
            message = (
                f"stage {pos} needs {need} vehicles (ceil({ctx.hostages_of(st)} hostages "
                f"/ {r.seats} seats)), more than the fleet of {r.vehicles}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)
    for hour in sorted({since for _, _, since, until in busy if since < until}):
        using = [(pos, need) for pos, need, since, until in busy if since <= hour < until]
        total = sum(need for _, need in using)
        if total > r.vehicles and len(using) > 1:
            starting = [pos for pos, _, since, until in busy if since == hour and since < until]
            message = (
                f"at hour {hour} stages {names(str(pos) for pos, _ in using)} use "
                f"{' + '.join(str(need) for _, need in using)} = {total} vehicles, more than "
                f"the fleet of {r.vehicles} (a stage holds its vehicles from its start until "
                f"{r.turnaround_hours} hours after its handover completes)"
            )
            yield Violation(rule=r.id, stage=starting[-1], message=message)


@checks(BusesRule)
def check_buses(ctx: Context, r: BusesRule) -> Iterator[Violation]:
    for pos, st in ctx.numbered():
        used = []
        for tr in st.transfers:
            if r.destinations is not None and tr.destination not in r.destinations:
                continue
            if r.destinations is None and ctx.place_kind.get(tr.destination) != "destination":
                continue
            total = ctx.transfer_total(tr)
            if total > 0:
                used.append((tr.destination, ceil_div(total, r.seats)))
        total_buses = sum(n for _, n in used)
        if total_buses > r.buses:
            parts = ", ".join(f"{n} to {d}" for d, n in used)
            message = (
                f"stage {pos} needs {total_buses} buses ({parts}; {r.seats} seats "
                f"each), more than {r.buses}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(DestinationQuotaRule)
def check_destination_quota(ctx: Context, r: DestinationQuotaRule) -> Iterator[Violation]:
    moved = 0
    for st in ctx.stages:
        for tr in st.transfers:
            if tr.destination in r.destinations:
                moved += sum(max(tr.prisoners.get(c, 0), 0) for c in r.cohorts)
    what = f"{moved} prisoners of {names(r.cohorts)} go to {names(r.destinations)}"
    if r.min_count is not None and moved < r.min_count:
        yield Violation(rule=r.id, message=f"{what}, fewer than min_count {r.min_count}")
    if r.max_count is not None and moved > r.max_count:
        yield Violation(rule=r.id, message=f"{what}, more than max_count {r.max_count}")


@checks(VetoRule)
def check_veto(ctx: Context, r: VetoRule) -> Iterator[Violation]:
    for person, pos, st, hostage in ctx.listings(r.people):
        hour = ctx.person_hour(st, hostage)
        message = f"{person} is released in stage {pos} at hour {hour}, but is vetoed"
        yield Violation(rule=r.id, stage=pos, message=message)


@checks(AbroadRule)
def check_abroad(ctx: Context, r: AbroadRule) -> Iterator[Violation]:
    for person, pos, st, _ in ctx.listings(r.people):
        dests = [tr.destination for tr in st.transfers if person in tr.prisoner_ids]
        if not dests:
            message = (
                f"{person} is released in stage {pos} but in no transfer; they must "
                "go to a destination marked abroad"
            )
            yield Violation(rule=r.id, stage=pos, message=message)
        elif not any(ctx.is_abroad(d) for d in dests):
            message = (
                f"{person} goes to {names(dests)} in stage {pos}, not to a "
                "destination marked abroad"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(PersonNotBeforeRule)
def check_person_not_before(ctx: Context, r: PersonNotBeforeRule) -> Iterator[Violation]:
    for person, pos, st, hostage in ctx.listings(r.people):
        hour = ctx.person_hour(st, hostage)
        if hour < r.hour:
            message = f"{person} is released in stage {pos} at hour {hour}, before hour {r.hour}"
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(LocatedFromRule)
def check_located_from(ctx: Context, r: LocatedFromRule) -> Iterator[Violation]:
    for person, pos, st, _ in ctx.listings(r.people):
        if st.start_hour < r.hour:
            message = (
                f"{person} is handed over in stage {pos}, which starts at hour "
                f"{st.start_hour}, before they can be located at hour {r.hour}"
            )
            yield Violation(rule=r.id, stage=pos, message=message)


@checks(FixedStageRule)
def check_fixed_stage(ctx: Context, r: FixedStageRule) -> Iterator[Violation]:
    for person in r.people:
        listed = ctx.where.get(person, [])
        if not listed:
            message = f"{person} is not released; they must be released in stage {r.stage}"
            yield Violation(rule=r.id, message=message)
        for pos, st, _ in listed:
            if st.index != r.stage:
                message = f"{person} is released in stage {st.index}, not in stage {r.stage}"
                yield Violation(rule=r.id, stage=pos, message=message)
