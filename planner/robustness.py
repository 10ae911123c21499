"""Robustness of a plan over sampled futures (``planner robustness``).

The uncertain numbers are those a scenario gives a range: ``range_hours`` of an
``availability``, ``located_from`` or ``preparation`` rule (the hour, or the hours of
preparation) and of a withdrawal line (its ``move_hours``), each sampled uniformly or
triangularly (mode at the number itself) within its range. Sample i of seed s draws from its
own generator (``random.Random("s:i")``), so a study is the same whatever the number of
workers or the engine.

For each future: the plan (given, or the planner's own plan of the scenario) is checked as
planned against the sampled scenario. Where it holds, it is the future's plan. Where it does
not, the stages before the first stage that breaks (and the moves begun by then, with their
sampled durations) become an execution record, and the rest is re-planned from there as
``planner replan`` does. Each future then says which rules its final plan keeps (a rule
given up, or broken by the part already done, is not kept), its living-released and
completion hours, and which rules broke the plan as planned.

Each sample is one small, picklable task (the scenario and plan as JSON, the sampled numbers),
run in this process, on a local process pool (``jobs``), or on a Dask cluster (``dask``).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.plan import Plan
from planner.progress import shown, step
from planner.scenario import Scenario

Z95 = 1.959963984540054  # the normal quantile of a 95% interval
MAX_SAMPLES = 100_000
HANDOVER = "scenario.handover_hours"  # the uncertain number of the scenario's handover time


class UncertainNumber(BaseModel):
    """One number of the scenario with a range: ``owner`` (a rule or line id) and its field."""

    model_config = ConfigDict(extra="forbid")
    owner: str
    field: str
    nominal: int
    low: int
    high: int
    distribution: str

    @property
    def key(self) -> str:
        return f"{self.owner}.{self.field}"


def uncertain_numbers(sc: Scenario) -> list[UncertainNumber]:
    """Every number of ``sc`` with a range, in file order (rules, then lines)."""
    out = []
    for r in sc.rules:
        rng = getattr(r, "range_hours", None)
        if rng is not None and r.ranged_field is not None:
            value = int(getattr(r, r.ranged_field))
            dist = getattr(r, "distribution", "uniform")
            out.append(UncertainNumber(owner=r.id, field=r.ranged_field, nominal=value,
                                       low=rng[0], high=rng[1], distribution=dist))  # fmt: skip
    for ln in sc.withdrawal_lines:
        if ln.range_hours is not None:
            out.append(UncertainNumber(owner=ln.id, field="move_hours", nominal=ln.move_hours,
                                       low=ln.range_hours[0], high=ln.range_hours[1],
                                       distribution=ln.distribution))  # fmt: skip
    for r in sc.routes:
        if r.range_hours is not None:
            out.append(UncertainNumber(owner=route_owner(r.between), field="hours",
                                       nominal=r.hours, low=r.range_hours[0],
                                       high=r.range_hours[1],
                                       distribution=r.distribution))  # fmt: skip
    if sc.handover_range_hours is not None:
        lo, hi = sc.handover_range_hours
        owner, _, field = HANDOVER.partition(".")
        out.append(UncertainNumber(owner=owner, field=field,
                                   nominal=sc.handover_hours, low=lo, high=hi,
                                   distribution=sc.handover_distribution))  # fmt: skip
    return out


def route_owner(between: tuple[str, str]) -> str:
    """The name of a route's travel time among the uncertain numbers: ``route:a~b``."""
    return f"route:{between[0]}~{between[1]}"


def sample(numbers: Sequence[UncertainNumber], seed: int, i: int) -> dict[str, int]:
    """The numbers of future i of a study with ``seed``: whole hours within each range."""
    rnd = random.Random(f"{seed}:{i}")
    out = {}
    for n in numbers:
        if n.distribution == "triangular" and n.high > n.low:
            value = round(rnd.triangular(n.low, n.high, n.nominal))
        else:
            value = rnd.randint(n.low, n.high)
        out[n.key] = value
    return out


def sampled_scenario(sc: Scenario, values: dict[str, int]) -> Scenario:
    """The scenario with the sampled numbers, as if edited in the file."""
    lines = []
    for ln in sc.withdrawal_lines:
        key = f"{ln.id}.move_hours"
        lines.append(ln.model_copy(update={"move_hours": values[key]}) if key in values else ln)
    routes = []
    for r in sc.routes:
        key = f"{route_owner(r.between)}.hours"
        routes.append(r.model_copy(update={"hours": values[key]}) if key in values else r)
    handover = values.get(HANDOVER, sc.handover_hours)
    out = sc.model_copy(update=dict(withdrawal_lines=lines, routes=routes, handover_hours=handover))
    for r in sc.rules:
        key = f"{r.id}.{r.ranged_field}"
        if r.ranged_field is not None and key in values:
            out = out.with_value(r.id, r.ranged_field, values[key])
    return out


# --------------------------------------------------------------------------- one future

Task = tuple[str, str, dict[str, int], int, float]  # scenario JSON, plan JSON, numbers, seed, s


class Future(BaseModel):
    """What happened in one sampled future."""

    model_config = ConfigDict(extra="forbid")
    held: bool = Field(description="the plan held as planned")
    feasible: bool = Field(description="a plan of the rest was found (false: none, or no time)")
    broke: list[str] = Field(default_factory=list, description="rules the plan broke as planned")
    kept: list[str] = Field(default_factory=list, description="rules the final plan keeps")
    living_released_hour: int | None = None
    completion_hour: int | None = None
    status: str = "held"


def record_before(plan: Plan, sc: Scenario, stage: int) -> dict[str, Any]:
    """The plan's stages before ``stage`` (1-based) as an execution record at that stage's
    start, with the moves begun by then at their sampled durations."""
    now = plan.stages[stage - 1].start_hour if stage <= len(plan.stages) else 0
    named = set(sc.member_cohort())  # a plan lists named people by id, never in ranges
    stages = []
    for st in plan.stages[: stage - 1]:
        stages.append(
            {
                "start_hour": st.start_hour,
                "site": st.site,
                "handover_complete_hour": st.handover_complete_hour,
                "prisoner_release_hour": st.prisoner_release_hour,
                "hostages": {c: n for c, n in st.hostages.items() if n},
                "origins": st.hostage_origins,
                "prisoners": {c: n for c, n in st.prisoners.items() if n},
                "hostage_ids": [p for p in st.hostage_ids if p in named],
                "prisoner_ids": [p for p in st.prisoner_ids if p in named],
                "transfers": [
                    {
                        "destination": t.destination,
                        "prisoners": dict(t.prisoners),
                        "prisoner_ids": [p for p in t.prisoner_ids if p in named],
                    }
                    for t in st.transfers
                ],
            }
        )
    moves = []
    for w in plan.withdrawals:
        if w.start_hour <= now:
            move = next(ln.move_hours for ln in sc.withdrawal_lines if ln.id == w.line)
            done = w.start_hour + move
            moves.append({"line": w.line, "start_hour": w.start_hour}
                         | ({"complete_hour": done} if done <= now else {}))  # fmt: skip
    return {"now_hour": now, "withdrawals": moves, "stages": stages}


def run_future(task: Task) -> dict[str, Any]:
    """One future (a top-level function: it runs in worker processes and on Dask)."""
    from planner.io import scenario_from_data
    from planner.solver.rest import replan
    from planner.verifier import verify

    scenario_json, plan_json, values, seed, seconds = task
    sc = sampled_scenario(scenario_from_data(json.loads(scenario_json)), values)
    plan = Plan.model_validate_json(plan_json)
    report = verify(sc, plan)
    every = [r.id for r in sc.rules]
    if report.ok:
        m = plan.metrics
        return Future(held=True, feasible=True, kept=every, status="held",
                      living_released_hour=m.living_released_hour,
                      completion_hour=m.completion_hour).model_dump()  # fmt: skip
    broke = sorted({v.rule for v in report.violations if not v.rule.startswith("plan/")})
    stages = [v.stage for v in report.violations if v.stage is not None]
    at = min(stages) if stages else 1
    from planner.record import ExecutionRecord

    record = ExecutionRecord.model_validate(record_before(plan, sc, at))
    facts = frozenset(key.rpartition(".")[0] for key in values)  # the sampled rules: facts
    result = replan(sc, record, time_limit=seconds, seed=seed, workers=1, keep=facts)
    if result.plan is None or result.plan.record is None:
        return Future(held=False, feasible=False, broke=broke, status=result.status).model_dump()
    part = result.plan.record
    lost = set(part.given_up) | {d.rule for d in part.deviations}
    if result.verification is not None:
        lost |= {v.rule for v in result.verification.violations}
    m = result.plan.metrics
    return Future(held=False, feasible=True, broke=broke, status="replanned",
                  kept=[r for r in every if r not in lost],
                  living_released_hour=m.living_released_hour,
                  completion_hour=m.completion_hour).model_dump()  # fmt: skip


# --------------------------------------------------------------------------- the study


class RuleShare(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    basis: str
    holds: int = Field(ge=0, description="futures whose final plan keeps the rule")
    share: float = Field(ge=0, le=1, description="holds over the futures decided")
    low: float = Field(ge=0, le=1, description="95% Wilson interval, low end")
    high: float = Field(ge=0, le=1, description="95% Wilson interval, high end")
    broke_plan: int = Field(ge=0, description="futures in which the plan as planned broke it")


class NumberEffect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str
    range: tuple[int, int]
    nominal: int
    broken_when_above: float | None = Field(
        ge=0, le=1, description="share of futures broken, sampled above"
    )
    broken_when_not_above: float | None = Field(ge=0, le=1)


class Robustness(BaseModel):
    """A robustness study: per rule, the share of futures in which it holds; percentiles of
    the hours; which rules and numbers break the plan most; the futures without a plan."""

    model_config = ConfigDict(extra="forbid")
    scenario: str
    samples: int = Field(ge=1, le=MAX_SAMPLES)
    seed: int
    engine: str
    numbers: list[UncertainNumber]
    held_as_planned: int = Field(ge=0)
    replanned: int = Field(ge=0)
    infeasible: list[int] = Field(
        default_factory=list, description="futures with no plan of the rest (proved)"
    )
    undecided: list[int] = Field(
        default_factory=list,
        description="futures whose re-plan ran out of time: left out of the shares (the "
        "shares are over the other futures), never counted as infeasible",
    )
    rules: list[RuleShare]
    living_released_hour: dict[str, int] = Field(default_factory=dict)
    completion_hour: dict[str, int] = Field(default_factory=dict)
    numbers_break: list[NumberEffect] = Field(default_factory=list)
    seconds: float = 0.0

    @model_validator(mode="after")
    def _counts_within_the_samples(self) -> Robustness:
        """A study read back from a file (``planner report --robustness``) counts no more
        futures than it sampled."""
        decided = self.samples - len(self.undecided)
        if self.held_as_planned + self.replanned + len(self.infeasible) > self.samples:
            raise ValueError("held_as_planned + replanned + infeasible exceed samples")
        for share in self.rules:
            if share.holds > decided or share.broke_plan > self.samples:
                raise ValueError(f"rule {share.rule!r}: more futures than the study sampled")
        return self

    def deterministic(self) -> dict[str, Any]:
        """The study without its timing and engine: the same for one seed, whatever ran it."""
        return self.model_dump(exclude={"seconds", "engine"})


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def percentiles(values: list[int]) -> dict[str, int]:
    """p5, p50, p95 and the maximum (nearest rank)."""
    if not values:
        return {}
    xs = sorted(values)

    def rank(q: float) -> int:
        return xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))]

    return {"p5": rank(0.05), "p50": rank(0.5), "p95": rank(0.95), "max": xs[-1]}


def _progress(done: int, total: int) -> None:
    step("futures", done, total)


def _run_local(tasks: list[Task], jobs: int, report: Callable[[int, int], None]) -> list[Any]:
    from planner.solver.parallel import TrialPool

    with TrialPool(jobs) as pool:
        handles = [pool.submit(run_future, t) for t in tasks]
        done = 0
        waiting = list(handles)
        while waiting:
            ready = pool.finished(waiting)
            waiting = [h for h in waiting if h not in ready]
            done += len(ready)
            report(done, len(tasks))
        return [h.get() for h in handles]


def _run_dask(tasks: list[Task], address: Any, report: Callable[[int, int], None]) -> list[Any]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - the extra is not installed
        raise RuntimeError(
            "--dask needs the dask extra: pip install 'exchange-logistics-planner[dask]'"
        ) from None
    client = address if isinstance(address, Client) else Client(address)
    try:
        futures = client.map(run_future, tasks, pure=False)
        for done, _ in enumerate(as_completed(futures), start=1):
            report(done, len(tasks))
        return client.gather(futures)
    finally:
        if not isinstance(address, Client):
            client.close()


def robustness(
    sc: Scenario,
    *,
    samples: int,
    plan: Plan | None = None,
    seed: int = 0,
    jobs: int = 1,
    dask: Any = None,
    seconds_per_future: float = 30.0,
    progress: bool = False,
    stop: threading.Event | None = None,
) -> Robustness:
    """Sample ``samples`` futures of ``sc``'s uncertain numbers and follow ``plan`` (default:
    the planner's own plan of ``sc``) through each (see the module). ``jobs``: local worker
    processes; ``dask``: a Dask scheduler address (or a ``distributed.Client``) instead. The
    answer depends on ``seed`` only, not on ``jobs`` or the engine."""
    from planner.solver import solve
    from planner.solver.control import stopping

    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples: expected 1..{MAX_SAMPLES}, found {samples}")
    began = time.monotonic()
    if plan is None:
        result = solve(sc, seed=sc.solver.seed)
        if result.plan is None:
            raise ValueError(f"the scenario has no plan to follow ({result.status})")
        plan = result.plan
    numbers = uncertain_numbers(sc)
    scenario_json = sc.model_dump_json()
    plan_json = plan.model_copy(update={"alternatives": []}).model_dump_json()
    tasks: list[Task] = [
        (scenario_json, plan_json, sample(numbers, seed, i), sc.solver.seed, seconds_per_future)
        for i in range(samples)
    ]
    with stopping(stop), shown(None if progress else False):
        report = _progress
        if dask is not None:
            raw = _run_dask(tasks, dask, report)
            engine = "dask"
        else:
            raw = _run_local(tasks, jobs, report)
            engine = f"local, {jobs} process{'es' if jobs > 1 else ''}"
    futures = [Future.model_validate(r) for r in raw]
    out = _summary(sc, numbers, tasks, futures, samples, seed, engine)
    out.seconds = round(time.monotonic() - began, 3)
    return out


def _rule_shares(sc: Scenario, futures: list[Future]) -> list[RuleShare]:
    """Per rule, over the decided futures (a future without a plan keeps no rule)."""
    decided = [f for f in futures if f.status != "time_limit"]
    samples = max(len(decided), 1)
    rules = []
    for r in sc.rules:
        k = sum(1 for f in decided if f.feasible and r.id in f.kept)
        lo, hi = wilson(k, len(decided))
        broke = sum(1 for f in futures if r.id in f.broke)
        rules.append(RuleShare(rule=r.id, basis=r.basis, holds=k, share=round(k / samples, 4),
                               low=round(lo, 4), high=round(hi, 4), broke_plan=broke))  # fmt: skip
    return sorted(rules, key=lambda s: (s.share, s.rule))


def _number_effects(
    numbers: list[UncertainNumber], tasks: list[Task], futures: list[Future]
) -> list[NumberEffect]:
    effects = []
    for n in numbers:
        pairs = list(zip(futures, tasks, strict=True))
        above = [not f.held for f, t in pairs if t[2][n.key] > n.nominal]
        below = [not f.held for f, t in pairs if t[2][n.key] <= n.nominal]
        effects.append(NumberEffect(number=n.key, range=(n.low, n.high), nominal=n.nominal,
                                    broken_when_above=_share(above),
                                    broken_when_not_above=_share(below)))  # fmt: skip
    effects.sort(key=lambda e: -(e.broken_when_above or 0) + (e.broken_when_not_above or 0))
    return effects


def _summary(
    sc: Scenario,
    numbers: list[UncertainNumber],
    tasks: list[Task],
    futures: list[Future],
    samples: int,
    seed: int,
    engine: str,
) -> Robustness:
    feasible = [f for f in futures if f.feasible]
    living = [f.living_released_hour for f in feasible if f.living_released_hour is not None]
    done = [f.completion_hour for f in feasible if f.completion_hour is not None]
    return Robustness(
        scenario=sc.name,
        samples=samples,
        seed=seed,
        engine=engine,
        numbers=numbers,
        held_as_planned=sum(1 for f in futures if f.held),
        replanned=sum(1 for f in futures if f.status == "replanned"),
        infeasible=[i for i, f in enumerate(futures) if f.status == "infeasible"],
        undecided=[i for i, f in enumerate(futures) if f.status == "time_limit"],
        rules=_rule_shares(sc, futures),
        living_released_hour=percentiles(living),
        completion_hour=percentiles(done),
        numbers_break=_number_effects(numbers, tasks, futures),
    )


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None
