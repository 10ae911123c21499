"""Comparison formulation (c): a MILP of the core rules, solved with HiGHS (highspy).

Written from docs/rules.md, independently of ``planner.model``. The same slots and counts as
``bare``, with every implication as a big-M row (M from the bounds, ``benchmarks.lp``). The day
rules have no cumulative constraint to lean on: site_daily_limit uses that used slots start in
order (for slots s < t at one site on one day, every slot between is on that day too: at most
per_day site slots from s to t), and prison_processing a same-day binary per pair of slots
(quadratic in slots). Lexicographic: minimise each term, bound it by its optimum, go on; one
thread, seed 0, each step started from the solution of the step before.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.core import Core, Outcome, needed, read_core
from benchmarks.cpsat_lex import ratio_bound
from benchmarks.lp import Lin, Milp, fix_at_most, minimise, total


class Model:
    def __init__(self, core: Core):
        self.c = c = core
        lp = self.lp = Milp()
        self._runs: dict[str, list[Lin]] = {}  # ratio rule id -> running balances
        S, H, D = c.S, c.H, c.D
        self.a = [lp.binary() for _ in range(S)]
        self.st = [lp.var(0, max(H - D, 0)) for _ in range(S)]
        self.r = [lp.var(0, H) for _ in range(S)]
        self.y = {(s, k): lp.binary() for s in range(S) for k in c.sites}
        self.x = {(s, co): lp.var(0, c.count(co)) for s in range(S) for co in c.cohorts}
        self.u = {key: lp.binary() for key in self.x}
        self.hp = [lp.binary() for _ in range(S)]
        self.ws = {ln: lp.var(0, max(H - mv, 0)) for ln, mv in c.lines}
        vetoed = {r.id for r in c.rules_of("veto")}
        self.p = {  # named people, counted per group of people named by the same rules
            (g.id, s): lp.var(0, 0 if g.rules & vetoed else g.size)
            for g in c.groups
            for s in range(S)
        }
        self.pu = {key: lp.binary() for key in self.p}
        self._structure()
        for rule in c.rules:
            getattr(self, "rule_" + rule.kind)(rule)
        if not c.has_pairing():
            for s in range(S):
                lp.if_ge(self.hp[s], self.r[s], self.st[s])

    def hc(self, s: int) -> Lin:
        return self.st[s] + self.c.D + total([h * self.y[s, k] for k, h in self.c.sites.items()])

    def rel(self, s: int, co: str) -> Lin:
        return self.hc(s) if self.c.is_hostage(co) else self.r[s]

    def done(self, line: str) -> Lin:
        return self.ws[line] + self.c.move(line)

    def tot(self, s: int, cohorts: list[str]) -> Lin:
        return total([self.x[s, co] for co in cohorts])

    def over_slots(self, co: str) -> Lin:
        return total([self.x[s, co] for s in range(self.c.S)])

    def days(self, hours: list[Lin]) -> list[Lin]:
        out = []
        for h in hours:
            d = self.lp.var(0, self.c.H // 24)
            self.lp.le(24 * d, h)
            self.lp.le(h, 24 * d + 23)
            out.append(d)
        return out

    def _structure(self) -> None:
        lp, c, S = self.lp, self.c, self.c.S
        for s in range(S):
            a = self.a[s]
            lp.le(self.st[s], max(c.H - c.D, 0) * a)
            if c.sites:
                lp.eq(total([self.y[s, k] for k in c.sites]), a)
            lp.le(self.hc(s), c.H)
            for co in c.cohorts:
                x, u = self.x[s, co], self.u[s, co]
                lp.ge(x, u)
                lp.le(x, c.count(co) * u)
                lp.le(u, a)
            side = list(c.hostages) or c.cohorts
            lp.ge(total([self.u[s, h] for h in side]), a)
            pris = [self.u[s, p] for p in c.prisoners]
            for u in pris:
                lp.ge(self.hp[s], u)
            lp.le(self.hp[s], total(pris))
            lp.if_le(1 - self.hp[s], self.r[s], self.hc(s))
            lp.if_ge(1 - self.hp[s], self.r[s], self.hc(s))
            if s + 1 < S:
                lp.le(self.a[s + 1], a)
                lp.if_ge(self.a[s + 1], self.st[s + 1], self.st[s])
        for g in c.groups:
            for s in range(S):
                lp.ge(self.p[g.id, s], self.pu[g.id, s])
                lp.le(self.p[g.id, s], g.size * self.pu[g.id, s])
        for co in c.cohorts:
            groups = c.groups_in(co)
            if not groups:
                lp.le(self.over_slots(co), c.count(co))
                continue
            rest = c.count(co) - sum(g.size for g in groups)
            anon = [lp.var(0, rest) for _ in range(S)]
            for s in range(S):
                lp.eq(self.x[s, co], anon[s] + total([self.p[g.id, s] for g in groups]))
            lp.le(total(anon), rest)
        for g in c.groups:
            lp.le(total([self.p[g.id, s] for s in range(S)]), g.size)
        for (prev, mv), (line, _) in zip(c.lines, c.lines[1:], strict=False):
            lp.ge(self.ws[line], self.ws[prev] + mv)

    # ------------------------------------------------------------------ rules
    def all_released(self, cohorts: list[str]) -> None:
        for co in cohorts:
            self.lp.eq(self.over_slots(co), self.c.count(co))

    def rule_release(self, r: Any) -> None:
        if r.min_count is None:
            self.all_released(r.cohorts)
        else:
            self.lp.ge(total([self.over_slots(co) for co in r.cohorts]), r.min_count)

    def balance(self, r: Any, s: int) -> Lin:
        """Prisoners given - prisoners owed in slot s (rates have at most 2 decimals)."""
        owed = total(
            [(round(rate * 100) / 100) * self.x[s, h] for h, rate in r.per_hostage.items()]
        )
        return self.tot(s, r.prisoners) - owed

    def running(self, r: Any) -> list[Lin]:
        """The rule's running balances, one variable per slot (the one before plus the slot's
        own: linear in slots), made once."""
        if r.id not in self._runs:
            bound = ratio_bound(self.c, self.c.rules_of("exchange_ratio"))
            out: list[Lin] = []
            for s in range(self.c.S):
                x = self.lp.var(-bound, bound, integer=False)
                self.lp.eq(x, (out[-1] if out else Lin()) + self.balance(r, s))
                out.append(x)
            self._runs[r.id] = out
        return self._runs[r.id]

    def rule_exchange_ratio(self, r: Any) -> None:
        for s in range(self.c.S):
            e = self.running(r)[s] if r.scope == "cumulative" else self.balance(r, s)
            self.lp.add(e, -r.max_prisoners_behind, r.max_prisoners_ahead)

    def rule_line_window(self, r: Any) -> None:
        self.lp.ge(self.ws[r.line], r.earliest_start)
        if r.latest_start is not None:
            self.lp.le(self.ws[r.line], r.latest_start)
        if r.latest_complete is not None:
            self.lp.le(self.done(r.line), r.latest_complete)

    def rule_line_before_handover(self, r: Any) -> None:
        for s in range(self.c.S):
            self.lp.if_ge(self.a[s], self.st[s], self.done(r.line))

    def rule_line_after_release(self, r: Any) -> None:
        lp, ws = self.lp, self.ws[r.line]
        if r.min_count is None:
            self.all_released(r.cohorts)
            for s in range(self.c.S):
                for co in r.cohorts:
                    lp.if_le(self.u[s, co], self.rel(s, co), ws)
            return
        counted = []
        for s in range(self.c.S):
            for co in r.cohorts:
                early, z = lp.binary(), lp.var(0, self.c.count(co))
                lp.le(z, self.x[s, co])
                lp.le(z, self.c.count(co) * early)
                lp.if_le(early, self.rel(s, co), ws)
                counted.append(z)
        lp.ge(total(counted), needed(self.c, r.cohorts, r.min_count))

    def rule_deadline(self, r: Any) -> None:
        self.all_released(r.cohorts)
        due = Lin(k=r.within_hours) + (self.done(r.after_line) if r.after_line else 0)
        for s in range(self.c.S):
            for co in r.cohorts:
                self.lp.if_le(self.u[s, co], self.rel(s, co), due)

    def rule_order(self, r: Any) -> None:
        lp, S = self.lp, self.c.S
        then_used = lp.binary()
        uses = [self.u[s, co] for s in range(S) for co in r.then]
        for u in uses:
            lp.ge(then_used, u)
        lp.le(then_used, total(uses))
        for co in r.first:  # all of `first` released once any of `then` is
            lp.ge(self.over_slots(co), self.c.count(co) * then_used)
        last_first = lp.var(0, self.c.H)
        for s in range(S):
            for co in r.first:
                lp.if_ge(self.u[s, co], last_first, self.rel(s, co))
        late = []
        for s in range(S):
            for co in r.then:
                lit = self.u[s, co]
                if r.mode != "all_before_any":
                    lit = lp.binary()
                    lp.le(lit, self.u[s, co])
                    late.append(lit)
                lp.if_ge(lit, self.rel(s, co), last_first + r.min_gap_hours)
        if late:
            lp.ge(total(late), then_used)

    def rule_availability(self, r: Any) -> None:
        for s in range(self.c.S):
            for co in r.cohorts:
                hour = self.st[s] if self.c.is_hostage(co) else self.r[s]
                self.lp.if_ge(self.u[s, co], hour, r.from_hour)

    def rule_pairing(self, r: Any) -> None:
        for s in range(self.c.S):
            self.lp.if_ge(self.hp[s], self.r[s], self.hc(s) + r.min_lag_hours)
            self.lp.if_le(self.hp[s], self.r[s], self.hc(s) + r.max_lag_hours)

    def rule_site_after_line(self, r: Any) -> None:
        for s in range(self.c.S):
            for k in r.sites:
                self.lp.if_ge(self.y[s, k], self.st[s], self.done(r.line))

    def rule_site_daily_limit(self, r: Any) -> None:
        lp, S = self.lp, self.c.S
        day = self.days(self.st)
        later: dict[tuple[int, int], Lin] = {}  # (s, t) -> 1 only if slot t starts a later day
        for s in range(S):
            for t in range(s + r.per_day, S):
                g = later[s, t] = lp.binary()
                lp.if_ge(g, day[t], day[s] + 1)
        for k in r.sites if r.sites is not None else list(self.c.sites):
            for (s, t), g in later.items():
                # slots s and t at site k on one day: at most per_day site-k slots from s to t
                lit = self.y[s, k] + self.y[t, k] - 1 - g
                lp.if_le(lit, total([self.y[q, k] for q in range(s, t + 1)]), r.per_day)

    def rule_prison_processing(self, r: Any) -> None:
        lp, S = self.lp, self.c.S
        day = self.days(self.r)
        cohorts = [co for co, prison in self.c.prison.items() if prison == r.prison]
        load = [self.tot(s, cohorts) for s in range(S)]
        cap = sum(self.c.count(co) for co in cohorts)
        same: dict[tuple[int, int], Lin] = {}
        for s in range(S):
            for t in range(s + 1, S):
                e, o = lp.binary(), lp.binary()  # same day; else o: t's day is later
                lp.if_ge(o - e, day[t], day[s] + 1)
                lp.if_ge(1 - o - e, day[s], day[t] + 1)
                same[s, t] = same[t, s] = e
        for s in range(S):
            extra = []
            for t in range(S):
                if t != s:
                    z = lp.var(0, cap, integer=False)  # load of t counted on s's day
                    lp.ge(z, load[t] - cap * (1 - same[s, t]))
                    extra.append(z)
            lp.le(load[s] + total(extra), r.per_day)

    def rule_stage_gap(self, r: Any) -> None:
        for s in range(self.c.S - 1):
            gap = self.st[s + 1] - self.st[s]
            self.lp.if_ge(self.a[s + 1], gap, r.min_hours)
            if r.max_hours is not None:
                self.lp.if_le(self.a[s + 1], gap, r.max_hours)

    def rule_veto(self, r: Any) -> None:
        pass  # the vetoed groups' counts have upper bound 0

    def rule_person_not_before(self, r: Any) -> None:
        for g in self.c.groups_of(r.id):
            for s in range(self.c.S):
                self.lp.if_ge(self.pu[g.id, s], self.rel(s, g.cohort), r.hour)

    def rule_located_from(self, r: Any) -> None:
        for g in self.c.groups_of(r.id):
            for s in range(self.c.S):
                self.lp.if_ge(self.pu[g.id, s], self.st[s], r.hour)

    # ------------------------------------------------------------------ objective terms
    def terms(self) -> dict[str, Lin]:
        lp, c, S, H = self.lp, self.c, self.c.S, self.c.H
        living, completion = lp.var(0, H), lp.var(0, H)
        for s in range(S):
            for co in c.living:
                lp.if_ge(self.u[s, co], living, self.hc(s))
            lp.if_ge(self.a[s], completion, self.hc(s))
            lp.if_ge(self.hp[s], completion, self.r[s])
        ratios = c.rules_of("exchange_ratio")
        bound = ratio_bound(c, ratios)
        peak = lp.var(0, bound)
        for r in ratios:
            for running in self.running(r):
                lp.ge(peak, running)
                lp.ge(peak, -running)
        every = {
            "unreleased": c.unreleased(lambda co: total([self.x[s, co] for s in range(S)])),
            "living_released_hour": living,
            "completion_hour": completion,
            "stage_count": total(self.a),
            "peak_imbalance": peak,
        }
        return {t: every[t] for t in c.terms}


def solve(sc: Any, time_limit: float = 60.0, seed: int = 0) -> Outcome:
    """Build and solve the MILP of a validated Scenario with HiGHS, lexicographically."""
    began = time.monotonic()
    model = Model(read_core(sc))
    terms = model.terms()
    n = len(model.lp.lb)
    h = model.lp.highs(seed)
    out = Outcome("milp", "optimal", size={"variables": n, "constraints": len(model.lp.rows)})
    start: list[float] | None = None
    for name, expr in terms.items():
        left = began + time_limit - time.monotonic()
        if left <= 0.01:
            out.status = "feasible" if start is not None else "time_limit"
            break
        step = minimise(h, n, expr, left, start)
        out.steps.append(
            {
                "term": name,
                "status": step.status,
                "value": step.value,
                "seconds": round(step.seconds, 3),
            }
        )
        if step.value is None or step.solution is None:
            out.status = step.status if start is None else "feasible"
            break
        out.objective[name] = step.value
        start = step.solution
        if step.status != "optimal":
            out.status = "feasible"
            break
        fix_at_most(h, expr, step.value)
    out.seconds = time.monotonic() - began
    return out
