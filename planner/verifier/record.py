"""The execution record inside a plan (``plan.record``, written by ``planner replan``): which
violations are the record's own departures from the scenario (deviations), and whether the
planned rest keeps to the record (``plan/record``).

A violation is a deviation when it concerns a recorded stage (its ``stage`` is one of the first
``plan.record.stages``) or a recorded move (its ``line`` is in ``plan.record.lines``), when
the record releases more people of a cohort than the scenario lists, or when it breaks a rule
the plan says the rest could not keep given the record (``plan.record.given_up``: the
planner's claim, proved by CP-SAT when ``given_up_proved``; tests check it by re-solving).
Everything else is the planned rest's, and must not occur.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from planner.plan import Plan, Stage
from planner.scenario import Scenario
from planner.verifier.context import PLAN_PEOPLE, Violation

PLAN_RECORD = "plan/record"


def recorded_counts(plan: Plan) -> dict[str, int]:
    """Cohort -> people the plan's recorded stages release."""
    out: dict[str, int] = {}
    n = plan.record.stages if plan.record is not None else 0
    for st in plan.stages[:n]:
        for side in (st.hostages, st.prisoners):
            for c, k in side.items():
                out[c] = out.get(c, 0) + max(k, 0)
    return out


def grown_scenario(sc: Scenario, plan: Plan) -> tuple[Scenario, list[Violation]]:
    """The scenario with each cohort as large as the plan's record releases of it, and a
    deviation for each cohort the record releases more of than the scenario lists."""
    counts = recorded_counts(plan)
    deviations: list[Violation] = []

    def grown(cohort: Any) -> Any:
        n = counts.get(cohort.id, 0)
        if n <= cohort.count:
            return cohort
        deviations.append(
            Violation(
                rule=PLAN_PEOPLE,
                message=f"the record releases {n} of cohort {cohort.id}; the scenario lists "
                f"{cohort.count} ({n - cohort.count} more)",
            )
        )
        return cohort.model_copy(update={"count": n})

    hostages = [grown(c) for c in sc.hostage_cohorts]
    prisoners = [grown(c) for c in sc.prisoner_cohorts]
    if not deviations:
        return sc, []
    update = {"hostage_cohorts": hostages, "prisoner_cohorts": prisoners}
    return sc.model_copy(update=update), deviations


def is_deviation(plan: Plan, v: Violation) -> bool:
    """Whether a violation concerns only the plan's record."""
    rec = plan.record
    if rec is None or v.rule == PLAN_RECORD:
        return False
    return (
        (v.stage is not None and 1 <= v.stage <= rec.stages)
        or (v.line is not None and v.line in rec.lines)
        or v.rule in rec.given_up
    )


def _same_stage(pos: int, st: Stage, rs: Any, travel: int | None, sc: Scenario) -> Iterator[str]:
    want_hc = rs.handover_complete_hour
    if want_hc is None and travel is not None:
        want_hc = rs.start_hour + sc.handover_hours + travel
    checks = [
        ("start_hour", st.start_hour, rs.start_hour),
        ("site", st.site, rs.site),
        (
            "hostages",
            {c: n for c, n in st.hostages.items() if n},
            {c: n for c, n in rs.hostages.items() if n},
        ),
        (
            "prisoners",
            {c: n for c, n in st.prisoners.items() if n},
            {c: n for c, n in rs.prisoners.items() if n},
        ),
        ("other_remains", st.other_remains, rs.other_remains),
    ]
    if want_hc is not None:
        checks.append(("handover_complete_hour", st.handover_complete_hour, want_hc))
    if any(rs.prisoners.values()):
        want_pr = rs.prisoner_release_hour if rs.prisoner_release_hour is not None else want_hc
        checks.append(("prisoner_release_hour", st.prisoner_release_hour, want_pr))
    for name, got, want in checks:
        if got != want:
            yield f"stage {pos} is recorded with {name} {want!r}; the plan has {got!r}"
    listed = set(st.hostage_ids) | set(st.prisoner_ids)
    for pid in [*rs.hostage_ids, *rs.prisoner_ids]:
        if pid not in listed:
            yield f"stage {pos} is recorded as releasing {pid}; the plan does not list it there"


def check_against_record(plan: Plan, record: Any, sc: Scenario, travel: Any) -> Iterator[Violation]:
    """The plan keeps the record as it is, and plans nothing before its ``now_hour``."""
    rec = plan.record
    if rec is None:
        yield Violation(rule=PLAN_RECORD, message="the plan has no record part; expected one")
        return
    if rec.now_hour != record.now_hour:
        yield Violation(
            rule=PLAN_RECORD,
            message=f"the plan's now_hour is {rec.now_hour}; the record's is {record.now_hour}",
        )
    if rec.stages != len(record.stages):
        yield Violation(
            rule=PLAN_RECORD,
            message=f"the plan marks {rec.stages} stages as recorded; the record has "
            f"{len(record.stages)}",
        )
    for pos, (st, rs) in enumerate(zip(plan.stages, record.stages, strict=False), start=1):
        for message in _same_stage(pos, st, rs, travel(st), sc):
            yield Violation(rule=PLAN_RECORD, stage=pos, message=message)
    lines = {w.line: w for w in plan.withdrawals}
    for w in record.withdrawals:
        got = lines.get(w.line)
        if (
            got is None
            or got.start_hour != w.start_hour
            or (w.complete_hour is not None and got.complete_hour != w.complete_hour)
        ):
            yield Violation(
                rule=PLAN_RECORD,
                message=f"the move to line {w.line} is recorded as starting at hour "
                f"{w.start_hour}; the plan has it otherwise",
            )
    if sorted(rec.lines) != sorted(w.line for w in record.withdrawals):
        yield Violation(
            rule=PLAN_RECORD, message="the plan's recorded lines differ from the record's"
        )


def check_rest(plan: Plan) -> Iterator[Violation]:
    """Nothing planned happens before ``now_hour``."""
    rec = plan.record
    if rec is None:
        return
    for pos, st in enumerate(plan.stages, start=1):
        if pos <= rec.stages:
            continue
        hours = [("start_hour", st.start_hour), ("prisoner_release_hour", st.prisoner_release_hour)]
        for name, hour in hours:
            if hour is not None and hour < rec.now_hour:
                yield Violation(
                    rule=PLAN_RECORD,
                    stage=pos,
                    message=f"planned stage {pos} has {name} {hour}, before now_hour "
                    f"{rec.now_hour}",
                )
    for w in plan.withdrawals:
        if w.line not in rec.lines and w.start_hour < rec.now_hour:
            yield Violation(
                rule=PLAN_RECORD,
                message=f"the planned move to line {w.line} starts at hour {w.start_hour}, "
                f"before now_hour {rec.now_hour}",
            )
