"""Types and limits shared by every part of the scenario schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

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

Id = Annotated[str, Field(pattern=ID_PATTERN, description="Identifier: letters, digits, _ . : -")]
Hour = Annotated[int, Field(ge=0, le=MAX_HORIZON_HOURS, description="Whole hours from t=0")]
Hours = Annotated[int, Field(ge=0, le=MAX_HORIZON_HOURS, description="A duration in hours")]

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
