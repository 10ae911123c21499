"""Re-planning against a previous plan (``planner replan --previous``): what stays the same.

The previous plan's stages that lie after the record (those starting at or after its
``now_hour``) are matched in order to the open slots of the new model. A stage is *kept* when
its slot starts at the same hour at the same site and releases the same counts of every
cohort. The count of stages not kept is a last lexicographic term, after the scenario's own
(so a plan is never worse on them to keep a stage), and the previous plan's values hint the
first step.
"""

from __future__ import annotations

from planner.model.builder import BuiltModel
from planner.model.variables import LinExpr
from planner.plan import Plan, Stage

CHANGED = "changed_stages"


def still_ahead(previous: Plan, now_hour: int) -> list[Stage]:
    """The previous plan's stages not yet begun at ``now_hour``."""
    return [st for st in previous.stages if st.start_hour >= now_hour]


def changed_stages(built: BuiltModel, previous: Plan, now_hour: int) -> LinExpr:
    """Add the term: previous stages (still ahead) that the new plan does not keep as they
    were. Stage j ahead is compared with open slot past + j."""
    v, m = built.vars, built.model
    missed: list[LinExpr] = []
    for j, st in enumerate(still_ahead(previous, now_hour)):
        s = v.past + j
        if s >= v.S:
            missed.append(1)
            continue
        kept = m.new_bool_var(f"previous.stage{j}.kept")
        m.add(v.active[s] == 1).only_enforce_if(kept)
        m.add(v.start[s] == st.start_hour).only_enforce_if(kept)
        if v.site_hours:
            if st.site not in v.site_hours:
                m.add(kept == 0)
            else:
                m.add(v.site[s, st.site] == 1).only_enforce_if(kept)
        for c in v.cohorts:
            n = st.hostages.get(c, 0) + st.prisoners.get(c, 0)
            m.add(v.count[s, c] == n).only_enforce_if(kept)
        missed.append(1 - kept)
    return sum(missed, start=0)


def previous_hint(built: BuiltModel, previous: Plan, now_hour: int) -> dict[str, int]:
    """The previous plan's stages ahead, by variable name, to hint the first step."""
    v = built.vars
    hint: dict[str, int] = {}
    for j, st in enumerate(still_ahead(previous, now_hour)):
        s = v.past + j
        if s >= v.S:
            break
        hint[f"stage{s}.active"] = 1
        hint[f"stage{s}.start"] = st.start_hour
        for k in v.site_hours:
            hint[f"stage{s}.site.{k}"] = int(k == st.site)
        for c in v.cohorts:
            hint[f"stage{s}.{c}"] = st.hostages.get(c, 0) + st.prisoners.get(c, 0)
    return hint


def with_changed_term(built: BuiltModel, previous: Plan, now_hour: int) -> None:
    """Put the changed-stages term after the scenario's terms, before the tie-breaks."""
    term = changed_stages(built, previous, now_hour)
    terms = {t: e for t, e in built.terms.items() if not t.startswith("tidy")}
    terms[CHANGED] = term
    terms.update({t: e for t, e in built.terms.items() if t.startswith("tidy")})
    built.terms = terms
