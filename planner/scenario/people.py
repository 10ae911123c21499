"""People: hostage and prisoner cohorts, and their named members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from planner.jsonpos import key_part
from planner.scenario.base import CohortCount, Id, Problem, Strict


class Member(Strict):
    """A named member of a cohort. ``name`` is sensitive and never written to a plan."""

    id: Id = Field(
        description="the person's id: plans list the person by it, and individual rules name "
        "the person by it in their people list. Not of the form <cohort>-<n>, the form of the "
        "ids generated for unnamed people",
        examples=["h-017"],
    )
    name: str | None = Field(
        default=None,
        max_length=200,
        description="the person's name: optional, sensitive, never written to a plan",
    )


CATEGORY = "free text for readers and reports; not used in planning"
HELD_BY = "who holds the cohort, free text; not used in planning"
MEMBERS = (
    "named members, at most count of them; the others get generated ids <cohort>-<n> "
    "(n = 1, 2, ...) in plans, after the listed members. Members named by an individual rule "
    "get variables of their own in the model; listing a member only fixes the id used in plans"
)
COHORT_DESCRIPTION = "free text for readers; not used in planning"


class HostageCohort(Strict):
    """A group of hostages treated alike: a count and descriptive fields. Rules refer to the
    cohort by its id."""

    id: Id = Field(
        description="the cohort's id; rules refer to the cohort by it", examples=["living"]
    )
    count: CohortCount = Field(description="people in the cohort", examples=[20])
    status: Literal["living", "deceased", "unknown"] = Field(
        description="living: handed over alive; deceased: remains are returned; unknown: not "
        "known. The living_released_hour objective term counts the living cohorts"
    )
    category: str = Field(
        default="",
        max_length=100,
        description=f"e.g. civilian, soldier, foreign national; {CATEGORY}",
        examples=["living hostage"],
    )
    held_by: str = Field(default="", max_length=100, description=HELD_BY, examples=["Hamas"])
    held_in: dict[Id, CohortCount] | None = Field(
        default=None,
        description="with places: where the cohort's people are held, a map from holding area "
        "(a place of kind holding_area) to the people held there, adding up to count. Each area "
        "must reach a handover site over the routes; a plan says per stage how many came from "
        "which area, and a preparation rule counts the travel from each area to the stage's site",
        examples=[{"held-north": 8, "held-central": 6, "held-south": 6}],
    )
    members: list[Member] = Field(default_factory=list, description=MEMBERS)
    description: str = Field(default="", max_length=2000, description=COHORT_DESCRIPTION)

    def held_in_problems(self, base: str, kinds: dict[str, str]) -> Iterator[Problem]:
        """``held_in`` names holding areas (``kinds``: place id -> kind) adding up to count."""
        if self.held_in is None:
            return
        for area in self.held_in:
            if kinds.get(area) != "holding_area":
                found = f"expected a place of kind holding_area, found {area!r}"
                yield (f"{base}{key_part(area)}", found)
        if sum(self.held_in.values()) != self.count:
            yield (
                base,
                f"the areas hold {sum(self.held_in.values())} people; the cohort's count is "
                f"{self.count}",
            )


class PrisonerCohort(Strict):
    """A group of prisoners treated alike: a count, where they are held and may go, and
    descriptive fields. Rules refer to the cohort by its id."""

    id: Id = Field(
        description="the cohort's id; rules refer to the cohort by it", examples=["life-sentence"]
    )
    count: CohortCount = Field(description="people in the cohort", examples=[250])
    category: str = Field(
        default="",
        max_length=100,
        description=f"e.g. life-sentence, detainee; {CATEGORY}",
        examples=["prisoner serving a life sentence"],
    )
    sentence: Literal["life", "long", "short", "detained", "remains", "other"] = Field(
        default="other",
        description="the kind of sentence (remains: bodies returned); not used in planning",
    )
    held_since: str | None = Field(
        default=None,
        max_length=40,
        description="since when the cohort is held, a date as free text; not used in planning",
    )
    prison: str | None = Field(
        default=None,
        max_length=100,
        description="where the cohort is held; prison_processing rules refer to it. Without "
        "places free text; with places the id of a place of kind prison, from which every "
        "allowed destination must be reachable",
        examples=["Ofer"],
    )
    destinations: list[Id] | None = Field(
        default=None,
        description="with places only: the places of kind destination the cohort may be "
        "released to (default: every destination); a plan splits each stage's prisoners over "
        "them",
        examples=[["west-bank", "gaza", "egypt"]],
    )
    held_by: str = Field(default="", max_length=100, description=HELD_BY, examples=["Israel"])
    members: list[Member] = Field(default_factory=list, description=MEMBERS)
    description: str = Field(default="", max_length=2000, description=COHORT_DESCRIPTION)
