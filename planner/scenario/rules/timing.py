"""Rule kinds of withdrawal and timing: lines, deadlines, starts, gaps, clock hours."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from planner.scenario.base import ClockHour, Distribution, Hour, Hours, Id, People, Problem, names
from planner.scenario.rules.base import Relax, RuleBase, rule_kind
from planner.scenario.rules.exchange import min_count_problems

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario

__all__ = [
    "DeadlineRule",
    "EarliestStartRule",
    "HandoverHoursRule",
    "LineAfterReleaseRule",
    "LineBeforeHandoverRule",
    "LineWindowRule",
    "PreparationRule",
    "StageGapRule",
]


@rule_kind
class LineBeforeHandoverRule(RuleBase):
    """The move to ``line`` is complete before the first handover starts."""

    kind: Literal["line_before_handover"]
    line: Id = Field(description="id of the withdrawal line", examples=["yellow-line"])

    def describe(self, sc: Scenario) -> str:
        ln = sc.withdrawal_lines[sc.line_index(self.line)]
        return (
            f"the move to line {self.line} ({ln.move_hours} h) completes before the first handover"
        )


@rule_kind
class LineAfterReleaseRule(RuleBase):
    """The move to ``line`` starts only once the cohorts are released (all of them, or at
    least ``min_count`` people of them together)."""

    kind: Literal["line_after_release"]
    line: Id = Field(description="id of the withdrawal line", examples=["yellow-line"])
    cohorts: list[Id] = Field(
        min_length=1,
        description="ids of the cohorts released before the move starts",
        examples=[["civilians", "soldiers"]],
    )
    min_count: Annotated[People, Field(ge=1)] | None = Field(
        default=None,
        description="at least this many of the cohorts' people together (at most the cohorts' "
        "size); without it, all of them",
        examples=[13],
    )

    relaxable: ClassVar = (Relax("min_count", -1),)

    def describe(self, sc: Scenario) -> str:
        what = f"at least {self.min_count} of" if self.min_count is not None else "all of"
        return (
            f"the move to line {self.line} starts only after {what} {names(self.cohorts)} "
            "are released"
        )

    def check(self, sc: Scenario) -> Iterator[Problem]:
        yield from min_count_problems(sc, self.cohorts, self.min_count)


@rule_kind
class LineWindowRule(RuleBase):
    """The move to ``line`` starts no earlier than ``earliest_start``, and optionally starts or
    completes by a given hour."""

    kind: Literal["line_window"]
    line: Id = Field(description="id of the withdrawal line", examples=["yellow-line"])
    earliest_start: Hour = Field(default=0, description="the move starts no earlier than this hour")
    latest_start: Hour | None = Field(
        default=None, description="the move starts by this hour (at least earliest_start)"
    )
    latest_complete: Hour | None = Field(
        default=None, description="the move is complete by this hour", examples=[24]
    )

    relaxable: ClassVar = (
        Relax("latest_start", 1),
        Relax("latest_complete", 1),
        Relax("earliest_start", -1),
    )

    def describe(self, sc: Scenario) -> str:
        parts = [f"starts no earlier than hour {self.earliest_start}"]
        if self.latest_start is not None:
            parts.append(f"starts by hour {self.latest_start}")
        if self.latest_complete is not None:
            parts.append(f"completes by hour {self.latest_complete}")
        return f"the move to line {self.line} " + " and ".join(parts)

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if self.latest_start is not None and self.latest_start < self.earliest_start:
            yield (
                ".latest_start",
                f"expected at least earliest_start {self.earliest_start}, "
                f"found {self.latest_start}",
            )


@rule_kind
class DeadlineRule(RuleBase):
    """Every member of the cohorts is released within ``within_hours`` of t=0, or of the
    completion of the move to ``after_line``."""

    kind: Literal["deadline"]
    cohorts: list[Id] = Field(
        min_length=1, description="ids of the cohorts released in full", examples=[["living"]]
    )
    within_hours: Hours = Field(
        description="hours from t=0 (or from the completion of the move to after_line) within "
        "which every member is released",
        examples=[72],
    )
    after_line: Id | None = Field(
        default=None,
        description="id of a withdrawal line: the hours count from the completion of the move "
        "to it (default: from t=0)",
    )

    relaxable: ClassVar = (Relax("within_hours", 1),)

    def describe(self, sc: Scenario) -> str:
        anchor = f"the move to line {self.after_line} completing" if self.after_line else "t=0"
        return (
            f"every member of {names(self.cohorts)} is released within {self.within_hours} h "
            f"of {anchor}"
        )

    def cohorts_in_full(self) -> list[str]:
        return list(self.cohorts)


@rule_kind
class EarliestStartRule(RuleBase):
    """No handover starts before ``hour``."""

    kind: Literal["earliest_start"]
    hour: Hour = Field(description="no handover starts before this hour", examples=[6])

    relaxable: ClassVar = (Relax("hour", -1),)

    def describe(self, sc: Scenario) -> str:
        return f"no handover starts before hour {self.hour}"


@rule_kind
class StageGapRule(RuleBase):
    """Hours between the starts of consecutive stages."""

    kind: Literal["stage_gap"]
    min_hours: Hours = Field(
        default=0, description="least hours between the starts of consecutive stages"
    )
    max_hours: Hours | None = Field(
        default=None,
        description="most hours between the starts of consecutive stages (at least min_hours)",
        examples=[24],
    )

    relaxable: ClassVar = (Relax("min_hours", -1), Relax("max_hours", 1))

    def describe(self, sc: Scenario) -> str:
        most = f" and at most {self.max_hours} h" if self.max_hours is not None else ""
        return f"consecutive stages start at least {self.min_hours} h apart{most}"

    def check(self, sc: Scenario) -> Iterator[Problem]:
        if self.max_hours is not None and self.max_hours < self.min_hours:
            yield (
                ".max_hours",
                f"expected at least min_hours {self.min_hours}, found {self.max_hours}",
            )


@rule_kind
class HandoverHoursRule(RuleBase):
    """Handovers start and complete inside one of the clock windows [from, to) of a day.
    Clock hours are those of ``start_time`` (t=0 is hour ``start_time.hour``; 0 if unset)."""

    kind: Literal["handover_hours"]
    windows: list[tuple[ClockHour, ClockHour]] = Field(
        min_length=1,
        description="daily clock windows [from, to), whole hours with from < to; a handover "
        "starts and completes inside one of them",
        examples=[[[9, 17]]],
    )

    @model_validator(mode="after")
    def _windows(self) -> HandoverHoursRule:
        for lo, hi in self.windows:
            if lo >= hi:
                raise ValueError(f"window [{lo}, {hi}]: expected 0 <= from < to <= 24")
        return self

    def describe(self, sc: Scenario) -> str:
        wins = ", ".join(f"{lo:02d}:00-{hi:02d}:00" for lo, hi in self.windows)
        return f"handovers take place within {wins} (clock time)"


@rule_kind
class PreparationRule(RuleBase):
    """The holders need ``hours`` from ``from_hour`` to bring the cohorts' people from where
    they are held to a handover site: a stage handing over people held in area a (the
    cohort's ``held_in``) at site k starts no earlier than from_hour + hours + the travel from
    a to k (no travel for a cohort without ``held_in``). ``range_hours`` states the
    uncertainty of ``hours``, for robustness analysis."""

    kind: Literal["preparation"]
    cohorts: list[Id] = Field(
        min_length=1,
        description="ids of the hostage cohorts prepared",
        examples=[["living", "deceased-located"]],
    )
    hours: Hours = Field(
        description="hours the holders need from from_hour to bring the people to a handover "
        "site, before the travel from their holding area",
        examples=[36],
    )
    from_hour: Hour = Field(
        default=0, description="the hour preparation starts: 0 (the cease-fire) or when located"
    )
    range_hours: tuple[Hours, Hours] | None = Field(
        default=None,
        description="[low, high] containing hours: how uncertain the preparation time is "
        "(robustness analysis; a plan uses hours)",
        examples=[[24, 60]],
    )
    distribution: Distribution = "uniform"

    ranged_field: ClassVar[str | None] = "hours"
    relaxable: ClassVar = (Relax("hours", -1),)

    def describe(self, sc: Scenario) -> str:
        start = f"hour {self.from_hour}" if self.from_hour else "t=0"
        return (
            f"{names(self.cohorts)} can be brought to a handover site {self.hours} h after "
            f"{start}, plus the travel from where they are held"
        )

    def check(self, sc: Scenario) -> Iterator[Problem]:
        for j, ref in enumerate(self.cohorts):
            if sc.prisoner(ref) is not None:
                yield (f".cohorts[{j}]", f"expected the id of a hostage cohort, found {ref!r}")
