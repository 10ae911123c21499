"""Comparison formulation (b): per-person CP-SAT model of the core rules.

One boolean ``q[person, slot]`` for every person of every cohort; a slot's count of a cohort is
the sum of its people's booleans, and the cohort is used in a slot when any of them is. Release,
veto, line_after_release and the individual rules hold per person; the rules on cohorts
(deadline, availability, order) through "cohort used in the slot"; the rules on stages
(pairing, sites, gaps, days) per slot, as in ``bare``. Interchangeable people are not
symmetry-broken: expected to be far slower than the aggregated models, which is the point of
the comparison. Lexicographic: ``cpsat_lex``.
"""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from benchmarks.core import Core, Outcome, hundredths, needed, read_core
from benchmarks.cpsat_lex import (
    lexicographic,
    peak_imbalance,
    ratio_bound,
)
from benchmarks.cpsat_rules import SlotRules

Expr = Any


class PerPerson(SlotRules):
    def __init__(self, core: Core):
        self.c = core
        m = self.m = cp_model.CpModel()
        self._runs: dict[str, list[Any]] = {}  # ratio rule id -> running balances
        S, H, D = core.S, core.H, core.D
        # people of each cohort: its named members first, then generated ids
        self.people: dict[str, list[str]] = {}
        for co in core.cohorts:
            own = core.named_in(co)
            self.people[co] = own + [f"{co}#{n}" for n in range(core.count(co) - len(own))]
        self.q = {
            (i, s): m.new_bool_var(f"q.{i}.{s}")
            for co in core.cohorts
            for i in self.people[co]
            for s in range(S)
        }
        self.a = [m.new_bool_var(f"a{s}") for s in range(S)]
        self.st = [m.new_int_var(0, max(H - D, 0), f"start{s}") for s in range(S)]
        self.r = [m.new_int_var(0, H, f"release{s}") for s in range(S)]
        self.y = {(s, k): m.new_bool_var(f"y{s}.{k}") for s in range(S) for k in core.sites}
        self.u = {(s, co): m.new_bool_var(f"u{s}.{co}") for s in range(S) for co in core.cohorts}
        self.hp = [m.new_bool_var(f"hp{s}") for s in range(S)]
        self.x = {key: m.new_int_var(0, core.count(key[1]), f"x{key}") for key in self.u}
        for (s, co), x in self.x.items():  # a count is the sum of its people's booleans
            m.add(x == cp_model.LinearExpr.sum([self.q[i, s] for i in self.people[co]]))
        self.ws = {ln: m.new_int_var(0, max(H - mv, 0), f"ws.{ln}") for ln, mv in core.lines}
        self._structure()
        for rule in core.rules:
            getattr(self, "rule_" + rule.kind)(rule)
        if not core.has_pairing():
            for s in range(S):
                m.add(self.r[s] >= self.st[s]).only_enforce_if(self.hp[s])

    def count(self, s: int, co: str) -> Expr:
        return self.x[s, co]

    def total(self, s: int, cohorts: list[str]) -> Expr:
        return sum(self.count(s, co) for co in cohorts)

    def released(self, i: str) -> Expr:
        return cp_model.LinearExpr.sum([self.q[i, s] for s in range(self.c.S)])

    def hc(self, s: int) -> Expr:
        return self.st[s] + self.c.D + sum(h * self.y[s, k] for k, h in self.c.sites.items())

    def rel(self, s: int, co: str) -> Expr:
        return self.hc(s) if self.c.is_hostage(co) else self.r[s]

    def _structure(self) -> None:
        m, c, S = self.m, self.c, self.c.S
        for co in c.cohorts:
            for i in self.people[co]:
                m.add(self.released(i) <= 1)
        for s in range(S):
            m.add(self.st[s] == 0).only_enforce_if(~self.a[s])
            if c.sites:
                m.add(sum(self.y[s, k] for k in c.sites) == self.a[s])
            m.add(self.hc(s) <= c.H)
            for co in c.cohorts:
                m.add_max_equality(self.u[s, co], [self.q[i, s] for i in self.people[co]] or [0])
                m.add_implication(self.u[s, co], self.a[s])
            side = list(c.hostages) or c.cohorts
            m.add_bool_or([self.u[s, h] for h in side]).only_enforce_if(self.a[s])
            m.add_max_equality(self.hp[s], [self.u[s, p] for p in c.prisoners] or [0])
            m.add(self.r[s] == self.hc(s)).only_enforce_if(~self.hp[s])
            if s + 1 < S:
                m.add_implication(self.a[s + 1], self.a[s])
                m.add(self.st[s + 1] >= self.st[s]).only_enforce_if(self.a[s + 1])
        for (prev, mv), (line, _) in zip(c.lines, c.lines[1:], strict=False):
            m.add(self.ws[line] >= self.ws[prev] + mv)

    def everyone_released(self, cohorts: list[str], lits: list[Any] | None = None) -> None:
        for co in cohorts:
            for i in self.people[co]:
                ct = self.m.add(self.released(i) == 1)
                if lits:
                    ct.only_enforce_if(lits)

    def each(self, cohorts: list[str]) -> list[tuple[str, str, int]]:
        """(person, cohort, slot) for every person of the cohorts and every slot."""
        return [(i, co, s) for co in cohorts for i in self.people[co] for s in range(self.c.S)]

    def slots(self, cohorts: list[str]) -> list[tuple[int, str]]:
        return [(s, co) for s in range(self.c.S) for co in cohorts]

    def rule_release(self, r: Any) -> None:
        if r.min_count is None:
            self.everyone_released(r.cohorts)
        else:
            everyone = [self.q[i, s] for i, _, s in self.each(r.cohorts)]
            self.m.add(cp_model.LinearExpr.sum(everyone) >= r.min_count)

    def balance(self, r: Any, s: int) -> Expr:
        owed = sum(hundredths(rate) * self.count(s, h) for h, rate in r.per_hostage.items())
        return 100 * self.total(s, r.prisoners) - owed

    def rule_line_after_release(self, r: Any) -> None:
        m, ws = self.m, self.ws[r.line]
        early = []
        for i, co, s in self.each(r.cohorts):  # person i released in slot s by the line's start
            e = m.new_bool_var(f"{r.id}.{i}.{s}")
            m.add_implication(e, self.q[i, s])
            m.add(self.rel(s, co) <= ws).only_enforce_if(e)
            early.append(e)
        m.add(cp_model.LinearExpr.sum(early) >= needed(self.c, r.cohorts, r.min_count))

    def rule_deadline(self, r: Any) -> None:
        self.everyone_released(r.cohorts)
        due = r.within_hours + (self.done(r.after_line) if r.after_line is not None else 0)
        for s, co in self.slots(r.cohorts):
            self.m.add(self.rel(s, co) <= due).only_enforce_if(self.u[s, co])

    def rule_order(self, r: Any) -> None:
        m, H = self.m, self.c.H
        then_used = m.new_bool_var(f"{r.id}.then")
        m.add_max_equality(then_used, [self.u[s, co] for s, co in self.slots(r.then)])
        self.everyone_released(r.first, [then_used])
        last_first = m.new_int_var(0, H, f"{r.id}.last_first")
        for s, co in self.slots(r.first):
            m.add(last_first >= self.rel(s, co)).only_enforce_if(self.u[s, co])
        late = []
        for s, co in self.slots(r.then):
            if r.mode == "all_before_any":
                m.add(self.rel(s, co) >= last_first + r.min_gap_hours).only_enforce_if(
                    self.u[s, co]
                )
            else:
                w = m.new_bool_var(f"{r.id}.late.{s}.{co}")
                m.add_implication(w, self.u[s, co])
                m.add(self.rel(s, co) >= last_first + r.min_gap_hours).only_enforce_if(w)
                late.append(w)
        if r.mode != "all_before_any":
            m.add_bool_or(late).only_enforce_if(then_used)

    def rule_availability(self, r: Any) -> None:
        for s, co in self.slots(r.cohorts):
            hour = self.st[s] if self.c.is_hostage(co) else self.r[s]
            self.m.add(hour >= r.from_hour).only_enforce_if(self.u[s, co])

    def rule_site_daily_limit(self, r: Any) -> None:
        days = self.days(self.st, f"{r.id}.day")
        for k in r.sites if r.sites is not None else list(self.c.sites):
            ivs = [
                self.m.new_optional_fixed_size_interval_var(d, 1, self.y[s, k], f"{r.id}.{k}.{s}")
                for s, d in enumerate(days)
            ]
            self.m.add_cumulative(ivs, [1] * len(ivs), r.per_day)

    def rule_prison_processing(self, r: Any) -> None:
        days = self.days(self.r, f"{r.id}.day")
        cohorts = [co for co, prison in self.c.prison.items() if prison == r.prison]
        cap = sum(self.c.count(co) for co in cohorts)
        ivs, loads = [], []
        for s, d in enumerate(days):
            load = self.m.new_int_var(0, cap, f"{r.id}.load{s}")
            self.m.add(load == self.total(s, cohorts))
            ivs.append(self.m.new_fixed_size_interval_var(d, 1, f"{r.id}.{s}"))
            loads.append(load)
        self.m.add_cumulative(ivs, loads, r.per_day)

    def rule_veto(self, r: Any) -> None:
        for i in r.people:
            self.m.add(self.released(i) == 0)

    def rule_person_not_before(self, r: Any) -> None:
        for i in r.people:
            for s in range(self.c.S):
                hour = self.rel(s, self.c.named[i])
                self.m.add(hour >= r.hour).only_enforce_if(self.q[i, s])

    def rule_located_from(self, r: Any) -> None:
        for i in r.people:
            for s in range(self.c.S):
                self.m.add(self.st[s] >= r.hour).only_enforce_if(self.q[i, s])

    def terms(self) -> dict[str, Expr]:
        m, c, S, H = self.m, self.c, self.c.S, self.c.H
        living = m.new_int_var(0, H, "living_released_hour")
        completion = m.new_int_var(0, H, "completion_hour")
        for s in range(S):
            for co in c.living:
                m.add(living >= self.hc(s)).only_enforce_if(self.u[s, co])
            m.add(completion >= self.hc(s)).only_enforce_if(self.a[s])
            m.add(completion >= self.r[s]).only_enforce_if(self.hp[s])
        ratios = c.rules_of("exchange_ratio")
        bound = ratio_bound(c, ratios)
        peak = peak_imbalance(m, ratios, self.running, bound)
        every = {
            "unreleased": c.unreleased(lambda co: sum(self.count(s, co) for s in range(S))),
            "living_released_hour": living,
            "completion_hour": completion,
            "stage_count": sum(self.a),
            "peak_imbalance": peak,
        }
        return {t: every[t] for t in c.terms}


def solve(sc: Any, time_limit: float = 60.0, seed: int = 0) -> Outcome:
    """Build and solve the per-person model of a validated Scenario, lexicographically."""
    began = time.monotonic()
    model = PerPerson(read_core(sc))
    terms = model.terms()
    return lexicographic(
        "per_person", model.m, terms, time_limit=time_limit, seed=seed, began=began
    )
