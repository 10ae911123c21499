"""CP-SAT values -> Plan: stages in time order, people (named by id, generated as ranges),
transfers, metrics."""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from planner.model.builder import BuiltModel
from planner.plan import Leg, Metrics, Plan, Ranges, Stage, Transfer, Withdrawal, generated_id
from planner.scenario import Scenario, bus_seats, vehicles_needed


def anonymous_ids(sc: Scenario, cohort: str) -> list[str]:
    """Ids handed out by count: members without rules of their own, then <cohort>-<n>."""
    c = sc.hostage(cohort) or sc.prisoner(cohort)
    assert c is not None
    own = set(sc.individuals())
    named = [m.id for m in c.members if m.id not in own]
    generated = [generated_id(cohort, n) for n in range(1, c.count - len(c.members) + 1)]
    return named + generated


Span = tuple[int, int]


def _add_span(ranges: Ranges, cohort: str, span: Span | None) -> None:
    """Append ``span`` to the cohort's ranges, joined to the last one when they touch."""
    if span is None:
        return
    spans = ranges.setdefault(cohort, [])
    if spans and spans[-1][1] + 1 == span[0]:
        spans[-1] = (spans[-1][0], span[1])
    else:
        spans.append(span)


class _Decoder:
    """Reads one solution: stages in time order, with people handed out in order: the named
    by id, the generated as ranges (each cohort's <cohort>-<n> in increasing n)."""

    def __init__(self, sc: Scenario, built: BuiltModel, values: dict[int, int]):
        self.sc, self.v, self.values = sc, built.vars, values
        self.seats = bus_seats(sc)
        own = set(sc.individuals())
        self.members: dict[str, list[str]] = {}  # cohort -> members without rules of their own
        for c in [*sc.hostage_cohorts, *sc.prisoner_cohorts]:
            self.members[c.id] = [m.id for m in c.members if m.id not in own]
        self.groups: dict[str, list[int]] = {}  # cohort -> its groups of named people
        for g, grp in enumerate(self.v.groups):
            self.groups.setdefault(grp.cohort, []).append(g)
        self.group_taken = [0] * len(self.v.groups)
        self.group_people = [list(grp.people) for grp in self.v.groups]
        record = self.v.record
        if record is not None:  # the ids a record lists come first: its stages come first
            listed = [pid for rs in record.stages for pid in [*rs.hostage_ids, *rs.prisoner_ids]]
            first = {pid: i for i, pid in enumerate(listed)}
            late = len(listed)
            for people in [*self.group_people, *self.members.values()]:
                people.sort(key=lambda pid: first.get(pid, late))
        self.taken = dict.fromkeys(self.v.cohorts, 0)
        self.anonymous_taken = dict.fromkeys(self.v.cohorts, 0)

    def val(self, x: cp_model.IntVar) -> int:
        return self.values[x.index]

    def take(self, c: str, s: int, d: str | None, n: int) -> tuple[list[str], Span | None]:
        """The n people of cohort c released in stage s (to d): the ids of persons with
        rules of their own as many as the solver put there, then the next of the cohort's
        anonymous people (``anonymous_ids``): members by id, the rest as a range of n."""
        ids: list[str] = []
        for g in self.groups.get(c, []):  # people under the same rules: the next ones in order
            k, at = self.val(self.v.group_count[g, s, d]), self.group_taken[g]
            ids += self.group_people[g][at : at + k]
            self.group_taken[g] += k
        rest = n - len(ids)
        start = self.anonymous_taken[c]
        members = self.members.get(c, [])
        ids += members[start : start + rest]
        first = max(start, len(members)) - len(members) + 1
        last = start + rest - len(members)
        self.anonymous_taken[c] += rest
        self.taken[c] += n
        return ids, ((first, last) if first <= last else None)

    def withdrawals(self) -> list[Withdrawal]:
        out = []
        for ln in self.sc.withdrawal_lines:
            if ln.id in self.v.reached and not self.val(self.v.reached[ln.id]):
                continue  # a conditional line not moved to
            ws = self.val(self.v.line_start[ln.id])
            done = self.v.fixed_lines.get(ln.id, ws + ln.move_hours)
            out.append(Withdrawal(line=ln.id, start_hour=ws, complete_hour=done))
        return out

    def slots(self) -> list[int]:
        """Used stage slots in time order."""
        v = self.v
        used = (s for s in range(v.S) if self.val(v.active[s]))
        return sorted(used, key=lambda s: (self.val(v.start[s]), s))

    def origins(self, s: int) -> dict[str, dict[str, int]]:
        """Cohort -> holding area -> hostages of slot s brought from there."""
        out: dict[str, dict[str, int]] = {}
        for (s2, c, area), x in self.v.origin.items():
            if s2 == s and self.val(x):
                out.setdefault(c, {})[area] = self.val(x)
        return out

    def hostages(self, s: int) -> tuple[dict[str, int], list[str], Ranges]:
        counts, ids, ranges = {}, [], {}
        for c in (c.id for c in self.sc.hostage_cohorts):
            n = self.val(self.v.count[s, c])
            if n:
                counts[c] = n
                listed, span = self.take(c, s, None, n)
                ids += listed
                _add_span(ranges, c, span)
        return counts, ids, ranges

    def prisoners(
        self, s: int, release: int
    ) -> tuple[dict[str, int], list[str], Ranges, list[Transfer]]:
        counts, ids, ranges = {}, [], {}
        transfers: dict[tuple[str, str], Transfer] = {}
        for cohort in self.sc.prisoner_cohorts:
            n = self.val(self.v.count[s, cohort.id])
            if not n:
                continue
            counts[cohort.id] = n
            dests = self.sc.allowed_destinations(cohort.id)
            if not dests:
                listed, span = self.take(cohort.id, s, None, n)
                ids += listed
                _add_span(ranges, cohort.id, span)
            for d in dests:
                listed, span = self._transfer(s, cohort.id, cohort.prison, d, release, transfers)
                ids += listed
                _add_span(ranges, cohort.id, span)
        for (_, d), t in transfers.items():
            if d in self.seats:
                t.buses = math.ceil(sum(t.prisoners.values()) / self.seats[d])
        return counts, ids, ranges, list(transfers.values())

    def _transfer(
        self,
        s: int,
        c: str,
        prison: str | None,
        d: str,
        release: int,
        transfers: dict[tuple[str, str], Transfer],
    ) -> tuple[list[str], Span | None]:
        """The people of cohort c moved from its prison to d in stage s, added to its transfer."""
        n = self.val(self.v.flow[s, c, d])
        if not n:
            return [], None
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
        ids, span = self.take(c, s, d, n)
        t.prisoners[c] = n
        t.prisoner_ids += ids
        _add_span(t.prisoner_ranges, c, span)
        return ids, span

    def stage(self, k: int, s: int, withdrawals: list[Withdrawal]) -> Stage:
        sc, v = self.sc, self.v
        st = self.val(v.start[s])
        site = next((site for site in v.site_hours if self.val(v.site[s, site])), None)
        route = Leg(path=v.site_paths[site], hours=v.site_hours[site]) if site else None
        hc = v.fixed_complete.get(s, st + sc.handover_hours + (route.hours if route else 0))
        hostages, hostage_ids, hostage_ranges = self.hostages(s)
        pr = self.val(v.release[s])
        prisoners, prisoner_ids, prisoner_ranges, transfers = self.prisoners(s, pr)
        in_force = sc.initial_position
        for w in withdrawals:
            if w.complete_hour <= st:
                in_force = w.line
        release = pr if prisoners else None
        recorded = v.record.stages[s] if v.record is not None and s < v.past else None
        return Stage(
            other_remains=recorded.other_remains if recorded is not None else 0,
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
            hostage_ranges=hostage_ranges,
            hostage_origins=self.origins(s),
            prisoners=prisoners,
            prisoner_ids=prisoner_ids,
            prisoner_ranges=prisoner_ranges,
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
        objective={t: term_values[t] for t in sc.objective_terms if t in term_values},
        withdrawals=withdrawals,
        lines_not_reached=[
            ln.id for ln in sc.withdrawal_lines if ln.id not in {w.line for w in withdrawals}
        ],
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
