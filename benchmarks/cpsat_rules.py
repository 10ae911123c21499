"""What the two CP-SAT comparison models (``bare``, ``per_person``) write the same way: the
rules whose constraints read only slot hours, lines and sites, not how people are counted.

A subclass sets ``m`` (the model), ``c`` (the Core), ``a`` (slot used), ``st`` (slot start),
``r`` (prisoner release hour), ``y`` (slot at site), ``hp`` (slot has prisoners), ``ws`` (line
start), ``_runs`` (running balances, by rule id), and defines ``hc(s)`` (hostages received)
and ``balance(r, s)`` (100 x a slot's own balance).
"""

from __future__ import annotations

from typing import Any

from benchmarks.cpsat_lex import ratio_bound, running_balances

Expr = Any  # a CP-SAT linear expression


class SlotRules:
    m: Any
    c: Any
    a: list[Any]
    st: list[Any]
    r: list[Any]
    y: dict[tuple[int, str], Any]
    hp: list[Any]
    ws: dict[str, Any]
    _runs: dict[str, list[Any]]

    def hc(self, s: int) -> Expr:
        raise NotImplementedError

    def balance(self, r: Any, s: int) -> Expr:
        raise NotImplementedError

    def done(self, line: str) -> Expr:
        return self.ws[line] + self.c.move(line)

    def days(self, hours: list[Any], name: str) -> list[Any]:
        out = []
        for s, h in enumerate(hours):
            d = self.m.new_int_var(0, self.c.H // 24, f"{name}{s}")
            self.m.add(24 * d <= h)
            self.m.add(h <= 24 * d + 23)
            out.append(d)
        return out

    def running(self, r: Any) -> list[Any]:
        """The rule's running balances (100 x), one variable per slot, made once."""
        if r.id not in self._runs:
            bound = ratio_bound(self.c, self.c.rules_of("exchange_ratio"))
            self._runs[r.id] = running_balances(self.m, r, self.balance, self.c.S, bound)
        return self._runs[r.id]

    def rule_exchange_ratio(self, r: Any) -> None:
        for s in range(self.c.S):
            e = self.running(r)[s] if r.scope == "cumulative" else self.balance(r, s)
            self.m.add(e <= 100 * r.max_prisoners_ahead)
            self.m.add(e >= -100 * r.max_prisoners_behind)

    def rule_line_window(self, r: Any) -> None:
        self.m.add(self.ws[r.line] >= r.earliest_start)
        if r.latest_start is not None:
            self.m.add(self.ws[r.line] <= r.latest_start)
        if r.latest_complete is not None:
            self.m.add(self.done(r.line) <= r.latest_complete)

    def rule_line_before_handover(self, r: Any) -> None:
        for s in range(self.c.S):
            self.m.add(self.st[s] >= self.done(r.line)).only_enforce_if(self.a[s])

    def rule_pairing(self, r: Any) -> None:
        for s in range(self.c.S):
            self.m.add(self.r[s] >= self.hc(s) + r.min_lag_hours).only_enforce_if(self.hp[s])
            self.m.add(self.r[s] <= self.hc(s) + r.max_lag_hours).only_enforce_if(self.hp[s])

    def rule_site_after_line(self, r: Any) -> None:
        for s in range(self.c.S):
            for k in r.sites:
                self.m.add(self.st[s] >= self.done(r.line)).only_enforce_if(self.y[s, k])

    def rule_stage_gap(self, r: Any) -> None:
        for s in range(self.c.S - 1):
            gap = self.st[s + 1] - self.st[s]
            self.m.add(gap >= r.min_hours).only_enforce_if(self.a[s + 1])
            if r.max_hours is not None:
                self.m.add(gap <= r.max_hours).only_enforce_if(self.a[s + 1])
