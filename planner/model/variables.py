"""Decision variables of the staged-release model and the structural constraints every plan obeys.

Stages are slots s = 0..S-1 on an hour timeline; a slot is used or not, used slots come first
and start in time order, so slot s is stage s+1 of the plan. People are counts per stage and
cohort (and per destination, with places); only people named by an individual rule (veto,
abroad, not before, located from, fixed stage) get variables of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from planner.network import build_graph, handover_legs, holding_legs, transfer_legs
from planner.record import ExecutionRecord, RecordedStage
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
    reached: dict[str, IntVar] = field(default_factory=dict)  # conditional line -> moved to
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
    # An execution record (replan): slots 0..past-1 are its stages, fixed; the rest start at
    # or after now. Rules judge each open slot; a recorded stage is fact, and where it breaks
    # a rule the verifier reports a deviation (planner.replan).
    past: int = 0
    now: int = 0
    fixed_complete: dict[int, int] = field(default_factory=dict)  # slot -> handover complete
    fixed_lines: dict[str, int] = field(default_factory=dict)  # line -> recorded completion
    fixed_release: dict[int, int] = field(default_factory=dict)  # slot -> prisoners released
    fixed_counts: dict[int, dict[str, int]] = field(default_factory=dict)  # slot -> cohort -> n
    fixed_origins: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)
    record: ExecutionRecord | None = None
    # hostage cohorts held in areas (held_in): people of cohort c from area a in slot s
    origin: dict[tuple[int, str, str], IntVar] = field(default_factory=dict)
    origin_any: dict[tuple[int, str, str], IntVar] = field(default_factory=dict)  # >= 1
    area_hours: dict[tuple[str, str], int] = field(default_factory=dict)  # (area, site) -> h

    @property
    def open_slots(self) -> range:
        """The slots the model decides (all of them without a record)."""
        return range(self.past, self.S)

    @property
    def cohorts(self) -> list[str]:
        return [c.id for c in self.sc.hostage_cohorts] + [c.id for c in self.sc.prisoner_cohorts]

    def travel(self, s: int) -> LinExpr:
        return sum((h * self.site[s, k] for k, h in self.site_hours.items()), start=0)

    def handover_complete(self, s: int) -> LinExpr:
        if s in self.fixed_complete:
            return self.fixed_complete[s]
        return self.start[s] + self.sc.handover_hours + self.travel(s)

    def release_hour(self, s: int, cohort: str) -> LinExpr:
        """Hour a member of ``cohort`` released in stage ``s`` counts as released."""
        return self.handover_complete(s) if self.sc.is_hostage(cohort) else self.release[s]

    def when_reached(self, line: str) -> list[IntVar]:
        """The literal 'the move to ``line`` happens' for a conditional line not recorded
        ([] for a line that is always reached): add it to a constraint's enforcement."""
        return [self.reached[line]] if line in self.reached else []

    def line_complete(self, line: str) -> LinExpr:
        if line in self.fixed_lines:
            return self.fixed_lines[line]
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


def build_variables(
    sc: Scenario, model: cp_model.CpModel, record: ExecutionRecord | None = None
) -> Variables:
    """The variables; with ``record``, its stages are slots 0.. fixed to what happened and
    the rest start at or after its ``now_hour`` (``sc`` already holds every recorded person:
    ``planner.record.effective_scenario``)."""
    v = Variables(sc=sc, model=model, S=sc.max_stages, H=sc.horizon_hours)
    graph = build_graph(sc)
    for k, (hours, path) in handover_legs(sc, graph).items():
        v.site_hours[k] = hours
        v.site_paths[k] = path
    v.legs = transfer_legs(sc, graph)
    v.area_hours = holding_legs(sc, graph)
    if record is not None:
        _recorded_hours(v, record)
    for s in range(v.S):
        _slot(v, s)
    for s in range(v.S - 1):
        model.add_implication(v.active[s + 1], v.active[s])
        model.add(v.start[s + 1] >= v.start[s]).only_enforce_if(v.active[s + 1])
    _individuals(v)
    _held_in_areas(v)
    _lines(v, record)
    if record is not None:
        fix_recorded(v, record)
    return v


def _recorded_hours(v: Variables, record: ExecutionRecord) -> None:
    """The hours of the recorded stages: handover completion and prisoner release."""
    v.record, v.past, v.now = record, len(record.stages), record.now_hour
    for s, rs in enumerate(record.stages):
        travel = v.site_hours.get(rs.site, 0) if rs.site is not None else 0
        hc = rs.handover_complete_hour
        v.fixed_complete[s] = hc if hc is not None else rs.start_hour + v.sc.handover_hours + travel
        pr = rs.prisoner_release_hour if any(rs.prisoners.values()) else None
        v.fixed_release[s] = pr if pr is not None else v.fixed_complete[s]
        v.fixed_counts[s] = {**rs.hostages, **rs.prisoners}
        v.fixed_origins[s] = recorded_origins(v.sc, rs)


def _slot(v: Variables, s: int) -> None:
    """Stage slot s: used or not, its start, site, release hour and counts per cohort."""
    m, sc, H = v.model, v.sc, v.H
    a = m.new_bool_var(f"stage{s}.active")
    if s < v.past:  # recorded: the hour it started
        hour = v.record.stages[s].start_hour  # type: ignore[union-attr]
        st = m.new_int_var(hour, hour, f"stage{s}.start")
    else:
        st = m.new_int_var(0, max(H - sc.handover_hours, 0), f"stage{s}.start")
    pr = m.new_int_var(0, max(H, v.fixed_release.get(s, 0)), f"stage{s}.release")
    v.active.append(a)
    v.start.append(st)
    v.release.append(pr)
    m.add(st == 0).only_enforce_if(~a)
    if v.site_hours:
        for k in v.site_hours:
            v.site[s, k] = m.new_bool_var(f"stage{s}.site.{k}")
        m.add(sum(v.site[s, k] for k in v.site_hours) == a)  # one site per used stage
    if s >= v.past:
        m.add(v.handover_complete(s) <= H)
    for c in v.cohorts:
        _cohort_vars(v, s, c, a)
    # a used stage hands over at least one hostage (releases someone, without hostages)
    handed = [v.used[s, c.id] for c in sc.hostage_cohorts] or [v.used[s, c] for c in v.cohorts]
    if s >= v.past:  # a recorded handover may have released no hostage
        m.add_bool_or(handed).only_enforce_if(a)
        if v.record is not None:
            m.add(st >= v.now).only_enforce_if(a)
    hp = m.new_bool_var(f"stage{s}.has_prisoners")
    pris = [v.used[s, c.id] for c in sc.prisoner_cohorts]
    for u in pris:
        m.add_implication(u, hp)
    m.add_bool_or(pris or [m.new_constant(0)]).only_enforce_if(hp)
    v.has_prisoners.append(hp)
    # A stage without prisoners has its release hour pinned to the handover (canonical).
    m.add(pr == v.handover_complete(s)).only_enforce_if(~hp)
    if v.record is not None and s >= v.past:
        m.add(pr >= v.now).only_enforce_if(hp)


def _cohort_vars(v: Variables, s: int, c: str, a: IntVar) -> None:
    """People of cohort c released in slot s (and to each destination, with places)."""
    m = v.model
    n = v.sc.cohort_count(c)
    x = m.new_int_var(0, n, f"stage{s}.{c}")
    u = m.new_bool_var(f"stage{s}.{c}.used")
    m.add(x >= 1).only_enforce_if(u)
    m.add(x == 0).only_enforce_if(~u)
    m.add_implication(u, a)
    v.count[s, c] = x
    v.used[s, c] = u
    dests = v.sc.allowed_destinations(c)
    if dests:
        for d in dests:
            v.flow[s, c, d] = m.new_int_var(0, n, f"stage{s}.{c}.to.{d}")
        m.add(x == sum(v.flow[s, c, d] for d in dests))
    held = v.sc.hostage(c).held_in if v.sc.is_hostage(c) else None  # type: ignore[union-attr]
    for area in held or {}:
        o = m.new_int_var(0, n, f"stage{s}.{c}.from.{area}")
        o_any = m.new_bool_var(f"stage{s}.{c}.from.{area}.any")
        m.add(o >= 1).only_enforce_if(o_any)
        m.add(o == 0).only_enforce_if(~o_any)
        v.origin[s, c, area] = o
        v.origin_any[s, c, area] = o_any
    if held:
        m.add(x == sum(v.origin[s, c, area] for area in held))


def _held_in_areas(v: Variables) -> None:
    """No more people of a cohort come from an area than it holds there (with a record, the
    area's count is raised to what the record took from it: the record is fact)."""
    for c in v.sc.hostage_cohorts:
        for area, k in (c.held_in or {}).items():
            taken = sum(v.fixed_origins.get(s, {}).get((c.id, area), 0) for s in range(v.past))
            total = sum(v.origin[s, c.id, area] for s in range(v.S))
            v.model.add(total <= max(k, taken))


def _lines(v: Variables, record: ExecutionRecord | None) -> None:
    """The start of each move, in the order of the lines; a recorded move is fact (a start
    before 0 is allowed), a move not recorded starts at or after the record's now."""
    m, H = v.model, v.H
    previous = None
    for ln in v.sc.withdrawal_lines:
        moved = record.line(ln.id) if record is not None else None
        latest = max(H - ln.move_hours, 0)
        if moved is not None:
            ws = m.new_int_var(moved.start_hour, moved.start_hour, f"line.{ln.id}.start")
            if moved.complete_hour is not None:
                v.fixed_lines[ln.id] = moved.complete_hour
        else:
            low = min(v.now, latest)
            ws = m.new_int_var(low, latest, f"line.{ln.id}.start")
            if not ln.required:  # conditional: moved to or not; not moved: start pinned
                v.reached[ln.id] = m.new_bool_var(f"line.{ln.id}.reached")
                m.add(ws == low).only_enforce_if(~v.reached[ln.id])
            if record is not None:
                m.add(ws >= v.now).only_enforce_if(v.when_reached(ln.id))
        v.line_start[ln.id] = ws
        if previous is not None and moved is None:
            m.add(ws >= v.line_complete(previous)).only_enforce_if(v.when_reached(ln.id))
            if ln.id in v.reached and previous in v.reached:  # reached only after the one before
                m.add_implication(v.reached[ln.id], v.reached[previous])
        previous = ln.id


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


def recorded_flows(sc: Scenario, rs: RecordedStage) -> dict[tuple[str, str], int]:
    """(cohort, destination) -> prisoners a recorded stage moved there: its transfers, or all
    of a cohort to its one allowed destination."""
    out: dict[tuple[str, str], int] = {}
    for t in rs.transfers:
        for c, n in t.prisoners.items():
            out[c, t.destination] = out.get((c, t.destination), 0) + n
    for c, n in rs.prisoners.items():
        dests = sc.allowed_destinations(c)
        if n and dests and not any(key[0] == c for key in out):
            out[c, dests[0]] = n
    return out


def recorded_origins(sc: Scenario, rs: RecordedStage) -> dict[tuple[str, str], int]:
    """(cohort, area) -> hostages a recorded stage brought from that area: its ``origins``,
    or all of a cohort from its one area."""
    out: dict[tuple[str, str], int] = {}
    for c, n in rs.hostages.items():
        areas = list(sc.areas_of(c))
        given = rs.origins.get(c)
        if given is not None:
            out.update({(c, a): k for a, k in given.items()})
        elif len(areas) == 1:
            out[c, areas[0]] = n
    return out


def recorded_group_counts(v: Variables, rs: RecordedStage) -> dict[tuple[int, Dest], int]:
    """(group, destination) -> named people of the group a recorded stage lists."""
    where: dict[str, Dest] = {}
    for t in rs.transfers:
        for pid in t.prisoner_ids:
            where[pid] = t.destination
    listed = [*rs.hostage_ids, *rs.prisoner_ids]
    out: dict[tuple[int, Dest], int] = {}
    for g, grp in enumerate(v.groups):
        dests = v.sc.allowed_destinations(grp.cohort)
        for pid in listed:
            if pid in grp.people:
                d = where.get(pid, dests[0] if dests else None)
                out[g, d] = out.get((g, d), 0) + 1
    return out


def fix_recorded(v: Variables, record: ExecutionRecord) -> None:
    """Slots 0..past-1 hold the record's stages exactly as they happened."""
    m, sc = v.model, v.sc
    for s, rs in enumerate(record.stages):
        m.add(v.active[s] == 1)
        m.add(v.start[s] == rs.start_hour)
        for k in v.site_hours:
            m.add(v.site[s, k] == int(k == rs.site))
        for c in v.cohorts:
            m.add(v.count[s, c] == rs.hostages.get(c, 0) + rs.prisoners.get(c, 0))
        flows = recorded_flows(sc, rs)
        for (s2, c, d), x in v.flow.items():
            if s2 == s:
                m.add(x == flows.get((c, d), 0))
        m.add(v.release[s] == v.fixed_release[s])
        origins = v.fixed_origins[s]
        for (s2, c, area), x in v.origin.items():
            if s2 == s:
                m.add(x == origins.get((c, area), 0))
        named = recorded_group_counts(v, rs)
        for (g, s2, d), x in v.group_count.items():
            if s2 == s:
                m.add(x == named.get((g, d), 0))
