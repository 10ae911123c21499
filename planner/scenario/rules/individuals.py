"""Rule kinds of named individuals: veto, abroad, not before, located from, fixed stage.

Every class here has a ``people`` field: the people it names get variables of their own in the
model; everyone else is counted per cohort.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from planner.scenario.base import Distribution, Hour, Id, Problem, StageNumber, names
from planner.scenario.rules.base import Relax, RuleBase, rule_kind

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario

__all__ = [
    "AbroadRule",
    "FixedStageRule",
    "LocatedFromRule",
    "PersonNotBeforeRule",
    "VetoRule",
]


@rule_kind
class VetoRule(RuleBase):
    """The named people are never released."""

    kind: Literal["veto"]
    people: list[Id] = Field(
        min_length=1,
        description="ids of named cohort members never released (a release rule on their cohort "
        "then needs a min_count)",
        examples=[["pr-b"]],
    )

    def describe(self, sc: Scenario) -> str:
        return f"{names(self.people)} are never released"


@rule_kind
class AbroadRule(RuleBase):
    """The named prisoners, if released, go to a destination marked ``abroad``."""

    kind: Literal["abroad"]
    people: list[Id] = Field(
        min_length=1,
        description="ids of named prisoners who, if released, go to a destination marked abroad "
        "(their cohort must allow one)",
        examples=[["life-named-01", "life-named-02"]],
    )

    def describe(self, sc: Scenario) -> str:
        return f"{names(self.people)}, if released, go abroad"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        members = sc.member_cohort()
        for j, person in enumerate(self.people):
            cohort = members.get(person)
            if cohort is None:
                continue  # reported by the reference pass
            if sc.is_hostage(cohort):
                yield (f".people[{j}]", f"expected a prisoner, found hostage {person!r}")
                continue
            if not any(sc.is_abroad(d) for d in sc.allowed_destinations(cohort)):
                yield (
                    f".people[{j}]",
                    f"{person!r} (cohort {cohort!r}) has no destination "
                    "marked abroad among its allowed destinations",
                )


@rule_kind
class PersonNotBeforeRule(RuleBase):
    """The named people are released no earlier than ``hour`` (their release hour)."""

    kind: Literal["person_not_before"]
    people: list[Id] = Field(
        min_length=1,
        description="ids of named members (hostages or prisoners)",
        examples=[["pr-c"]],
    )
    hour: Hour = Field(description="they are released no earlier than this hour", examples=[30])

    relaxable: ClassVar = (Relax("hour", -1),)

    def describe(self, sc: Scenario) -> str:
        return f"{names(self.people)} are released no earlier than hour {self.hour}"


@rule_kind
class LocatedFromRule(RuleBase):
    """The named hostages' location is unknown until ``hour``: a stage handing them over starts
    no earlier. ``range_hours`` states the uncertainty, for robustness analysis."""

    kind: Literal["located_from"]
    people: list[Id] = Field(
        min_length=1, description="ids of named hostages", examples=[["rem-x"]]
    )
    hour: Hour = Field(
        description="their location is unknown until this hour: a stage handing them over "
        "starts no earlier",
        examples=[20],
    )
    range_hours: tuple[Hour, Hour] | None = Field(
        default=None,
        description="[low, high] containing hour: how uncertain it is (robustness analysis; a "
        "plan uses hour)",
        examples=[[12, 36]],
    )
    distribution: Distribution = "uniform"

    ranged_field: ClassVar[str | None] = "hour"
    relaxable: ClassVar = (Relax("hour", -1),)

    def describe(self, sc: Scenario) -> str:
        return (
            f"{names(self.people)} can be handed over only from hour {self.hour} (location unknown)"
        )

    def check(self, sc: Scenario) -> Iterator[Problem]:
        members = sc.member_cohort()
        for j, person in enumerate(self.people):
            cohort = members.get(person)
            if cohort is not None and not sc.is_hostage(cohort):
                yield (f".people[{j}]", f"expected a hostage, found prisoner {person!r}")


@rule_kind
class FixedStageRule(RuleBase):
    """The named people are released in stage number ``stage`` (1-based, in time order)."""

    kind: Literal["fixed_stage"]
    people: list[Id] = Field(
        min_length=1,
        description="ids of named members (hostages or prisoners)",
        examples=[["civ-c"]],
    )
    stage: StageNumber = Field(
        description="the stage they are released in, 1-based in time order (at most max_stages)",
        examples=[2],
    )

    def describe(self, sc: Scenario) -> str:
        return f"{names(self.people)} are released in stage {self.stage}"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if self.stage > sc.max_stages:
            yield (".stage", f"expected at most max_stages {sc.max_stages}, found {self.stage}")
