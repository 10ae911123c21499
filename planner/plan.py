"""Plan output schema: what a solve returns and what `planner check` reads.

The plan knows nothing of the solver. Field names follow the plan contract in the design
(scenario, status, seed, objective, withdrawals, stages, metrics); more fields may be added.

People: ``*_ids`` list people by id; ``*_ranges`` give generated ids ``<cohort>-<n>`` as
inclusive ranges of n per cohort (``{"living": [[1, 20]]}`` is ``living-1`` to ``living-20``),
so that a plan's size does not grow with the number of anonymous people. The solver writes named
people (cohort members) in ``*_ids`` and generated ids as ranges; ``Plan.with_listed_ids()``
gives the same plan with every id listed (the form of plans before ranges, still read).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

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
MAX_RANGES = 10_000  # ranges per cohort in one stage or transfer (the solver writes one)
GeneratedNumber = Annotated[
    int,
    Field(ge=1, le=MAX_PLAN_COUNT, description="n of a generated id <cohort>-<n> (1-based)"),
]
IdRange = Annotated[
    tuple[GeneratedNumber, GeneratedNumber],
    Field(description="[first, last], inclusive: [1, 20] is <cohort>-1 to <cohort>-20"),
]
CohortRanges = Annotated[
    list[IdRange],
    Field(max_length=MAX_RANGES, description="ranges of one cohort's generated ids"),
]
Ranges = dict[str, CohortRanges]
# left out of the JSON when empty
RANGE_FIELDS = ("hostage_ranges", "prisoner_ranges", "other_remains", "hostage_origins")
_PAIR = re.compile(r"\[\s+(-?\d+),\s+(-?\d+)\s+\]")  # a range, as json.dumps indents it


def generated_id(cohort: str, n: int) -> str:
    """The generated id of the n-th unnamed person of a cohort."""
    return f"{cohort}-{n}"


def parse_generated(pid: str) -> tuple[str, int] | None:
    """(prefix, n) when ``pid`` has the form of a generated id ``<prefix>-<n>`` (n in ASCII
    digits without a leading zero); None otherwise. Whether the prefix is a cohort, and n
    within it, only the scenario says."""
    head, sep, tail = pid.rpartition("-")
    if sep and head and tail.isascii() and tail.isdigit() and tail[0] != "0":
        return head, int(tail)
    return None


def range_text(cohort: str, first: int, last: int) -> str:
    """A range of generated ids for people to read: ``living-1…living-20``, ``living-7``."""
    if first == last:
        return generated_id(cohort, first)
    return f"{generated_id(cohort, first)}…{generated_id(cohort, last)}"


def expanded(ids: list[str], ranges: Ranges) -> list[str]:
    """``ids`` followed by every id of ``ranges`` (cohort by cohort, range by range)."""
    out = list(ids)
    for cohort, spans in ranges.items():
        for first, last in spans:
            out += [generated_id(cohort, n) for n in range(first, last + 1)]
    return out


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WithRanges(PlanModel):
    """A model with ``*_ranges`` fields, written only when not empty (no noise in plans that
    list every id; the output stays a function of the plan: same plan, same bytes)."""

    @model_serializer(mode="wrap")
    def _drop_empty_ranges(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data = handler(self)
        for key in RANGE_FIELDS:
            if key in data and not data[key]:
                del data[key]
        return data


class Withdrawal(PlanModel):
    line: str
    start_hour: PlanHour
    complete_hour: PlanHour


class Leg(PlanModel):
    path: list[str] = Field(description="places from the origin to the end, in order")
    hours: PlanHour


class Transfer(WithRanges):
    """Prisoners of one stage moved from one prison to one destination."""

    prison: str
    destination: str
    path: list[str]
    travel_hours: PlanHour
    arrival_hour: PlanHour = Field(description="prisoner_release_hour + travel_hours")
    prisoners: dict[str, PlanCount] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(
        default_factory=list, description="people moved, by id (the solver: named people)"
    )
    prisoner_ranges: Ranges = Field(
        default_factory=dict,
        description="cohort -> ranges of the generated ids moved (within the stage's ranges)",
    )
    buses: PlanCount | None = Field(
        default=None, description="ceil(prisoners / seats), if buses are modelled"
    )

    def with_listed_ids(self) -> Transfer:
        ids = expanded(self.prisoner_ids, self.prisoner_ranges)
        return self.model_copy(update={"prisoner_ids": ids, "prisoner_ranges": {}})


class Stage(WithRanges):
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
    hostage_ids: list[str] = Field(
        default_factory=list, description="hostages released, by id (the solver: named people)"
    )
    hostage_ranges: Ranges = Field(
        default_factory=dict, description="cohort -> ranges of the generated ids released"
    )
    hostage_origins: dict[str, dict[str, PlanCount]] = Field(
        default_factory=dict,
        description="cohort -> holding area -> hostages brought from there (cohorts with held_in)",
    )
    other_remains: PlanCount = Field(
        default=0,
        description="remains handed over that proved not to be a hostage's (recorded stages "
        "only): the stage releases no hostage for them and the ratio rules owe nothing",
    )
    prisoners: dict[str, PlanCount] = Field(default_factory=dict)
    prisoner_ids: list[str] = Field(
        default_factory=list, description="prisoners released, by id (the solver: named people)"
    )
    prisoner_ranges: Ranges = Field(
        default_factory=dict, description="cohort -> ranges of the generated ids released"
    )
    transfers: list[Transfer] = Field(
        default_factory=list, description="per prison and destination (with places)"
    )

    def with_listed_ids(self) -> Stage:
        return self.model_copy(
            update={
                "hostage_ids": expanded(self.hostage_ids, self.hostage_ranges),
                "hostage_ranges": {},
                "prisoner_ids": expanded(self.prisoner_ids, self.prisoner_ranges),
                "prisoner_ranges": {},
                "transfers": [t.with_listed_ids() for t in self.transfers],
            }
        )


class Metrics(PlanModel):
    living_released_hour: PlanHour | None = Field(
        description="hour the last living hostage is received (null: no living hostage released)"
    )
    completion_hour: PlanHour
    stage_count: PlanCount
    hostages_released: PlanCount = 0
    prisoners_released: PlanCount = 0


class Deviation(PlanModel):
    """One way in which an execution record departs from the scenario: a rule it broke, a
    count above the scenario's, a line reached late or not at all. A fact, not a fault of
    the plan."""

    rule: str = Field(description="the rule id, or a plan/* id for the plan's structure")
    stage: int | None = Field(default=None, description="the recorded stage, if one")
    line: str | None = Field(default=None, description="the withdrawal line, if one")
    message: str
    basis: Literal["term", "assumption"] | None = Field(
        default=None, description="an agreed term or a planning assumption (null: structure)"
    )


class RecordPart(PlanModel):
    """Which part of a plan is an execution record (``planner replan``): its first
    ``stages`` stages and the moves to ``lines`` happened by ``now_hour``; the rest is
    planned."""

    now_hour: PlanHour
    stages: int = Field(ge=0, le=MAX_STAGE_INDEX, description="the first n stages are recorded")
    lines: list[str] = Field(default_factory=list, description="moves recorded as begun")
    deviations: list[Deviation] = Field(default_factory=list)
    given_up: list[str] = Field(
        default_factory=list,
        description="rules the rest could not keep, given the record; planned without them",
    )
    given_up_proved: bool = Field(
        default=True,
        description="CP-SAT proved that no smaller set (terms weighing more than assumptions) "
        "would do: keeping any one of them leaves no plan",
    )
    changed_stages: int | None = Field(
        default=None,
        description="planned stages that differ from the previous plan (replan --previous)",
    )


class Plan(PlanModel):
    """A staged release plan (the plan contract; ``planner solve --json``): its scenario's
    name, status, seed, objective values, withdrawal moves, stages (each: start hour, site,
    hostages and prisoners by cohort, ids, transfers) and metrics. ``to_json()`` writes it,
    ``planner.load_plan`` reads it back, ``to_frame()`` gives a pandas table."""

    scenario: str
    status: Literal["optimal", "feasible"]
    seed: Seed
    objective: dict[str, ObjectiveValue] = Field(default_factory=dict)
    withdrawals: list[Withdrawal] = Field(default_factory=list)
    lines_not_reached: list[str] = Field(
        default_factory=list,
        description="conditional lines (required: false) the plan does not move to",
    )
    stages: list[Stage] = Field(default_factory=list)
    unreleased: dict[str, PlanCount] = Field(
        default_factory=dict, description="cohort -> people not released within the horizon"
    )
    metrics: Metrics
    alternatives: list[Plan] = Field(
        default_factory=list,
        description="other plans with a different structure, best first (solve --alternatives)",
    )
    record: RecordPart | None = Field(
        default=None, description="the part that is an execution record (replan); else absent"
    )

    @model_serializer(mode="wrap")
    def _drop_no_record(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data = handler(self)
        if data.get("record", 0) is None:
            del data["record"]
        if data.get("lines_not_reached") == []:
            del data["lines_not_reached"]
        return data

    def with_listed_ids(self) -> Plan:
        """The same plan with every person listed by id in ``*_ids`` and no ranges (the form
        of plans before ranges; ``planner solve --ids``). Its size grows with the people."""
        return self.model_copy(
            update={
                "stages": [st.with_listed_ids() for st in self.stages],
                "alternatives": [alt.with_listed_ids() for alt in self.alternatives],
            }
        )

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per stage and cohort: stage, recorded, start_hour,
        handover_complete_hour, prisoner_release_hour, end_hour, site, line_in_force, vehicles,
        side (hostage, prisoner, other_remains), cohort, count, ids (named ids of the cohort
        when known without the scenario, and generated ranges). ``docs/exports.md``."""
        from planner.export.frame import plan_frame

        return plan_frame(self)

    def _repr_html_(self) -> str:
        """A small escaped HTML summary table (Jupyter)."""
        from planner.export.frame import plan_html_summary

        return plan_html_summary(self)

    def to_json(self) -> str:
        """Canonical JSON text: same plan, same bytes. Each range sits on one line (no JSON
        string holds a raw newline, so only ranges match)."""
        text = json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=False)
        return _PAIR.sub(r"[\1, \2]", text) + "\n"
