"""Rule kinds of capacity and logistics: per stage, per prison, per site, vehicles, buses,
destinations."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from planner.scenario.base import Hours, Id, People, Problem, Seats, Stages, Vehicles, names
from planner.scenario.rules.base import Relax, RuleBase, rule_kind

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario

__all__ = [
    "BusesRule",
    "DestinationQuotaRule",
    "HostageFleetRule",
    "PrisonProcessingRule",
    "SiteAfterLineRule",
    "SiteDailyLimitRule",
    "StageCapacityRule",
    "bus_seats",
    "vehicles_needed",
]

NEEDS_SITES = "this rule needs handover sites (places of kind handover_site)"


@rule_kind
class StageCapacityRule(RuleBase):
    """At most ``max_per_stage`` people (or ``vehicles`` x ``seats``) of one side, optionally
    only of the listed cohorts, in any one stage."""

    kind: Literal["stage_capacity"]
    side: Literal["hostages", "prisoners"] = Field(description="the side counted")
    cohorts: list[Id] | None = Field(
        default=None,
        description="ids of the cohorts of that side counted (default: all of them)",
        examples=[["life-sentence", "gaza-detainees"]],
    )
    max_per_stage: People | None = Field(
        default=None, description="most people in one stage; give this or vehicles and seats"
    )
    vehicles: Vehicles | None = Field(
        default=None,
        description="vehicles per stage, with seats: at most vehicles x seats people in one stage",
        examples=[50],
    )
    seats: Seats | None = Field(default=None, description="seats per vehicle", examples=[40])

    relaxable: ClassVar = (Relax("max_per_stage", 1), Relax("vehicles", 1, step=1))

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

    def describe(self, sc: Scenario) -> str:
        who = names(self.cohorts) if self.cohorts else f"all {self.side}"
        how = (
            f"{self.vehicles} vehicles x {self.seats} seats = " if self.vehicles is not None else ""
        )
        return f"at most {how}{self.limit} of {who} per stage"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        side = sc.hostage if self.side == "hostages" else sc.prisoner
        for j, ref in enumerate(self.cohorts or []):
            if side(ref) is None:
                yield (
                    f".cohorts[{j}]",
                    f"expected the id of a {self.side[:-1]} cohort, found {ref!r}",
                )


@rule_kind
class PrisonProcessingRule(RuleBase):
    """At most ``per_day`` prisoners of the cohorts held in ``prison`` are released in any one
    day (day k is hours [24k, 24k+24) from t=0)."""

    kind: Literal["prison_processing"]
    prison: str = Field(
        min_length=1,
        max_length=100,
        description="the prison, as a prisoner cohort's prison field names it (with places: the "
        "prison's place id)",
        examples=["Ofer"],
    )
    per_day: People = Field(
        description="most prisoners held there released in any one day, day k being hours "
        "[24k, 24k+24) from t=0",
        examples=[300],
    )

    relaxable: ClassVar = (Relax("per_day", 1),)

    def describe(self, sc: Scenario) -> str:
        return f"{self.prison} releases at most {self.per_day} prisoners per day"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if not any(c.prison == self.prison for c in sc.prisoner_cohorts):
            yield (".prison", f"no prisoner cohort is held in prison {self.prison!r}")


@rule_kind
class SiteAfterLineRule(RuleBase):
    """A handover at one of ``sites`` starts only once the move to ``line`` is complete (the
    zone of the sites is not usable before)."""

    kind: Literal["site_after_line"]
    sites: list[Id] = Field(
        min_length=1, description="ids of the handover sites", examples=[["gaza-city"]]
    )
    line: Id = Field(
        description="id of the withdrawal line whose move completes before a handover at the "
        "sites starts",
        examples=["yellow-line"],
    )

    def describe(self, sc: Scenario) -> str:
        return f"no handover at {names(self.sites)} before the move to line {self.line} completes"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if not sc.sites:
            yield (".kind", NEEDS_SITES)


@rule_kind
class SiteDailyLimitRule(RuleBase):
    """At most ``per_day`` stages start at each of ``sites`` (all handover sites if unset) in
    any one day (day k is hours [24k, 24k+24) from t=0)."""

    kind: Literal["site_daily_limit"]
    sites: list[Id] | None = Field(
        default=None, description="ids of the handover sites (default: every handover site)"
    )
    per_day: Stages = Field(
        description="most stages starting at each site in any one day, day k being hours "
        "[24k, 24k+24) from t=0",
        examples=[2],
    )

    relaxable: ClassVar = (Relax("per_day", 1),)

    def describe(self, sc: Scenario) -> str:
        where = names(self.sites) if self.sites else "any handover site"
        return f"at most {self.per_day} handovers a day at {where}"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if not sc.sites:
            yield (".kind", NEEDS_SITES)


@rule_kind
class HostageFleetRule(RuleBase):
    """Intermediary vehicles: a stage uses ceil(hostages / seats) vehicles from its start until
    ``turnaround_hours`` after its handover completes; at no hour are more than ``vehicles`` in
    use."""

    kind: Literal["hostage_fleet"]
    vehicles: Vehicles = Field(
        description="the intermediary's vehicles: at no hour are more in use", examples=[8]
    )
    seats: Annotated[Seats, Field(ge=1)] = Field(
        description="hostages per vehicle: a stage uses ceil(hostages / seats) vehicles",
        examples=[6],
    )
    turnaround_hours: Hours = Field(
        default=0,
        description="hours a stage's vehicles stay in use after its hostages are received",
    )

    relaxable: ClassVar = (Relax("vehicles", 1, step=1), Relax("turnaround_hours", -1))

    def describe(self, sc: Scenario) -> str:
        return (
            f"{self.vehicles} intermediary vehicles x {self.seats} seats, each busy until "
            f"{self.turnaround_hours} h after its handover completes"
        )

    @classmethod
    def check_together(cls, sc: Scenario, found: Sequence[tuple[str, Any]]) -> Iterator[Problem]:
        for path, _ in found[1:]:
            yield (path, "at most one hostage_fleet rule")


def vehicles_needed(sc: Scenario, hostages: int) -> int | None:
    """Intermediary vehicles a handover of ``hostages`` people uses (None: no fleet rule)."""
    fleet = next((r for r in sc.rules if isinstance(r, HostageFleetRule)), None)
    return math.ceil(hostages / fleet.seats) if fleet is not None else None


@rule_kind
class BusesRule(RuleBase):
    """Buses for prisoners: in a stage, each route (prison -> destination, only the listed
    ``destinations`` if given) needs ceil(prisoners / seats) buses; the stage uses at most
    ``buses`` in all."""

    kind: Literal["buses"]
    buses: Vehicles = Field(description="most buses one stage uses in all", examples=[50])
    seats: Annotated[Seats, Field(ge=1)] = Field(
        description="prisoners per bus: a transfer needs ceil(prisoners / seats) buses",
        examples=[45],
    )
    destinations: list[Id] | None = Field(
        default=None,
        description="ids of the destinations whose transfers these buses serve (default: every "
        "destination); each destination is covered by at most one buses rule",
    )

    relaxable: ClassVar = (Relax("buses", 1, step=1),)

    def describe(self, sc: Scenario) -> str:
        where = f" to {names(self.destinations)}" if self.destinations else ""
        return f"at most {self.buses} buses x {self.seats} seats per stage{where}"

    def covered(self, sc: Scenario) -> list[str]:
        """The destinations whose routes this rule's buses serve."""
        if self.destinations is not None:
            return list(self.destinations)
        return sc.places_of("destination")

    @classmethod
    def check_together(cls, sc: Scenario, found: Sequence[tuple[str, Any]]) -> Iterator[Problem]:
        covered: dict[str, str] = {}
        every = sorted(sc.places_of("destination"))
        for path, r in found:
            for d in r.destinations if r.destinations is not None else every:
                if d in covered:
                    yield (
                        f"{path}.destinations",
                        f"destination {d!r} is already covered by buses rule {covered[d]!r}",
                    )
                covered[d] = r.id


def bus_seats(sc: Scenario) -> dict[str, int]:
    """Destination -> seats per bus of the buses rule covering it."""
    out: dict[str, int] = {}
    for r in sc.rules:
        if isinstance(r, BusesRule):
            for d in r.covered(sc):
                out[d] = r.seats
    return out


@rule_kind
class DestinationQuotaRule(RuleBase):
    """Over the whole plan, prisoners of ``cohorts`` released to ``destinations`` number at
    least ``min_count`` and at most ``max_count``."""

    kind: Literal["destination_quota"]
    cohorts: list[Id] = Field(
        min_length=1,
        description="ids of the prisoner cohorts counted",
        examples=[["life-sentence"]],
    )
    destinations: list[Id] = Field(
        min_length=1, description="ids of the destinations counted", examples=[["egypt"]]
    )
    min_count: People | None = Field(
        default=None,
        description="at least this many of them released to the destinations over the whole plan",
        examples=[150],
    )
    max_count: People | None = Field(
        default=None,
        description="at most this many (at least min_count); give min_count, max_count or both",
    )

    relaxable: ClassVar = (Relax("min_count", -1), Relax("max_count", 1))

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

    def describe(self, sc: Scenario) -> str:
        bounds = []
        if self.min_count is not None:
            bounds.append(f"at least {self.min_count}")
        if self.max_count is not None:
            bounds.append(f"at most {self.max_count}")
        return f"{' and '.join(bounds)} of {names(self.cohorts)} go to {names(self.destinations)}"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        for j, ref in enumerate(self.cohorts):
            if sc.prisoner(ref) is None:
                yield (f".cohorts[{j}]", f"expected the id of a prisoner cohort, found {ref!r}")
