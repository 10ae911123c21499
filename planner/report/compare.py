"""Stage-by-stage differences between two plans (``planner compare``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from planner.plan import Plan, Ranges, Stage
from planner.report.people import people_items


class StageDifference(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: int
    fields: dict[str, tuple[str, str]] = Field(
        description="field -> (value in A, value in B), only where they differ"
    )


class PlanComparison(BaseModel):
    model_config = ConfigDict(extra="forbid")
    same_structure: bool = Field(description="same stage count and the same cohorts per stage")
    metrics: dict[str, tuple[str, str]] = Field(default_factory=dict)
    withdrawals: dict[str, tuple[str, str]] = Field(default_factory=dict)
    stages: list[StageDifference] = Field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.metrics or self.withdrawals or self.stages)


def shown(text: object) -> str:
    """A plan's string for the terminal: as it is when every character is printable, else
    escaped as ``planner check`` shows untrusted values (Python's repr: ``'\\x1b[2J'``)."""
    text = str(text)
    return text if text.isprintable() else repr(text)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{shown(c)} {n}" for c, n in counts.items()) or "-"


def _people(ids: list[str], ranges: Ranges) -> str:
    """Who is released, the same text for the same people whether the plan lists their ids or
    gives ranges (``living-1…living-20``), escaped for the terminal."""
    return ", ".join(shown(item) for item in people_items(ids, ranges, canonical=True)) or "-"


def _stage_fields(st: Stage | None) -> dict[str, str]:
    if st is None:
        return {"stage": "(none)"}
    return {
        "start_hour": str(st.start_hour),
        "handover_complete_hour": str(st.handover_complete_hour),
        "prisoner_release_hour": str(st.prisoner_release_hour),
        "site": shown(st.site),
        "line_in_force": shown(st.line_in_force),
        "hostages": _counts(st.hostages),
        "prisoners": _counts(st.prisoners),
        "destinations": ", ".join(
            f"{shown(t.destination)} {sum(t.prisoners.values())}" for t in st.transfers
        )
        or "-",
        "hostage people": _people(st.hostage_ids, st.hostage_ranges),
        "prisoner people": _people(st.prisoner_ids, st.prisoner_ranges),
        "transfer people": "; ".join(
            f"{shown(t.destination)}: {_people(t.prisoner_ids, t.prisoner_ranges)}"
            for t in st.transfers
        )
        or "-",
    }


def structure(plan: Plan) -> list[tuple[str, ...]]:
    """The plan's structure: per stage, the cohorts it releases."""
    return [tuple(sorted([*st.hostages, *st.prisoners])) for st in plan.stages]


def compare_plans(a: Plan, b: Plan) -> PlanComparison:
    out = PlanComparison(same_structure=structure(a) == structure(b))
    ma, mb = a.metrics.model_dump(), b.metrics.model_dump()
    out.metrics = {k: (str(ma[k]), str(mb[k])) for k in ma if ma[k] != mb[k]}
    wa = {w.line: f"{w.start_hour}-{w.complete_hour}" for w in a.withdrawals}
    wb = {w.line: f"{w.start_hour}-{w.complete_hour}" for w in b.withdrawals}
    out.withdrawals = {
        ln: (wa.get(ln, "-"), wb.get(ln, "-")) for ln in {**wa, **wb} if wa.get(ln) != wb.get(ln)
    }
    for i in range(max(len(a.stages), len(b.stages))):
        fa = _stage_fields(a.stages[i] if i < len(a.stages) else None)
        fb = _stage_fields(b.stages[i] if i < len(b.stages) else None)
        diff = {
            k: (fa.get(k, "-"), fb.get(k, "-"))
            for k in {**fa, **fb}
            if fa.get(k, "-") != fb.get(k, "-")
        }
        if diff:
            out.stages.append(StageDifference(index=i + 1, fields=diff))
    return out


def comparison_text(cmp: PlanComparison, name_a: str = "A", name_b: str = "B") -> str:
    if cmp.identical:
        return "the plans are the same"
    lines = [
        f"A = {shown(name_a)}",
        f"B = {shown(name_b)}",
        "same structure" if cmp.same_structure else "different structure",
    ]
    for k, (x, y) in cmp.metrics.items():
        lines.append(f"metrics {shown(k)}: A {shown(x)} | B {shown(y)}")
    for ln, (x, y) in cmp.withdrawals.items():
        lines.append(f"line {shown(ln)} (start-complete): A {shown(x)} | B {shown(y)}")
    for st in cmp.stages:
        lines.append(f"stage {st.index}:")
        for k, (x, y) in st.fields.items():
            lines.append(f"  {shown(k)}: A {shown(x)} | B {shown(y)}")
    return "\n".join(lines)
