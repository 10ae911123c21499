"""People: hostage and prisoner cohorts, and their named members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from planner.scenario.base import CohortCount, Id, Problem, Strict


class Member(Strict):
    """A named member of a cohort. ``name`` is sensitive and never written to a plan."""

    id: Id
    name: str | None = Field(default=None, max_length=200)


class HostageCohort(Strict):
    id: Id
    count: CohortCount
    status: Literal["living", "deceased", "unknown"] = Field(
        description="living: handed over alive; deceased: remains returned; unknown: not known"
    )
    category: str = Field(default="", max_length=100, description="e.g. civilian, soldier")
    held_by: str = Field(default="", max_length=100)
    held_in: dict[Id, CohortCount] | None = Field(
        default=None,
        description="where the cohort's people are held: holding area (a place of kind "
        "holding_area) -> people held there, adding up to count. The travel from an area to "
        "a handover site counts in a preparation rule",
    )
    members: list[Member] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)

    def held_in_problems(self, base: str, kinds: dict[str, str]) -> Iterator[Problem]:
        """``held_in`` names holding areas (``kinds``: place id -> kind) adding up to count."""
        if self.held_in is None:
            return
        for area in self.held_in:
            if kinds.get(area) != "holding_area":
                yield (f"{base}.{area}", f"expected a place of kind holding_area, found {area!r}")
        if sum(self.held_in.values()) != self.count:
            yield (
                base,
                f"the areas hold {sum(self.held_in.values())} people; the cohort's count is "
                f"{self.count}",
            )


class PrisonerCohort(Strict):
    id: Id
    count: CohortCount
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
