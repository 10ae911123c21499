"""Rule kinds of the exchange itself: totals, ratios, order, availability, pairing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator

from planner.jsonpos import key_part
from planner.scenario.base import Distribution, Hour, Id, People, Problem, Rate, SignedHours, names
from planner.scenario.rules.base import Relax, RuleBase, rule_kind

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario

__all__ = ["AvailabilityRule", "ExchangeRatioRule", "OrderRule", "PairingRule", "ReleaseRule"]


def min_count_problems(sc: Scenario, cohorts: list[str], min_count: int | None) -> list[Problem]:
    """A minimum count larger than the cohorts it counts."""
    if min_count is None:
        return []
    avail = sum(sc.cohort_count(c) for c in cohorts)
    if min_count > avail:
        return [(".min_count", f"expected at most {avail} (the cohorts' size), found {min_count}")]
    return []


@rule_kind
class ReleaseRule(RuleBase):
    """Totals: every member of the cohorts is released within the horizon, or at least
    ``min_count`` people of them together."""

    kind: Literal["release"]
    cohorts: list[Id] = Field(
        min_length=1, description="ids of the cohorts released", examples=[["living", "deceased"]]
    )
    min_count: People | None = Field(
        default=None,
        description="at least this many of the cohorts' people together are released (at most "
        "the cohorts' size); without it, every member is",
    )

    relaxable: ClassVar = (Relax("min_count", -1),)

    def describe(self, sc: Scenario) -> str:
        if self.min_count is None:
            return f"every member of {names(self.cohorts)} is released"
        return f"at least {self.min_count} of {names(self.cohorts)} are released"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        yield from min_count_problems(sc, self.cohorts, self.min_count)

    def cohorts_in_full(self) -> list[str]:
        return list(self.cohorts) if self.min_count is None else []

    @property
    def dropping_relaxes(self) -> bool:
        return self.min_count is not None


@rule_kind
class ExchangeRatioRule(RuleBase):
    """Prisoners of ``prisoners`` cohorts owed per hostage of each ``per_hostage`` cohort.

    ``per_stage``: in every stage, prisoners released minus prisoners owed for that stage's
    hostages lies in [-max_prisoners_behind, max_prisoners_ahead]. ``cumulative``: the same
    band for the running totals at the end of every stage.
    """

    kind: Literal["exchange_ratio"]
    prisoners: list[Id] = Field(
        min_length=1,
        description="ids of the prisoner cohorts whose releases count",
        examples=[["gaza-remains"]],
    )
    per_hostage: dict[Id, Rate] = Field(
        min_length=1,
        description="hostage cohort id -> prisoners owed per hostage of it received (at most 2 "
        "decimals)",
        examples=[{"deceased": 15}],
    )
    scope: Literal["per_stage", "cumulative"] = Field(
        default="per_stage",
        description="per_stage: the band holds in every stage; cumulative: on the running totals "
        "at the end of every stage",
    )
    max_prisoners_ahead: People = Field(
        default=0, description="prisoners that may be released beyond those owed (0: exact)"
    )
    max_prisoners_behind: People = Field(
        default=0, description="prisoners owed that may be released later (0: exact)"
    )

    relaxable: ClassVar = (Relax("max_prisoners_behind", 1), Relax("max_prisoners_ahead", 1))

    @model_validator(mode="after")
    def _rates(self) -> ExchangeRatioRule:
        for cohort, rate in self.per_hostage.items():
            if round(rate * 100) != rate * 100:  # the range is the type's (Rate)
                raise ValueError(
                    f"per_hostage[{cohort!r}]: expected a rate with at most 2 decimals, "
                    f"found {rate}"
                )
        return self

    def describe(self, sc: Scenario) -> str:
        rates = ", ".join(f"{rate:g} per {h}" for h, rate in self.per_hostage.items())
        band = (
            f"behind by at most {self.max_prisoners_behind}, "
            f"ahead by at most {self.max_prisoners_ahead}"
        )
        scope = self.scope.replace("_", " ")
        return f"{names(self.prisoners)} released at {rates} ({scope}; {band})"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        known = True
        for j, ref in enumerate(self.prisoners):
            if sc.prisoner(ref) is None:
                known = False
                yield (f".prisoners[{j}]", f"expected the id of a prisoner cohort, found {ref!r}")
        for ref in self.per_hostage:
            if sc.hostage(ref) is None:
                known = False
                yield (
                    f".per_hostage{key_part(ref)}",
                    f"expected the id of a hostage cohort, found {ref!r}",
                )
        if known:
            yield from self._face_totals(sc)

    def _face_totals(self, sc: Scenario) -> Iterator[Problem]:
        """Totals that cannot hold whatever the schedule."""
        full = sc.required_in_full()
        pool = sum(sc.cohort_count(p) for p in self.prisoners)
        owed = sum(rate * sc.cohort_count(h) for h, rate in self.per_hostage.items())
        if all(h in full for h in self.per_hostage) and owed - self.max_prisoners_behind > pool:
            yield (
                ".per_hostage",
                f"releasing the hostage cohorts in full owes {owed:g} prisoners, but the "
                f"prisoner cohorts hold only {pool}",
            )
        if (
            self.scope == "cumulative"
            and all(p in full for p in self.prisoners)
            and pool > owed + self.max_prisoners_ahead
        ):
            yield (
                ".per_hostage",
                f"the prisoner cohorts ({pool}) must be released in full, but all hostages "
                f"together owe only {owed:g} (+{self.max_prisoners_ahead} ahead)",
            )


@rule_kind
class OrderRule(RuleBase):
    """``all_before_any``: every member of ``first`` is released at least ``min_gap_hours``
    before any member of ``then``. ``finish_no_later``: the last release of ``first`` is at
    least ``min_gap_hours`` before the last release of ``then``."""

    kind: Literal["order"]
    first: list[Id] = Field(
        min_length=1, description="ids of the cohorts released first", examples=[["living"]]
    )
    then: list[Id] = Field(
        min_length=1,
        description="ids of the cohorts released after them (none also in first)",
        examples=[["life-sentence"]],
    )
    mode: Literal["all_before_any", "finish_no_later"] = Field(
        default="all_before_any",
        description="all_before_any: every member of first is released min_gap_hours before any "
        "member of then; finish_no_later: the last of first min_gap_hours before the last of "
        "then",
    )
    min_gap_hours: SignedHours = Field(
        default=0,
        description="least hours between the two releases compared; a negative gap lets the "
        "release of then come that many hours earlier",
    )

    relaxable: ClassVar = (Relax("min_gap_hours", -1),)

    def describe(self, sc: Scenario) -> str:
        gap = f" by at least {self.min_gap_hours} h" if self.min_gap_hours else ""
        if self.mode == "all_before_any":
            return f"all of {names(self.first)} are released before any of {names(self.then)}{gap}"
        return (
            f"the last of {names(self.first)} is released no later than the last of "
            f"{names(self.then)}{gap}"
        )

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if set(self.first) & set(self.then):
            yield (".then", "a cohort cannot be in both first and then")


@rule_kind
class AvailabilityRule(RuleBase):
    """The cohorts can be handed over (hostages) or released (prisoners) only from
    ``from_hour``. ``range_hours`` [earliest, latest] states the uncertainty of that hour."""

    kind: Literal["availability"]
    cohorts: list[Id] = Field(
        min_length=1,
        description="ids of the cohorts (hostages: handed over; prisoners: released)",
        examples=[["deceased-later"]],
    )
    from_hour: Hour = Field(description="the first hour they can be", examples=[120])
    range_hours: tuple[Hour, Hour] | None = Field(
        default=None,
        description="[earliest, latest] containing from_hour: how uncertain that hour is "
        "(robustness analysis; a plan uses from_hour)",
        examples=[[48, 360]],
    )
    distribution: Distribution = "uniform"

    ranged_field: ClassVar[str | None] = "from_hour"
    relaxable: ClassVar = (Relax("from_hour", -1),)

    def describe(self, sc: Scenario) -> str:
        return f"{names(self.cohorts)} can be released only from hour {self.from_hour}"


@rule_kind
class PairingRule(RuleBase):
    """A stage's prisoners are released between ``min_lag_hours`` and ``max_lag_hours`` after
    that stage's hostages are handed over (a negative lag: before). Without any pairing rule,
    a stage's prisoners are released no earlier than the stage starts."""

    kind: Literal["pairing"]
    min_lag_hours: SignedHours = Field(
        default=0,
        description="fewest hours after the stage's hostages are received that its prisoners "
        "are released (negative: before)",
    )
    max_lag_hours: SignedHours = Field(
        description="most hours after the stage's hostages are received that its prisoners are "
        "released (at least min_lag_hours)",
        examples=[24],
    )

    relaxable: ClassVar = (Relax("max_lag_hours", 1), Relax("min_lag_hours", -1))

    @model_validator(mode="after")
    def _lags(self) -> PairingRule:
        if self.min_lag_hours > self.max_lag_hours:
            raise ValueError("min_lag_hours must not exceed max_lag_hours")
        return self

    def describe(self, sc: Scenario) -> str:
        return (
            f"each stage's prisoners are released {self.min_lag_hours} to {self.max_lag_hours} h "
            "after its hostages are received"
        )
