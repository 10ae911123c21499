"""Structurally different plans: no-good cuts over the literals that make a plan's structure."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from planner.model.builder import BuiltModel, build_model
from planner.plan import Plan
from planner.progress import step
from planner.scenario import Scenario
from planner.solver.decode import decode
from planner.solver.run import SolverOptions, lexicographic


def structure_literals(built: BuiltModel, cohorts: list[str]) -> list[cp_model.IntVar]:
    """The literals that make a plan's structure: which stages are used and which of
    ``cohorts`` each releases. Two plans differ materially when one of these differs."""
    v = built.vars
    return list(v.active) + [v.used[s, c] for s in range(v.S) for c in cohorts]


def forbid_split_handovers(built: BuiltModel) -> None:
    """No two stages start at the same hour at the same site (without sites: at the same
    hour): one handover split into simultaneous convoys is not a different plan."""
    v, m = built.vars, built.model
    for s in range(v.S):
        for t in range(s + 1, v.S):
            later = v.start[t] >= v.start[s] + 1
            if not v.site:
                m.add(later).only_enforce_if(v.active[t])
            for k in v.site_hours:
                m.add(later).only_enforce_if([v.site[s, k], v.site[t, k]])


def _splits(plan: Plan) -> bool:
    places = [(st.start_hour, st.site) for st in plan.stages]
    return len(set(places)) < len(places)


def find_alternatives(
    sc: Scenario,
    best: Plan,
    values: dict[int, int],
    count: int,
    *,
    deadline: float,
    seed: int,
    workers: int,
    options: SolverOptions | None = None,
) -> list[Plan]:
    """Up to ``count`` more plans, each with a structure no earlier plan has, best first.

    Structures are first told apart by the hostage cohorts of each stage (the handovers a
    negotiator sees); once no other hostage structure is feasible, by all cohorts (which
    prisoner cohorts go with which stage). Each search excludes every structure found so far
    with a no-good clause and is solved lexicographically like the first plan. While it can,
    it also keeps handovers whole (see ``forbid_split_handovers``), unless the best plan
    itself splits one. Searching stops at ``deadline`` (``time.monotonic()``).
    """
    hostages = [c.id for c in sc.hostage_cohorts]
    every = [c.id for c in sc.hostage_cohorts + sc.prisoner_cohorts]
    found = [values]  # every build of the model numbers its variables the same way
    plans: list[Plan] = []
    whole = [True, False] if not _splits(best) else [False]
    if count > 0:
        step("alternatives", 0, count)
    for keep_whole in whole:
        for cohorts in (hostages, every):
            while len(plans) < count:
                seconds = deadline - time.monotonic()
                if seconds <= 0.01:
                    return plans
                alt = build_model(sc)
                if keep_whole:
                    forbid_split_handovers(alt)
                literals = structure_literals(alt, cohorts)
                for old in found:  # a no-good per structure found so far
                    alt.model.add_bool_or([~x if old[x.index] else x for x in literals])
                run = lexicographic(
                    alt, seconds=seconds, seed=seed, workers=workers, options=options
                )
                if run.values is None:
                    break
                status = "optimal" if run.all_optimal else "feasible"
                plans.append(decode(sc, alt, run.values, run.term_values, status, seed))
                found.append(run.values)
                step("alternatives", len(plans), count)
    return plans
