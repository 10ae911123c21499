"""Decision variables of the staged-release model and the structural constraints every plan obeys.

Stages are slots s = 0..S-1 on an hour timeline; a slot is used or not. People are counts per
stage and cohort (never one boolean per person): interchangeable people make a per-person model
needlessly symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.scenario import PairingRule, Scenario

IntVar = cp_model.IntVar
LinExpr = cp_model.LinearExprT


@dataclass
class Variables:
    sc: Scenario
    model: cp_model.CpModel
    S: int
    H: int
    active: list[IntVar] = field(default_factory=list)
    start: list[IntVar] = field(default_factory=list)
    release: list[IntVar] = field(default_factory=list)  # prisoner release hour per stage
    count: dict[tuple[int, str], IntVar] = field(default_factory=dict)
    used: dict[tuple[int, str], IntVar] = field(default_factory=dict)  # count >= 1
    has_prisoners: list[IntVar] = field(default_factory=list)
    line_start: dict[str, IntVar] = field(default_factory=dict)

    @property
    def cohorts(self) -> list[str]:
        return [c.id for c in self.sc.hostage_cohorts] + [c.id for c in self.sc.prisoner_cohorts]

    def handover_complete(self, s: int) -> LinExpr:
        return self.start[s] + self.sc.handover_hours

    def release_hour(self, s: int, cohort: str) -> LinExpr:
        """Hour a member of ``cohort`` released in stage ``s`` counts as released."""
        return self.handover_complete(s) if self.sc.is_hostage(cohort) else self.release[s]

    def line_complete(self, line: str) -> LinExpr:
        ln = next(w for w in self.sc.withdrawal_lines if w.id == line)
        return self.line_start[line] + ln.move_hours

    def stage_total(self, s: int, cohorts: list[str]) -> LinExpr:
        return sum((self.count[s, c] for c in cohorts), start=0)


def build_variables(sc: Scenario, model: cp_model.CpModel) -> Variables:
    S, H, D = sc.max_stages, sc.horizon_hours, sc.handover_hours
    v = Variables(sc=sc, model=model, S=S, H=H)
    m = model
    for s in range(S):
        a = m.new_bool_var(f"stage{s}.active")
        st = m.new_int_var(0, max(H - D, 0), f"stage{s}.start")
        pr = m.new_int_var(0, H, f"stage{s}.release")
        v.active.append(a)
        v.start.append(st)
        v.release.append(pr)
        m.add(st == 0).only_enforce_if(~a)
        for c in v.cohorts:
            n = sc.cohort_count(c)
            x = m.new_int_var(0, n, f"stage{s}.{c}")
            u = m.new_bool_var(f"stage{s}.{c}.used")
            m.add(x >= 1).only_enforce_if(u)
            m.add(x == 0).only_enforce_if(~u)
            m.add_implication(u, a)
            v.count[s, c] = x
            v.used[s, c] = u
        people = [v.used[s, c] for c in v.cohorts]
        m.add_bool_or(people).only_enforce_if(a)  # a used stage releases someone
        hp = m.new_bool_var(f"stage{s}.has_prisoners")
        pris = [v.used[s, c.id] for c in sc.prisoner_cohorts]
        for u in pris:
            m.add_implication(u, hp)
        m.add_bool_or(pris or [m.new_constant(0)]).only_enforce_if(hp)
        v.has_prisoners.append(hp)
        # A stage without prisoners has its release hour pinned to the handover (canonical).
        m.add(pr == st + D).only_enforce_if(~hp)
        if not any(isinstance(r, PairingRule) for r in sc.rules):
            m.add(pr >= st).only_enforce_if(hp)
    for s in range(S - 1):
        m.add_implication(v.active[s + 1], v.active[s])
        m.add(v.start[s + 1] >= v.start[s]).only_enforce_if(v.active[s + 1])
    for c in v.cohorts:
        m.add(sum(v.count[s, c] for s in range(S)) <= sc.cohort_count(c))
    previous = None
    for ln in sc.withdrawal_lines:
        ws = m.new_int_var(0, max(H - ln.move_hours, 0), f"line.{ln.id}.start")
        v.line_start[ln.id] = ws
        if previous is not None:
            m.add(ws >= v.line_complete(previous))
        previous = ln.id
    return v
