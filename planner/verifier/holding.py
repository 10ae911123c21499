"""Where hostages are held (a cohort's ``held_in``): each stage's ``hostage_origins``, and the
``preparation`` rule's checker, with the travel from each holding area to the stage's site
recomputed here over the routes graph."""

from __future__ import annotations

from collections.abc import Iterator

from planner.scenario import PreparationRule
from planner.verifier.context import PLAN_PEOPLE, Context, Violation
from planner.verifier.rules import checks


def check_origins(ctx: Context) -> Iterator[Violation]:
    """For a cohort held in areas, every stage says how many of its people came from which
    area (adding up to the stage's count), and no area gives more than it holds."""
    held = {c.id: c.held_in for c in ctx.sc.hostage_cohorts if c.held_in is not None}
    taken: dict[tuple[str, str], int] = {}
    for pos, st in ctx.numbered():
        for c in st.hostage_origins:
            if c not in held:
                yield Violation(
                    rule=PLAN_PEOPLE,
                    stage=pos,
                    message=f"hostage_origins names cohort {c}, which is not held in areas",
                )
        for c, areas in held.items():
            n = st.hostages.get(c, 0)
            origins = st.hostage_origins.get(c, {})
            for area, k in origins.items():
                if area not in areas:
                    yield Violation(
                        rule=PLAN_PEOPLE,
                        stage=pos,
                        message=f"{k} of cohort {c} come from {area}, where the cohort is not held",
                    )
                taken[c, area] = taken.get((c, area), 0) + max(k, 0)
            if n and sum(origins.values()) != n:
                yield Violation(
                    rule=PLAN_PEOPLE,
                    stage=pos,
                    message=f"hostage_origins of cohort {c} give {sum(origins.values())} "
                    f"people; the stage hands over {n}",
                )
    for (c, area), k in taken.items():
        if area in held[c] and k > held[c][area]:
            yield Violation(
                rule=PLAN_PEOPLE,
                message=f"{k} of cohort {c} come from {area}, which holds {held[c][area]}",
            )


@checks(PreparationRule)
def check_preparation(ctx: Context, r: PreparationRule) -> Iterator[Violation]:
    ready = r.from_hour + r.hours
    for pos, st in ctx.numbered():
        for c in r.cohorts:
            if st.hostages.get(c, 0) <= 0:
                continue
            cohort = ctx.sc.hostage(c)
            areas = list(st.hostage_origins.get(c, {})) if cohort and cohort.held_in else []
            for area in areas or [None]:
                travel = 0
                if area is not None and ctx.sc.sites:
                    found = ctx.shortest(area, st.site) if st.site is not None else None
                    if found is None:
                        yield Violation(
                            rule=r.id,
                            stage=pos,
                            message=f"no route from holding area {area} to site {st.site}",
                        )
                        continue
                    travel = found
                if st.start_hour < ready + travel:
                    source = f" from {area} (travel {travel} h)" if area is not None else ""
                    yield Violation(
                        rule=r.id,
                        stage=pos,
                        message=f"stage {pos} hands over cohort {c}{source} at hour "
                        f"{st.start_hour}, before hour {ready + travel} (ready at "
                        f"{r.from_hour} + {r.hours} h)",
                    )
