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


class _Decoder:
    """Reads one solution: stages in time order, with people handed out by id."""

    def __init__(self, sc: Scenario, built: BuiltModel, values: dict[int, int]):
        self.sc, self.v, self.values = sc, built.vars, values
        self.seats = bus_seats(sc)
        self.anonymous = {c: anonymous_ids(sc, c) for c in self.v.cohorts}
        self.named: dict[str, list[str]] = {}
        for person, cohort in self.v.person_cohort.items():
            self.named.setdefault(cohort, []).append(person)
        self.taken = dict.fromkeys(self.v.cohorts, 0)
        self.anonymous_taken = dict.fromkeys(self.v.cohorts, 0)

    def val(self, x: cp_model.IntVar) -> int:
        return self.values[x.index]

    def take(self, c: str, s: int, d: str | None, n: int) -> list[str]:
        """Ids of the n people of cohort c released in stage s (to d): persons with variables
        of their own where the solver put them, the rest from the cohort's anonymous ids."""
        ids = [p for p in self.named.get(c, []) if self.val(self.v.person[p, s, d])]
        rest = n - len(ids)
        start = self.anonymous_taken[c]
        ids += self.anonymous[c][start : start + rest]
        self.anonymous_taken[c] += rest
        self.taken[c] += n
        return ids

    def withdrawals(self) -> list[Withdrawal]:
        out = []
        for ln in self.sc.withdrawal_lines:
            ws = self.val(self.v.line_start[ln.id])
            out.append(Withdrawal(line=ln.id, start_hour=ws, complete_hour=ws + ln.move_hours))
        return out

    def slots(self) -> list[int]:
        """Used stage slots in time order."""
        v = self.v
        used = (s for s in range(v.S) if self.val(v.active[s]))
        return sorted(used, key=lambda s: (self.val(v.start[s]), s))

    def hostages(self, s: int) -> tuple[dict[str, int], list[str]]:
        counts, ids = {}, []
        for c in (c.id for c in self.sc.hostage_cohorts):
            n = self.val(self.v.count[s, c])
            if n:
                counts[c] = n
                ids += self.take(c, s, None, n)
        return counts, ids

    def prisoners(self, s: int, release: int) -> tuple[dict[str, int], list[str], list[Transfer]]:
        counts, ids = {}, []
        transfers: dict[tuple[str, str], Transfer] = {}
        for cohort in self.sc.prisoner_cohorts:
            n = self.val(self.v.count[s, cohort.id])
            if not n:
                continue
            counts[cohort.id] = n
            dests = self.sc.allowed_destinations(cohort.id)
            if not dests:
                ids += self.take(cohort.id, s, None, n)
            for d in dests:
                ids += self._transfer(s, cohort.id, cohort.prison, d, release, transfers)
        for (_, d), t in transfers.items():
            if d in self.seats:
                t.buses = math.ceil(sum(t.prisoners.values()) / self.seats[d])
        return counts, ids, list(transfers.values())

    def _transfer(
        self,
        s: int,
        c: str,
        prison: str | None,
        d: str,
        release: int,
        transfers: dict[tuple[str, str], Transfer],
    ) -> list[str]:
        """The people of cohort c moved from its prison to d in stage s, added to its transfer."""
        n = self.val(self.v.flow[s, c, d])
        if not n:
            return []
        assert prison is not None
        hours, path = self.v.legs[prison, d]
        t = transfers.setdefault(
            (prison, d),
            Transfer(
                prison=prison,
                destination=d,
                path=path,
                travel_hours=hours,
                arrival_hour=release + hours,
            ),
        )
        ids = self.take(c, s, d, n)
        t.prisoners[c] = n
        t.prisoner_ids += ids
        return ids

    def stage(self, k: int, s: int, withdrawals: list[Withdrawal]) -> Stage:
        sc, v = self.sc, self.v
        st = self.val(v.start[s])
        site = next((site for site in v.site_hours if self.val(v.site[s, site])), None)
        route = Leg(path=v.site_paths[site], hours=v.site_hours[site]) if site else None
        hc = st + sc.handover_hours + (route.hours if route else 0)
        hostages, hostage_ids = self.hostages(s)
        pr = self.val(v.release[s])
        prisoners, prisoner_ids, transfers = self.prisoners(s, pr)
        in_force = sc.initial_position
        for w in withdrawals:
            if w.complete_hour <= st:
                in_force = w.line
        release = pr if prisoners else None
        return Stage(
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
            transfers=transfers,
        )


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
    reader = _Decoder(sc, built, values)
    withdrawals = reader.withdrawals()
    stages = [reader.stage(k, s, withdrawals) for k, s in enumerate(reader.slots(), start=1)]
    unreleased = {
        c: sc.cohort_count(c) - n for c, n in reader.taken.items() if n < sc.cohort_count(c)
    }
    return Plan(
        scenario=sc.name,
        status=status,  # type: ignore[arg-type]
        seed=seed,
        objective={t: term_values[t] for t in sc.objective.terms if t in term_values},
        withdrawals=withdrawals,
        stages=stages,
        unreleased=unreleased,
        metrics=plan_metrics(sc, stages),
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
