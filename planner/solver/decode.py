"""CP-SAT values -> Plan: stages in time order, people by id, transfers, metrics."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from planner.model.builder import BuiltModel
from planner.plan import Leg, Metrics, Plan, Stage, Transfer, Withdrawal
from planner.scenario import Scenario, bus_seats, vehicles_needed


def anonymous_ids(sc: Scenario, cohort: str) -> list[str]:
    """Ids handed out by count: members without rules of their own, then <cohort>-<n>."""
    c = sc.hostage(cohort) or sc.prisoner(cohort)
    assert c is not None
    own = set(sc.individuals())
    named = [m.id for m in c.members if m.id not in own]
    generated = [f"{cohort}-{n}" for n in range(1, c.count - len(c.members) + 1)]
    return named + generated


def decode(
    sc: Scenario,
    built: BuiltModel,
    values: dict[int, int],
    term_values: dict[str, int],
    status: str,
    seed: int,
) -> Plan:
    """The plan of a solution; its objective values are those CP-SAT found (the verifier
    recomputes them from the plan and compares)."""
    v = built.vars

    def val(x: cp_model.IntVar) -> int:
        return values[x.index]

    withdrawals = []
    for ln in sc.withdrawal_lines:
        ws = val(v.line_start[ln.id])
        withdrawals.append(Withdrawal(line=ln.id, start_hour=ws, complete_hour=ws + ln.move_hours))
    seats = bus_seats(sc)
    anonymous = {c: anonymous_ids(sc, c) for c in v.cohorts}
    named: dict[str, list[str]] = {}
    for person, cohort in v.person_cohort.items():
        named.setdefault(cohort, []).append(person)
    taken = dict.fromkeys(v.cohorts, 0)
    anonymous_taken = dict.fromkeys(v.cohorts, 0)

    def take(c: str, s: int, d: str | None, n: int) -> list[str]:
        """Ids of the n people of cohort c released in stage s (to d): persons with variables
        of their own where the solver put them, the rest from the cohort's anonymous ids."""
        ids = [p for p in named.get(c, []) if val(v.person[p, s, d])]
        rest = n - len(ids)
        ids += anonymous[c][anonymous_taken[c] : anonymous_taken[c] + rest]
        anonymous_taken[c] += rest
        taken[c] += n
        return ids

    slots = sorted((s for s in range(v.S) if val(v.active[s])), key=lambda s: (val(v.start[s]), s))
    stages = []
    for k, s in enumerate(slots, start=1):
        st = val(v.start[s])
        site = next((site for site in v.site_hours if val(v.site[s, site])), None)
        route = Leg(path=v.site_paths[site], hours=v.site_hours[site]) if site else None
        hc = st + sc.handover_hours + (route.hours if route else 0)
        hostages, hostage_ids = {}, []
        for c in (c.id for c in sc.hostage_cohorts):
            n = val(v.count[s, c])
            if n:
                hostages[c] = n
                hostage_ids += take(c, s, None, n)
        prisoners, prisoner_ids = {}, []
        transfers: dict[tuple[str, str], Transfer] = {}
        pr = val(v.release[s])
        for cohort in sc.prisoner_cohorts:
            c = cohort.id
            n = val(v.count[s, c])
            if not n:
                continue
            prisoners[c] = n
            dests = sc.allowed_destinations(c)
            if not dests:
                prisoner_ids += take(c, s, None, n)
                continue
            for d in dests:
                nd = val(v.flow[s, c, d])
                if not nd:
                    continue
                assert cohort.prison is not None
                hours, path = v.legs[cohort.prison, d]
                t = transfers.setdefault(
                    (cohort.prison, d),
                    Transfer(
                        prison=cohort.prison,
                        destination=d,
                        path=path,
                        travel_hours=hours,
                        arrival_hour=pr + hours,
                    ),
                )
                ids = take(c, s, d, nd)
                t.prisoners[c] = nd
                t.prisoner_ids += ids
                prisoner_ids += ids
        for (_, d), t in transfers.items():
            if d in seats:
                t.buses = math.ceil(sum(t.prisoners.values()) / seats[d])
        in_force = sc.initial_position
        for w in withdrawals:
            if w.complete_hour <= st:
                in_force = w.line
        release = pr if prisoners else None
        stages.append(
            Stage(
                index=k,
                start_hour=st,
                handover_complete_hour=hc,
                prisoner_release_hour=release,
                end_hour=max(hc, release) if release is not None else hc,
                site=site,
                handover_route=route,
                vehicles=vehicles_needed(sc, sum(hostages.values())),
                line_in_force=in_force,
                hostages=hostages,
                hostage_ids=hostage_ids,
                prisoners=prisoners,
                prisoner_ids=prisoner_ids,
                transfers=list(transfers.values()),
            )
        )
    unreleased = {
        c: sc.cohort_count(c) - taken[c] for c in v.cohorts if taken[c] < sc.cohort_count(c)
    }
    metrics = plan_metrics(sc, stages)
    objective = {t: term_values[t] for t in sc.objective.terms if t in term_values}
    return Plan(
        scenario=sc.name,
        status=status,  # type: ignore[arg-type]
        seed=seed,
        objective=objective,
        withdrawals=withdrawals,
        stages=stages,
        unreleased=unreleased,
        metrics=metrics,
    )


def plan_metrics(sc: Scenario, stages: list[Stage]) -> Metrics:
    living = {c.id for c in sc.hostage_cohorts if c.status == "living"}
    living_hours = [st.handover_complete_hour for st in stages if living & st.hostages.keys()]
    return Metrics(
        living_released_hour=max(living_hours) if living_hours else None,
        completion_hour=max((st.end_hour for st in stages), default=0),
        stage_count=len(stages),
        hostages_released=sum(sum(st.hostages.values()) for st in stages),
        prisoners_released=sum(sum(st.prisoners.values()) for st in stages),
    )
