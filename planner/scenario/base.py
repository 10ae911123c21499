"""Types and limits shared by every part of the scenario schema."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
SCHEMA_VERSION = 1

# Size limits checked before any model is built (untrusted input).
MAX_HORIZON_HOURS = 24 * 366 * 2
MAX_STAGES = 60
MAX_COHORTS = 200
MAX_RULES = 1000
MAX_COHORT_COUNT = 100_000
MAX_MEMBERS = 20_000
MAX_MODEL_CELLS = 100_000  # stage x cohort/person cells: bounds the model built from a file

# Ranges of the numbers of the format. Every number of an input object has one, declared once
# (here, or on the one field that uses it), so the JSON Schema shows it and no value can reach
# the model builder that overflows CP-SAT's int64 arithmetic: CP-SAT refuses a model
# (MODEL_INVALID) whose linear expressions could overflow int64. At these bounds every product
# and sum planner/model/*.py forms stays far below 2**53 (tests/test_schema_bounds.py):
#   seats x vehicles          <= 1e7     hostage_fleet, buses (seats x vehicles used >= people),
#                                        stage_capacity (vehicles x seats); <= MAX_PEOPLE
#   100 x people              <= 4e9     exchange_ratio band (in hundredths)
#   100 x rate x people x stages <= 1.2e15  exchange_ratio running balance, peak_imbalance
#   weight x hour x cohorts   <= 7e9     the 'priority' objective term
#   vehicles x busy hours x stages <= 5e10  hostage_fleet's cumulative constraint
MAX_PEOPLE = 2 * MAX_COHORTS * MAX_COHORT_COUNT  # everyone a scenario can hold (both sides)
MAX_SEATS = 1_000  # seats of one vehicle or bus: a long train, not a bus
MAX_VEHICLES = 10_000  # vehicles or buses of one rule: far beyond any real convoy
MAX_RATE = 10_000  # prisoners owed per hostage (exchange_ratio)
MAX_PRIORITY = 1_000  # weight of a cohort in the 'priority' objective term

# Numbers are strict: an integer field takes a JSON integer only (not true, "2" or 2.0), a
# float field a JSON number (not true or "2"), a flag true or false. Field-level, not
# model-wide, so that JSON arrays still validate as tuples.
Id = Annotated[str, Field(pattern=ID_PATTERN, description="Identifier: letters, digits, _ . : -")]
Hour = Annotated[StrictInt, Field(ge=0, le=MAX_HORIZON_HOURS, description="Whole hours from t=0")]
Hours = Annotated[StrictInt, Field(ge=0, le=MAX_HORIZON_HOURS, description="A duration in hours")]
SignedHours = Annotated[
    StrictInt,
    Field(ge=-MAX_HORIZON_HOURS, le=MAX_HORIZON_HOURS, description="Hours, negative: before"),
]
ClockHour = Annotated[StrictInt, Field(ge=0, le=24, description="An hour of the clock, 0 to 24")]
CohortCount = Annotated[
    StrictInt, Field(ge=0, le=MAX_COHORT_COUNT, description="A number of people of one cohort")
]
People = Annotated[StrictInt, Field(ge=0, le=MAX_PEOPLE, description="A number of people")]
Seats = Annotated[StrictInt, Field(ge=0, le=MAX_SEATS, description="Seats of one vehicle or bus")]
Vehicles = Annotated[StrictInt, Field(ge=0, le=MAX_VEHICLES, description="A number of vehicles")]
Stages = Annotated[StrictInt, Field(ge=0, le=MAX_STAGES, description="A number of stages")]
StageNumber = Annotated[
    StrictInt, Field(ge=1, le=MAX_STAGES, description="A stage number, 1-based, in time order")
]
Weight = Annotated[StrictInt, Field(ge=0, le=MAX_PRIORITY, description="A priority weight")]
Rate = Annotated[
    StrictFloat,
    Field(ge=0, le=MAX_RATE, allow_inf_nan=False, description="Prisoners owed per hostage"),
]
Percent = Annotated[
    StrictFloat, Field(ge=0, le=100, allow_inf_nan=False, description="A percentage, 0 to 100")
]
Flag = StrictBool
Distribution = Annotated[
    Literal["uniform", "triangular"],
    Field(
        description="how an uncertain number is sampled within its range_hours (robustness): "
        "uniform, or triangular with its mode at the number itself"
    ),
]

# ``"$schema"``: the JSON Schema an editor checks the file against. Accepted at the top of a
# scenario or a record, never used, and left out of every dump (``exclude``): outputs, round
# trips and fingerprints of a scenario are the same with or without it.
SchemaKey = Annotated[
    Annotated[str, StringConstraints(max_length=2000)] | None,
    Field(
        alias="$schema",
        title="$schema",
        exclude=True,
        description="the JSON Schema an editor checks this file against (a path or URL), for "
        "completion and checks as you type; ignored by the planner",
    ),
]

Problem = tuple[str, str]  # (JSON path, message)


class Strict(BaseModel):
    """Base for every input object: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioProblems(ValueError):
    """Cross-reference problems found after field validation; each is (json path, message)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))


def names(ids: list[str] | tuple[str, ...]) -> str:
    """Ids as a comma-separated list, for sentences."""
    return ", ".join(ids)


def range_miss(bounds: tuple[int, int] | None, name: str, value: int) -> str | None:
    """``"[low, high] must contain <name> <value>"`` when an uncertain number's range (its
    ``range_hours``) leaves out the number itself; None when it holds it (or there is none)."""
    if bounds is None or bounds[0] <= value <= bounds[1]:
        return None
    return f"[{bounds[0]}, {bounds[1]}] must contain {name} {value}"
