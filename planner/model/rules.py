"""One builder per rule kind. Each receives the rule and its enforcement literal (named after the
rule id), so a rule can be assumed, relaxed and blamed as a whole.

Semantics: docs/rules.md. The verifier re-checks the same rules without this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from planner.model.variables import IntVar, LinExpr, Variables
from planner.scenario import (
    AvailabilityRule,
    DeadlineRule,
    EarliestStartRule,
    ExchangeRatioRule,
    HandoverHoursRule,
    LineAfterReleaseRule,
    LineBeforeHandoverRule,
    LineWindowRule,
    OrderRule,
    PairingRule,
    PrisonProcessingRule,
    ReleaseRule,
    StageCapacityRule,
    StageGapRule,
)

Builder = Callable[[Variables, Any, IntVar], None]


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


def exchange_ratio(v: Variables, r: ExchangeRatioRule, lit: IntVar) -> None:
    running: LinExpr = 0
    for s in range(v.S):
        bal = ratio_balance(v, r, s)
        running = running + bal
        expr = running if r.scope == "cumulative" else bal
        v.model.add(expr <= 100 * r.max_prisoners_ahead).only_enforce_if(lit)
        v.model.add(expr >= -100 * r.max_prisoners_behind).only_enforce_if(lit)


def line_before_handover(v: Variables, r: LineBeforeHandoverRule, lit: IntVar) -> None:
    done = v.line_complete(r.line)
    for s in range(v.S):
        v.model.add(v.start[s] >= done).only_enforce_if([lit, v.active[s]])


def line_after_release(v: Variables, r: LineAfterReleaseRule, lit: IntVar) -> None:
    m = v.model
    need = r.min_count if r.min_count is not None else sum(v.sc.cohort_count(c) for c in r.cohorts)
    ws = v.line_start[r.line]
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


def line_window(v: Variables, r: LineWindowRule, lit: IntVar) -> None:
    ws = v.line_start[r.line]
    v.model.add(ws >= r.earliest_start).only_enforce_if(lit)
    if r.latest_start is not None:
        v.model.add(ws <= r.latest_start).only_enforce_if(lit)
    if r.latest_complete is not None:
        v.model.add(v.line_complete(r.line) <= r.latest_complete).only_enforce_if(lit)


def deadline(v: Variables, r: DeadlineRule, lit: IntVar) -> None:
    _all_released(v, r.cohorts, lit)
    due: LinExpr = r.within_hours
    if r.after_line is not None:
        due = v.line_complete(r.after_line) + r.within_hours
    for s in range(v.S):
        for c in r.cohorts:
            v.model.add(v.release_hour(s, c) <= due).only_enforce_if([lit, v.used[s, c]])


def earliest_start(v: Variables, r: EarliestStartRule, lit: IntVar) -> None:
    for s in range(v.S):
        v.model.add(v.start[s] >= r.hour).only_enforce_if([lit, v.active[s]])


def stage_gap(v: Variables, r: StageGapRule, lit: IntVar) -> None:
    for s in range(v.S - 1):
        gap = v.start[s + 1] - v.start[s]
        v.model.add(gap >= r.min_hours).only_enforce_if([lit, v.active[s + 1]])
        if r.max_hours is not None:
            v.model.add(gap <= r.max_hours).only_enforce_if([lit, v.active[s + 1]])


def handover_hours(v: Variables, r: HandoverHoursRule, lit: IntVar) -> None:
    m = v.model
    off, dur = v.sc.clock_offset, v.sc.handover_hours
    for s in range(v.S):
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


def stage_capacity(v: Variables, r: StageCapacityRule, lit: IntVar) -> None:
    side = v.sc.hostage_cohorts if r.side == "hostages" else v.sc.prisoner_cohorts
    cohorts = r.cohorts if r.cohorts is not None else [c.id for c in side]
    for s in range(v.S):
        v.model.add(v.stage_total(s, cohorts) <= r.limit).only_enforce_if(lit)


def prison_processing(v: Variables, r: PrisonProcessingRule, lit: IntVar) -> None:
    m = v.model
    cohorts = [c.id for c in v.sc.prisoner_cohorts if c.prison == r.prison]
    cap = sum(v.sc.cohort_count(c) for c in cohorts)
    days = []
    for s in range(v.S):
        d = m.new_int_var(0, v.H // 24, f"{r.id}.stage{s}.day")
        m.add_division_equality(d, v.release[s], 24)
        days.append(d)
    for s in range(v.S):
        load: LinExpr = v.stage_total(s, cohorts)
        for t in range(v.S):
            if t == s:
                continue
            same = m.new_bool_var(f"{r.id}.stage{s}.same_day.stage{t}")
            m.add(days[s] == days[t]).only_enforce_if(same)
            m.add(days[s] != days[t]).only_enforce_if(~same)
            z = m.new_int_var(0, cap, f"{r.id}.stage{s}.from_stage{t}")
            m.add(z >= v.stage_total(t, cohorts)).only_enforce_if(same)
            load = load + z
        m.add(load <= r.per_day).only_enforce_if(lit)


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


def availability(v: Variables, r: AvailabilityRule, lit: IntVar) -> None:
    for s in range(v.S):
        for c in r.cohorts:
            hour = v.start[s] if v.sc.is_hostage(c) else v.release[s]
            v.model.add(hour >= r.from_hour).only_enforce_if([lit, v.used[s, c]])


def pairing(v: Variables, r: PairingRule, lit: IntVar) -> None:
    for s in range(v.S):
        hc = v.handover_complete(s)
        hp = v.has_prisoners[s]
        v.model.add(v.release[s] >= hc + r.min_lag_hours).only_enforce_if([lit, hp])
        v.model.add(v.release[s] <= hc + r.max_lag_hours).only_enforce_if([lit, hp])


BUILDERS: dict[str, Builder] = {
    "release": release,
    "exchange_ratio": exchange_ratio,
    "line_before_handover": line_before_handover,
    "line_after_release": line_after_release,
    "line_window": line_window,
    "deadline": deadline,
    "earliest_start": earliest_start,
    "stage_gap": stage_gap,
    "handover_hours": handover_hours,
    "stage_capacity": stage_capacity,
    "prison_processing": prison_processing,
    "order": order,
    "availability": availability,
    "pairing": pairing,
}


def add_rules(v: Variables, literal_for: Callable[[str], IntVar]) -> None:
    """Add every rule of the scenario, in scenario order, each under its own literal."""
    for r in v.sc.rules:
        BUILDERS[r.kind](v, r, literal_for(r.id))


__all__ = ["BUILDERS", "add_rules", "ratio_balance", "cp_model"]
