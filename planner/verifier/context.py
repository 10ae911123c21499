"""What every verifier check shares: the violation ids and report, small formatting helpers, the
routes graph, and :class:`Context` (the scenario and plan with their lookups, built once per
verify). Knows no rule kind: kind-specific lookups live in ``planner.verifier.rules``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from planner.plan import Plan, Stage, Transfer, Withdrawal, parse_generated
from planner.scenario import Scenario

PLAN_SCENARIO = "plan/scenario"
PLAN_STAGES = "plan/stages"
PLAN_HORIZON = "plan/horizon"
PLAN_PEOPLE = "plan/people"
PLAN_ROUTES = "plan/routes"
PLAN_TRANSFERS = "plan/transfers"
PLAN_WITHDRAWALS = "plan/withdrawals"
PLAN_METRICS = "plan/metrics"
PLAN_OBJECTIVE = "plan/objective"


# --------------------------------------------------------------------------- report


class Violation(BaseModel):
    """One way in which a plan breaks a rule (or the plan format)."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    stage: int | None = None
    line: str | None = Field(default=None, description="the withdrawal line, if one")
    message: str
    basis: Literal["term", "assumption"] | None = Field(
        default=None,
        description="the broken rule's basis: an agreed term or a planning assumption (null: "
        "the plan's own structure)",
    )


class VerifyReport(BaseModel):
    """The independent verifier's report of a plan (``planner.verify``, ``planner check``):
    every violation found, each with its rule id, basis (agreed term or planning assumption)
    and numbers; ``ok`` when there are none. With an execution record, violations the record
    made unavoidable are ``deviations``, reported apart. ``lines()`` gives them as text."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    violations: list[Violation]
    deviations: list[Violation] = Field(
        default_factory=list,
        description="where the plan's execution record departs from the scenario (replan): "
        "facts, not faults of the plan; they do not make it fail",
    )

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def broken_terms(self) -> list[Violation]:
        """Violations of rules the parties agreed (``basis: term``)."""
        return [v for v in self.violations if v.basis == "term"]

    @property
    def failed_assumptions(self) -> list[Violation]:
        """Violations of planning assumptions (``basis: assumption``)."""
        return [v for v in self.violations if v.basis == "assumption"]

    def lines(self, which: str = "violations") -> list[str]:
        """One line per violation (or deviation): ``rule <id>: stage <n>: <message>``, the
        rule marked ``(assumption)`` when it is a planning assumption, not an agreed term."""
        out = []
        for v in self.violations if which == "violations" else self.deviations:
            where = f"stage {v.stage}: " if v.stage is not None else ""
            tag = " (assumption)" if v.basis == "assumption" else ""
            out.append(f"rule {v.rule}{tag}: {where}{v.message}")
        return out

    def summary(self) -> str:
        """``N violation(s)``, split into broken terms and failed assumptions where any rule
        is an assumption."""
        n = len(self.violations)
        head = f"{n} violation(s)"
        if not self.failed_assumptions:
            return head
        plan = n - len(self.broken_terms) - len(self.failed_assumptions)
        parts = [
            f"{len(self.broken_terms)} of agreed terms",
            f"{len(self.failed_assumptions)} of planning assumptions",
        ]
        if plan:
            parts.append(f"{plan} of the plan's structure")
        return f"{head}: " + ", ".join(parts)


# --------------------------------------------------------------------------- helpers


def names(items: Iterable[str]) -> str:
    return ", ".join(items)


def hundredths(x: int) -> str:
    """An integer number of hundredths as a short decimal: 350 -> '3.5', -25 -> '-0.25'."""
    sign = "-" if x < 0 else ""
    whole, frac = divmod(abs(x), 100)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


def ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def routes_graph(sc: Scenario) -> nx.Graph:
    """Places and routes as an undirected graph; parallel routes keep the fastest."""
    g = nx.Graph()
    g.add_nodes_from(p.id for p in sc.places)
    for r in sc.routes:
        a, b = r.between
        if a == b:
            continue
        if not g.has_edge(a, b) or r.hours < g.edges[a, b]["hours"]:
            g.add_edge(a, b, hours=r.hours)
    return g


class People:
    """Which cohort a person id belongs to, per docs/rules.md: string operations per id, no
    pattern matching and no table of generated ids."""

    def __init__(self, sc: Scenario):
        self.sc = sc
        self.member_of: dict[str, str] = {}
        self.unnamed: dict[str, int] = {}
        for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
            self.unnamed[c.id] = c.count - len(c.members)
            for m in c.members:
                self.member_of.setdefault(m.id, c.id)

    def generated(self, pid: str) -> tuple[str, int] | None:
        """(cohort, n) when ``pid`` has the form ``<cohort>-<n>`` of a cohort of the scenario
        (n may lie beyond the cohort; a member's id may have this form too)."""
        gen = parse_generated(pid)
        return gen if gen is not None and gen[0] in self.unnamed else None

    def owner(self, pid: str) -> tuple[str | None, str]:
        """(cohort, "") for a valid id; (None, reason) otherwise."""
        if pid in self.member_of:
            return self.member_of[pid], ""
        gen = self.generated(pid)
        if gen is not None:
            head, n = gen
            limit = self.unnamed[head]
            if n <= limit:
                return head, ""
            return None, (
                f"id {pid!r} is beyond cohort {head}'s {limit} unnamed people "
                f"({head}-1 to {head}-{limit})"
            )
        return None, f"id {pid!r} is not the id of anyone in the scenario"


@dataclass
class Context:
    """The scenario and plan, with the lookups every check needs (built once per verify)."""

    sc: Scenario
    plan: Plan
    hostage_cohorts: dict[str, int] = field(default_factory=dict)  # id -> count
    prisoner_cohorts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, Withdrawal] = field(default_factory=dict)  # first occurrence in the plan
    people: People | None = None
    graph: nx.Graph = field(default_factory=nx.Graph)
    place_kind: dict[str, str] = field(default_factory=dict)
    routed: dict[str, list[str]] = field(default_factory=dict)  # cohort -> destinations
    # person id -> (stage position, stage, listed among hostage_ids?) for every listing of a
    # person some rule names (rules name members only, and members are listed by id)
    where: dict[str, list[tuple[int, Stage, bool]]] = field(default_factory=dict)
    recorded: int = 0  # the first n stages are an execution record (plan.record)
    _distances: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, sc: Scenario, plan: Plan) -> Context:
        ctx = cls(sc=sc, plan=plan)
        if plan.record is not None:
            ctx.recorded = max(0, min(plan.record.stages, len(plan.stages)))
        ctx.hostage_cohorts = {c.id: c.count for c in sc.hostage_cohorts}
        ctx.prisoner_cohorts = {c.id: c.count for c in sc.prisoner_cohorts}
        for w in plan.withdrawals:
            ctx.lines.setdefault(w.line, w)
        ctx.people = People(sc)
        ctx.graph = routes_graph(sc)
        ctx.place_kind = {p.id: p.kind for p in sc.places}
        for c in sc.prisoner_cohorts:
            dests = sc.allowed_destinations(c.id)
            if dests:
                ctx.routed[c.id] = dests
        named = set(sc.individuals())
        for pos, st in enumerate(plan.stages, start=1) if named else ():
            for ids, hostage in ((st.hostage_ids, True), (st.prisoner_ids, False)):
                for pid in ids:
                    if pid in named:
                        ctx.where.setdefault(pid, []).append((pos, st, hostage))
        return ctx

    @property
    def persons(self) -> People:
        """The scenario's people (built once)."""
        if self.people is None:
            self.people = People(self.sc)
        return self.people

    def owner(self, pid: str) -> tuple[str | None, str]:
        return self.persons.owner(pid)

    def generated(self, pid: str) -> tuple[str, int] | None:
        """(cohort, n) when ``pid`` has the form of a generated id of a scenario cohort."""
        return self.persons.generated(pid)

    def unnamed(self, cohort: str) -> int:
        """How many people of ``cohort`` have generated ids (count - members)."""
        return self.persons.unnamed.get(cohort, 0)

    def shortest(self, source: str, target: str) -> int | None:
        """Shortest travel hours from source to target over the routes (None: no route)."""
        if source not in self.graph or target not in self.graph:
            return None
        if source not in self._distances:
            lengths = nx.single_source_dijkstra_path_length(self.graph, source, weight="hours")
            self._distances[source] = {k: int(v) for k, v in lengths.items()}
        return self._distances[source].get(target)

    def handover_travel(self, stage: Stage) -> int | None:
        """Travel hours from the stage's site to the reception point: 0 without handover sites;
        None when the site is not a handover site or cannot reach the reception point."""
        if not self.sc.sites:
            return 0
        if stage.site is None or self.place_kind.get(stage.site) != "handover_site":
            return None
        if self.sc.reception is None:
            return None
        return self.shortest(stage.site, self.sc.reception)

    def is_abroad(self, place_id: str) -> bool:
        place = self.sc.place(place_id)
        return place is not None and place.abroad

    def hostages_of(self, stage: Stage) -> int:
        return sum(n for c, n in stage.hostages.items() if n > 0 and c in self.hostage_cohorts)

    @staticmethod
    def transfer_total(tr: Transfer) -> int:
        return sum(n for n in tr.prisoners.values() if n > 0)

    def person_hour(self, stage: Stage, hostage: bool) -> int:
        """Release hour of a person listed in ``stage`` (hostage_ids or prisoner_ids)."""
        return stage.handover_complete_hour if hostage else self.prisoner_hour(stage)

    @property
    def stages(self) -> list[Stage]:
        return self.plan.stages

    def numbered(self) -> Iterator[tuple[int, Stage]]:
        """(1-based position, stage); positions are what violations report."""
        return enumerate(self.plan.stages, start=1)

    def is_hostage(self, cohort: str) -> bool:
        return cohort in self.hostage_cohorts

    def cohort_count(self, cohort: str) -> int:
        return self.hostage_cohorts.get(cohort, self.prisoner_cohorts.get(cohort, 0))

    def count(self, stage: Stage, cohort: str) -> int:
        """People of ``cohort`` released in ``stage`` (read from the cohort's own side)."""
        side = stage.hostages if self.is_hostage(cohort) else stage.prisoners
        return side.get(cohort, 0)

    def total(self, cohort: str) -> int:
        return sum(max(self.count(st, cohort), 0) for st in self.stages)

    @staticmethod
    def prisoner_hour(stage: Stage) -> int:
        """The stage's prisoner release hour; ``end_hour`` when it is (wrongly) missing, which
        ``plan/stages`` reports."""
        if stage.prisoner_release_hour is not None:
            return stage.prisoner_release_hour
        return stage.end_hour

    def release_hour(self, stage: Stage, cohort: str) -> int:
        if self.is_hostage(cohort):
            return stage.handover_complete_hour
        return self.prisoner_hour(stage)

    def listings(self, people: Iterable[str]) -> Iterator[tuple[str, int, Stage, bool]]:
        """(person, stage position, stage, listed among hostage_ids?) for every listing of each
        of ``people``, person by person."""
        for person in people:
            for pos, st, hostage in self.where.get(person, []):
                yield person, pos, st, hostage

    def line_in_force(self, hour: int) -> str:
        """The last line whose move completes by ``hour`` (the initial position if none)."""
        in_force = self.sc.initial_position
        for ln in self.sc.withdrawal_lines:
            w = self.lines.get(ln.id)
            if w is not None and w.complete_hour <= hour:
                in_force = ln.id
        return in_force

    def shortfalls(self, cohorts: Iterable[str]) -> Iterator[tuple[str, int, int]]:
        """(cohort, people released, cohort size) for each of ``cohorts`` not fully released."""
        for c in cohorts:
            released, count = self.total(c), self.cohort_count(c)
            if released < count:
                yield c, released, count

    def ratio_balances(
        self, per_hostage: dict[str, float], prisoners: list[str]
    ) -> list[tuple[int, int, int]]:
        """Per stage, in hundredths: (prisoners of the ``prisoners`` cohorts given, prisoners owed
        for the stage's hostages at the ``per_hostage`` rates, given - owed)."""
        rates = {h: round(rate * 100) for h, rate in per_hostage.items()}
        out = []
        for st in self.stages:
            given = 100 * sum(st.prisoners.get(p, 0) for p in prisoners)
            owed = sum(rate * st.hostages.get(h, 0) for h, rate in rates.items())
            out.append((given, owed, given - owed))
        return out

    def releases(self, cohorts: Iterable[str]) -> list[tuple[int, str, int, int]]:
        """(stage position, cohort, people, release hour) for every release of the cohorts."""
        out = []
        wanted = list(cohorts)
        for pos, st in self.numbered():
            for c in wanted:
                n = self.count(st, c)
                if n > 0:
                    out.append((pos, c, n, self.release_hour(st, c)))
        return out

    def conditional(self, line: str) -> bool:
        """A conditional line (``required: false``): a plan may leave it out."""
        return any(ln.id == line and not ln.required for ln in self.sc.withdrawal_lines)

    @staticmethod
    def missing_line(rule_id: str, line: str) -> Violation:
        """A rule about ``line`` cannot hold when the plan never moves to that line."""
        return Violation(
            rule=rule_id,
            stage=None,
            line=line,
            message=f"line {line} does not appear in the plan's withdrawals, so the rule "
            "cannot hold",
        )

    def starts_before_line(
        self, rule_id: str, line: str, sites: list[str] | None = None
    ) -> Iterator[Violation]:
        """Stages (at ``sites``, if given) that start before the move to ``line`` completes."""
        w = self.lines.get(line)
        if w is None and self.conditional(line):  # never reached: those handovers cannot be
            for pos, st in self.numbered():
                if sites is None or st.site in sites:
                    at = f" at site {st.site}" if sites is not None else ""
                    yield Violation(
                        rule=rule_id,
                        stage=pos,
                        message=f"stage {pos} starts{at}, but the plan never moves to the "
                        f"conditional line {line}",
                    )
            return
        if w is None:
            yield self.missing_line(rule_id, line)
            return
        for pos, st in self.numbered():
            if (sites is None or st.site in sites) and st.start_hour < w.complete_hour:
                at = f" at site {st.site}" if sites is not None else ""
                yield Violation(
                    rule=rule_id,
                    stage=pos,
                    message=f"stage {pos} starts{at} at hour {st.start_hour}, before line {line} "
                    f"completes at hour {w.complete_hour}",
                )


# A rule checker: every violation of one rule (the second argument) in the context's plan.
Checker = Callable[[Context, Any], Iterable[Violation]]
