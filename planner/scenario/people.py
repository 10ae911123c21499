"""People: hostage and prisoner cohorts, and their named members."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.scenario.base import CohortCount, Id, Strict


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
    members: list[Member] = Field(default_factory=list)
    description: str = Field(default="", max_length=2000)


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
