"""Comparison formulation (a): a bare aggregated CP-SAT model of the core rules.

Written from docs/rules.md, independently of ``planner.model``. Stage slots s = 0..S-1, used
slots first and in start order (slot s is stage s+1); people are counts per slot and cohort,
and the people an individual rule names are counts per slot of their group (the named people
of one cohort named by the same rules: interchangeable). The day rules
(site_daily_limit, prison_processing) use one day variable per slot and one-day intervals in a
cumulative (or no-overlap) constraint: linear in slots. Lexicographic: ``cpsat_lex``.
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

Expr = Any  # a CP-SAT linear expression


class Bare(SlotRules):
    def __init__(self, core: Core):
        self.c = core
        m = self.m = cp_model.CpModel()
        self._runs: dict[str, list[Any]] = {}  # ratio rule id -> running balances
        S, H, D = core.S, core.H, core.D
        self.a = [m.new_bool_var(f"a{s}") for s in range(S)]
        self.st = [m.new_int_var(0, max(H - D, 0), f"start{s}") for s in range(S)]
        self.r = [m.new_int_var(0, H, f"release{s}") for s in range(S)]
        self.y = {(s, k): m.new_bool_var(f"y{s}.{k}") for s in range(S) for k in core.sites}
        self.x = {
            (s, c): m.new_int_var(0, core.count(c), f"x{s}.{c}")
            for s in range(S)
            for c in core.cohorts
        }
        self.u = {key: m.new_bool_var(f"u{key}") for key in self.x}
        self.hp = [m.new_bool_var(f"hp{s}") for s in range(S)]
        self.ws = {ln: m.new_int_var(0, max(H - mv, 0), f"ws.{ln}") for ln, mv in core.lines}
        # named people, counted per group of people named by the same rules
        self.p = {
            (g.id, s): m.new_int_var(0, g.size, f"p.{g.id}.{s}")
            for g in core.groups
            for s in range(S)
        }
        self.pu = {key: m.new_bool_var(f"pu.{key}") for key in self.p}
        self._start_day: list[Any] | None = None
        self._release_day: list[Any] | None = None
        self._structure()
        for rule in core.rules:
            getattr(self, "rule_" + rule.kind)(rule)
        if not core.has_pairing():
            for s in range(S):  # without pairing, prisoners go no earlier than the stage start
                m.add(self.r[s] >= self.st[s]).only_enforce_if(self.hp[s])

    # ------------------------------------------------------------------ expressions
    def hc(self, s: int) -> Expr:
        """Hour the hostages of slot s are received."""
        travel = sum(h * self.y[s, k] for k, h in self.c.sites.items())
        return self.st[s] + self.c.D + travel

    def rel(self, s: int, cohort: str) -> Expr:
        return self.hc(s) if self.c.is_hostage(cohort) else self.r[s]

    def total(self, s: int, cohorts: list[str]) -> Expr:
        return sum(self.x[s, c] for c in cohorts)

    # ------------------------------------------------------------------ structure
    def _structure(self) -> None:
        m, c, S = self.m, self.c, self.c.S
        for s in range(S):
            m.add(self.st[s] == 0).only_enforce_if(~self.a[s])
            if c.sites:
                m.add(sum(self.y[s, k] for k in c.sites) == self.a[s])
            m.add(self.hc(s) <= c.H)
            for key in [(s, co) for co in c.cohorts]:
                m.add(self.x[key] >= 1).only_enforce_if(self.u[key])
                m.add(self.x[key] == 0).only_enforce_if(~self.u[key])
                m.add_implication(self.u[key], self.a[s])
            side = list(c.hostages) or c.cohorts
            m.add_bool_or([self.u[s, h] for h in side]).only_enforce_if(self.a[s])
            m.add_max_equality(self.hp[s], [self.u[s, p] for p in c.prisoners] or [0])
            m.add(self.r[s] == self.hc(s)).only_enforce_if(~self.hp[s])
            if s + 1 < S:
                m.add_implication(self.a[s + 1], self.a[s])
                m.add(self.st[s + 1] >= self.st[s]).only_enforce_if(self.a[s + 1])
        for key, p in self.p.items():
            m.add(p >= 1).only_enforce_if(self.pu[key])
            m.add(p == 0).only_enforce_if(~self.pu[key])
        for co in c.cohorts:
            groups = c.groups_in(co)
            if not groups:
                m.add(sum(self.x[s, co] for s in range(S)) <= c.count(co))
                continue
            rest = c.count(co) - sum(g.size for g in groups)
            anon = [m.new_int_var(0, rest, f"anon{s}.{co}") for s in range(S)]
            for s in range(S):
                m.add(self.x[s, co] == anon[s] + sum(self.p[g.id, s] for g in groups))
            m.add(sum(anon) <= rest)
        for g in c.groups:
            m.add(sum(self.p[g.id, s] for s in range(S)) <= g.size)
        for (prev, mv), (line, _) in zip(c.lines, c.lines[1:], strict=False):
            m.add(self.ws[line] >= self.ws[prev] + mv)

    # ------------------------------------------------------------------ rules
    def all_released(self, cohorts: list[str], lits: list[Any] | None = None) -> None:
        for co in cohorts:
            ct = self.m.add(sum(self.x[s, co] for s in range(self.c.S)) == self.c.count(co))
            if lits:
                ct.only_enforce_if(lits)

    def rule_release(self, r: Any) -> None:
        if r.min_count is None:
            self.all_released(r.cohorts)
        else:
            everyone = sum(self.total(s, r.cohorts) for s in range(self.c.S))
            self.m.add(everyone >= r.min_count)

    def balance(self, r: Any, s: int) -> Expr:
        """100 x (prisoners given - prisoners owed) in slot s."""
        owed = sum(hundredths(rate) * self.x[s, h] for h, rate in r.per_hostage.items())
        return 100 * self.total(s, r.prisoners) - owed

    def rule_line_after_release(self, r: Any) -> None:
        m, ws = self.m, self.ws[r.line]
        if r.min_count is None:  # everyone of the cohorts, each released by the line's start
            self.all_released(r.cohorts)
            for s in range(self.c.S):
                for co in r.cohorts:
                    m.add(self.rel(s, co) <= ws).only_enforce_if(self.u[s, co])
            return
        counted = []
        for s in range(self.c.S):
            for co in r.cohorts:
                early = m.new_bool_var(f"{r.id}.{s}.{co}")
                m.add(self.rel(s, co) <= ws).only_enforce_if(early)
                z = m.new_int_var(0, self.c.count(co), f"{r.id}.z{s}.{co}")
                m.add(z <= self.x[s, co])
                m.add(z == 0).only_enforce_if(~early)
                counted.append(z)
        m.add(sum(counted) >= needed(self.c, r.cohorts, r.min_count))

    def rule_deadline(self, r: Any) -> None:
        self.all_released(r.cohorts)
        due = r.within_hours + (self.done(r.after_line) if r.after_line is not None else 0)
        for s in range(self.c.S):
            for co in r.cohorts:
                self.m.add(self.rel(s, co) <= due).only_enforce_if(self.u[s, co])

    def rule_order(self, r: Any) -> None:
        m, S, H = self.m, self.c.S, self.c.H
        then_used = m.new_bool_var(f"{r.id}.then")
        m.add_max_equality(then_used, [self.u[s, co] for s in range(S) for co in r.then])
        self.all_released(r.first, [then_used])
        last_first = m.new_int_var(0, H, f"{r.id}.last_first")
        for s in range(S):
            for co in r.first:
                m.add(last_first >= self.rel(s, co)).only_enforce_if(self.u[s, co])
        if r.mode == "all_before_any":
            for s in range(S):
                for co in r.then:
                    m.add(self.rel(s, co) >= last_first + r.min_gap_hours).only_enforce_if(
                        self.u[s, co]
                    )
            return
        late = []
        for s in range(S):
            for co in r.then:
                w = m.new_bool_var(f"{r.id}.late{s}.{co}")
                m.add_implication(w, self.u[s, co])
                m.add(self.rel(s, co) >= last_first + r.min_gap_hours).only_enforce_if(w)
                late.append(w)
        m.add_bool_or(late).only_enforce_if(then_used)

    def rule_availability(self, r: Any) -> None:
        for s in range(self.c.S):
            for co in r.cohorts:
                hour = self.st[s] if self.c.is_hostage(co) else self.r[s]
                self.m.add(hour >= r.from_hour).only_enforce_if(self.u[s, co])

    def rule_site_daily_limit(self, r: Any) -> None:
        if self._start_day is None:
            self._start_day = self.days(self.st, "start_day")
        for k in r.sites if r.sites is not None else list(self.c.sites):
            ivs = [
                self.m.new_optional_fixed_size_interval_var(d, 1, self.y[s, k], f"{r.id}.{k}.{s}")
                for s, d in enumerate(self._start_day)
            ]
            if r.per_day == 1:
                self.m.add_no_overlap(ivs)
            else:
                self.m.add_cumulative(ivs, [1] * len(ivs), r.per_day)

    def rule_prison_processing(self, r: Any) -> None:
        if self._release_day is None:
            self._release_day = self.days(self.r, "release_day")
        cohorts = [co for co, prison in self.c.prison.items() if prison == r.prison]
        cap = sum(self.c.count(co) for co in cohorts)
        ivs, loads = [], []
        for s, d in enumerate(self._release_day):
            load = self.m.new_int_var(0, cap, f"{r.id}.load{s}")
            self.m.add(load == self.total(s, cohorts))
            ivs.append(self.m.new_fixed_size_interval_var(d, 1, f"{r.id}.{s}"))
            loads.append(load)
        self.m.add_cumulative(ivs, loads, r.per_day)

    def rule_veto(self, r: Any) -> None:
        for g in self.c.groups_of(r.id):
            for s in range(self.c.S):
                self.m.add(self.p[g.id, s] == 0)

    def rule_person_not_before(self, r: Any) -> None:
        for g in self.c.groups_of(r.id):
            for s in range(self.c.S):
                hour = self.rel(s, g.cohort)
                self.m.add(hour >= r.hour).only_enforce_if(self.pu[g.id, s])

    def rule_located_from(self, r: Any) -> None:
        for g in self.c.groups_of(r.id):
            for s in range(self.c.S):
                self.m.add(self.st[s] >= r.hour).only_enforce_if(self.pu[g.id, s])

    # ------------------------------------------------------------------ objective terms
    def terms(self) -> dict[str, Expr]:
        m, c, S, H = self.m, self.c, self.c.S, self.c.H
        living = m.new_int_var(0, H, "living_released_hour")
        completion = m.new_int_var(0, H, "completion_hour")
        for s in range(S):
            for co in c.living:
                m.add(living >= self.hc(s)).only_enforce_if(self.u[s, co])
            m.add(completion >= self.hc(s)).only_enforce_if(self.a[s])
            m.add(completion >= self.r[s]).only_enforce_if(self.hp[s])
        ratios = self.c.rules_of("exchange_ratio")
        bound = ratio_bound(c, ratios)
        peak = peak_imbalance(m, ratios, self.running, bound)
        every = {
            "unreleased": c.unreleased(lambda co: sum(self.x[s, co] for s in range(S))),
            "living_released_hour": living,
            "completion_hour": completion,
            "stage_count": sum(self.a),
            "peak_imbalance": peak,
        }
        return {t: every[t] for t in c.terms}


def solve(sc: Any, time_limit: float = 60.0, seed: int = 0) -> Outcome:
    """Build and solve the bare model of a validated Scenario, lexicographically."""
    began = time.monotonic()
    model = Bare(read_core(sc))
    terms = model.terms()
    return lexicographic("bare", model.m, terms, time_limit=time_limit, seed=seed, began=began)
