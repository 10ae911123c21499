"""Places, routes and withdrawal lines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictFloat, model_validator

from planner.scenario.base import Distribution, Flag, Hours, Id, Percent, Strict, range_miss


class Place(Strict):
    """A node of the transport graph."""

    id: Id = Field(
        description="the place's id; cohorts, routes and rules refer to the place by it",
        examples=["kerem-shalom"],
    )
    kind: Literal[
        "handover_site", "crossing", "prison", "destination", "junction", "holding_area"
    ] = Field(
        description="handover_site: where a stage's hostages are handed over (every stage then "
        "has one site); crossing: a border point, the usual reception; prison: where prisoner "
        "cohorts are held; destination: where released prisoners are taken; holding_area: "
        "where hostages are held (a hostage cohort's held_in); junction: a point where roads "
        "meet, only to shape the graph"
    )
    abroad: Flag = Field(
        default=False,
        description="true: a destination outside the region, for exile (abroad rules need one)",
    )
    lat: StrictFloat | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="latitude in degrees (WGS 84), with lon: where the place is drawn on a map "
        "(planner export --format geojson); never used in planning",
        examples=[31.5],
    )
    lon: StrictFloat | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="longitude in degrees (WGS 84), with lat",
        examples=[34.47],
    )
    description: str = Field(default="", max_length=2000, description="free text for readers")

    @model_validator(mode="after")
    def _both_coordinates(self) -> Place:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class Route(Strict):
    """An undirected road or passage between two places, with its travel time."""

    between: tuple[Id, Id] = Field(
        description="the ids of the two different places the route joins (either way)",
        examples=[["khan-younis", "kerem-shalom"]],
    )
    hours: Hours = Field(
        description="travel time either way, whole hours. With several routes between the same "
        "two places the fastest counts; travel between any two places is the shortest path over "
        "the routes",
        examples=[1],
    )
    range_hours: tuple[Hours, Hours] | None = Field(
        default=None,
        description="[low, high] containing hours: how uncertain the travel time is "
        "(robustness analysis; a plan uses hours)",
    )
    distribution: Distribution = "uniform"
    description: str = Field(
        default="",
        max_length=2000,
        description="free text; good practice: where the travel time comes from",
        examples=["About 14 km at an assumed 15 km/h."],
    )

    @model_validator(mode="after")
    def _range(self) -> Route:
        miss = range_miss(self.range_hours, "hours", self.hours)
        if miss:
            raise ValueError(f"range_hours {miss}")
        return self


class WithdrawalLine(Strict):
    """A line forces withdraw to. Lines are listed in the order they are reached."""

    id: Id = Field(
        description="the line's id; rules refer to the line by it", examples=["yellow-line"]
    )
    share_held_pct: Percent = Field(
        description="share of territory still held at this line, in percent; decreases strictly "
        "down the list of lines",
        examples=[53],
    )
    move_hours: Hours = Field(
        description="hours from the start of the move to this line to its completion; a move "
        "starts no earlier than the move to the line before is complete",
        examples=[24],
    )
    range_hours: tuple[Hours, Hours] | None = Field(
        default=None,
        description="[low, high] containing move_hours: how uncertain the move's duration is "
        "(robustness analysis; a plan uses move_hours)",
    )
    distribution: Distribution = "uniform"
    required: Flag = Field(
        default=True,
        description="false: a conditional line, moved to only if its preconditions "
        "(line_after_release rules) are met within the horizon; it is then moved to whenever "
        "the rules allow (the 'lines_unreached' objective term). Lines after a conditional line "
        "are conditional too",
    )
    description: str = Field(default="", max_length=2000, description="free text for readers")

    @model_validator(mode="after")
    def _range(self) -> WithdrawalLine:
        miss = range_miss(self.range_hours, "move_hours", self.move_hours)
        if miss:
            raise ValueError(f"range_hours {miss}")
        return self
