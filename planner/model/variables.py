"""Decision variables of the staged-release model and the structural constraints every plan obeys.

Stages are slots s = 0..S-1 on an hour timeline; a slot is used or not, used slots come first
and start in time order, so slot s is stage s+1 of the plan. People are counts per stage and
cohort (and per destination, with places); only people named by an individual rule (veto,
abroad, not before, located from, fixed stage) get variables of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.network import build_graph, handover_legs, transfer_legs
from planner.scenario import Scenario

IntVar = cp_model.IntVar
LinExpr = cp_model.LinearExprT
Dest = str | None  # None: a cohort whose destination is not modelled


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
    site: dict[tuple[int, str], IntVar] = field(default_factory=dict)  # stage s at site k
    site_hours: dict[str, int] = field(default_factory=dict)  # site -> travel to reception
    site_paths: dict[str, list[str]] = field(default_factory=dict)
    flow: dict[tuple[int, str, str], IntVar] = field(default_factory=dict)  # (s, cohort, dest)
    person_cohort: dict[str, str] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    # (group, s, dest) -> people of the group released in stage s (to dest)
    group_count: dict[tuple[int, int, Dest], IntVar] = field(default_factory=dict)
    group_any: dict[tuple[int, int, Dest], IntVar] = field(default_factory=dict)  # count >= 1
    rule_groups: dict[str, list[int]] = field(default_factory=dict)  # rule id -> its groups
    keys_of_group: list[list[tuple[int, int, Dest]]] = field(default_factory=list)
    legs: dict[tuple[str, str], tuple[int, list[str]]] = field(default_factory=dict)
    days: dict[str, IntVar] = field(default_factory=dict)  # "<hour var>.day" -> day (24 h)
    running: dict[str, list[IntVar]] = field(default_factory=dict)  # ratio rule -> balances

    @property
    def cohorts(self) -> list[str]:
        return [c.id for c in self.sc.hostage_cohorts] + [c.id for c in self.sc.prisoner_cohorts]

    def travel(self, s: int) -> LinExpr:
        return sum((h * self.site[s, k] for k, h in self.site_hours.items()), start=0)

    def handover_complete(self, s: int) -> LinExpr:
        return self.start[s] + self.sc.handover_hours + self.travel(s)

    def release_hour(self, s: int, cohort: str) -> LinExpr:
        """Hour a member of ``cohort`` released in stage ``s`` counts as released."""
        return self.handover_complete(s) if self.sc.is_hostage(cohort) else self.release[s]

    def line_complete(self, line: str) -> LinExpr:
        ln = next(w for w in self.sc.withdrawal_lines if w.id == line)
        return self.line_start[line] + ln.move_hours

    def stage_total(self, s: int, cohorts: list[str]) -> LinExpr:
        return sum((self.count[s, c] for c in cohorts), start=0)

    def group_keys(self, g: int) -> list[tuple[int, int, Dest]]:
        """The (group, slot, destination) keys of group g, in the order they were made."""
        return self.keys_of_group[g]

    def group_released(self, g: int, s: int | None = None) -> LinExpr:
        """People of group g released (in stage s, if given)."""
        keys = self.group_keys(g)
        return sum((self.group_count[k] for k in keys if s is None or k[1] == s), start=0)

    def group_vars(self, rule_id: str) -> list[tuple[int, int, Dest, IntVar, IntVar]]:
        """(group, slot, destination, count, count >= 1) of each group the rule names, in
        the order the variables were made."""
        return [
            (g, s, d, self.group_count[g, s, d], self.group_any[g, s, d])
            for g in self.rule_groups.get(rule_id, [])
            for (_, s, d) in self.group_keys(g)
        ]


@dataclass(frozen=True)
class Group:
    """Named people of one cohort under exactly the same individual rules. They are
    interchangeable, so one count per stage (and destination) stands for all of them, and the
    decoder hands out their ids in order."""

    cohort: str
    rules: tuple[str, ...]
    people: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"named.{self.cohort}[{'+'.join(self.rules)}]"


def named_groups(sc: Scenario) -> list[Group]:
    """The people named by individual rules, grouped by cohort and by the rules naming them
    (groups in order of their first person in ``Scenario.individuals``)."""
    owner = sc.member_cohort()
    rules_of: dict[str, list[str]] = {}
    for r in sc.rules:
        for person in getattr(r, "people", None) or []:
            rules_of.setdefault(person, [])
            if r.id not in rules_of[person]:
                rules_of[person].append(r.id)
    members: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for person in sc.individuals():
        members.setdefault((owner[person], tuple(rules_of[person])), []).append(person)
    return [Group(c, rules, tuple(people)) for (c, rules), people in members.items()]


def build_variables(sc: Scenario, model: cp_model.CpModel) -> Variables:
    S, H, D = sc.max_stages, sc.horizon_hours, sc.handover_hours
    v = Variables(sc=sc, model=model, S=S, H=H)
    m = model
    graph = build_graph(sc)
    for k, (hours, path) in handover_legs(sc, graph).items():
        v.site_hours[k] = hours
        v.site_paths[k] = path
    v.legs = transfer_legs(sc, graph)
    for s in range(S):
        a = m.new_bool_var(f"stage{s}.active")
        st = m.new_int_var(0, max(H - D, 0), f"stage{s}.start")
        pr = m.new_int_var(0, H, f"stage{s}.release")
        v.active.append(a)
        v.start.append(st)
        v.release.append(pr)
        m.add(st == 0).only_enforce_if(~a)
        if v.site_hours:
            for k in v.site_hours:
                v.site[s, k] = m.new_bool_var(f"stage{s}.site.{k}")
            m.add(sum(v.site[s, k] for k in v.site_hours) == a)  # one site per used stage
        m.add(v.handover_complete(s) <= H)
        for c in v.cohorts:
            n = sc.cohort_count(c)
            x = m.new_int_var(0, n, f"stage{s}.{c}")
            u = m.new_bool_var(f"stage{s}.{c}.used")
            m.add(x >= 1).only_enforce_if(u)
            m.add(x == 0).only_enforce_if(~u)
            m.add_implication(u, a)
            v.count[s, c] = x
            v.used[s, c] = u
            dests = sc.allowed_destinations(c)
            if dests:
                for d in dests:
                    v.flow[s, c, d] = m.new_int_var(0, n, f"stage{s}.{c}.to.{d}")
                m.add(x == sum(v.flow[s, c, d] for d in dests))
        # a used stage hands over at least one hostage (releases someone, without hostages)
        handed = [v.used[s, c.id] for c in sc.hostage_cohorts] or [v.used[s, c] for c in v.cohorts]
        m.add_bool_or(handed).only_enforce_if(a)
        hp = m.new_bool_var(f"stage{s}.has_prisoners")
        pris = [v.used[s, c.id] for c in sc.prisoner_cohorts]
        for u in pris:
            m.add_implication(u, hp)
        m.add_bool_or(pris or [m.new_constant(0)]).only_enforce_if(hp)
        v.has_prisoners.append(hp)
        # A stage without prisoners has its release hour pinned to the handover (canonical).
        m.add(pr == v.handover_complete(s)).only_enforce_if(~hp)
    for s in range(S - 1):
        m.add_implication(v.active[s + 1], v.active[s])
        m.add(v.start[s + 1] >= v.start[s]).only_enforce_if(v.active[s + 1])
    _individuals(v)
    previous = None
    for ln in sc.withdrawal_lines:
        ws = m.new_int_var(0, max(H - ln.move_hours, 0), f"line.{ln.id}.start")
        v.line_start[ln.id] = ws
        if previous is not None:
            m.add(ws >= v.line_complete(previous))
        previous = ln.id
    return v


def _individuals(v: Variables) -> None:
    """Variables for the people named by individual rules, a count per group of people under
    the same rules (``named_groups``); everyone else is a count of the cohort.

    group_count[g, s, d]: people of group g released in stage s (to destination d). The
    cohort's anonymous remainder is bounded so that a person kept back is never replaced by
    another.
    """
    sc, m = v.sc, v.model
    v.groups = named_groups(sc)
    in_cohort: dict[str, list[int]] = {c: [] for c in v.cohorts}
    for g, grp in enumerate(v.groups):
        in_cohort[grp.cohort].append(g)
        for rid in grp.rules:
            v.rule_groups.setdefault(rid, []).append(g)
        for person in grp.people:
            v.person_cohort[person] = grp.cohort
        v.keys_of_group.append([])
        size = len(grp.people)
        options: list[Dest] = list(sc.allowed_destinations(grp.cohort)) or [None]
        for s in range(v.S):
            for d in options:
                name = f"{grp.name}.stage{s}.{d}"
                if size == 1:
                    x = any_ = m.new_bool_var(name)
                else:
                    x = m.new_int_var(0, size, name)
                    any_ = m.new_bool_var(f"{name}.any")
                    m.add(x <= size * any_)
                v.group_count[g, s, d] = x
                v.group_any[g, s, d] = any_
                v.keys_of_group[g].append((g, s, d))
        m.add(v.group_released(g) <= size)
    for c in v.cohorts:
        groups = in_cohort[c]
        if not groups:
            m.add(sum(v.count[s, c] for s in range(v.S)) <= sc.cohort_count(c))
            continue
        dests = sc.allowed_destinations(c)
        for s in range(v.S):
            if dests:
                for d in dests:
                    m.add(sum(v.group_count[g, s, d] for g in groups) <= v.flow[s, c, d])
            else:
                m.add(sum(v.group_count[g, s, None] for g in groups) <= v.count[s, c])
        named = sum(len(v.groups[g].people) for g in groups)
        anonymous = sum(v.count[s, c] for s in range(v.S)) - sum(
            v.group_released(g) for g in groups
        )
        m.add(anonymous <= sc.cohort_count(c) - named)
