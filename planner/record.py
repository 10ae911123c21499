"""Execution record: what has happened so far in an exchange, in the plan's own shape.

A record is fact. ``planner replan`` freezes it and plans the rest from ``now_hour``; where the
record departs from the scenario (a rule broken, a count above the scenario's, a line reached
late or not at all) the verifier reports a *deviation*, which never stops the planning of the
rest. The format is documented in ``docs/record-format.md``; ``planner schema --record`` prints
its JSON Schema.

Checks here are those a record must pass to be read at all (ids that exist, hours in order and
not after ``now_hour``, every prisoner of a cohort with several destinations in a transfer);
departures from the scenario's rules are not errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from planner.scenario import Problem, Scenario, ScenarioProblems, Strict
from planner.scenario.base import (
    MAX_COHORT_COUNT,
    MAX_HORIZON_HOURS,
    MAX_STAGES,
    CohortCount,
    Hour,
    Id,
    SchemaKey,
    SignedHours,
)
from planner.scenario.hints import with_hints
from planner.suggest import did_you_mean

RECORD_VERSION = 1


class RecordedWithdrawal(Strict):
    """A move to a line that has begun (``start_hour`` may be before 0: a move begun before
    the cease-fire). Without ``complete_hour`` the move is still under way and completes
    ``move_hours`` after its start."""

    line: Id = Field(
        description="id of a withdrawal line of the scenario; the record lists the moves in the "
        "scenario's line order, each complete except perhaps the last",
        examples=["yellow-line"],
    )
    start_hour: SignedHours = Field(
        description="hour the move began, at most now_hour (may be before 0: a move begun before "
        "the cease-fire)",
        examples=[0],
    )
    complete_hour: SignedHours | None = Field(
        default=None,
        description="hour the move was complete, at most now_hour (leave it out while the move "
        "is under way: it then completes move_hours after its start)",
        examples=[24],
    )


class RecordedTransfer(Strict):
    """Prisoners of a recorded stage moved from their prison to one destination."""

    destination: Id = Field(
        description="id of a destination the cohorts may go to", examples=["egypt"]
    )
    prisoners: dict[Id, CohortCount] = Field(
        default_factory=dict,
        description="prisoner cohort id -> people moved there (cohorts of the stage's prisoners)",
        examples=[{"life-sentence": 150}],
    )
    prisoner_ids: list[Id] = Field(
        default_factory=list,
        description="named members moved there (among the stage's prisoner_ids)",
    )


class RecordedStage(Strict):
    """A handover that has taken place, and the prisoners released with it."""

    start_hour: Hour = Field(
        description="hour the handover started, at most now_hour; stages are listed in order of "
        "start_hour",
        examples=[78],
    )
    site: Id | None = Field(
        default=None,
        description="id of the handover site (required when the scenario has handover sites)",
        examples=["khan-younis"],
    )
    handover_complete_hour: Hour | None = Field(
        default=None,
        description="hour its hostages were received (default: start + handover_hours + travel "
        "from the site to the reception point)",
    )
    prisoner_release_hour: Hour | None = Field(
        default=None,
        description="hour its prisoners were released (default: the handover's completion)",
    )
    hostages: dict[Id, CohortCount] = Field(
        default_factory=dict,
        description="hostage cohort id -> people handed over (may be empty); a count above the "
        "scenario's is a fact, reported as a deviation",
        examples=[{"living": 20, "deceased-located": 8}],
    )
    other_remains: CohortCount = Field(
        default=0,
        description="remains handed over that proved not to be a hostage's: the handover "
        "released no hostage of a cohort for them, and the ratio rules owe nothing for them",
    )
    prisoners: dict[Id, CohortCount] = Field(
        default_factory=dict,
        description="prisoner cohort id -> people released; a count above the scenario's is a "
        "fact, reported as a deviation",
        examples=[{"life-sentence": 250}],
    )
    origins: dict[Id, dict[Id, CohortCount]] = Field(
        default_factory=dict,
        description="hostage cohort id -> holding area -> hostages brought from there, adding "
        "up to the stage's count; required for a cohort held in more than one area (held_in)",
        examples=[{"living": {"held-north": 8, "held-central": 6, "held-south": 6}}],
    )
    hostage_ids: list[Id] = Field(
        default_factory=list,
        description="named hostages handed over (members of the counted cohorts)",
    )
    prisoner_ids: list[Id] = Field(
        default_factory=list,
        description="named prisoners released (members of the counted cohorts)",
    )
    transfers: list[RecordedTransfer] = Field(
        default_factory=list,
        description="the prisoners moved, per destination, adding up to the stage's counts; "
        "required for a prisoner cohort that may go to more than one destination",
    )
    description: str = Field(default="", max_length=2000, description="free text for readers")

    @model_validator(mode="after")
    def _hours(self) -> RecordedStage:
        if (
            self.handover_complete_hour is not None
            and self.handover_complete_hour < self.start_hour
        ):
            raise ValueError(
                f"handover_complete_hour {self.handover_complete_hour} is before start_hour "
                f"{self.start_hour}"
            )
        return self


class ExecutionRecord(Strict):
    """What has happened up to ``now_hour`` (hours from t=0 of the scenario)."""

    schema_uri: SchemaKey = Field(default=None, examples=["./record.schema.json"])
    schema_version: Literal[1] = Field(
        default=RECORD_VERSION, description="version of the format; only 1 exists"
    )
    scenario: Id | None = Field(
        default=None,
        description="the scenario's name (optional; checked when given)",
        examples=["gaza-2025-phase1"],
    )
    now_hour: Hour = Field(
        description="the hour of the record, at most the scenario's horizon_hours: the rest is "
        "planned from here",
        examples=[85],
    )
    withdrawals: list[RecordedWithdrawal] = Field(
        default_factory=list,
        max_length=50,
        description="the moves that have begun, in the scenario's line order",
    )
    stages: list[RecordedStage] = Field(
        default_factory=list,
        max_length=MAX_STAGES,
        description="the handovers that have taken place, in order of start_hour",
    )
    description: str = Field(default="", max_length=20_000, description="free text for readers")

    def recorded(self, cohort: str) -> int:
        """People of ``cohort`` the record releases."""
        return sum(st.hostages.get(cohort, 0) + st.prisoners.get(cohort, 0) for st in self.stages)

    def line(self, line_id: str) -> RecordedWithdrawal | None:
        return next((w for w in self.withdrawals if w.line == line_id), None)


def record_problems(sc: Scenario, rec: ExecutionRecord) -> list[Problem]:
    """What makes a record unreadable against ``sc`` (JSON path, message); an unknown id
    with the ids it may have meant."""
    return with_hints(sc, list(_problems(sc, rec)))


def _problems(sc: Scenario, rec: ExecutionRecord) -> Iterator[Problem]:
    if rec.scenario is not None and rec.scenario != sc.name:
        yield ("$.scenario", f"expected {sc.name!r} (the scenario's name), found {rec.scenario!r}")
    if rec.now_hour > sc.horizon_hours:
        yield (
            "$.now_hour",
            f"expected at most horizon_hours {sc.horizon_hours}, found {rec.now_hour}",
        )
    if len(rec.stages) > sc.max_stages:
        yield (
            "$.stages",
            f"{len(rec.stages)} recorded stages, more than max_stages {sc.max_stages}",
        )
    yield from _withdrawal_problems(sc, rec)
    yield from _released_twice(rec)
    previous = None
    for i, st in enumerate(rec.stages):
        yield from _stage_problems(sc, rec, f"$.stages[{i}]", st)
        if previous is not None and st.start_hour < previous:
            yield (
                f"$.stages[{i}].start_hour",
                f"stages in order of start_hour: expected at least {previous}, found "
                f"{st.start_hour}",
            )
        previous = st.start_hour
    for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
        if rec.recorded(c.id) > MAX_COHORT_COUNT:
            yield ("$.stages", f"cohort {c.id}: more than {MAX_COHORT_COUNT} people recorded")


def _released_twice(rec: ExecutionRecord) -> Iterator[Problem]:
    """A named person is released by one recorded stage at most."""
    first: dict[str, int] = {}
    for i, st in enumerate(rec.stages):
        for field in ("hostage_ids", "prisoner_ids"):
            for j, pid in enumerate(getattr(st, field)):
                if pid in first and first[pid] != i:
                    yield (
                        f"$.stages[{i}].{field}[{j}]",
                        f"{pid} is already released in recorded stage {first[pid] + 1}",
                    )
                elif pid in first:
                    yield (f"$.stages[{i}].{field}[{j}]", f"{pid} is listed twice")
                first.setdefault(pid, i)


def _withdrawal_problems(sc: Scenario, rec: ExecutionRecord) -> Iterator[Problem]:
    order = [ln.id for ln in sc.withdrawal_lines]
    seen: list[str] = []
    for i, w in enumerate(rec.withdrawals):
        path = f"$.withdrawals[{i}]"
        if w.line not in order:
            yield (f"{path}.line", f"expected the id of a withdrawal line, found {w.line!r}")
            continue
        if w.line in seen:
            yield (f"{path}.line", f"line {w.line} is recorded twice")
            continue
        seen.append(w.line)
        if w.start_hour > rec.now_hour:
            yield (
                f"{path}.start_hour",
                f"expected at most now_hour {rec.now_hour} (a move begun), found {w.start_hour}",
            )
        if w.complete_hour is not None:
            if w.complete_hour < w.start_hour:
                yield (
                    f"{path}.complete_hour",
                    f"expected at least start_hour {w.start_hour}, found {w.complete_hour}",
                )
            elif w.complete_hour > rec.now_hour:
                yield (
                    f"{path}.complete_hour",
                    f"expected at most now_hour {rec.now_hour} (leave it out while the move "
                    f"is under way), found {w.complete_hour}",
                )
    if seen != order[: len(seen)]:
        yield (
            "$.withdrawals",
            f"lines are reached in the scenario's order ({', '.join(order)}); the record has "
            f"{', '.join(seen)}",
        )
    for w in rec.withdrawals[:-1]:
        if w.line in order and w.complete_hour is None:
            yield (
                "$.withdrawals",
                f"the move to line {w.line} has no complete_hour, but a later move has begun",
            )


def _stage_problems(
    sc: Scenario, rec: ExecutionRecord, path: str, st: RecordedStage
) -> Iterator[Problem]:
    for field, hour in (
        ("start_hour", st.start_hour),
        ("handover_complete_hour", st.handover_complete_hour),
        ("prisoner_release_hour", st.prisoner_release_hour),
    ):
        if hour is not None and hour > rec.now_hour:
            yield (f"{path}.{field}", f"expected at most now_hour {rec.now_hour}, found {hour}")
    if st.site is not None and st.site not in sc.sites:
        yield (f"{path}.site", f"expected the id of a handover site, found {st.site!r}")
    if st.site is None and sc.sites:
        yield (f"{path}.site", "expected the handover site (the scenario has handover sites)")
    for cohort in st.hostages:
        if sc.hostage(cohort) is None:
            yield (f"{path}.hostages.{cohort}", f"expected a hostage cohort id, found {cohort!r}")
    for cohort in st.prisoners:
        if sc.prisoner(cohort) is None:
            yield (f"{path}.prisoners.{cohort}", f"expected a prisoner cohort id, found {cohort!r}")
    if not any(st.hostages.values()) and not st.other_remains and not any(st.prisoners.values()):
        yield (path, "a recorded stage hands over or releases someone")
    yield from _id_problems(sc, path, st)
    yield from _origin_problems(sc, path, st)
    yield from _transfer_problems(sc, path, st)


def _origin_problems(sc: Scenario, path: str, st: RecordedStage) -> Iterator[Problem]:
    for cohort, areas in st.origins.items():
        held = sc.areas_of(cohort)
        if cohort not in st.hostages:
            yield (
                f"{path}.origins.{cohort}",
                f"cohort {cohort!r} is not among the stage's hostages",
            )
            continue
        for area in areas:
            if area not in held:
                yield (
                    f"{path}.origins.{cohort}.{area}",
                    f"expected an area cohort {cohort} is held in ({', '.join(held) or 'none'}), "
                    f"found {area!r}{did_you_mean(area, held)}",
                )
        if sum(areas.values()) != st.hostages[cohort]:
            yield (
                f"{path}.origins.{cohort}",
                f"the areas give {sum(areas.values())} people; the stage hands over "
                f"{st.hostages[cohort]}",
            )
    for cohort, n in st.hostages.items():
        held = sc.areas_of(cohort)
        if n and len(held) > 1 and cohort not in st.origins:
            yield (
                f"{path}.origins",
                f"cohort {cohort} is held in {', '.join(held)}: say where its {n} came from",
            )


def _id_problems(sc: Scenario, path: str, st: RecordedStage) -> Iterator[Problem]:
    owner = sc.member_cohort()
    for field, ids, side in (
        ("hostage_ids", st.hostage_ids, st.hostages),
        ("prisoner_ids", st.prisoner_ids, st.prisoners),
    ):
        for j, pid in enumerate(ids):
            if pid not in owner:
                yield (f"{path}.{field}[{j}]", f"expected the id of a named member, found {pid!r}")
            elif owner[pid] not in side:
                yield (
                    f"{path}.{field}[{j}]",
                    f"{pid} is a member of {owner[pid]}, which the stage does not count",
                )
        for cohort, n in side.items():
            listed = sum(1 for pid in ids if owner.get(pid) == cohort)
            if listed > n:
                yield (f"{path}.{field}", f"{listed} ids of cohort {cohort} listed, count is {n}")


def _transfer_problems(sc: Scenario, path: str, st: RecordedStage) -> Iterator[Problem]:
    moved: dict[str, int] = {}
    places = {p.id for p in sc.places}
    for j, t in enumerate(st.transfers):
        if t.destination not in places:
            yield (
                f"{path}.transfers[{j}].destination",
                f"expected a place id, found {t.destination!r}",
            )
        for cohort, n in t.prisoners.items():
            if cohort not in st.prisoners:
                yield (
                    f"{path}.transfers[{j}].prisoners.{cohort}",
                    f"cohort {cohort!r} is not among the stage's prisoners",
                )
            moved[cohort] = moved.get(cohort, 0) + n
        for k, pid in enumerate(t.prisoner_ids):
            if pid not in st.prisoner_ids:
                yield (
                    f"{path}.transfers[{j}].prisoner_ids[{k}]",
                    f"{pid} is not in the stage's prisoner_ids",
                )
    for j, t in enumerate(st.transfers):
        for cohort in t.prisoners:
            dests = sc.allowed_destinations(cohort)
            if t.destination in places and cohort in st.prisoners and t.destination not in dests:
                yield (
                    f"{path}.transfers[{j}].destination",
                    f"cohort {cohort} goes only to {', '.join(dests) or 'no destination'}; "
                    f"found {t.destination!r}",
                )
    for cohort, n in st.prisoners.items():
        dests = sc.allowed_destinations(cohort)
        if cohort in moved:
            if moved[cohort] != n:
                yield (
                    f"{path}.transfers",
                    f"the transfers move {moved[cohort]} of cohort {cohort}; the stage "
                    f"releases {n}",
                )
        elif n and len(dests) > 1:
            yield (
                f"{path}.transfers",
                f"cohort {cohort} may go to {', '.join(dests)}: say where its {n} went",
            )


def checked_record(sc: Scenario, rec: ExecutionRecord) -> ExecutionRecord:
    """``rec`` if it can be read against ``sc``; else raises ScenarioProblems."""
    problems = record_problems(sc, rec)
    if problems:
        raise ScenarioProblems(problems)
    return rec


def load_record(path: str, sc: Scenario) -> ExecutionRecord:
    """Read an execution record file and check it against ``sc``; raises
    ``planner.io.InputError`` listing every problem with its JSON path, line and column."""
    from planner.io import parse_json_text, read_json_text, source_name

    text = read_json_text(path)
    source = source_name(path)
    return record_from_data(parse_json_text(text, source), sc, source, text=text)


def record_from_data(
    data: object, sc: Scenario, source: str = "<record>", *, text: str | None = None
) -> ExecutionRecord:
    """Validate parsed JSON data into a record read against ``sc`` (or raise InputError);
    ``text``: the JSON text ``data`` was parsed from, to give each problem its line."""
    from pydantic import ValidationError

    from planner.io import InputError, located, validation_problems

    try:
        record = ExecutionRecord.model_validate(data)
    except ValidationError as err:
        problems = validation_problems(err, ExecutionRecord, data)
        raise located(InputError(source, problems), text) from None
    problems = record_problems(sc, record)
    if problems:
        raise located(InputError(source, problems), text)
    return record


def effective_scenario(sc: Scenario, rec: ExecutionRecord) -> Scenario:
    """The scenario with each cohort at least as large as the record's releases of it (a
    count above the scenario's is a fact of the record; the verifier reports it)."""

    def grown(cohort):  # type: ignore[no-untyped-def]
        n = rec.recorded(cohort.id)
        return cohort.model_copy(update={"count": n}) if n > cohort.count else cohort

    hostages = [grown(c) for c in sc.hostage_cohorts]
    prisoners = [grown(c) for c in sc.prisoner_cohorts]
    if hostages == sc.hostage_cohorts and prisoners == sc.prisoner_cohorts:
        return sc
    return sc.model_copy(update={"hostage_cohorts": hostages, "prisoner_cohorts": prisoners})


__all__ = [
    "MAX_HORIZON_HOURS",
    "RECORD_VERSION",
    "ExecutionRecord",
    "RecordedStage",
    "RecordedTransfer",
    "RecordedWithdrawal",
    "checked_record",
    "effective_scenario",
    "load_record",
    "record_from_data",
    "record_problems",
]
