"""Model builders of the capacity and logistics rule kinds: per stage, per prison and site per
day, vehicles, buses, destinations (semantics: docs/rules.md)."""

from __future__ import annotations

from typing import Any

from planner.model.registry import builds
from planner.model.variables import IntVar, Variables
from planner.scenario import (
    BusesRule,
    DestinationQuotaRule,
    HostageFleetRule,
    PrisonProcessingRule,
    SiteDailyLimitRule,
    StageCapacityRule,
)


@builds(StageCapacityRule)
def stage_capacity(v: Variables, r: StageCapacityRule, lit: IntVar) -> None:
    side = v.sc.hostage_cohorts if r.side == "hostages" else v.sc.prisoner_cohorts
    cohorts = r.cohorts if r.cohorts is not None else [c.id for c in side]
    for s in v.open_slots:
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
    loads: list[Any] = []
    spent: dict[int, int] = {}  # day -> recorded releases counted so far
    for s in range(v.S):  # a cumulative's demand is affine: one variable per slot
        if s < v.past:  # recorded: counted up to what the day allows (an excess is a deviation)
            day, n = v.fixed_release[s] // 24, sum(v.fixed_counts[s].get(c, 0) for c in cohorts)
            take = max(0, min(n, r.per_day - spent.get(day, 0)))
            spent[day] = spent.get(day, 0) + take
            loads.append(take)
            continue
        load = v.model.new_int_var(0, cap, f"{r.id}.stage{s}.load")
        v.model.add(load == v.stage_total(s, cohorts))
        loads.append(load)
    _per_day(v, days, [lit] * v.S, loads, r.per_day, r.id)


@builds(SiteDailyLimitRule)
def site_daily_limit(v: Variables, r: SiteDailyLimitRule, lit: IntVar) -> None:
    sites = r.sites if r.sites is not None else list(v.site_hours)
    days = [_day(v, v.start[s], f"stage{s}.start") for s in range(v.S)]
    for k in sites:
        present: list[Any] = []
        spent: dict[int, int] = {}  # day -> recorded handovers at k counted so far
        for s in range(v.S):
            if s < v.past:  # recorded: counted while the day allows (an excess is a deviation)
                rs = v.record.stages[s]  # type: ignore[union-attr]
                day = rs.start_hour // 24
                counted = rs.site == k and spent.get(day, 0) < r.per_day
                spent[day] = spent.get(day, 0) + int(counted)
                present.append(lit if counted else v.model.new_constant(0))
                continue
            present.append(_both(v, lit, v.site[s, k], f"{r.id}.{k}.stage{s}"))
        _per_day(v, days, present, [1] * v.S, r.per_day, f"{r.id}.{k}")


@builds(HostageFleetRule)
def hostage_fleet(v: Variables, r: HostageFleetRule, lit: IntVar) -> None:
    m = v.model
    hostages = [c.id for c in v.sc.hostage_cohorts]
    intervals: list[Any] = []
    demands: list[Any] = []
    recorded: list[tuple[int, int, int]] = []  # (start, end, vehicles) of recorded stages
    for s in range(v.S):
        if s < v.past:  # recorded: its vehicles counted up to the fleet (an excess: deviation)
            start = v.record.stages[s].start_hour  # type: ignore[union-attr]
            end = v.fixed_complete[s] + r.turnaround_hours
            need = -(-sum(v.fixed_counts[s].get(c, 0) for c in hostages) // r.seats)
            busy = max(
                (sum(n for a, b, n in recorded if a <= t < b) for t in range(start, end)),
                default=0,
            )
            take = max(0, min(need, r.vehicles - busy))
            recorded.append((start, end, take))
            intervals.append(
                m.new_optional_fixed_size_interval_var(start, end - start, lit, f"{r.id}.stage{s}")
            )
            demands.append(take)
            continue
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
    for s in v.open_slots:
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
