"""Plan output schema: what a solve returns and what `planner check` reads.

The plan knows nothing of the solver. Field names follow the plan contract in the design
(scenario, status, seed, objective, withdrawals, stages, metrics); more fields may be added.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Withdrawal(PlanModel):
    line: str
    start_hour: int
    complete_hour: int


class Leg(PlanModel):
    path: list[str] = Field(description="places from the origin to the end, in order")
    hours: int


class Transfer(PlanModel):
    """Prisoners of one stage moved from one prison to one destination."""

    prison: str
    destination: str
    path: list[str]
    travel_hours: int
    arrival_hour: int = Field(description="prisoner_release_hour + travel_hours")
    prisoners: dict[str, int] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(default_factory=list)
    buses: int | None = Field(
        default=None, description="ceil(prisoners / seats), if buses are modelled"
    )


class Stage(PlanModel):
    index: int = Field(ge=1, description="1-based, in order of start_hour")
    start_hour: int
    handover_complete_hour: int = Field(description="hostages of the stage received")
    prisoner_release_hour: int | None = Field(
        default=None, description="hour the stage's prisoners are released (null: none)"
    )
    end_hour: int = Field(description="the later of handover completion and prisoner release")
    site: str | None = None
    handover_route: Leg | None = Field(
        default=None, description="from the site to the reception point (with places)"
    )
    vehicles: int | None = Field(
        default=None, description="intermediary vehicles used (with a hostage_fleet rule)"
    )
    line_in_force: str = Field(description="the last line whose move completed by start_hour")
    hostages: dict[str, int] = Field(default_factory=dict)
    hostage_ids: list[str] = Field(default_factory=list)
    prisoners: dict[str, int] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(default_factory=list)
    transfers: list[Transfer] = Field(
        default_factory=list, description="per prison and destination (with places)"
    )


class Metrics(PlanModel):
    living_released_hour: int | None = Field(
        description="hour the last living hostage is received (null: no living hostage released)"
    )
    completion_hour: int
    stage_count: int
    hostages_released: int = 0
    prisoners_released: int = 0


class Plan(PlanModel):
    scenario: str
    status: Literal["optimal", "feasible"]
    seed: int
    objective: dict[str, int] = Field(default_factory=dict)
    withdrawals: list[Withdrawal] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    unreleased: dict[str, int] = Field(
        default_factory=dict, description="cohort -> people not released within the horizon"
    )
    metrics: Metrics
    alternatives: list[Plan] = Field(
        default_factory=list,
        description="other plans with a different structure, best first (solve --alternatives)",
    )

    def to_json(self) -> str:
        """Canonical JSON text: same plan, same bytes."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"
