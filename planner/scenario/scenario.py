"""The whole scenario: its parts, the objective, solver settings, and the cross-reference pass.

Field validation is pydantic's; then ``cross_check`` checks what one object cannot check alone:
ids unique across the scenario, references by id, orders and totals impossible on their face,
and each rule's own checks (``RuleBase.check``). Route reachability needs the route graph and is
checked by ``planner.network.route_problems`` (``planner.io`` runs both).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from planner.jsonpos import key_part
from planner.scenario.base import (
    MAX_COHORTS,
    MAX_HORIZON_HOURS,
    MAX_MEMBERS,
    MAX_MODEL_CELLS,
    MAX_RULES,
    MAX_STAGES,
    SCHEMA_VERSION,
    Distribution,
    Hours,
    Id,
    Problem,
    ScenarioProblems,
    SchemaKey,
    Strict,
    range_miss,
)
from planner.scenario.hints import with_hints
from planner.scenario.people import HostageCohort, PrisonerCohort
from planner.scenario.places import Place, Route, WithdrawalLine
from planner.scenario.rules import RULE_CLASSES, Rule
from planner.scenario.settings import Objective, SolverSettings
from planner.scenario.sizes import clock_problems, estimated_size

ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


class Scenario(Strict):
    """People in cohorts, withdrawal lines, optionally places and routes, and the rules a plan
    keeps; hours from t=0 (the cease-fire's start). Ids are unique across the scenario."""

    schema_uri: SchemaKey = Field(default=None, examples=["./scenario.schema.json"])
    schema_version: Literal[1] = Field(
        default=SCHEMA_VERSION, description="version of the format; only 1 exists"
    )
    name: Id = Field(
        description="an id naming the scenario; copied into plans", examples=["gaza-2025-phase1"]
    )
    title: str = Field(default="", max_length=300, description="one line for readers")
    description: str = Field(default="", max_length=20_000, description="free text for readers")
    start_time: datetime | None = Field(
        default=None,
        description="clock time of t=0, an ISO 8601 string (not a number); its hour is the clock "
        "hour of t=0 for handover_hours rules. t=0 + horizon_hours + every route's hours "
        "falls before the year 10000",
        examples=["2025-10-10T12:00:00+03:00"],
    )
    horizon_hours: StrictInt = Field(
        ge=1,
        le=MAX_HORIZON_HOURS,
        description="last hour of the plan: every release and move lies in [0, horizon_hours]",
        examples=[720],
    )
    max_stages: StrictInt = Field(
        default=12, ge=1, le=MAX_STAGES, description="most stages a plan may use"
    )
    handover_hours: Hours = Field(
        default=2,
        description="hours from a handover's start until its hostages are received (with "
        "places: plus the travel from the site to the reception); at most horizon_hours",
    )
    handover_range_hours: tuple[Hours, Hours] | None = Field(
        default=None,
        description="[low, high] containing handover_hours: how uncertain a handover's "
        "duration is (robustness analysis; a plan uses handover_hours)",
        examples=[[1, 4]],
    )
    handover_distribution: Distribution = "uniform"
    initial_position: str = Field(
        default="initial",
        min_length=1,
        max_length=100,
        description="label of the forces' position before the first line; plans show it as "
        "line_in_force",
    )
    hostage_cohorts: list[HostageCohort] = Field(
        default_factory=list,
        max_length=MAX_COHORTS,
        description="the hostages, in cohorts; at least one cohort of either side is needed",
    )
    prisoner_cohorts: list[PrisonerCohort] = Field(
        default_factory=list, max_length=MAX_COHORTS, description="the prisoners, in cohorts"
    )
    withdrawal_lines: list[WithdrawalLine] = Field(
        default_factory=list, max_length=50, description="lines, in the order they are reached"
    )
    places: list[Place] = Field(
        default_factory=list, max_length=500, description="nodes of the transport graph"
    )
    routes: list[Route] = Field(
        default_factory=list, max_length=5000, description="undirected roads between places"
    )
    reception: Id | None = Field(
        default=None,
        description="id of the place where hostages count as received (typically a crossing); "
        "required when there are handover sites, each of which must reach it over the routes",
        examples=["kerem-shalom"],
    )
    rules: list[Rule] = Field(
        default_factory=list, max_length=MAX_RULES, description="the rules a plan keeps"
    )
    objective: Objective = Field(
        default_factory=Objective, description="the lexicographic objective"
    )
    solver: SolverSettings = Field(
        default_factory=SolverSettings, description="time limit, seed and threads of the solver"
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version_is_an_integer(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"the integer {SCHEMA_VERSION}")
        return value

    @field_validator("start_time", mode="before")
    @classmethod
    def _iso_time(cls, value: Any) -> Any:
        """Only an ISO 8601 date and time (a string, or a datetime from Python): pydantic would
        read a number, or a string of digits, as a Unix timestamp."""
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, str) and ISO_DATE_TIME.match(value):
            return value
        number = isinstance(value, int | float) or (
            isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit()
        )
        raise ValueError(
            'an ISO 8601 date and time as a string, e.g. "2025-10-10T12:00:00+03:00"'
            + (" (a number is not read as a timestamp)" if number else "")
        )

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        miss = range_miss(self.handover_range_hours, "handover_hours", self.handover_hours)
        if miss:
            raise ScenarioProblems([("$.handover_range_hours", miss)])
        problems = cross_check(self)
        if problems:
            raise ScenarioProblems(problems)
        return self

    # ---- lookups used by the model builder, the verifier and reports

    def hostage(self, cohort_id: str) -> HostageCohort | None:
        return next((c for c in self.hostage_cohorts if c.id == cohort_id), None)

    def prisoner(self, cohort_id: str) -> PrisonerCohort | None:
        return next((c for c in self.prisoner_cohorts if c.id == cohort_id), None)

    def areas_of(self, cohort_id: str) -> dict[str, int]:
        """Holding area -> people of a hostage cohort held there ({}: not given)."""
        c = self.hostage(cohort_id)
        return dict(c.held_in or {}) if c is not None else {}

    def cohort_count(self, cohort_id: str) -> int:
        c = self.hostage(cohort_id) or self.prisoner(cohort_id)
        return c.count if c is not None else 0

    def is_hostage(self, cohort_id: str) -> bool:
        return self.hostage(cohort_id) is not None

    def line_index(self, line_id: str) -> int:
        return [ln.id for ln in self.withdrawal_lines].index(line_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def place(self, place_id: str) -> Place | None:
        return next((p for p in self.places if p.id == place_id), None)

    def places_of(self, kind: str) -> list[str]:
        return [p.id for p in self.places if p.kind == kind]

    def is_abroad(self, place_id: str) -> bool:
        place = self.place(place_id)
        return place is not None and place.abroad

    @property
    def sites(self) -> list[str]:
        return self.places_of("handover_site")

    def allowed_destinations(self, cohort_id: str) -> list[str]:
        """Destinations a prisoner cohort may go to ([] when places are not modelled)."""
        c = self.prisoner(cohort_id)
        if c is None or not self.places or c.prison is None:
            return []
        return list(c.destinations) if c.destinations is not None else self.places_of("destination")

    def member_cohort(self) -> dict[str, str]:
        """Named member id -> cohort id."""
        out = {}
        for c in [*self.hostage_cohorts, *self.prisoner_cohorts]:
            for m in c.members:
                out[m.id] = c.id
        return out

    def individuals(self) -> list[str]:
        """Members named by a rule of their own: these get their own variables."""
        seen: dict[str, None] = {}
        for r in self.rules:
            for person in getattr(r, "people", None) or []:
                seen[person] = None
        return list(seen)

    def required_in_full(self) -> set[str]:
        """Cohorts that some rule requires to be released in full."""
        return {c for r in self.rules for c in r.cohorts_in_full()}

    def without(self, rule_ids: Any) -> Scenario:
        """The scenario with the rules ``rule_ids`` deleted, as if removed from the file."""
        gone = set(rule_ids)
        if not gone:
            return self
        return self.model_copy(update={"rules": [r for r in self.rules if r.id not in gone]})

    def with_value(self, rule_id: str, field: str, value: int) -> Scenario:
        """The scenario with one number of one rule changed, as if edited in the file."""
        rules = [r.model_copy(update={field: value}) if r.id == rule_id else r for r in self.rules]
        return self.model_copy(update={"rules": rules})

    def optional_cohorts(self) -> list[str]:
        """Cohorts no rule requires to be released in full (their release is optional)."""
        full = self.required_in_full()
        return [c.id for c in [*self.hostage_cohorts, *self.prisoner_cohorts] if c.id not in full]

    @property
    def objective_terms(self) -> list[str]:
        """The terms minimised, in order: the listed ones, preceded by 'unreleased' (people
        not released, weighted by priority) when some cohort's release is optional and the
        term is not listed, so that an optional cohort is released as far as the rules allow
        and never left out because leaving it out is cheaper; then by 'lines_unreached'
        (conditional lines not moved to) when a line is conditional, so that such a line is
        reached whenever the rules allow."""
        terms = list(self.objective.terms)
        if "lines_unreached" not in terms and any(not ln.required for ln in self.withdrawal_lines):
            terms.insert(0, "lines_unreached")
        if "unreleased" not in terms and self.optional_cohorts():
            terms.insert(0, "unreleased")
        return terms

    @property
    def clock_offset(self) -> int:
        """Clock hour of t=0 (0 when no start_time is given)."""
        return self.start_time.hour if self.start_time is not None else 0


# --------------------------------------------------------------------------- cross-references


class _Ids:
    """One id namespace: cohorts, members, lines, rules and places."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}
        self.problems: list[Problem] = []

    def claim(self, ident: str, path: str) -> None:
        if ident in self.seen:
            self.problems.append(
                (path, f"duplicate id {ident!r} (first used at {self.seen[ident]})")
            )
        else:
            self.seen[ident] = path


def cross_check(sc: Scenario) -> list[Problem]:
    """References by id, uniqueness, orders and totals impossible on their face."""
    ids = _Ids()
    problems = ids.problems
    problems += _people_problems(sc, ids)
    problems += _line_problems(sc, ids)
    for i, r in enumerate(sc.rules):
        ids.claim(r.id, f"$.rules[{i}].id")
    problems += _reference_problems(sc)
    problems += _own_checks(sc)
    problems += _place_problems(sc, ids)
    problems += clock_problems(sc)
    if not problems:
        size = estimated_size(sc)
        if size > MAX_MODEL_CELLS:
            problems.append(
                (
                    "$",
                    f"the model would need about {size} stage x cohort x "
                    f"destination cells; the limit is {MAX_MODEL_CELLS} (use fewer "
                    "max_stages, cohorts, destinations or individual rules)",
                )
            )
    everyone = {c.id for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]}
    for cohort in sc.objective.priorities:
        if cohort not in everyone:
            problems.append(
                (
                    f"$.objective.priorities{key_part(cohort)}",
                    f"expected the id of a cohort, found {cohort!r}",
                )
            )
    if "priority" in sc.objective.terms and not sc.objective.priorities:
        problems.append(
            ("$.objective.priorities", "the 'priority' term needs at least one cohort weight")
        )
    return with_hints(sc, problems)


_DIGITS = re.compile(r"[1-9][0-9]*")  # n of a generated id <cohort>-<n> (no leading zero)


def _people_problems(sc: Scenario, ids: _Ids) -> Iterator[Problem]:
    total_members = 0
    cohort_ids = {c.id for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]}
    for side, cohorts in (
        ("hostage_cohorts", sc.hostage_cohorts),
        ("prisoner_cohorts", sc.prisoner_cohorts),
    ):
        for i, c in enumerate(cohorts):
            ids.claim(c.id, f"$.{side}[{i}].id")
            total_members += len(c.members)
            if len(c.members) > c.count:
                yield (
                    f"$.{side}[{i}].members",
                    f"{len(c.members)} members listed but count is {c.count}",
                )
            for j, m in enumerate(c.members):
                ids.claim(m.id, f"$.{side}[{i}].members[{j}].id")
                head, sep, tail = m.id.rpartition("-")
                if sep and _DIGITS.fullmatch(tail) and head in cohort_ids:
                    yield (
                        f"$.{side}[{i}].members[{j}].id",
                        f"{m.id!r} has the form of a generated id of cohort {head} "
                        "(<cohort>-<n>); choose another",
                    )
    if total_members > MAX_MEMBERS:
        yield ("$", f"at most {MAX_MEMBERS} named members, found {total_members}")
    if not sc.hostage_cohorts and not sc.prisoner_cohorts:
        yield ("$", "expected at least one hostage or prisoner cohort")


def _line_problems(sc: Scenario, ids: _Ids) -> Iterator[Problem]:
    prev_share: float | None = None
    for i, ln in enumerate(sc.withdrawal_lines):
        ids.claim(ln.id, f"$.withdrawal_lines[{i}].id")
        if prev_share is not None and ln.share_held_pct >= prev_share:
            yield (
                f"$.withdrawal_lines[{i}].share_held_pct",
                f"lines out of order: expected less than {prev_share} (the line before), "
                f"found {ln.share_held_pct}",
            )
        prev_share = ln.share_held_pct
        if i and ln.required and not sc.withdrawal_lines[i - 1].required:
            yield (
                f"$.withdrawal_lines[{i}].required",
                f"a line after a conditional line ({sc.withdrawal_lines[i - 1].id}) is "
                "conditional too: expected false",
            )
    moves = sum(ln.move_hours for ln in sc.withdrawal_lines if ln.required)
    if moves > sc.horizon_hours:
        yield (
            "$.withdrawal_lines",
            f"the moves take {moves} h in all, longer than horizon_hours {sc.horizon_hours}",
        )
    if sc.handover_hours > sc.horizon_hours:
        yield (
            "$.handover_hours",
            f"expected at most horizon_hours {sc.horizon_hours}, found {sc.handover_hours}",
        )


# field of a rule -> (what it must name, the ids it may name)
def _reference_kinds(sc: Scenario) -> dict[str, tuple[str, set[str]]]:
    cohorts = {c.id for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]}
    return {
        "cohorts": ("cohort", cohorts),
        "first": ("cohort", cohorts),
        "then": ("cohort", cohorts),
        "line": ("withdrawal line", {ln.id for ln in sc.withdrawal_lines}),
        "after_line": ("withdrawal line", {ln.id for ln in sc.withdrawal_lines}),
        "sites": ("handover site", set(sc.sites)),
        "destinations": ("destination place", set(sc.places_of("destination"))),
        "people": ("named cohort member", set(sc.member_cohort())),
    }


def _reference_problems(sc: Scenario) -> Iterator[Problem]:
    """Every id a rule names, by the name of its field (the same for every rule kind)."""
    kinds = _reference_kinds(sc)
    for i, r in enumerate(sc.rules):
        for field, (what, allowed) in kinds.items():
            refs = getattr(r, field, None)
            if refs is None:
                continue
            base = f"$.rules[{i}].{field}"
            if isinstance(refs, str):
                if refs not in allowed:
                    yield (base, f"expected the id of a {what}, found {refs!r}")
                continue
            for j, ref in enumerate(refs):
                if ref not in allowed:
                    yield (f"{base}[{j}]", f"expected the id of a {what}, found {ref!r}")
            if len(set(refs)) != len(refs):
                yield (base, f"a {what} is listed twice")


def _own_checks(sc: Scenario) -> Iterator[Problem]:
    """Each rule's own checks, then each kind's checks across its rules."""
    for i, r in enumerate(sc.rules):
        for path, message in r.check(sc):
            yield (f"$.rules[{i}]{path}", message)
    for cls in RULE_CLASSES:
        found = [(f"$.rules[{i}]", r) for i, r in enumerate(sc.rules) if isinstance(r, cls)]
        if found:
            yield from cls.check_together(sc, found)


def _place_problems(sc: Scenario, ids: _Ids) -> Iterator[Problem]:
    """Places, routes, the reception point and where prisoner cohorts are held and go
    (reachability over routes: ``planner.network.route_problems``)."""
    kinds = {p.id: p.kind for p in sc.places}
    for i, p in enumerate(sc.places):
        ids.claim(p.id, f"$.places[{i}].id")
    for i, r in enumerate(sc.routes):
        for j, end in enumerate(r.between):
            if end not in kinds:
                yield (f"$.routes[{i}].between[{j}]", f"expected a place id, found {end!r}")
        if r.between[0] == r.between[1]:
            yield (f"$.routes[{i}].between", "a route joins two different places")
    if sc.sites and sc.reception is None:
        yield (
            "$.reception",
            "expected the place where hostages are received "
            "(there are handover sites), found nothing",
        )
    elif sc.reception is not None and sc.reception not in kinds:
        yield ("$.reception", f"expected a place id, found {sc.reception!r}")
    for i, c in enumerate(sc.prisoner_cohorts):
        yield from _cohort_place_problems(sc, f"$.prisoner_cohorts[{i}]", c, kinds)
    for i, h in enumerate(sc.hostage_cohorts):
        yield from h.held_in_problems(f"$.hostage_cohorts[{i}].held_in", kinds)


def _cohort_place_problems(
    sc: Scenario, base: str, c: PrisonerCohort, kinds: dict[str, str]
) -> Iterator[Problem]:
    destinations = set(sc.places_of("destination"))
    if not sc.places:
        if c.destinations is not None:
            yield (f"{base}.destinations", "destinations need places")
        return
    if c.prison is None or kinds.get(c.prison) != "prison":
        if destinations or c.prison is not None:
            yield (
                f"{base}.prison",
                f"expected the id of a place of kind prison, found {c.prison!r}",
            )
        return
    for j, d in enumerate(c.destinations or []):
        if d not in destinations:
            yield (
                f"{base}.destinations[{j}]",
                f"expected the id of a destination place, found {d!r}",
            )
    if c.destinations == []:
        yield (f"{base}.destinations", "expected at least one destination")
    elif c.destinations is not None and len(set(c.destinations)) != len(c.destinations):
        yield (f"{base}.destinations", "a destination is listed twice")


__all__ = ["Scenario", "cross_check", "estimated_size"]
