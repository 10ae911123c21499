"""Plain-text renderings of plans and conflicts for the terminal."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from planner.plan import Plan
from planner.report.people import people_items
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.explainer import Binding, Explanation
    from planner.frontier import Frontier
    from planner.robustness import Robustness


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*row).rstrip() for row in rows
    ]


def clock(sc: Scenario, hour: int | None) -> str:
    """Hour from t=0 as a clock time when the scenario has a start_time."""
    if hour is None:
        return "-"
    if sc.start_time is None:
        return f"h{hour}"
    return (sc.start_time + timedelta(hours=hour)).strftime("%d %b %H:%M")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in counts.items()) or "-"


def _indent(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def _withdrawal_lines(sc: Scenario, plan: Plan) -> list[str]:
    if not plan.withdrawals:
        return []
    rows = [
        [
            w.line,
            f"{sc.withdrawal_lines[sc.line_index(w.line)].share_held_pct:g}",
            f"h{w.start_hour} ({clock(sc, w.start_hour)})",
            f"h{w.complete_hour} ({clock(sc, w.complete_hour)})",
        ]
        for w in plan.withdrawals
    ]
    head = ["line", "held %", "move starts", "complete"]
    return ["Withdrawals", *_indent(_table(head, rows)), ""]


def _stage_lines(sc: Scenario, plan: Plan) -> list[str]:
    recorded = plan.record.stages if plan.record is not None else 0
    rows = [
        [
            f"{st.index} (recorded)" if st.index <= recorded else str(st.index),
            f"h{st.start_hour}",
            clock(sc, st.start_hour),
            f"h{st.handover_complete_hour}",
            "-" if st.prisoner_release_hour is None else f"h{st.prisoner_release_hour}",
            st.site or "-",
            _or_dash(st.vehicles),
            st.line_in_force,
            _counts(st.hostages) + (f", other remains {st.other_remains}" * bool(st.other_remains)),
            _counts(st.prisoners),
        ]
        for st in plan.stages
    ]
    head = ["#", "start", "clock", "received", "released", "site", "vehicles", "line"]
    return ["Stages", *_indent(_table([*head, "hostages", "prisoners"], rows))]


def _people_lines(plan: Plan) -> list[str]:
    """Who each stage releases: named ids, generated ids as runs (living-1…living-20)."""
    rows = [
        [
            str(st.index),
            ", ".join(people_items(st.hostage_ids, st.hostage_ranges)) or "-",
            ", ".join(people_items(st.prisoner_ids, st.prisoner_ranges)) or "-",
        ]
        for st in plan.stages
    ]
    if not rows:
        return []
    return ["", "People", *_indent(_table(["#", "hostages", "prisoners"], rows))]


def _transfer_lines(plan: Plan) -> list[str]:
    rows = [
        [
            str(st.index),
            t.prison,
            t.destination,
            str(sum(t.prisoners.values())),
            _or_dash(t.buses),
            f"{t.travel_hours} h",
            f"h{t.arrival_hour}",
        ]
        for st in plan.stages
        for t in st.transfers
    ]
    if not rows:
        return []
    head = ["#", "from", "to", "prisoners", "buses", "travel", "arrives"]
    return ["", "Prisoner transfers", *_indent(_table(head, rows))]


def _summary_lines(plan: Plan) -> list[str]:
    m = plan.metrics
    living = (
        f"all living hostages received by h{m.living_released_hour}"
        if m.living_released_hour is not None
        else "no living hostage released"
    )
    out = [
        "",
        f"{living}; last release h{m.completion_hour}; {m.stage_count} "
        f"stage{'' if m.stage_count == 1 else 's'}; "
        f"{m.hostages_released} hostages and {m.prisoners_released} prisoners released",
    ]
    if plan.unreleased:
        out.append(f"not released within the horizon: {_counts(plan.unreleased)}")
    if plan.objective:
        out.append("objective: " + ", ".join(f"{k} {v}" for k, v in plan.objective.items()))
    return out


def plan_table(sc: Scenario, plan: Plan, *, wall_seconds: float | None = None) -> str:
    took = f", {wall_seconds:.2f} s" if wall_seconds is not None else ""
    out = [
        f"{plan.scenario}: {plan.status} plan (seed {plan.seed}{took}), verified against "
        f"{len(sc.rules)} rules",
        "",
    ]
    out += _withdrawal_lines(sc, plan)
    out += _stage_lines(sc, plan)
    out += _people_lines(plan)
    out += _transfer_lines(plan)
    out += _summary_lines(plan)
    out += record_lines(plan)
    return "\n".join(out)


def record_lines(plan: Plan) -> list[str]:
    """A re-plan's record part: what is fact, and each deviation, agreed terms apart from
    planning assumptions."""
    rec = plan.record
    if rec is None:
        return []
    ahead = len(plan.stages) - rec.stages
    out = [
        "",
        f"Record to h{rec.now_hour}: "
        f"{'stage 1' if rec.stages == 1 else f'stages 1-{rec.stages}'} and the moves to "
        f"{', '.join(rec.lines) or 'no line'} happened; {ahead} stage"
        f"{'' if ahead == 1 else 's'} planned from h{rec.now_hour}"
        if rec.stages
        else f"Record to h{rec.now_hour}: no stage yet; everything planned from h{rec.now_hour}",
    ]
    if rec.changed_stages is not None:
        out.append(f"stages changed from the previous plan: {rec.changed_stages}")
    if rec.given_up:
        how = (
            "proved: keeping any one of them leaves no plan"
            if rec.given_up_proved
            else "not proved the fewest: time ran out"
        )
        out.append(
            f"rules the rest cannot keep, given the record ({how}); planned without them: "
            + ", ".join(rec.given_up)
        )
    groups = [
        ("broken agreed terms", [d for d in rec.deviations if d.basis == "term"]),
        ("failed planning assumptions", [d for d in rec.deviations if d.basis == "assumption"]),
        ("counts and structure", [d for d in rec.deviations if d.basis is None]),
    ]
    if not rec.deviations:
        return [*out, "the record keeps every rule of the scenario"]
    out.append(f"Deviations of the record from the scenario ({len(rec.deviations)}):")
    for title, found in groups:
        if found:
            out.append(f"  {title}:")
            for d in found:
                where = f"stage {d.stage}: " if d.stage is not None else ""
                out.append(f"    rule {d.rule}: {where}{d.message}")
    return out


def conflict_text(
    sc: Scenario, rules: list[str], minimal: bool, found: bool = True, replan: bool = False
) -> str:
    if not found:
        return (
            f"{sc.name}: infeasible (proved), but time ran out before a conflicting set of rules "
            "was found (raise --time-limit, or run planner explain)"
        )
    if not rules and replan:
        return (
            f"{sc.name}: the rest cannot be planned even with every rule given up: the record "
            f"and the fixed structure (horizon {sc.horizon_hours} h, at most {sc.max_stages} "
            "stages, cohort sizes, line moves) leave no plan"
        )
    if not rules:
        return (
            f"{sc.name}: infeasible even with every rule dropped: the fixed structure "
            f"(horizon {sc.horizon_hours} h, at most {sc.max_stages} stages, cohort sizes, "
            "line moves) admits no plan"
        )
    head = "these rules cannot all hold" + (
        "" if minimal else " (time ran out: may not be minimal)"
    )
    ids = " + ".join(f"`{r}`" for r in rules)
    lines = [f"{sc.name}: infeasible: {head}: {ids}"]
    lines += [f"  rule `{r}`: {sc.rule(r).describe(sc)}" for r in rules]
    if minimal and len(rules) > 1:
        lines.append("dropping or relaxing any one of them makes the rest feasible")
    return "\n".join(lines)


def explanation_text(sc: Scenario, ex: Explanation) -> str:
    took = f"{ex.seconds:.1f} s" + ("" if ex.complete else ", time ran out: partial")
    if ex.feasible is None:
        out = [f"{sc.name}: undecided: no answer within the time limit ({took})"]
    elif not ex.feasible:
        out = [f"{sc.name}: infeasible; {len(ex.conflicts)} independent conflict(s) ({took})"]
        for i, c in enumerate(ex.conflicts, start=1):
            out += ["", f"Conflict {i}:", conflict_text(sc, c.rules, c.minimal)]
            if c.relaxations:
                out.append("Smallest fixes (each alone, verified by solving):")
                out += [f"  {r.sentence}" for r in c.relaxations]
    else:
        out = _binding_text(sc, ex, took)
    if ex.unfinished:
        out += ["", "Not finished (time ran out; raise --time-limit):"]
        out += [f"  {what}" for what in ex.unfinished]
    return "\n".join(out)


def _gain(b: Binding, term: str) -> str:
    """A what-binds gain: ``>=`` when not proved; ``not settled`` for a term the trial did not
    get to (its first term was still unproved when time ran out)."""
    if term not in b.gains:
        return "not settled"
    return ("" if b.proved else ">=") + f"{b.gains[term]:+d}"


def _binding_text(sc: Scenario, ex: Explanation, took: str) -> list[str]:
    terms = list(ex.baseline)
    best = "optimum" if ex.baseline_proved else "best found (not proved optimal)"
    out = [f"{sc.name}: feasible ({took})"]
    if ex.baseline:
        out[0] += f"; {best}: " + ", ".join(f"{t} {v}" for t, v in ex.baseline.items())
    if not ex.binding:
        out.append(
            "no rule binds the first objective terms"
            if ex.complete
            else "no binding rule found before time ran out"
        )
        return out
    out += [
        "",
        "What binds (hours gained in each term if the rule is dropped or relaxed by one "
        "step; >= marks a relaxed optimum not proved in time, so a lower bound)",
    ]
    rows = [[b.rule, b.basis, b.change, *(_gain(b, t) for t in terms)] for b in ex.binding]
    out += ["  " + line for line in _table(["rule", "basis", "change", *terms], rows)]
    if any(b.basis == "assumption" for b in ex.binding):
        out.append(
            "  (assumption: a planning belief, cheap to revisit; term: agreed, a change "
            "needs the other party)"
        )
    return out


def frontier_text(sc: Scenario, fr: Frontier) -> str:
    """The frontier as a table: one row per point, its plan's stages and what binds there."""
    done = "" if fr.complete else " (not complete: time ran out)"
    out = [f"{sc.name}: frontier between {', '.join(fr.between)}{done}, {fr.seconds:.1f} s", ""]
    rows = [
        [
            str(i),
            *(str(p.values[t]) for t in fr.between),
            str(p.plan.metrics.stage_count),
            "yes" if p.verified else "NO",
            "" if p.proved else "not proved",
            ", ".join(f"{b.rule} ({'-' if b.proved else '>= -'}{b.gain})" for b in p.binding)
            or "-",
        ]
        for i, p in enumerate(fr.points, start=1)
    ]
    head = ["#", *fr.between, "stages", "verified", "", f"binds {fr.between[0]} (gain)"]
    out += _table(head, rows) if rows else ["no point: no plan exists"]
    for corner in fr.infeasible:
        bound = ", ".join(f"{t} <= {v}" for t, v in corner.items())
        out.append(f"no plan with {bound} (infeasible, proved)")
    if len(fr.points) == 1:
        out.append("one point: the terms do not pull apart here (each is at its best)")
    return "\n".join(out)


def robustness_text(st: Robustness) -> str:
    """A robustness study: the rules by share of futures kept, hours, what breaks plans."""
    n = st.samples
    out = [
        f"{st.scenario}: {n} sampled futures (seed {st.seed}, {st.engine}, {st.seconds:.1f} s): "
        f"{st.held_as_planned} held as planned, {st.replanned} re-planned from where the plan "
        f"broke, {len(st.infeasible)} without a plan",
        "uncertain numbers: "
        + (", ".join(f"{u.key} {u.low}-{u.high} ({u.distribution})" for u in st.numbers) or "none"),
        "",
        "Rules: share of futures whose final plan keeps the rule (95% Wilson interval)",
    ]
    rows = [
        [r.rule, r.basis, f"{r.share:.0%}", f"{r.low:.0%}-{r.high:.0%}", str(r.broke_plan)]
        for r in st.rules
    ]
    out += _indent(_table(["rule", "basis", "holds", "interval", "broke the plan"], rows))
    for name, pct in (("living released", st.living_released_hour),
                      ("completion", st.completion_hour)):  # fmt: skip
        if pct:
            out.append(f"{name} hour: " + ", ".join(f"{k} h{v}" for k, v in pct.items()))
    if st.numbers_break:
        out += ["", "Uncertain numbers: share of futures broken, sampled above / not above"]
        rows = [
            [e.number, f"{e.range[0]}-{e.range[1]}", str(e.nominal),
             _pct(e.broken_when_above), _pct(e.broken_when_not_above)]
            for e in st.numbers_break
        ]  # fmt: skip
        out += _indent(_table(["number", "range", "nominal", "above", "not above"], rows))
    if st.infeasible:
        out.append("futures without a plan: " + ", ".join(str(i) for i in st.infeasible[:50]))
    if st.undecided:
        out.append(
            "futures undecided (time ran out; left out of the shares): "
            + ", ".join(str(i) for i in st.undecided[:50])
        )
    return "\n".join(out)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"
