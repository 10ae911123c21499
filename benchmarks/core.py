"""What the comparison formulations read from a scenario, and what they report.

The formulations (``bare``, ``per_person``, ``milp``) model the core rules of docs/rules.md on
their own: they read the validated Scenario (the schema only, never ``planner.model`` or
``planner.solver``) through ``read_core`` and return an ``Outcome``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

# Rule kinds every comparison formulation models; any other kind is refused (Unsupported).
SUPPORTED_KINDS = frozenset(
    {
        "release",
        "exchange_ratio",
        "line_window",
        "line_before_handover",
        "line_after_release",
        "deadline",
        "order",
        "pairing",
        "availability",
        "site_after_line",
        "site_daily_limit",
        "stage_gap",
        "prison_processing",
        "veto",
        "person_not_before",
        "located_from",
    }
)
SUPPORTED_TERMS = (
    "unreleased",
    "living_released_hour",
    "completion_hour",
    "stage_count",
    "peak_imbalance",
)
INDIVIDUAL_KINDS = frozenset({"veto", "person_not_before", "located_from"})


class Unsupported(ValueError):
    """The scenario uses something the comparison formulations do not model."""


@dataclass(frozen=True)
class Group:
    """Named people of one cohort named by exactly the same individual rules: interchangeable,
    so the aggregated models count them (per slot) instead of giving each a boolean."""

    id: str
    cohort: str
    size: int
    rules: frozenset[str]


@dataclass(frozen=True)
class Core:
    """The data of a scenario the core rules need, in plain Python."""

    name: str
    S: int  # stage slots (max_stages)
    H: int  # horizon hours
    D: int  # handover hours
    sites: dict[str, int]  # handover site -> shortest travel hours to the reception ({}: none)
    hostages: dict[str, int]  # cohort -> people
    prisoners: dict[str, int]
    living: list[str]  # hostage cohorts of status living
    prison: dict[str, str | None]  # prisoner cohort -> prison
    lines: list[tuple[str, int]]  # (line id, move hours), in list order
    rules: list[Any]  # the scenario's rule objects (schema classes)
    named: dict[str, str]  # person named by an individual rule -> cohort
    groups: list[Group]  # the same people, grouped by cohort and the rules naming them
    terms: list[str]
    weights: dict[str, int]  # cohort -> weight of one unreleased person ('unreleased' term)

    @property
    def cohorts(self) -> list[str]:
        return [*self.hostages, *self.prisoners]

    def count(self, cohort: str) -> int:
        return self.hostages.get(cohort, self.prisoners.get(cohort, 0))

    def is_hostage(self, cohort: str) -> bool:
        return cohort in self.hostages

    def move(self, line: str) -> int:
        return next(hours for lid, hours in self.lines if lid == line)

    def rules_of(self, kind: str) -> list[Any]:
        return [r for r in self.rules if r.kind == kind]

    def unreleased(self, released: Any) -> Any:
        """The 'unreleased' term: people not released, weighted; ``released(cohort)`` gives
        the expression of the cohort's people released over all slots."""
        return sum(w * (self.count(co) - released(co)) for co, w in self.weights.items())

    def named_in(self, cohort: str) -> list[str]:
        return [p for p, c in self.named.items() if c == cohort]

    def groups_in(self, cohort: str) -> list[Group]:
        return [g for g in self.groups if g.cohort == cohort]

    def groups_of(self, rule_id: str) -> list[Group]:
        return [g for g in self.groups if rule_id in g.rules]

    def has_pairing(self) -> bool:
        return bool(self.rules_of("pairing"))


@dataclass
class Outcome:
    """One solve of one formulation: status, the lexicographic term values found (every term
    proved optimal when status is ``optimal``), the seconds of build + solve, per-step notes."""

    formulation: str
    status: str  # optimal | feasible | infeasible | time_limit | skipped | error
    objective: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)
    size: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "formulation": self.formulation,
            "status": self.status,
            "objective": self.objective,
            "seconds": round(self.seconds, 3),
            "steps": self.steps,
            "size": self.size,
            "note": self.note,
        }


def _travel(sc: Any) -> dict[str, int]:
    """Shortest travel hours from each handover site to the reception (Dijkstra; routes are
    undirected, the fastest of parallel routes counts)."""
    sites = [p.id for p in sc.places if p.kind == "handover_site"]
    if not sites:
        return {}
    graph: dict[str, dict[str, int]] = {}
    for route in sc.routes:
        a, b = route.between
        for u, v in ((a, b), (b, a)):
            graph.setdefault(u, {})
            graph[u][v] = min(graph[u].get(v, route.hours), route.hours)
    dist = {sc.reception: 0}
    queue = [(0, sc.reception)]
    while queue:
        d, u = heapq.heappop(queue)
        if d > dist.get(u, d):
            continue
        for v, h in graph.get(u, {}).items():
            if d + h < dist.get(v, d + h + 1):
                dist[v] = d + h
                heapq.heappush(queue, (d + h, v))
    return {k: dist[k] for k in sites}


def read_core(sc: Any) -> Core:
    """The core data of a validated ``planner.scenario.Scenario``; Unsupported otherwise."""
    kinds = {r.kind for r in sc.rules} - SUPPORTED_KINDS
    if kinds:
        raise Unsupported(f"rule kinds not modelled: {sorted(kinds)}")
    terms = list(sc.objective_terms)  # 'unreleased' first when a cohort is optional
    if set(terms) - set(SUPPORTED_TERMS):
        raise Unsupported(
            f"objective terms not modelled: {sorted(set(terms) - set(SUPPORTED_TERMS))}"
        )
    owner = {m.id: c.id for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts] for m in c.members}
    named: dict[str, str] = {}
    naming: dict[str, set[str]] = {}
    for r in sc.rules:
        if r.kind in INDIVIDUAL_KINDS:
            for person in r.people:
                named[person] = owner[person]
                naming.setdefault(person, set()).add(r.id)
    sizes: dict[tuple[str, frozenset[str]], int] = {}
    for person, cohort in named.items():
        key = (cohort, frozenset(naming[person]))
        sizes[key] = sizes.get(key, 0) + 1
    groups = [
        Group(f"group{j}", cohort, n, rules) for j, ((cohort, rules), n) in enumerate(sizes.items())
    ]
    return Core(
        name=sc.name,
        S=sc.max_stages,
        H=sc.horizon_hours,
        D=sc.handover_hours,
        sites=_travel(sc),
        hostages={c.id: c.count for c in sc.hostage_cohorts},
        prisoners={c.id: c.count for c in sc.prisoner_cohorts},
        living=[c.id for c in sc.hostage_cohorts if c.status == "living"],
        prison={c.id: c.prison for c in sc.prisoner_cohorts},
        lines=[(ln.id, ln.move_hours) for ln in sc.withdrawal_lines],
        rules=list(sc.rules),
        named=named,
        groups=groups,
        terms=terms,
        weights={
            c.id: sc.objective.unreleased_weight(c.id)
            for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]
        },
    )


def hundredths(rate: float) -> int:
    """An exchange rate (at most 2 decimals) in hundredths, exactly."""
    return round(rate * 100)


def needed(core: Core, cohorts: list[str], min_count: int | None) -> int:
    """People a rule needs: ``min_count``, or every member of the cohorts."""
    return min_count if min_count is not None else sum(core.count(c) for c in cohorts)
