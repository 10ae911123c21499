"""The objective and the solver settings of a scenario (its ``objective`` and ``solver``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from planner.scenario.base import Id, Strict, Weight

ObjectiveTerm = Literal[
    "living_released_hour",
    "completion_hour",
    "stage_count",
    "peak_imbalance",
    "priority",
    "unreleased",
    "lines_unreached",
]
DEFAULT_OBJECTIVE: tuple[ObjectiveTerm, ...] = (
    "living_released_hour",
    "completion_hour",
    "stage_count",
    "peak_imbalance",
)


class Objective(Strict):
    """Lexicographic: each term is minimised in turn, keeping the earlier ones optimal."""

    terms: list[ObjectiveTerm] = Field(
        default_factory=lambda: list(DEFAULT_OBJECTIVE),
        description="the terms minimised one after the other, each at most once (default: "
        "living_released_hour, completion_hour, stage_count, peak_imbalance). "
        "living_released_hour: when the last living hostage is received; completion_hour: the "
        "end of the last stage; stage_count: the stages used; peak_imbalance: the largest gap "
        "between prisoners released and prisoners owed under any exchange_ratio rule; "
        "priority: the sum of weight x hour each weighted cohort is done (needs priorities); "
        "unreleased: people not released, each weighted by its cohort's priority weight, at "
        "least 1; lines_unreached: conditional lines not reached. Unless listed, unreleased is "
        "minimised first when some cohort's release is optional, and lines_unreached before "
        "the listed terms when a line is conditional",
        examples=[["living_released_hour", "priority"]],
    )
    priorities: dict[Id, Weight] = Field(
        default_factory=dict,
        description="cohort id -> weight for the 'priority' term (weight x hour the cohort is "
        "done) and the 'unreleased' term",
        examples=[{"living": 10, "deceased": 1}],
    )

    def unreleased_weight(self, cohort: str) -> int:
        """Weight of one unreleased person of ``cohort`` in the 'unreleased' term: the
        cohort's priority weight, at least 1."""
        return max(1, self.priorities.get(cohort, 0))

    @model_validator(mode="after")
    def _terms(self) -> Objective:
        if len(set(self.terms)) != len(self.terms):
            raise ValueError("terms: each term at most once")
        return self


class SolverSettings(Strict):
    """Settings of the solver; planner solve's --time-limit, --seed and --workers override
    them."""

    time_limit_seconds: StrictFloat = Field(
        default=30.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="wall-clock limit of the whole solve, in seconds",
    )
    seed: StrictInt = Field(default=0, ge=0, le=2**31 - 1, description="random seed of the solver")
    workers: StrictInt = Field(
        default=1,
        ge=1,
        le=64,
        description="solver threads; 1 gives the same plan every run, more may differ run to run",
    )


__all__ = ["DEFAULT_OBJECTIVE", "Objective", "ObjectiveTerm", "SolverSettings"]
