"""One builder per rule kind. Each receives the rule and its enforcement literal (named after the
rule id), so a rule can be assumed, relaxed and blamed as a whole.

Semantics: docs/rules.md. The verifier re-checks the same rules without this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.model.variables import IntVar, LinExpr, Variables
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
    RuleBase,
    SiteAfterLineRule,
    SiteDailyLimitRule,
    StageCapacityRule,
    StageGapRule,
    VetoRule,
)

Builder = Callable[[Variables, Any, IntVar], None]
Absent = Callable[[Variables, list[IntVar]], None]

BUILDERS: dict[type[RuleBase], Builder] = {}
# What holds when no rule of a class is in force (a default of the format). It receives the
# literals of the class's rules and holds when all of them are false, so a rule switched off
# (a conflict or fix trial) means exactly the same as the rule deleted from the file.
WHEN_ABSENT: dict[type[RuleBase], Absent] = {}


def builds(cls: type[RuleBase]) -> Callable[[Builder], Builder]:
    """Register the model builder of one rule class."""

    def register(fn: Builder) -> Builder:
        BUILDERS[cls] = fn
        return fn

    return register


def _sides(v: Variables, cohorts: list[str]) -> tuple[list[str], list[str]]:
    hostages = [c for c in cohorts if v.sc.is_hostage(c)]
    return hostages, [c for c in cohorts if c not in hostages]


def _all_released(v: Variables, cohorts: list[str], lit: IntVar | list[IntVar]) -> None:
    lits = lit if isinstance(lit, list) else [lit]
    for c in cohorts:
        v.model.add(sum(v.count[s, c] for s in range(v.S)) == v.sc.cohort_count(c)).only_enforce_if(
            lits
        )


def _any_used(v: Variables, cohorts: list[str], name: str) -> IntVar:
    m = v.model
    flag = m.new_bool_var(name)
    uses = [v.used[s, c] for s in range(v.S) for c in cohorts]
    for u in uses:
        m.add_implication(u, flag)
    m.add_bool_or(uses).only_enforce_if(flag)
    return flag


@builds(ReleaseRule)
def release(v: Variables, r: ReleaseRule, lit: IntVar) -> None:
    if r.min_count is None:
        _all_released(v, r.cohorts, lit)
    else:
        total = sum(v.count[s, c] for s in range(v.S) for c in r.cohorts)
        v.model.add(total >= r.min_count).only_enforce_if(lit)


def ratio_balance(v: Variables, r: ExchangeRatioRule, s: int) -> LinExpr:
    """100 x (prisoners released - prisoners owed) in stage s (exact in hundredths)."""
    given = 100 * v.stage_total(s, r.prisoners)
    owed = sum(round(rate * 100) * v.count[s, h] for h, rate in r.per_hostage.items())
    return given - owed


def _balance_bound(v: Variables, r: ExchangeRatioRule) -> int:
    """A bound on the size of any running balance of the rule, in whole prisoners."""
    prisoners = sum(v.sc.cohort_count(c) for c in r.prisoners)
    owed = sum(int(rate + 1) * v.sc.cohort_count(h) for h, rate in r.per_hostage.items())
    return prisoners + owed


def running_balances(v: Variables, r: ExchangeRatioRule) -> list[IntVar]:
    """100 x the rule's running balance at the end of each slot, one variable per slot (each
    the one before plus the slot's own balance): linear in slots, where writing out each
    running sum in full would be quadratic. Made once per rule."""
    key = f"{r.id}.running"
    if key not in v.running:
        m, bound = v.model, 100 * _balance_bound(v, r)
        out: list[IntVar] = []
        for s in range(v.S):
            x = m.new_int_var(-bound, bound, f"{r.id}.stage{s}.running")
            m.add(x == (out[-1] if out else 0) + ratio_balance(v, r, s))
            out.append(x)
        v.running[key] = out
    return v.running[key]


@builds(ExchangeRatioRule)
def exchange_ratio(v: Variables, r: ExchangeRatioRule, lit: IntVar) -> None:
    cumulative = running_balances(v, r) if r.scope == "cumulative" else None
    for s in range(v.S):
        expr = cumulative[s] if cumulative is not None else ratio_balance(v, r, s)
        v.model.add(expr <= 100 * r.max_prisoners_ahead).only_enforce_if(lit)
        v.model.add(expr >= -100 * r.max_prisoners_behind).only_enforce_if(lit)


def peak_imbalance(v: Variables) -> LinExpr:
    """Objective term: the largest imbalance of any exchange ratio's running totals at the end
    of any stage, in whole prisoners (rounded up)."""
    rules = [r for r in v.sc.rules if isinstance(r, ExchangeRatioRule)]
    bound = sum(c.count for c in v.sc.prisoner_cohorts) + sum(
        int(rate + 1) * v.sc.cohort_count(h) for r in rules for h, rate in r.per_hostage.items()
    )
    peak = v.model.new_int_var(0, bound, "objective.peak_imbalance")
    for r in rules:
        for running in running_balances(v, r):
            v.model.add(100 * peak >= running)
            v.model.add(100 * peak >= -running)
    return peak


@builds(LineBeforeHandoverRule)
def line_before_handover(v: Variables, r: LineBeforeHandoverRule, lit: IntVar) -> None:
    done = v.line_complete(r.line)
    for s in range(v.S):
        v.model.add(v.start[s] >= done).only_enforce_if([lit, v.active[s]])


@builds(LineAfterReleaseRule)
def line_after_release(v: Variables, r: LineAfterReleaseRule, lit: IntVar) -> None:
    m = v.model
    ws = v.line_start[r.line]
    if r.min_count is None:  # everyone: all released, each stage releasing them before the move
        _all_released(v, r.cohorts, lit)
        for s in range(v.S):
            for c in r.cohorts:
                m.add(v.release_hour(s, c) <= ws).only_enforce_if([lit, v.used[s, c]])
        return
    need = r.min_count
    counted: list[IntVar] = []
    for side in _sides(v, r.cohorts):
        if not side:
            continue
        cap = sum(v.sc.cohort_count(c) for c in side)
        for s in range(v.S):
            before = m.new_bool_var(f"{r.id}.stage{s}.before")
            m.add(v.release_hour(s, side[0]) <= ws).only_enforce_if(before)
            z = m.new_int_var(0, cap, f"{r.id}.stage{s}.counted")
            m.add(z <= v.stage_total(s, side))
            m.add(z == 0).only_enforce_if(~before)
            counted.append(z)
    m.add(sum(counted) >= need).only_enforce_if(lit)


@builds(LineWindowRule)
def line_window(v: Variables, r: LineWindowRule, lit: IntVar) -> None:
    ws = v.line_start[r.line]
    v.model.add(ws >= r.earliest_start).only_enforce_if(lit)
    if r.latest_start is not None:
        v.model.add(ws <= r.latest_start).only_enforce_if(lit)
    if r.latest_complete is not None:
        v.model.add(v.line_complete(r.line) <= r.latest_complete).only_enforce_if(lit)


@builds(DeadlineRule)
def deadline(v: Variables, r: DeadlineRule, lit: IntVar) -> None:
    _all_released(v, r.cohorts, lit)
    due: LinExpr = r.within_hours
    if r.after_line is not None:
        due = v.line_complete(r.after_line) + r.within_hours
    for s in range(v.S):
        for c in r.cohorts:
            v.model.add(v.release_hour(s, c) <= due).only_enforce_if([lit, v.used[s, c]])


@builds(EarliestStartRule)
def earliest_start(v: Variables, r: EarliestStartRule, lit: IntVar) -> None:
    for s in range(v.S):
        v.model.add(v.start[s] >= r.hour).only_enforce_if([lit, v.active[s]])


@builds(StageGapRule)
def stage_gap(v: Variables, r: StageGapRule, lit: IntVar) -> None:
    for s in range(v.S - 1):
        gap = v.start[s + 1] - v.start[s]
        v.model.add(gap >= r.min_hours).only_enforce_if([lit, v.active[s + 1]])
        if r.max_hours is not None:
            v.model.add(gap <= r.max_hours).only_enforce_if([lit, v.active[s + 1]])


@builds(HandoverHoursRule)
def handover_hours(v: Variables, r: HandoverHoursRule, lit: IntVar) -> None:
    m = v.model
    off = v.sc.clock_offset
    for s in range(v.S):
        dur = v.handover_complete(s) - v.start[s]
        day = m.new_int_var(0, (v.H + off) // 24 + 1, f"{r.id}.stage{s}.day")
        hod = m.new_int_var(0, 23, f"{r.id}.stage{s}.clock")
        m.add(v.start[s] + off == 24 * day + hod)
        picks = []
        for k, (lo, hi) in enumerate(r.windows):
            b = m.new_bool_var(f"{r.id}.stage{s}.window{k}")
            m.add(hod >= lo).only_enforce_if(b)
            m.add(hod + dur <= hi).only_enforce_if(b)
            picks.append(b)
        m.add_bool_or(picks).only_enforce_if([lit, v.active[s]])


@builds(StageCapacityRule)
def stage_capacity(v: Variables, r: StageCapacityRule, lit: IntVar) -> None:
    side = v.sc.hostage_cohorts if r.side == "hostages" else v.sc.prisoner_cohorts
    cohorts = r.cohorts if r.cohorts is not None else [c.id for c in side]
    for s in range(v.S):
        v.model.add(v.stage_total(s, cohorts) <= r.limit).only_enforce_if(lit)


def _day(v: Variables, hour: IntVar, name: str) -> IntVar:
    """The day (24 h from t=0) of an hour variable; one variable per hour variable."""
    key = f"{name}.day"
    if key not in v.days:
        d = v.model.new_int_var(0, v.H // 24, key)
        v.model.add_division_equality(d, hour, 24)
        v.days[key] = d
    return v.days[key]


def _both(v: Variables, a: IntVar, b: IntVar, name: str) -> IntVar:
    """A literal equal to ``a and b``."""
    m = v.model
    x = m.new_bool_var(name)
    m.add_bool_and([a, b]).only_enforce_if(x)
    m.add_bool_or([~a, ~b, x])
    return x


def _per_day(
    v: Variables, days: list[IntVar], present: list[Any], demand: list[Any], cap: int, name: str
) -> None:
    """At most ``cap`` demand in any one day: one optional one-day interval per slot and a
    cumulative over them (a no-overlap when every demand is 1 and the cap is 1). Linear in the
    slots, where same-day booleans between every pair of slots would be quadratic."""
    m = v.model
    intervals = [
        m.new_optional_fixed_size_interval_var(d, 1, p, f"{name}.stage{s}")
        for s, (d, p) in enumerate(zip(days, present, strict=True))
    ]
    if cap == 1 and all(isinstance(x, int) and x == 1 for x in demand):
        m.add_no_overlap(intervals)
    else:
        m.add_cumulative(intervals, demand, cap)


@builds(PrisonProcessingRule)
def prison_processing(v: Variables, r: PrisonProcessingRule, lit: IntVar) -> None:
    cohorts = [c.id for c in v.sc.prisoner_cohorts if c.prison == r.prison]
    days = [_day(v, v.release[s], f"stage{s}.release") for s in range(v.S)]
    cap = sum(v.sc.cohort_count(c) for c in cohorts)
    loads = []
    for s in range(v.S):  # a cumulative's demand is affine: one variable per slot
        load = v.model.new_int_var(0, cap, f"{r.id}.stage{s}.load")
        v.model.add(load == v.stage_total(s, cohorts))
        loads.append(load)
    _per_day(v, days, [lit] * v.S, loads, r.per_day, r.id)


@builds(OrderRule)
def order(v: Variables, r: OrderRule, lit: IntVar) -> None:
    m = v.model
    any_then = _any_used(v, r.then, f"{r.id}.then_started")
    _all_released(v, r.first, [lit, any_then])
    last_first = m.new_int_var(0, v.H, f"{r.id}.first_last")
    for s in range(v.S):
        for c in r.first:
            m.add(last_first >= v.release_hour(s, c)).only_enforce_if(v.used[s, c])
    if r.mode == "all_before_any":
        first_then = m.new_int_var(0, v.H, f"{r.id}.then_first")
        for s in range(v.S):
            for c in r.then:
                m.add(first_then <= v.release_hour(s, c)).only_enforce_if(v.used[s, c])
        m.add(last_first + r.min_gap_hours <= first_then).only_enforce_if([lit, any_then])
    else:  # finish_no_later: some release of `then` is at or after last_first + gap
        witnesses = []
        for s in range(v.S):
            for c in r.then:
                w = m.new_bool_var(f"{r.id}.stage{s}.{c}.late")
                m.add_implication(w, v.used[s, c])
                m.add(v.release_hour(s, c) >= last_first + r.min_gap_hours).only_enforce_if(w)
                witnesses.append(w)
        m.add_bool_or(witnesses).only_enforce_if([lit, any_then])


@builds(AvailabilityRule)
def availability(v: Variables, r: AvailabilityRule, lit: IntVar) -> None:
    for s in range(v.S):
        for c in r.cohorts:
            hour = v.start[s] if v.sc.is_hostage(c) else v.release[s]
            v.model.add(hour >= r.from_hour).only_enforce_if([lit, v.used[s, c]])


@builds(PairingRule)
def pairing(v: Variables, r: PairingRule, lit: IntVar) -> None:
    for s in range(v.S):
        hc = v.handover_complete(s)
        hp = v.has_prisoners[s]
        v.model.add(v.release[s] >= hc + r.min_lag_hours).only_enforce_if([lit, hp])
        v.model.add(v.release[s] <= hc + r.max_lag_hours).only_enforce_if([lit, hp])


def prisoners_not_before_start(v: Variables, pairing: list[IntVar]) -> None:
    """Without a pairing rule in force, a stage's prisoners are released no earlier than the
    stage starts (docs/rules.md)."""
    for s in range(v.S):
        v.model.add(v.release[s] >= v.start[s]).only_enforce_if(
            [v.has_prisoners[s], *(~x for x in pairing)]
        )


WHEN_ABSENT[PairingRule] = prisoners_not_before_start


@builds(SiteAfterLineRule)
def site_after_line(v: Variables, r: SiteAfterLineRule, lit: IntVar) -> None:
    done = v.line_complete(r.line)
    for s in range(v.S):
        for k in r.sites:
            v.model.add(v.start[s] >= done).only_enforce_if([lit, v.site[s, k]])


@builds(SiteDailyLimitRule)
def site_daily_limit(v: Variables, r: SiteDailyLimitRule, lit: IntVar) -> None:
    sites = r.sites if r.sites is not None else list(v.site_hours)
    days = [_day(v, v.start[s], f"stage{s}.start") for s in range(v.S)]
    for k in sites:
        present = [_both(v, lit, v.site[s, k], f"{r.id}.{k}.stage{s}") for s in range(v.S)]
        _per_day(v, days, present, [1] * v.S, r.per_day, f"{r.id}.{k}")


@builds(HostageFleetRule)
def hostage_fleet(v: Variables, r: HostageFleetRule, lit: IntVar) -> None:
    m = v.model
    hostages = [c.id for c in v.sc.hostage_cohorts]
    intervals, demands = [], []
    for s in range(v.S):
        used = m.new_int_var(0, r.vehicles, f"{r.id}.stage{s}.vehicles")
        m.add(r.seats * used >= v.stage_total(s, hostages)).only_enforce_if(lit)
        present = m.new_bool_var(f"{r.id}.stage{s}.present")
        m.add_bool_and([lit, v.active[s]]).only_enforce_if(present)
        m.add_bool_or([~lit, ~v.active[s], present])
        size = m.new_int_var(0, v.H + r.turnaround_hours, f"{r.id}.stage{s}.busy_hours")
        m.add(size == v.handover_complete(s) - v.start[s] + r.turnaround_hours)
        end = m.new_int_var(0, 2 * v.H + r.turnaround_hours, f"{r.id}.stage{s}.free_at")
        intervals.append(
            m.new_optional_interval_var(v.start[s], size, end, present, f"{r.id}.stage{s}")
        )
        demands.append(used)
    m.add_cumulative(intervals, demands, r.vehicles)


@builds(BusesRule)
def buses(v: Variables, r: BusesRule, lit: IntVar) -> None:
    m = v.model
    covered = set(r.destinations) if r.destinations is not None else None
    routes: dict[tuple[str, str], list[str]] = {}
    for c in v.sc.prisoner_cohorts:
        for d in v.sc.allowed_destinations(c.id):
            if covered is None or d in covered:
                assert c.prison is not None
                routes.setdefault((c.prison, d), []).append(c.id)
    for s in range(v.S):
        used = []
        for (prison, d), cohorts in routes.items():
            b = m.new_int_var(0, r.buses, f"{r.id}.stage{s}.{prison}.to.{d}")
            load = sum(v.flow[s, c, d] for c in cohorts)
            m.add(r.seats * b >= load).only_enforce_if(lit)
            used.append(b)
        m.add(sum(used) <= r.buses).only_enforce_if(lit)


@builds(DestinationQuotaRule)
def destination_quota(v: Variables, r: DestinationQuotaRule, lit: IntVar) -> None:
    total = sum(
        (x for (_, c, d), x in v.flow.items() if c in r.cohorts and d in r.destinations), start=0
    )
    if r.min_count is not None:
        v.model.add(total >= r.min_count).only_enforce_if(lit)
    if r.max_count is not None:
        v.model.add(total <= r.max_count).only_enforce_if(lit)


@builds(VetoRule)
def veto(v: Variables, r: VetoRule, lit: IntVar) -> None:
    for g in v.rule_groups.get(r.id, []):
        v.model.add(v.group_released(g) == 0).only_enforce_if(lit)


@builds(AbroadRule)
def abroad(v: Variables, r: AbroadRule, lit: IntVar) -> None:
    for _, _, d, x, _ in v.group_vars(r.id):
        place = v.sc.place(d) if d is not None else None
        if not (place is not None and place.abroad):
            v.model.add(x == 0).only_enforce_if(lit)


@builds(PersonNotBeforeRule)
def person_not_before(v: Variables, r: PersonNotBeforeRule, lit: IntVar) -> None:
    for g, s, _, _, any_ in v.group_vars(r.id):
        hour = v.release_hour(s, v.groups[g].cohort)
        v.model.add(hour >= r.hour).only_enforce_if([lit, any_])


@builds(LocatedFromRule)
def located_from(v: Variables, r: LocatedFromRule, lit: IntVar) -> None:
    for _, s, _, _, any_ in v.group_vars(r.id):
        v.model.add(v.start[s] >= r.hour).only_enforce_if([lit, any_])


@builds(FixedStageRule)
def fixed_stage(v: Variables, r: FixedStageRule, lit: IntVar) -> None:
    for g in v.rule_groups.get(r.id, []):  # slot stage-1 is the plan's stage number `stage`
        size = len(v.groups[g].people)
        v.model.add(v.group_released(g, r.stage - 1) == size).only_enforce_if(lit)


def add_rules(
    v: Variables,
    literal_for: Callable[[str], IntVar],
    *,
    all_enforced: bool,
    spans: dict[str, tuple[int, int]] | None = None,
) -> dict[str, IntVar]:
    """Add every rule of the scenario, in scenario order, each under its own literal, then
    what holds where no rule of a class is in force (not needed when ``all_enforced`` and the
    class has rules). Returns rule id -> literal; ``spans`` receives, per rule id, the range
    of constraint indices its builder added (to name a rule CP-SAT rejects)."""
    lits: dict[str, IntVar] = {}
    constraints = v.model.proto.constraints
    for r in v.sc.rules:
        lits[r.id] = literal_for(r.id)
        first = len(constraints)
        BUILDERS[type(r)](v, r, lits[r.id])
        if spans is not None:
            spans[r.id] = (first, len(constraints))
    for cls, absent in WHEN_ABSENT.items():
        own = [lits[r.id] for r in v.sc.rules if isinstance(r, cls)]
        if not (own and all_enforced):
            absent(v, own)
    return lits


__all__ = ["BUILDERS", "WHEN_ABSENT", "add_rules", "builds", "peak_imbalance", "ratio_balance"]
