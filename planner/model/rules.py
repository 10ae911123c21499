"""One builder per rule kind. Each receives the rule and its enforcement literal (named after the
rule id), so a rule can be assumed, relaxed and blamed as a whole.

Semantics: docs/rules.md. The verifier re-checks the same rules without this module.
"""

from __future__ import annotations

from planner.model.registry import BUILDERS, WHEN_ABSENT, add_rules, builds
from planner.model.variables import IntVar, LinExpr, Variables
from planner.scenario import (
    AbroadRule,
    AvailabilityRule,
    DeadlineRule,
    EarliestStartRule,
    ExchangeRatioRule,
    FixedStageRule,
    HandoverHoursRule,
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    LocatedFromRule,
    OrderRule,
    PairingRule,
    PersonNotBeforeRule,
    PreparationRule,
    ReleaseRule,
    SiteAfterLineRule,
    StageGapRule,
    VetoRule,
)


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
    for s in v.open_slots:
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
    reached = v.when_reached(r.line)
    for s in v.open_slots:
        v.model.add(v.start[s] >= done).only_enforce_if([lit, v.active[s]])
        if reached:  # a line never reached: no handover can follow it
            v.model.add_bool_or([~lit, ~v.active[s], *reached])


@builds(LineAfterReleaseRule)
def line_after_release(v: Variables, r: LineAfterReleaseRule, lit: IntVar) -> None:
    m = v.model
    ws = v.line_start[r.line]
    reached = v.when_reached(r.line)  # a conditional line not moved to: nothing to wait for
    if r.min_count is None:  # everyone: all released, each stage releasing them before the move
        _all_released(v, r.cohorts, [lit, *reached])
        for s in v.open_slots:  # a recorded stage released before any move not yet begun
            for c in r.cohorts:
                m.add(v.release_hour(s, c) <= ws).only_enforce_if([lit, v.used[s, c], *reached])
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
    m.add(sum(counted) >= need).only_enforce_if([lit, *reached])


@builds(LineWindowRule)
def line_window(v: Variables, r: LineWindowRule, lit: IntVar) -> None:
    ws = v.line_start[r.line]
    when = [lit, *v.when_reached(r.line)]  # a conditional line not moved to keeps its window
    v.model.add(ws >= r.earliest_start).only_enforce_if(when)
    if r.latest_start is not None:
        v.model.add(ws <= r.latest_start).only_enforce_if(when)
    if r.latest_complete is not None:
        v.model.add(v.line_complete(r.line) <= r.latest_complete).only_enforce_if(when)


@builds(DeadlineRule)
def deadline(v: Variables, r: DeadlineRule, lit: IntVar) -> None:
    _all_released(v, r.cohorts, lit)
    due: LinExpr = r.within_hours
    reached: list[IntVar] = []
    if r.after_line is not None:  # a conditional line never reached sets no deadline
        due = v.line_complete(r.after_line) + r.within_hours
        reached = v.when_reached(r.after_line)
    for s in v.open_slots:
        for c in r.cohorts:
            v.model.add(v.release_hour(s, c) <= due).only_enforce_if([lit, v.used[s, c], *reached])


@builds(EarliestStartRule)
def earliest_start(v: Variables, r: EarliestStartRule, lit: IntVar) -> None:
    for s in v.open_slots:
        v.model.add(v.start[s] >= r.hour).only_enforce_if([lit, v.active[s]])


@builds(StageGapRule)
def stage_gap(v: Variables, r: StageGapRule, lit: IntVar) -> None:
    for s in range(max(v.past - 1, 0), v.S - 1):  # gaps between recorded stages are fact
        gap = v.start[s + 1] - v.start[s]
        v.model.add(gap >= r.min_hours).only_enforce_if([lit, v.active[s + 1]])
        if r.max_hours is not None:
            v.model.add(gap <= r.max_hours).only_enforce_if([lit, v.active[s + 1]])


@builds(HandoverHoursRule)
def handover_hours(v: Variables, r: HandoverHoursRule, lit: IntVar) -> None:
    m = v.model
    off = v.sc.clock_offset
    for s in v.open_slots:
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
    for s in v.open_slots:
        for c in r.cohorts:
            hour = v.start[s] if v.sc.is_hostage(c) else v.release[s]
            v.model.add(hour >= r.from_hour).only_enforce_if([lit, v.used[s, c]])


@builds(PairingRule)
def pairing(v: Variables, r: PairingRule, lit: IntVar) -> None:
    for s in v.open_slots:
        hc = v.handover_complete(s)
        hp = v.has_prisoners[s]
        v.model.add(v.release[s] >= hc + r.min_lag_hours).only_enforce_if([lit, hp])
        v.model.add(v.release[s] <= hc + r.max_lag_hours).only_enforce_if([lit, hp])


def prisoners_not_before_start(v: Variables, pairing: list[IntVar]) -> None:
    """Without a pairing rule in force, a stage's prisoners are released no earlier than the
    stage starts (docs/rules.md)."""
    for s in v.open_slots:
        v.model.add(v.release[s] >= v.start[s]).only_enforce_if(
            [v.has_prisoners[s], *(~x for x in pairing)]
        )


WHEN_ABSENT[PairingRule] = prisoners_not_before_start


@builds(PreparationRule)
def preparation(v: Variables, r: PreparationRule, lit: IntVar) -> None:
    m = v.model
    ready = r.from_hour + r.hours
    for s in v.open_slots:
        for c in r.cohorts:
            held = list(v.sc.areas_of(c))
            sources = [(v.origin_any[s, c, a], a) for a in held] or [(v.used[s, c], None)]
            for flag, area in sources:
                if not v.site_hours or area is None:
                    m.add(v.start[s] >= ready).only_enforce_if([lit, flag])
                    continue
                for k in v.site_hours:
                    hours = v.area_hours.get((area, k))
                    if hours is None:  # no route from the area to this site
                        m.add_bool_or([~lit, ~flag, ~v.site[s, k]])
                    else:
                        need = ready + hours
                        m.add(v.start[s] >= need).only_enforce_if([lit, flag, v.site[s, k]])


@builds(SiteAfterLineRule)
def site_after_line(v: Variables, r: SiteAfterLineRule, lit: IntVar) -> None:
    done = v.line_complete(r.line)
    reached = v.when_reached(r.line)
    for s in v.open_slots:
        for k in r.sites:
            v.model.add(v.start[s] >= done).only_enforce_if([lit, v.site[s, k]])
            if reached:  # a line never reached: the sites are never usable
                v.model.add_bool_or([~lit, ~v.site[s, k], *reached])


@builds(VetoRule)
def veto(v: Variables, r: VetoRule, lit: IntVar) -> None:
    for g in v.rule_groups.get(r.id, []):
        v.model.add(v.group_released(g) == 0).only_enforce_if(lit)


@builds(AbroadRule)
def abroad(v: Variables, r: AbroadRule, lit: IntVar) -> None:
    for _, s, d, x, _ in v.group_vars(r.id):
        if s < v.past:
            continue
        place = v.sc.place(d) if d is not None else None
        if not (place is not None and place.abroad):
            v.model.add(x == 0).only_enforce_if(lit)


@builds(PersonNotBeforeRule)
def person_not_before(v: Variables, r: PersonNotBeforeRule, lit: IntVar) -> None:
    for g, s, _, _, any_ in v.group_vars(r.id):
        if s < v.past:
            continue
        hour = v.release_hour(s, v.groups[g].cohort)
        v.model.add(hour >= r.hour).only_enforce_if([lit, any_])


@builds(LocatedFromRule)
def located_from(v: Variables, r: LocatedFromRule, lit: IntVar) -> None:
    for _, s, _, _, any_ in v.group_vars(r.id):
        if s < v.past:
            continue
        v.model.add(v.start[s] >= r.hour).only_enforce_if([lit, any_])


@builds(FixedStageRule)
def fixed_stage(v: Variables, r: FixedStageRule, lit: IntVar) -> None:
    for g in v.rule_groups.get(r.id, []):  # slot stage-1 is the plan's stage number `stage`
        size = len(v.groups[g].people)
        v.model.add(v.group_released(g, r.stage - 1) == size).only_enforce_if(lit)


# the capacity and logistics kinds register their builders in their own module
from planner.model import capacity  # noqa: E402, F401

__all__ = ["BUILDERS", "WHEN_ABSENT", "add_rules", "builds", "peak_imbalance", "ratio_balance"]
