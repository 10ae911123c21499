"""A small MILP builder over highspy's low-level API, for the MILP comparison formulation.

Linear expressions are ``Lin`` (column -> coefficient, plus a constant). Implications use a
big-M computed from the column bounds, so every M is as tight as the bounds allow:
``if_le(lit, a, b)`` is ``a <= b`` whenever the 0/1 expression ``lit`` is 1 (a variable ``b``,
its negation ``1 - b``, or a conjunction ``b1 + b2 - 1``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

INF = highspy.kHighsInf
Num = int | float


class Lin:
    __slots__ = ("k", "t")

    def __init__(self, t: dict[int, float] | None = None, k: float = 0.0):
        self.t = t if t is not None else {}
        self.k = k

    def _plus(self, other: Lin | Num, sign: float) -> Lin:
        t = dict(self.t)
        if isinstance(other, Lin):
            for j, v in other.t.items():
                t[j] = t.get(j, 0.0) + sign * v
            return Lin(t, self.k + sign * other.k)
        return Lin(t, self.k + sign * other)

    def __add__(self, other: Lin | Num) -> Lin:
        return self._plus(other, 1.0)

    __radd__ = __add__

    def __sub__(self, other: Lin | Num) -> Lin:
        return self._plus(other, -1.0)

    def __rsub__(self, other: Num) -> Lin:
        return (-1.0 * self) + other

    def __mul__(self, c: Num) -> Lin:
        return Lin({j: c * v for j, v in self.t.items()}, c * self.k)

    __rmul__ = __mul__

    def __neg__(self) -> Lin:
        return -1.0 * self


def total(items: list[Lin]) -> Lin:
    """Sum of expressions (fast: one dictionary)."""
    t: dict[int, float] = {}
    k = 0.0
    for e in items:
        for j, v in e.t.items():
            t[j] = t.get(j, 0.0) + v
        k += e.k
    return Lin(t, k)


@dataclass
class Milp:
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    # ------------------------------------------------------------------ building
    def var(self, lb: Num, ub: Num, integer: bool = True) -> Lin:
        self.lb.append(float(lb))
        self.ub.append(float(ub))
        self.integer.append(integer)
        return Lin({len(self.lb) - 1: 1.0})

    def binary(self) -> Lin:
        return self.var(0, 1)

    def bounds(self, e: Lin) -> tuple[float, float]:
        lo = hi = e.k
        for j, v in e.t.items():
            if v >= 0:
                lo, hi = lo + v * self.lb[j], hi + v * self.ub[j]
            else:
                lo, hi = lo + v * self.ub[j], hi + v * self.lb[j]
        return lo, hi

    def add(self, e: Lin, lo: float = -INF, hi: float = INF) -> None:
        """lo <= e <= hi."""
        t = {j: v for j, v in e.t.items() if v != 0.0}
        self.rows.append((t, lo - e.k if lo > -INF else -INF, hi - e.k if hi < INF else INF))

    def le(self, a: Lin | Num, b: Lin | Num) -> None:
        self.add(Lin() + a - b, hi=0.0)

    def ge(self, a: Lin | Num, b: Lin | Num) -> None:
        self.le(b, a)

    def eq(self, a: Lin | Num, b: Lin | Num) -> None:
        self.add(Lin() + a - b, 0.0, 0.0)

    def if_le(self, lit: Lin, a: Lin | Num, b: Lin | Num) -> None:
        """a <= b when lit = 1: (a - b) + M lit <= M, M = max(a - b) from the bounds."""
        diff = Lin() + a - b
        big = self.bounds(diff)[1]
        if big <= 0:
            return  # holds whatever lit is
        self.add(diff + big * lit, hi=big)

    def if_ge(self, lit: Lin, a: Lin | Num, b: Lin | Num) -> None:
        self.if_le(lit, b, a)

    # ------------------------------------------------------------------ solving
    def highs(self, seed: int) -> highspy.Highs:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", seed)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.99)  # every objective term is integral
        n = len(self.lb)
        h.addVars(n, np.array(self.lb), np.array(self.ub))
        idx = np.array([j for j in range(n) if self.integer[j]], dtype=np.int32)
        h.changeColsIntegrality(len(idx), idx, np.ones(len(idx), dtype=np.uint8))
        self._rows(h, self.rows)
        return h

    @staticmethod
    def _rows(h: highspy.Highs, rows: list[tuple[dict[int, float], float, float]]) -> None:
        starts, index, value = [], [], []
        for t, _, _ in rows:
            starts.append(len(index))
            index.extend(t)
            value.extend(t.values())
        h.addRows(
            len(rows),
            np.array([r[1] for r in rows], dtype=np.float64),
            np.array([r[2] for r in rows], dtype=np.float64),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64),
        )


@dataclass
class Step:
    status: str  # optimal | feasible | infeasible | time_limit | other HiGHS status
    value: int | None
    seconds: float
    solution: list[float] | None


def minimise(
    h: highspy.Highs, n: int, expr: Lin, seconds: float, start: list[float] | None
) -> Step:
    """Minimise ``expr`` (integral) over the model in ``h``, from the solution ``start``."""
    t0 = time.monotonic()
    cost = np.zeros(n)
    for j, v in expr.t.items():
        cost[j] = v
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.setOptionValue("time_limit", max(seconds, 0.01))
    if start is not None:
        h.setSolution(n, np.arange(n, dtype=np.int32), np.array(start))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    took = time.monotonic() - t0
    if status == highspy.HighsModelStatus.kOptimal:
        name = "optimal"
    elif status == highspy.HighsModelStatus.kInfeasible:
        return Step("infeasible", None, took, None)
    elif status == highspy.HighsModelStatus.kTimeLimit:
        name = "feasible" if has_solution else "time_limit"
    else:
        name = h.modelStatusToString(status).lower()
    if not has_solution:
        return Step(name, None, took, None)
    solution = list(h.getSolution().col_value)
    value = round(sum(v * solution[j] for j, v in expr.t.items()) + expr.k)
    return Step(name, value, took, solution)


def fix_at_most(h: highspy.Highs, expr: Lin, value: int) -> None:
    """Add the row expr <= value (the term keeps its optimum in the next steps)."""
    t = {j: v for j, v in expr.t.items() if v != 0.0}
    Milp._rows(h, [(t, -INF, value - expr.k + 1e-6)])
