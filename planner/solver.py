"""Run the model: lexicographic objective steps, decode into a Plan, verify it independently.

Determinism: with ``workers=1`` (the default) and a fixed seed, CP-SAT repeats itself, so the
same scenario and seed give the same plan bytes as long as every step finishes within the time
limit. With several workers the search is parallel and a wall-clock limit can stop it at
different points, so plans may differ from run to run (they are still verified).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from planner.model.builder import BuiltModel, build_model
from planner.plan import Leg, Metrics, Plan, Stage, Transfer, Withdrawal
from planner.scenario import BusesRule, ExchangeRatioRule, HostageFleetRule, Scenario
from planner.verifier import VerifyReport, verify

Status = Literal["optimal", "feasible", "infeasible", "time_limit"]


class StepReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str
    status: str
    value: int | None
    seconds: float


class SolveResult(BaseModel):
    """What a solve returns: a status, the plan (if any), the conflict (if infeasible)."""

    model_config = ConfigDict(extra="forbid")
    scenario: str
    status: Status
    plan: Plan | None = None
    conflict: list[str] = Field(default_factory=list, description="rule ids, when infeasible")
    conflict_minimal: bool = True
    steps: list[StepReport] = Field(default_factory=list)
    wall_seconds: float = 0.0
    model_size: dict[str, int] = Field(default_factory=dict)
    verification: VerifyReport | None = None
    seed: int = 0
    workers: int = 1
    time_limit_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.plan is not None and (self.verification is None or self.verification.ok)

    def to_json(self) -> str:
        if self.plan is None:
            raise ValueError(f"no plan: the solve ended with status {self.status!r}")
        return self.plan.to_json()


def make_solver(seed: int, workers: int, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.random_seed = seed
    p.max_time_in_seconds = max(seconds, 0.01)
    return solver


@dataclass
class Lexicographic:
    """Outcome of minimising the terms of a built model one after another."""

    values: dict[int, int] | None  # variable index -> value of the last solution
    steps: list[StepReport]
    all_optimal: bool
    infeasible: bool


def lexicographic(
    built: BuiltModel,
    *,
    seconds: float,
    seed: int,
    workers: int,
    terms: list[str] | None = None,
    hint: dict[int, int] | None = None,
) -> Lexicographic:
    """Minimise each term in turn (all of ``built.terms`` unless ``terms`` is given), bounding
    it by its optimum before the next and hinting each step with the last solution (the first
    step with ``hint``, variable index -> value, if given)."""
    began = time.monotonic()
    model = built.model
    every_var = [model.get_int_var_from_proto_index(i) for i in range(len(model.proto.variables))]
    best: list[int] | None = None
    if hint is not None:
        for var in every_var:
            if var.index in hint:
                model.add_hint(var, hint[var.index])
    steps: list[StepReport] = []
    all_optimal, infeasible = True, False
    for term in terms if terms is not None else list(built.terms):
        expr = built.terms[term]
        remaining = seconds - (time.monotonic() - began)
        if remaining <= 0.01:
            all_optimal = all_optimal and term.startswith("tidy")
            break
        model.minimize(expr)
        model.clear_hints()
        if best is not None:
            for var, value in zip(every_var, best, strict=True):
                model.add_hint(var, value)
        solver = make_solver(seed, workers, remaining)
        t0 = time.monotonic()
        code = solver.solve(model)
        secs = round(time.monotonic() - t0, 3)
        name = solver.status_name(code).lower()
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = int(solver.value(expr))
            steps.append(StepReport(term=term, status=name, value=value, seconds=secs))
            best = [int(solver.value(x)) for x in every_var]
            model.add(expr <= value)
            if code == cp_model.OPTIMAL:
                continue
        else:
            steps.append(StepReport(term=term, status=name, value=None, seconds=secs))
            infeasible = code == cp_model.INFEASIBLE and best is None
        all_optimal = all_optimal and term.startswith("tidy")
        break
    values = None
    if best is not None:
        values = dict(zip((x.index for x in every_var), best, strict=True))
    return Lexicographic(values, steps, all_optimal, infeasible)


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
    seconds: float,
    seed: int,
    workers: int,
) -> list[Plan]:
    """Up to ``count`` more plans, each with a structure no earlier plan has, best first.

    Structures are first told apart by the hostage cohorts of each stage (the handovers a
    negotiator sees); once no other hostage structure is feasible, by all cohorts (which
    prisoner cohorts go with which stage). Each search excludes every structure found so far
    with a no-good clause and is solved lexicographically like the first plan. While it can,
    it also keeps handovers whole (see ``forbid_split_handovers``), unless the best plan
    itself splits one.
    """
    hostages = [c.id for c in sc.hostage_cohorts]
    every = [c.id for c in sc.hostage_cohorts + sc.prisoner_cohorts]
    found = [values]  # every build of the model numbers its variables the same way
    plans: list[Plan] = []
    whole = [True, False] if not _splits(best) else [False]
    for keep_whole in whole:
        for cohorts in (hostages, every):
            while len(plans) < count:
                alt = build_model(sc)
                if keep_whole:
                    forbid_split_handovers(alt)
                literals = structure_literals(alt, cohorts)
                for old in found:  # a no-good per structure found so far
                    alt.model.add_bool_or([~x if old[x.index] else x for x in literals])
                run = lexicographic(alt, seconds=seconds, seed=seed, workers=workers)
                if run.values is None:
                    break
                status = "optimal" if run.all_optimal else "feasible"
                plans.append(decode(sc, alt, run.values, status, seed))
                found.append(run.values)
    return plans


def solve(
    sc: Scenario,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    check: bool = True,
    alternatives: int = 1,
) -> SolveResult:
    """Solve a scenario; settings default to the scenario's ``solver`` section.

    Returns a SolveResult with status optimal/feasible (plan set, verified when ``check``),
    infeasible (``conflict`` names a minimal set of conflicting rule ids), or time_limit.
    ``alternatives`` > 1 also looks for up to that many plans in all, each with a different
    structure (see ``find_alternatives``); each extra search has the same time limit as the
    first.
    """
    limit = time_limit if time_limit is not None else sc.solver.time_limit_seconds
    seed = seed if seed is not None else sc.solver.seed
    workers = workers if workers is not None else sc.solver.workers
    began = time.monotonic()
    built = build_model(sc)
    result = SolveResult(
        scenario=sc.name,
        status="time_limit",
        model_size=built.size(),
        seed=seed,
        workers=workers,
        time_limit_seconds=limit,
    )
    run = lexicographic(built, seconds=limit, seed=seed, workers=workers)
    result.steps = run.steps
    if run.infeasible:
        from planner.explain import minimal_conflict

        left = max(limit - (time.monotonic() - began), 1.0)
        conflict = minimal_conflict(sc, time_limit=left, seed=seed)
        result.status = "infeasible"
        result.conflict = conflict.rules
        result.conflict_minimal = conflict.minimal
    elif run.values is not None:
        plan = decode(sc, built, run.values, "optimal" if run.all_optimal else "feasible", seed)
        others = find_alternatives(
            sc, plan, run.values, alternatives - 1, seconds=limit, seed=seed, workers=workers
        )
        result.plan = plan.model_copy(update={"alternatives": others}) if others else plan
        result.status = plan.status
        if check:
            result.verification = verify(sc, result.plan)
            for i, other in enumerate(others, start=2):
                report = verify(sc, other)
                for bad in report.violations:
                    result.verification.violations.append(
                        bad.model_copy(update={"message": f"alternative {i}: {bad.message}"})
                    )
    result.wall_seconds = round(time.monotonic() - began, 3)
    return result


# --------------------------------------------------------------------------- decoding


def anonymous_ids(sc: Scenario, cohort: str) -> list[str]:
    """Ids handed out by count: members without rules of their own, then <cohort>-<n>."""
    c = sc.hostage(cohort) or sc.prisoner(cohort)
    assert c is not None
    own = set(sc.individuals())
    named = [m.id for m in c.members if m.id not in own]
    generated = [f"{cohort}-{n}" for n in range(1, c.count - len(c.members) + 1)]
    return named + generated


def decode(sc: Scenario, built: BuiltModel, values: dict[int, int], status: str, seed: int) -> Plan:
    v = built.vars

    def val(x: cp_model.IntVar) -> int:
        return values[x.index]

    withdrawals = []
    for ln in sc.withdrawal_lines:
        ws = val(v.line_start[ln.id])
        withdrawals.append(Withdrawal(line=ln.id, start_hour=ws, complete_hour=ws + ln.move_hours))
    fleet = next((r for r in sc.rules if isinstance(r, HostageFleetRule)), None)
    bus_seats = {}
    for r in sc.rules:
        if isinstance(r, BusesRule):
            for d in r.destinations if r.destinations is not None else sc.places_of("destination"):
                bus_seats[d] = r.seats
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
            if d in bus_seats:
                t.buses = math.ceil(sum(t.prisoners.values()) / bus_seats[d])
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
                vehicles=math.ceil(sum(hostages.values()) / fleet.seats) if fleet else None,
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
    objective = objective_values(sc, stages, metrics)
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


def objective_values(sc: Scenario, stages: list[Stage], metrics: Metrics) -> dict[str, int]:
    out: dict[str, int] = {}
    for term in sc.objective.terms:
        if term == "living_released_hour":
            out[term] = metrics.living_released_hour or 0
        elif term == "completion_hour":
            out[term] = metrics.completion_hour
        elif term == "stage_count":
            out[term] = metrics.stage_count
        elif term == "peak_imbalance":
            peak = 0
            for r in sc.rules:
                if isinstance(r, ExchangeRatioRule):
                    running = 0
                    for st in stages:
                        running += 100 * sum(st.prisoners.get(p, 0) for p in r.prisoners)
                        running -= sum(
                            round(rate * 100) * st.hostages.get(h, 0)
                            for h, rate in r.per_hostage.items()
                        )
                        peak = max(peak, math.ceil(abs(running) / 100))
            out[term] = peak
        elif term == "priority":
            total = 0
            for cohort, weight in sc.objective.priorities.items():
                hours = [
                    st.handover_complete_hour
                    if sc.is_hostage(cohort)
                    else (st.prisoner_release_hour or 0)
                    for st in stages
                    if cohort in st.hostages or cohort in st.prisoners
                ]
                total += weight * max(hours, default=0)
            out[term] = total
    return out
