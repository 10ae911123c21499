"""Places, routes and withdrawal lines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.scenario.base import Flag, Hours, Id, Percent, Strict


class Place(Strict):
    """A node of the transport graph."""

    id: Id
    kind: Literal["handover_site", "crossing", "prison", "destination", "junction", "holding_area"]
    abroad: Flag = Field(default=False, description="a destination outside the region (exile)")
    description: str = Field(default="", max_length=2000)


class Route(Strict):
    """An undirected road or passage between two places, with its travel time."""

    between: tuple[Id, Id]
    hours: Hours
    description: str = Field(default="", max_length=2000)


class WithdrawalLine(Strict):
    """A line forces withdraw to. Lines are listed in the order they are reached."""

    id: Id
    share_held_pct: Percent = Field(description="share of territory still held")
    move_hours: Hours = Field(description="hours from the start of the move to completion")
    description: str = Field(default="", max_length=2000)
