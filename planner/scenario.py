"""Scenario input schema (pydantic v2).

A scenario is plain, validated data: people in cohorts, withdrawal lines, and a list of rules,
each with an ``id`` unique in the scenario. Nothing here knows about the solver. The format is
documented in ``docs/scenario-format.md``; ``planner schema`` prints the JSON Schema.

Time is in whole hours from t=0 (the cease-fire start).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
SCHEMA_VERSION = 1

# Size limits checked before any model is built (untrusted input).
MAX_HORIZON_HOURS = 24 * 366 * 2
MAX_STAGES = 60
MAX_COHORTS = 200
MAX_RULES = 1000
MAX_COHORT_COUNT = 100_000
MAX_MEMBERS = 20_000
MAX_MODEL_CELLS = 100_000  # stage x cohort/person cells: bounds the model built from a file

Id = Annotated[str, Field(pattern=ID_PATTERN, description="Identifier: letters, digits, _ . : -")]
Hour = Annotated[int, Field(ge=0, le=MAX_HORIZON_HOURS, description="Whole hours from t=0")]
Hours = Annotated[int, Field(ge=0, le=MAX_HORIZON_HOURS, description="A duration in hours")]


class Strict(BaseModel):
    """Base for every input object: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- people


class Member(Strict):
    """A named member of a cohort. ``name`` is sensitive and never written to a plan."""

    id: Id
    name: str | None = Field(default=None, max_length=200)


class HostageCohort(Strict):
    id: Id
    count: int = Field(ge=0, le=MAX_COHORT_COUNT)
    status: Literal["living", "deceased", "unknown"] = Field(
        description="living: handed over alive; deceased: remains returned; unknown: not known"
    )
    category: str = Field(default="", max_length=100, description="e.g. civilian, soldier")
    held_by: str = Field(default="", max_length=100)
    members: list[Member] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)


class PrisonerCohort(Strict):
    id: Id
    count: int = Field(ge=0, le=MAX_COHORT_COUNT)
    category: str = Field(default="", max_length=100, description="e.g. life-sentence, detainee")
    sentence: Literal["life", "long", "short", "detained", "remains", "other"] = "other"
    held_since: str | None = Field(default=None, max_length=40, description="date, free text")
    prison: str | None = Field(
        default=None,
        max_length=100,
        description="where the cohort is held; with places, the id of a place of kind prison",
    )
    destinations: list[Id] | None = Field(
        default=None,
        description="places (kind destination) the cohort may be released to; "
        "default: every destination",
    )
    held_by: str = Field(default="", max_length=100)
    members: list[Member] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)


class Place(Strict):
    """A node of the transport graph."""

    id: Id
    kind: Literal["handover_site", "crossing", "prison", "destination", "junction"]
    abroad: bool = Field(default=False, description="a destination outside the region (exile)")
    description: str = Field(default="", max_length=2000)


class Route(Strict):
    """An undirected road or passage between two places, with its travel time."""

    between: tuple[Id, Id]
    hours: Hours
    description: str = Field(default="", max_length=2000)


class WithdrawalLine(Strict):
    """A line forces withdraw to. Lines are listed in the order they are reached."""

    id: Id
    share_held_pct: float = Field(ge=0, le=100, description="share of territory still held")
    move_hours: Hours = Field(description="hours from the start of the move to completion")
    description: str = Field(default="", max_length=2000)


# --------------------------------------------------------------------------- rules


class RuleBase(Strict):
    id: Id
    description: str = Field(default="", max_length=2000)


class ReleaseRule(RuleBase):
    """Totals: every member of the cohorts is released within the horizon, or at least
    ``min_count`` people of them together."""

    kind: Literal["release"]
    cohorts: list[Id] = Field(min_length=1)
    min_count: int | None = Field(default=None, ge=0)


class ExchangeRatioRule(RuleBase):
    """Prisoners of ``prisoners`` cohorts owed per hostage of each ``per_hostage`` cohort.

    ``per_stage``: in every stage, prisoners released minus prisoners owed for that stage's
    hostages lies in [-max_prisoners_behind, max_prisoners_ahead]. ``cumulative``: the same
    band for the running totals at the end of every stage.
    """

    kind: Literal["exchange_ratio"]
    prisoners: list[Id] = Field(min_length=1)
    per_hostage: dict[Id, float] = Field(min_length=1)
    scope: Literal["per_stage", "cumulative"] = "per_stage"
    max_prisoners_ahead: int = Field(default=0, ge=0)
    max_prisoners_behind: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _rates(self) -> ExchangeRatioRule:
        for cohort, rate in self.per_hostage.items():
            if rate < 0 or rate > 10_000 or round(rate * 100) != rate * 100:
                raise ValueError(
                    f"per_hostage[{cohort!r}]: expected a rate from 0 to 10000 with at most "
                    f"2 decimals, found {rate}"
                )
        return self


class LineBeforeHandoverRule(RuleBase):
    """The move to ``line`` is complete before the first handover starts."""

    kind: Literal["line_before_handover"]
    line: Id


class LineAfterReleaseRule(RuleBase):
    """The move to ``line`` starts only once the cohorts are released (all of them, or at
    least ``min_count`` people of them together)."""

    kind: Literal["line_after_release"]
    line: Id
    cohorts: list[Id] = Field(min_length=1)
    min_count: int | None = Field(default=None, ge=1)


class LineWindowRule(RuleBase):
    """The move to ``line`` starts no earlier than ``earliest_start``, and optionally starts or
    completes by a given hour."""

    kind: Literal["line_window"]
    line: Id
    earliest_start: Hour = 0
    latest_start: Hour | None = None
    latest_complete: Hour | None = None


class DeadlineRule(RuleBase):
    """Every member of the cohorts is released within ``within_hours`` of t=0, or of the
    completion of the move to ``after_line``."""

    kind: Literal["deadline"]
    cohorts: list[Id] = Field(min_length=1)
    within_hours: Hours
    after_line: Id | None = None


class EarliestStartRule(RuleBase):
    """No handover starts before ``hour``."""

    kind: Literal["earliest_start"]
    hour: Hour


class StageGapRule(RuleBase):
    """Hours between the starts of consecutive stages."""

    kind: Literal["stage_gap"]
    min_hours: Hours = 0
    max_hours: Hours | None = None


class HandoverHoursRule(RuleBase):
    """Handovers start and complete inside one of the clock windows [from, to) of a day.
    Clock hours are those of ``start_time`` (t=0 is hour ``start_time.hour``; 0 if unset)."""

    kind: Literal["handover_hours"]
    windows: list[tuple[int, int]] = Field(min_length=1)

    @model_validator(mode="after")
    def _windows(self) -> HandoverHoursRule:
        for lo, hi in self.windows:
            if not (0 <= lo < hi <= 24):
                raise ValueError(f"window [{lo}, {hi}]: expected 0 <= from < to <= 24")
        return self


class StageCapacityRule(RuleBase):
    """At most ``max_per_stage`` people (or ``vehicles`` x ``seats``) of one side, optionally
    only of the listed cohorts, in any one stage."""

    kind: Literal["stage_capacity"]
    side: Literal["hostages", "prisoners"]
    cohorts: list[Id] | None = None
    max_per_stage: int | None = Field(default=None, ge=0)
    vehicles: int | None = Field(default=None, ge=0)
    seats: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_form(self) -> StageCapacityRule:
        vs = self.vehicles is not None or self.seats is not None
        if (self.max_per_stage is None) == (not vs):
            raise ValueError("expected either max_per_stage or vehicles and seats, not both")
        if vs and (self.vehicles is None or self.seats is None):
            raise ValueError("expected both vehicles and seats")
        return self

    @property
    def limit(self) -> int:
        if self.max_per_stage is not None:
            return self.max_per_stage
        assert self.vehicles is not None and self.seats is not None
        return self.vehicles * self.seats


class PrisonProcessingRule(RuleBase):
    """At most ``per_day`` prisoners of the cohorts held in ``prison`` are released in any one
    day (day k is hours [24k, 24k+24) from t=0)."""

    kind: Literal["prison_processing"]
    prison: str = Field(min_length=1, max_length=100)
    per_day: int = Field(ge=0)


class OrderRule(RuleBase):
    """``all_before_any``: every member of ``first`` is released at least ``min_gap_hours``
    before any member of ``then``. ``finish_no_later``: the last release of ``first`` is at
    least ``min_gap_hours`` before the last release of ``then``."""

    kind: Literal["order"]
    first: list[Id] = Field(min_length=1)
    then: list[Id] = Field(min_length=1)
    mode: Literal["all_before_any", "finish_no_later"] = "all_before_any"
    min_gap_hours: int = Field(default=0, ge=-MAX_HORIZON_HOURS, le=MAX_HORIZON_HOURS)


class AvailabilityRule(RuleBase):
    """The cohorts can be handed over (hostages) or released (prisoners) only from
    ``from_hour``. ``range_hours`` [earliest, latest] states the uncertainty of that hour."""

    kind: Literal["availability"]
    cohorts: list[Id] = Field(min_length=1)
    from_hour: Hour
    range_hours: tuple[Hour, Hour] | None = None

    @model_validator(mode="after")
    def _range(self) -> AvailabilityRule:
        if self.range_hours is not None:
            lo, hi = self.range_hours
            if not lo <= self.from_hour <= hi:
                raise ValueError(
                    f"range_hours [{lo}, {hi}] must contain from_hour {self.from_hour}"
                )
        return self


class PairingRule(RuleBase):
    """A stage's prisoners are released between ``min_lag_hours`` and ``max_lag_hours`` after
    that stage's hostages are handed over (a negative lag: before)."""

    kind: Literal["pairing"]
    min_lag_hours: int = Field(default=0, ge=-MAX_HORIZON_HOURS, le=MAX_HORIZON_HOURS)
    max_lag_hours: int = Field(ge=-MAX_HORIZON_HOURS, le=MAX_HORIZON_HOURS)

    @model_validator(mode="after")
    def _lags(self) -> PairingRule:
        if self.min_lag_hours > self.max_lag_hours:
            raise ValueError("min_lag_hours must not exceed max_lag_hours")
        return self


class SiteAfterLineRule(RuleBase):
    """A handover at one of ``sites`` starts only once the move to ``line`` is complete (the
    zone of the sites is not usable before)."""

    kind: Literal["site_after_line"]
    sites: list[Id] = Field(min_length=1)
    line: Id


class SiteDailyLimitRule(RuleBase):
    """At most ``per_day`` stages start at each of ``sites`` (all handover sites if unset) in
    any one day (day k is hours [24k, 24k+24) from t=0)."""

    kind: Literal["site_daily_limit"]
    sites: list[Id] | None = None
    per_day: int = Field(ge=0)


class HostageFleetRule(RuleBase):
    """Intermediary vehicles: a stage uses ceil(hostages / seats) vehicles from its start until
    ``turnaround_hours`` after its handover completes; at no hour are more than ``vehicles`` in
    use."""

    kind: Literal["hostage_fleet"]
    vehicles: int = Field(ge=0)
    seats: int = Field(ge=1)
    turnaround_hours: Hours = 0


class BusesRule(RuleBase):
    """Buses for prisoners: in a stage, each route (prison -> destination, only the listed
    ``destinations`` if given) needs ceil(prisoners / seats) buses; the stage uses at most
    ``buses`` in all."""

    kind: Literal["buses"]
    buses: int = Field(ge=0)
    seats: int = Field(ge=1)
    destinations: list[Id] | None = None


class DestinationQuotaRule(RuleBase):
    """Over the whole plan, prisoners of ``cohorts`` released to ``destinations`` number at
    least ``min_count`` and at most ``max_count``."""

    kind: Literal["destination_quota"]
    cohorts: list[Id] = Field(min_length=1)
    destinations: list[Id] = Field(min_length=1)
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> DestinationQuotaRule:
        if self.min_count is None and self.max_count is None:
            raise ValueError("expected min_count, max_count or both")
        if (
            self.min_count is not None
            and self.max_count is not None
            and self.min_count > self.max_count
        ):
            raise ValueError("min_count must not exceed max_count")
        return self


class VetoRule(RuleBase):
    """The named people are never released."""

    kind: Literal["veto"]
    people: list[Id] = Field(min_length=1)


class AbroadRule(RuleBase):
    """The named prisoners, if released, go to a destination marked ``abroad``."""

    kind: Literal["abroad"]
    people: list[Id] = Field(min_length=1)


class PersonNotBeforeRule(RuleBase):
    """The named people are released no earlier than ``hour`` (their release hour)."""

    kind: Literal["person_not_before"]
    people: list[Id] = Field(min_length=1)
    hour: Hour


class LocatedFromRule(RuleBase):
    """The named hostages' location is unknown until ``hour``: a stage handing them over starts
    no earlier. ``range_hours`` states the uncertainty, for robustness analysis."""

    kind: Literal["located_from"]
    people: list[Id] = Field(min_length=1)
    hour: Hour
    range_hours: tuple[Hour, Hour] | None = None


class FixedStageRule(RuleBase):
    """The named people are released in stage number ``stage`` (1-based, in time order)."""

    kind: Literal["fixed_stage"]
    people: list[Id] = Field(min_length=1)
    stage: int = Field(ge=1, le=MAX_STAGES)


Rule = Annotated[
    (
        ReleaseRule
        | ExchangeRatioRule
        | LineBeforeHandoverRule
        | LineAfterReleaseRule
        | LineWindowRule
        | DeadlineRule
        | EarliestStartRule
        | StageGapRule
        | HandoverHoursRule
        | StageCapacityRule
        | PrisonProcessingRule
        | OrderRule
        | AvailabilityRule
        | PairingRule
        | SiteAfterLineRule
        | SiteDailyLimitRule
        | HostageFleetRule
        | BusesRule
        | DestinationQuotaRule
        | VetoRule
        | AbroadRule
        | PersonNotBeforeRule
        | LocatedFromRule
        | FixedStageRule
    ),
    Field(discriminator="kind"),
]

RULE_KINDS: tuple[str, ...] = (
    "release",
    "exchange_ratio",
    "line_before_handover",
    "line_after_release",
    "line_window",
    "deadline",
    "earliest_start",
    "stage_gap",
    "handover_hours",
    "stage_capacity",
    "prison_processing",
    "order",
    "availability",
    "pairing",
    "site_after_line",
    "site_daily_limit",
    "hostage_fleet",
    "buses",
    "destination_quota",
    "veto",
    "abroad",
    "person_not_before",
    "located_from",
    "fixed_stage",
)
INDIVIDUAL_KINDS = ("veto", "abroad", "person_not_before", "located_from", "fixed_stage")

# --------------------------------------------------------------------------- objective

ObjectiveTerm = Literal[
    "living_released_hour", "completion_hour", "stage_count", "peak_imbalance", "priority"
]
DEFAULT_OBJECTIVE: tuple[ObjectiveTerm, ...] = (
    "living_released_hour",
    "completion_hour",
    "stage_count",
    "peak_imbalance",
)


class Objective(Strict):
    """Lexicographic: each term is minimised in turn, keeping the earlier ones optimal."""

    terms: list[ObjectiveTerm] = Field(default_factory=lambda: list(DEFAULT_OBJECTIVE))
    priorities: dict[Id, int] = Field(
        default_factory=dict,
        description="cohort -> weight for the 'priority' term (weight x hour cohort is done)",
    )

    @model_validator(mode="after")
    def _terms(self) -> Objective:
        if len(set(self.terms)) != len(self.terms):
            raise ValueError("terms: each term at most once")
        for cohort, weight in self.priorities.items():
            if not 0 <= weight <= 1000:
                raise ValueError(f"priorities[{cohort!r}]: expected 0..1000, found {weight}")
        return self


class SolverSettings(Strict):
    time_limit_seconds: float = Field(default=30.0, gt=0, le=3600)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    workers: int = Field(
        default=1, ge=1, le=64, description="1 is repeatable; more may differ run to run"
    )


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    name: Id
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=20_000)
    start_time: datetime | None = Field(default=None, description="clock time of t=0 (ISO)")
    horizon_hours: int = Field(ge=1, le=MAX_HORIZON_HOURS)
    max_stages: int = Field(default=12, ge=1, le=MAX_STAGES)
    handover_hours: Hours = Field(
        default=2, description="hours from a handover's start until the hostages are received"
    )
    initial_position: str = Field(default="initial", min_length=1, max_length=100)
    hostage_cohorts: list[HostageCohort] = Field(default_factory=list, max_length=MAX_COHORTS)
    prisoner_cohorts: list[PrisonerCohort] = Field(default_factory=list, max_length=MAX_COHORTS)
    withdrawal_lines: list[WithdrawalLine] = Field(default_factory=list, max_length=50)
    places: list[Place] = Field(default_factory=list, max_length=500)
    routes: list[Route] = Field(default_factory=list, max_length=5000)
    reception: Id | None = Field(
        default=None,
        description="place where hostages count as received (a crossing); "
        "required when there are handover sites",
    )
    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)
    objective: Objective = Field(default_factory=Objective)
    solver: SolverSettings = Field(default_factory=SolverSettings)

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        problems = cross_check(self)
        if problems:
            raise ScenarioProblems(problems)
        return self

    # ---- lookups used by the model builder, the verifier and reports

    def hostage(self, cohort_id: str) -> HostageCohort | None:
        return next((c for c in self.hostage_cohorts if c.id == cohort_id), None)

    def prisoner(self, cohort_id: str) -> PrisonerCohort | None:
        return next((c for c in self.prisoner_cohorts if c.id == cohort_id), None)

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

    @property
    def clock_offset(self) -> int:
        """Clock hour of t=0 (0 when no start_time is given)."""
        return self.start_time.hour if self.start_time is not None else 0


class ScenarioProblems(ValueError):
    """Cross-reference problems found after field validation; each is (json path, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def cross_check(sc: Scenario) -> list[tuple[str, str]]:
    """References by id, uniqueness, orders and totals impossible on their face."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}

    def claim(ident: str, path: str) -> None:
        if ident in seen:
            problems.append((path, f"duplicate id {ident!r} (first used at {seen[ident]})"))
        else:
            seen[ident] = path

    hostages = {c.id for c in sc.hostage_cohorts}
    prisoners = {c.id for c in sc.prisoner_cohorts}
    lines = {ln.id for ln in sc.withdrawal_lines}
    total_members = 0
    for side, cohorts in (
        ("hostage_cohorts", sc.hostage_cohorts),
        ("prisoner_cohorts", sc.prisoner_cohorts),
    ):
        for i, c in enumerate(cohorts):
            claim(c.id, f"$.{side}[{i}].id")
            total_members += len(c.members)
            if len(c.members) > c.count:
                problems.append(
                    (
                        f"$.{side}[{i}].members",
                        f"{len(c.members)} members listed but count is {c.count}",
                    )
                )
            generated = re.compile(rf"^{re.escape(c.id)}-\d+$")
            for j, m in enumerate(c.members):
                claim(m.id, f"$.{side}[{i}].members[{j}].id")
                if generated.match(m.id):
                    problems.append(
                        (
                            f"$.{side}[{i}].members[{j}].id",
                            f"{m.id!r} has the form of a generated id <cohort>-<n>; choose another",
                        )
                    )
    if total_members > MAX_MEMBERS:
        problems.append(("$", f"at most {MAX_MEMBERS} named members, found {total_members}"))
    prev_share: float | None = None
    for i, ln in enumerate(sc.withdrawal_lines):
        claim(ln.id, f"$.withdrawal_lines[{i}].id")
        if prev_share is not None and ln.share_held_pct >= prev_share:
            problems.append(
                (
                    f"$.withdrawal_lines[{i}].share_held_pct",
                    f"lines out of order: expected less than {prev_share} (the line before), "
                    f"found {ln.share_held_pct}",
                )
            )
        prev_share = ln.share_held_pct
    moves = sum(ln.move_hours for ln in sc.withdrawal_lines)
    if moves > sc.horizon_hours:
        problems.append(
            (
                "$.withdrawal_lines",
                f"the moves take {moves} h in all, longer than horizon_hours {sc.horizon_hours}",
            )
        )
    if sc.handover_hours > sc.horizon_hours:
        problems.append(
            (
                "$.handover_hours",
                f"expected at most horizon_hours {sc.horizon_hours}, found {sc.handover_hours}",
            )
        )
    if not sc.hostage_cohorts and not sc.prisoner_cohorts:
        problems.append(("$", "expected at least one hostage or prisoner cohort"))

    def cohort_ref(ref: str, path: str, allowed: set[str], what: str) -> None:
        if ref not in allowed:
            problems.append((path, f"expected the id of a {what}, found {ref!r}"))

    everyone = hostages | prisoners
    for i, r in enumerate(sc.rules):
        base = f"$.rules[{i}]"
        claim(r.id, f"{base}.id")
        for field in ("cohorts", "first", "then"):
            refs = getattr(r, field, None)
            if refs is None:
                continue
            for j, ref in enumerate(refs):
                cohort_ref(ref, f"{base}.{field}[{j}]", everyone, "cohort")
            if len(set(refs)) != len(refs):
                problems.append((f"{base}.{field}", "a cohort is listed twice"))
        line = getattr(r, "line", None) or getattr(r, "after_line", None)
        if line is not None and line not in lines:
            field = "line" if getattr(r, "line", None) else "after_line"
            problems.append(
                (f"{base}.{field}", f"expected the id of a withdrawal line, found {line!r}")
            )
        if isinstance(r, ExchangeRatioRule):
            for j, ref in enumerate(r.prisoners):
                cohort_ref(ref, f"{base}.prisoners[{j}]", prisoners, "prisoner cohort")
            for ref in r.per_hostage:
                cohort_ref(ref, f"{base}.per_hostage.{ref}", hostages, "hostage cohort")
        if isinstance(r, StageCapacityRule) and r.cohorts is not None:
            side_ids = hostages if r.side == "hostages" else prisoners
            for j, ref in enumerate(r.cohorts):
                cohort_ref(ref, f"{base}.cohorts[{j}]", side_ids, f"{r.side[:-1]} cohort")
        if isinstance(r, OrderRule) and set(r.first) & set(r.then):
            problems.append((f"{base}.then", "a cohort cannot be in both first and then"))
        if isinstance(r, StageGapRule) and r.max_hours is not None and r.max_hours < r.min_hours:
            problems.append(
                (
                    f"{base}.max_hours",
                    f"expected at least min_hours {r.min_hours}, found {r.max_hours}",
                )
            )
        if (
            isinstance(r, LineWindowRule)
            and r.latest_start is not None
            and r.latest_start < r.earliest_start
        ):
            problems.append(
                (
                    f"{base}.latest_start",
                    f"expected at least earliest_start {r.earliest_start}, found {r.latest_start}",
                )
            )
        if isinstance(r, PrisonProcessingRule) and not any(
            c.prison == r.prison for c in sc.prisoner_cohorts
        ):
            problems.append(
                (f"{base}.prison", f"no prisoner cohort is held in prison {r.prison!r}")
            )
        if isinstance(r, (ReleaseRule, LineAfterReleaseRule)) and r.min_count is not None:
            avail = sum(sc.cohort_count(c) for c in r.cohorts if c in everyone)
            if r.min_count > avail:
                problems.append(
                    (
                        f"{base}.min_count",
                        f"expected at most {avail} (the cohorts' size), found {r.min_count}",
                    )
                )
    problems.extend(_places_check(sc, claim))
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
    for cohort in sc.objective.priorities:
        cohort_ref(cohort, f"$.objective.priorities.{cohort}", everyone, "cohort")
    if "priority" in sc.objective.terms and not sc.objective.priorities:
        problems.append(
            ("$.objective.priorities", "the 'priority' term needs at least one cohort weight")
        )
    problems.extend(_face_totals(sc))
    return problems


def _places_check(sc: Scenario, claim: Callable[[str, str], None]) -> list[tuple[str, str]]:
    """Places, routes, reachability (networkx), and the logistics and individual rules."""
    from planner.network import build_graph, leg

    problems: list[tuple[str, str]] = []
    kinds = {p.id: p.kind for p in sc.places}
    for i, p in enumerate(sc.places):
        claim(p.id, f"$.places[{i}].id")
    for i, r in enumerate(sc.routes):
        for j, end in enumerate(r.between):
            if end not in kinds:
                problems.append(
                    (f"$.routes[{i}].between[{j}]", f"expected a place id, found {end!r}")
                )
        if r.between[0] == r.between[1]:
            problems.append((f"$.routes[{i}].between", "a route joins two different places"))
    g = build_graph(sc)
    sites = sc.sites
    if sites:
        if sc.reception is None:
            problems.append(
                (
                    "$.reception",
                    "expected the place where hostages are received "
                    "(there are handover sites), found nothing",
                )
            )
        elif sc.reception not in kinds:
            problems.append(("$.reception", f"expected a place id, found {sc.reception!r}"))
        else:
            for site in sites:
                if leg(g, site, sc.reception) is None:
                    problems.append(
                        (
                            "$.routes",
                            f"no route from handover site {site!r} to reception {sc.reception!r}",
                        )
                    )
    elif sc.reception is not None and sc.reception not in kinds:
        problems.append(("$.reception", f"expected a place id, found {sc.reception!r}"))
    destinations = set(sc.places_of("destination"))
    for i, c in enumerate(sc.prisoner_cohorts):
        base = f"$.prisoner_cohorts[{i}]"
        if not sc.places:
            if c.destinations is not None:
                problems.append((f"{base}.destinations", "destinations need places"))
            continue
        if c.prison is None or kinds.get(c.prison) != "prison":
            if destinations or c.prison is not None:
                problems.append(
                    (
                        f"{base}.prison",
                        f"expected the id of a place of kind prison, found {c.prison!r}",
                    )
                )
            continue
        for j, d in enumerate(c.destinations or []):
            if d not in destinations:
                problems.append(
                    (
                        f"{base}.destinations[{j}]",
                        f"expected the id of a destination place, found {d!r}",
                    )
                )
        for d in sc.allowed_destinations(c.id):
            if d in destinations and leg(g, c.prison, d) is None:
                problems.append(
                    (
                        f"{base}.destinations",
                        f"no route from prison {c.prison!r} to destination {d!r}",
                    )
                )
        if c.destinations == []:
            problems.append((f"{base}.destinations", "expected at least one destination"))
    members = sc.member_cohort()
    covered: dict[str, str] = {}
    fleets = 0
    for i, r in enumerate(sc.rules):
        base = f"$.rules[{i}]"
        for j, site in enumerate(getattr(r, "sites", None) or []):
            if kinds.get(site) != "handover_site":
                problems.append(
                    (f"{base}.sites[{j}]", f"expected the id of a handover site, found {site!r}")
                )
        for j, d in enumerate(getattr(r, "destinations", None) or []):
            if d not in destinations:
                problems.append(
                    (
                        f"{base}.destinations[{j}]",
                        f"expected the id of a destination place, found {d!r}",
                    )
                )
        for j, person in enumerate(getattr(r, "people", None) or []):
            cohort = members.get(person)
            path = f"{base}.people[{j}]"
            if cohort is None:
                problems.append(
                    (path, f"expected the id of a named cohort member, found {person!r}")
                )
            elif isinstance(r, AbroadRule):
                abroad = [d for d in sc.allowed_destinations(cohort) if _is_abroad(sc, d)]
                if not sc.is_hostage(cohort) and not abroad:
                    problems.append(
                        (
                            path,
                            f"{person!r} (cohort {cohort!r}) has no destination "
                            "marked abroad among its allowed destinations",
                        )
                    )
                if sc.is_hostage(cohort):
                    problems.append((path, f"expected a prisoner, found hostage {person!r}"))
            elif isinstance(r, LocatedFromRule) and not sc.is_hostage(cohort):
                problems.append((path, f"expected a hostage, found prisoner {person!r}"))
        if isinstance(r, FixedStageRule) and r.stage > sc.max_stages:
            problems.append(
                (f"{base}.stage", f"expected at most max_stages {sc.max_stages}, found {r.stage}")
            )
        if isinstance(r, DestinationQuotaRule):
            for j, ref in enumerate(r.cohorts):
                if sc.prisoner(ref) is None:
                    problems.append(
                        (
                            f"{base}.cohorts[{j}]",
                            f"expected the id of a prisoner cohort, found {ref!r}",
                        )
                    )
        if isinstance(r, BusesRule):
            for d in r.destinations if r.destinations is not None else sorted(destinations):
                if d in covered:
                    problems.append(
                        (
                            f"{base}.destinations",
                            f"destination {d!r} is already covered by buses rule {covered[d]!r}",
                        )
                    )
                covered[d] = r.id
        if isinstance(r, HostageFleetRule):
            fleets += 1
            if fleets > 1:
                problems.append((f"{base}", "at most one hostage_fleet rule"))
        if isinstance(r, (SiteAfterLineRule, SiteDailyLimitRule)) and not sites:
            problems.append(
                (f"{base}.kind", "this rule needs handover sites (places of kind handover_site)")
            )
    return problems


def estimated_size(sc: Scenario) -> int:
    """Stage x cohort (x destination) and stage x person cells the model would create."""
    cells = 0
    for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
        cells += 1 + len(sc.allowed_destinations(c.id))
    owner = sc.member_cohort()
    for person in sc.individuals():
        cells += max(1, len(sc.allowed_destinations(owner.get(person, ""))))
    return sc.max_stages * cells


def _is_abroad(sc: Scenario, place_id: str) -> bool:
    place = sc.place(place_id)
    return place is not None and place.abroad


def required_in_full(sc: Scenario) -> set[str]:
    """Cohorts that some rule requires to be released in full."""
    out: set[str] = set()
    for r in sc.rules:
        if isinstance(r, ReleaseRule) and r.min_count is None or isinstance(r, DeadlineRule):
            out.update(r.cohorts)
    return out


def _face_totals(sc: Scenario) -> list[tuple[str, str]]:
    """Exchange ratios whose totals cannot hold whatever the schedule."""
    problems: list[tuple[str, str]] = []
    full = required_in_full(sc)
    for i, r in enumerate(sc.rules):
        if not isinstance(r, ExchangeRatioRule):
            continue
        if any(sc.hostage(h) is None for h in r.per_hostage) or any(
            sc.prisoner(p) is None for p in r.prisoners
        ):
            continue
        pool = sum(sc.cohort_count(p) for p in r.prisoners)
        if all(h in full for h in r.per_hostage):
            owed = sum(rate * sc.cohort_count(h) for h, rate in r.per_hostage.items())
            if owed - r.max_prisoners_behind > pool:
                problems.append(
                    (
                        f"$.rules[{i}].per_hostage",
                        f"releasing the hostage cohorts in full owes {owed:g} prisoners, but the "
                        f"prisoner cohorts hold only {pool}",
                    )
                )
        if r.scope == "cumulative" and all(p in full for p in r.prisoners):
            most_owed = sum(rate * sc.cohort_count(h) for h, rate in r.per_hostage.items())
            if pool > most_owed + r.max_prisoners_ahead:
                problems.append(
                    (
                        f"$.rules[{i}].per_hostage",
                        f"the prisoner cohorts ({pool}) must be released in full, but all hostages "
                        f"together owe only {most_owed:g} (+{r.max_prisoners_ahead} ahead)",
                    )
                )
    return problems
