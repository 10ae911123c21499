"""Markdown briefing memo: summary, withdrawals, stages, who each stage releases (ids and
counts), transfers, a re-plan's record, the rules with the verifier's word (with the scenario)
and what binds (with an explanation from ``planner explain --json``). Clock times beside the
hours when the scenario has a start_time. Every text of the plan, the scenario or the explanation
goes through :func:`md_text` (table cells through :func:`cell`): it cannot start a heading, a
list or a quote, nor carry HTML or a line break."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from planner.export.common import (
    DEFAULT_SOURCE,
    RuleStatus,
    clean_text,
    clock_at,
    member_cohorts,
    offset_text,
    rule_statuses,
)
from planner.export.rows import named_by_cohort, range_text
from planner.plan import Plan
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.explainer import Explanation

TERM_WORDS = {
    "living_released_hour": "the hour the last living hostage is received",
    "completion_hour": "the hour the last stage ends",
    "stage_count": "the number of stages",
    "peak_imbalance": "the peak imbalance of any exchange ratio",
    "priority": "the priority-weighted hours at which cohorts are done",
    "unreleased": "the people not released (weighted by priority)",
    "lines_unreached": "the conditional withdrawal lines not moved to",
}
STATUS_WORDS = {
    "held": "held",
    "broken": "**broken**",
    "deviation": "deviation (the record departs from it)",
}


# a line starting so is a heading, quote, list, rule, fence or table row: the mark is escaped
_BLOCK_MARK = re.compile(r"^(\s*)([#>+*|=_`~-])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def md_text(value: object, *, pipes: bool = False) -> str:
    """Text of the inputs as Markdown shows it literally: control characters as their escapes
    (clean_text), tabs and newlines as spaces, backslashes doubled, ``& < >`` as HTML entities,
    a leading ``# > - + * |`` (and ``= _ ` ~``) or ``1.`` escaped with a backslash; ``pipes``
    (a table cell): every ``|`` escaped."""
    text = clean_text(value, "\t\n").replace("\t", " ").replace("\n", " ")
    text = text.replace("\\", "\\\\")
    for char, entity in _ENTITIES:
        text = text.replace(char, entity)
    if pipes:
        text = text.replace("|", "\\|")
    text = _BLOCK_MARK.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


class Markdown(str):
    """Text this module wrote as Markdown (its own words, numbers, and texts of the inputs
    already through :func:`md_text`): a table cell as it is."""


def cell(value: object) -> str:
    """A table cell: :func:`md_text` with pipes escaped; numbers and Markdown as they are."""
    if value is None:
        return ""
    if isinstance(value, Markdown):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return md_text(value, pipes=True)


def joined(values: Iterable[object], sep: str = ", ") -> str:
    """Texts of the inputs, each through :func:`md_text`, joined."""
    return sep.join(md_text(v) for v in values)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A GitHub table; ``header`` is Markdown (this module's words; texts of the inputs already
    through ``cell``), each row's values go through :func:`cell`."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out + [""]


class Clock:
    """Hours as ``h38``, with the clock time beside them when t=0 is known."""

    def __init__(self, start: datetime | None, source: str = DEFAULT_SOURCE):
        self.start = start
        self.source = source

    def __call__(self, hour: int | None) -> str:
        if hour is None:
            return Markdown("—")
        at = clock_at(self.start, hour, self.source)
        return Markdown(f"h{hour}" if at is None else f"h{hour} ({at:%a %d %b %Y %H:%M})")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in counts.items()) or "none"


def _summary(plan: Plan, statuses: list[RuleStatus] | None, at: Clock) -> list[str]:
    m = plan.metrics
    status = (
        "optimal (proved best under the objective)"
        if plan.status == "optimal"
        else "feasible (the best found, not proved optimal)"
    )
    out = ["## Summary", "", f"- Plan: {status}; seed {plan.seed}."]
    out.append(_verdict(statuses))
    out.append(f"- Stages: {m.stage_count}.")
    out.append(
        "- Living hostages all received: "
        + ("none released" if m.living_released_hour is None else at(m.living_released_hour))
        + "."
    )
    out.append(f"- Completion (the last stage ends): {at(m.completion_hour)}.")
    out.append(
        f"- Released: {m.hostages_released} hostages, {m.prisoners_released} prisoners."
        + (f" Not released: {md_text(_counts(plan.unreleased))}." if plan.unreleased else "")
    )
    if plan.lines_not_reached:
        out.append(f"- Conditional lines not moved to: {joined(plan.lines_not_reached)}.")
    out += _objective(plan)
    return out + [""]


def _verdict(statuses: list[RuleStatus] | None) -> str:
    if statuses is None:
        return "- Verified: not here (no scenario given; give --scenario for the rules)."
    broken = [r for r in statuses if r.status == "broken"]
    departed = [r for r in statuses if r.status == "deviation"]
    rules = sum(1 for r in statuses if r.kind != "structure")
    if not broken and departed:
        return (
            f"- Verified: the independent verifier finds all {rules} rules held for the "
            f"planned rest; the execution record departs from the scenario {len(departed)} "
            f"time(s): {joined(r.id for r in departed)} (facts, not faults of the plan; see "
            "Rules)."
        )
    if not broken:
        return f"- Verified: the independent verifier finds all {rules} rules held."
    return (
        f"- Verified: the independent verifier rejects the plan; {len(broken)} rule(s) "
        "broken (see Rules)."
    )


def _objective(plan: Plan) -> list[str]:
    if not plan.objective:
        return []
    out = [
        "- Objective (lexicographic: each term minimised in turn, the earlier ones kept at "
        "their best):"
    ]
    for i, (term, value) in enumerate(plan.objective.items(), start=1):
        words = TERM_WORDS.get(term) or md_text(term)
        out.append(f"  {i}. {words} (`{md_text(term)}`): {value}")
    return out


def _withdrawals(plan: Plan, at: Clock) -> list[str]:
    if not plan.withdrawals:
        return []
    rows = [
        [i, w.line, at(w.start_hour), at(w.complete_hour)]
        for i, w in enumerate(plan.withdrawals, start=1)
    ]
    return ["## Withdrawals", "", *table(["#", "line", "move starts", "complete"], rows)]


def _stages(plan: Plan, at: Clock) -> list[str]:
    header = ["#", "start", "hostages received", "prisoners released", "site",
              "line in force", "vehicles", "hostages", "prisoners"]  # fmt: skip
    rows = []
    for st in plan.stages:
        recorded = (
            " (recorded)" if plan.record is not None and st.index <= plan.record.stages else ""
        )
        hostages = _counts(st.hostages)
        if st.other_remains:
            hostages += f"; other remains {st.other_remains}"
        rows.append(
            [
                f"{st.index}{recorded}",
                at(st.start_hour),
                at(st.handover_complete_hour),
                at(st.prisoner_release_hour),
                st.site or "",
                st.line_in_force,
                "" if st.vehicles is None else st.vehicles,
                hostages,
                _counts(st.prisoners),
            ]
        )
    return ["## Stages", "", *table(header, rows)]


def _people(
    counts: dict[str, int],
    named: list[str],
    ranges: dict[str, list[tuple[int, int]]],
    members: dict[str, str] | None,
) -> str:
    by_cohort, unknown = named_by_cohort(named, counts, ranges, members)
    parts = []
    for cohort, n in counts.items():
        ids = by_cohort.get(cohort, []) + [
            range_text(cohort, a, b) for a, b in ranges.get(cohort, [])
        ]
        parts.append(f"{cohort} {n}: " + (", ".join(ids) or "no ids"))
    if unknown:
        parts.append("named, cohort not known: " + ", ".join(unknown))
    return "; ".join(parts) or "none"


def _who(plan: Plan, members: dict[str, str] | None) -> list[str]:
    out = ["### Who each stage releases (ids and counts)", ""]
    for st in plan.stages:
        hostages = _people(st.hostages, st.hostage_ids, st.hostage_ranges, members)
        prisoners = _people(st.prisoners, st.prisoner_ids, st.prisoner_ranges, members)
        out.append(
            f"- Stage {st.index}: hostages {md_text(hostages)}. Prisoners {md_text(prisoners)}."
        )
    return out + [""]


def _transfers(plan: Plan, at: Clock) -> list[str]:
    rows = [
        [
            st.index,
            k,
            tr.prison,
            tr.destination,
            " > ".join(tr.path),
            at(tr.arrival_hour - tr.travel_hours),
            at(tr.arrival_hour),
            _counts(tr.prisoners),
            "" if tr.buses is None else tr.buses,
        ]
        for st in plan.stages
        for k, tr in enumerate(st.transfers, start=1)
    ]
    if not rows:
        return []
    header = ["stage", "#", "from", "to", "path", "departs", "arrives", "prisoners", "buses"]
    return ["## Prisoner transfers", "", *table(header, rows)]


def _record(plan: Plan, at: Clock) -> list[str]:
    rec = plan.record
    if rec is None:
        return []
    out = [
        "## Execution record",
        "",
        f"Facts up to {at(rec.now_hour)}: the first {rec.stages} stage(s) and the moves to "
        f"{joined(rec.lines) or 'no line'} happened; the rest is planned.",
        "",
    ]
    if rec.deviations:
        rows = [[d.rule, d.basis or "structure", d.stage or "", d.message] for d in rec.deviations]
        out += table(["rule", "basis", "stage", "deviation"], rows)
    if rec.given_up:
        proved = "" if rec.given_up_proved else " (not proved the fewest)"
        out += [f"Rules the rest could not keep, given up{proved}: {joined(rec.given_up)}.", ""]
    return out


def _rules(statuses: list[RuleStatus] | None) -> list[str]:
    out = ["## Rules", ""]
    if statuses is None:
        return out + ["The rules need --scenario: give the plan's scenario to list them with "
                      "the independent verifier's verdict.", ""]  # fmt: skip
    for basis, title in (("term", "Agreed terms"), ("assumption", "Planning assumptions")):
        rows = [
            [r.id, r.kind, r.sentence, _status(r.status, r.messages)]
            for r in statuses
            if r.basis == basis
        ]
        if rows:
            out += [f"### {title}", "", *table(["id", "kind", "rule", "verifier"], rows)]
    rows = [[r.id, _status(r.status, r.messages)] for r in statuses if r.basis == ""]
    if rows:
        out += ["### The plan's structure", "", *table(["check", "verifier"], rows)]
    return out


def _status(status: str, messages: list[str]) -> Markdown:
    words = STATUS_WORDS.get(status) or md_text(status, pipes=True)
    if not messages:
        return Markdown(words)
    return Markdown(f"{words}: {md_text('; '.join(messages), pipes=True)}")


def _binding(ex: Explanation) -> list[str]:
    out = ["## What binds", ""]
    if ex.feasible is False:
        out.append("The explanation finds no plan; its conflicts:")
        out += [f"- {joined(c.rules)}: {joined(c.sentences, ' ')}" for c in ex.conflicts]
        return out + [""]
    if not ex.binding:
        return out + ["No rule binds the first objective terms.", ""]
    terms = list(ex.baseline)
    best = "proved optimal" if ex.baseline_proved else "best found, not proved optimal"
    out += [
        f"Baseline ({best}): "
        + ", ".join(f"{md_text(t)} {v}" for t, v in ex.baseline.items())
        + ".",
        "Hours gained in each term if the rule is dropped or relaxed by one step (>= marks a "
        "relaxed optimum not proved in time, a lower bound; assumption: a planning belief, "
        "cheap to revisit; term: agreed, a change needs the other party).",
        "",
    ]
    rows = [
        [b.rule, b.basis, b.change, *(_gain(b.gains, t, b.proved) for t in terms)]
        for b in ex.binding
    ]
    out += table(["rule", "basis", "change", *(cell(t) for t in terms)], rows)
    if ex.unfinished:
        out += ["Not finished (time ran out):", *(f"- {md_text(u)}" for u in ex.unfinished), ""]
    return out


def _gain(gains: dict[str, int], term: str, proved: bool) -> Markdown:
    if term not in gains:
        return Markdown("not settled")
    return Markdown(("" if proved else "&gt;=") + f"{gains[term]:+d}")


def export_md(
    plan: Plan,
    scenario: Scenario | None,
    explanation: Explanation | None,
    source: str = DEFAULT_SOURCE,
) -> bytes:
    """The memo's bytes (UTF-8); every text of the inputs through md_text or cell."""
    start = scenario.start_time if scenario is not None else None
    at = Clock(start, source)
    title = scenario.title if scenario is not None and scenario.title else plan.scenario
    clock = (
        f"Hours from t=0; t=0 is {start.isoformat()}, clock times are {offset_text(start)}."
        if start is not None
        else "Hours from t=0 (the scenario's start_time is not given, so no clock times)."
    )
    out = [
        f"# Exchange plan: {md_text(title)}",
        "",
        f"Scenario `{md_text(plan.scenario)}`. {clock}",
        "",
    ]
    statuses = rule_statuses(scenario, plan) if scenario is not None else None
    out += _summary(plan, statuses, at)
    out += _withdrawals(plan, at)
    out += _stages(plan, at)
    out += _who(plan, member_cohorts(scenario))
    out += _transfers(plan, at)
    out += _record(plan, at)
    out += _rules(statuses)
    if explanation is not None:
        out += _binding(explanation)
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")
