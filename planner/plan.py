"""Plan output schema: what a solve returns and what `planner check` reads.

The plan knows nothing of the solver. Field names follow the plan contract in the design
(scenario, status, seed, objective, withdrawals, stages, metrics); more fields may be added.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Bounds on a plan's numbers (a plan file is untrusted input): far beyond any plan the tool
# writes (hours within a scenario's horizon plus travel, counts within its cohorts), yet small
# enough that nothing downstream (clock times, C ints) overflows. Negative values stay in range
# so that the verifier, not the loader, reports them as broken rules.
MAX_PLAN_HOURS = 10_000_000  # about 1,141 years
MAX_PLAN_COUNT = 1_000_000_000
MAX_PLAN_OBJECTIVE = 10**15
MAX_STAGE_INDEX = 1_000_000
PlanHour = Annotated[int, Field(ge=-MAX_PLAN_HOURS, le=MAX_PLAN_HOURS)]
PlanCount = Annotated[int, Field(ge=-MAX_PLAN_COUNT, le=MAX_PLAN_COUNT)]
Seed = Annotated[int, Field(ge=-(2**31), le=2**31 - 1, description="CP-SAT's int32 seed")]
ObjectiveValue = Annotated[int, Field(ge=-MAX_PLAN_OBJECTIVE, le=MAX_PLAN_OBJECTIVE)]


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Withdrawal(PlanModel):
    line: str
    start_hour: PlanHour
    complete_hour: PlanHour


class Leg(PlanModel):
    path: list[str] = Field(description="places from the origin to the end, in order")
    hours: PlanHour


class Transfer(PlanModel):
    """Prisoners of one stage moved from one prison to one destination."""

    prison: str
    destination: str
    path: list[str]
    travel_hours: PlanHour
    arrival_hour: PlanHour = Field(description="prisoner_release_hour + travel_hours")
    prisoners: dict[str, PlanCount] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(default_factory=list)
    buses: PlanCount | None = Field(
        default=None, description="ceil(prisoners / seats), if buses are modelled"
    )


class Stage(PlanModel):
    index: int = Field(ge=1, le=MAX_STAGE_INDEX, description="1-based, in order of start_hour")
    start_hour: PlanHour
    handover_complete_hour: PlanHour = Field(description="hostages of the stage received")
    prisoner_release_hour: PlanHour | None = Field(
        default=None, description="hour the stage's prisoners are released (null: none)"
    )
    end_hour: PlanHour = Field(description="the later of handover completion and prisoner release")
    site: str | None = None
    handover_route: Leg | None = Field(
        default=None, description="from the site to the reception point (with places)"
    )
    vehicles: PlanCount | None = Field(
        default=None, description="intermediary vehicles used (with a hostage_fleet rule)"
    )
    line_in_force: str = Field(description="the last line whose move completed by start_hour")
    hostages: dict[str, PlanCount] = Field(default_factory=dict)
    hostage_ids: list[str] = Field(default_factory=list)
    prisoners: dict[str, PlanCount] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(default_factory=list)
    transfers: list[Transfer] = Field(
        default_factory=list, description="per prison and destination (with places)"
    )


class Metrics(PlanModel):
    living_released_hour: PlanHour | None = Field(
        description="hour the last living hostage is received (null: no living hostage released)"
    )
    completion_hour: PlanHour
    stage_count: PlanCount
    hostages_released: PlanCount = 0
    prisoners_released: PlanCount = 0


class Plan(PlanModel):
    scenario: str
    status: Literal["optimal", "feasible"]
    seed: Seed
    objective: dict[str, ObjectiveValue] = Field(default_factory=dict)
    withdrawals: list[Withdrawal] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    unreleased: dict[str, PlanCount] = Field(
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
