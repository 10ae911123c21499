"""Places, routes, vehicles, buses, destinations and named individuals: each rule binds."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tinyscen import LOGISTICS, logistics, solved

from planner.cli import main
from planner.io import InputError, scenario_from_data
from planner.model.builder import build_model
from planner.plan import Plan


def all_ids(plan: Plan) -> list[str]:
    return [i for st in plan.stages for i in st.hostage_ids + st.prisoner_ids]


def stage_with(plan: Plan, person: str):  # type: ignore[no-untyped-def]
    return next(st for st in plan.stages if person in st.hostage_ids + st.prisoner_ids)


def test_base_uses_the_nearest_site_and_routes_every_prisoner() -> None:
    plan = solved(logistics())
    st = plan.stages[0]
    assert st.site == "site-a" and st.handover_route is not None
    assert st.handover_route.path == ["site-a", "crossing-x"] and st.handover_route.hours == 1
    assert st.handover_complete_hour == 0 + 2 + 1
    assert st.prisoner_release_hour == 4  # pairing: one hour after receipt
    assert sum(t.prisoners["pris"] for s in plan.stages for t in s.transfers) == 30
    for t in st.transfers:
        assert t.arrival_hour == st.prisoner_release_hour + t.travel_hours
        assert t.travel_hours == {"west": 2, "abroad": 6}[t.destination]


def test_site_after_line_moves_the_first_stage() -> None:
    rule = {"kind": "site_after_line", "id": "zone-a", "sites": ["site-a"], "line": "yellow"}
    data = copy.deepcopy(LOGISTICS)
    data["places"] = [p for p in data["places"] if p["id"] != "site-b"]
    data["routes"] = [r for r in data["routes"] if "site-b" not in r["between"]]
    data["rules"].append(rule)
    only_site = scenario_from_data(data)
    plan = solved(only_site)
    assert plan.stages[0].start_hour == 24 and plan.stages[0].site == "site-a"
    # with a second site outside the zone, the first stage goes there at once instead
    plan = solved(logistics(rule))
    assert plan.stages[0].start_hour == 0 and plan.stages[0].site == "site-b"


def test_longer_route_delays_completion_and_paired_release() -> None:
    near = solved(logistics()).stages[0]
    data = copy.deepcopy(LOGISTICS)
    data["routes"][0]["hours"] = 5  # site-a is now farther than site-b (3 h)
    far = solved(scenario_from_data(data)).stages[0]
    assert far.site == "site-b" and far.handover_complete_hour == near.handover_complete_hour + 2
    assert far.prisoner_release_hour == near.prisoner_release_hour + 2


def test_fewer_buses_mean_more_stages() -> None:
    three = {"kind": "buses", "id": "buses", "buses": 3, "seats": 10}
    plan = solved(logistics(three))
    assert plan.metrics.stage_count == 1
    assert sum(t.buses or 0 for t in plan.stages[0].transfers) <= 3
    two = {"kind": "buses", "id": "buses", "buses": 2, "seats": 10}
    plan = solved(logistics(two))
    assert plan.metrics.stage_count == 2
    for st in plan.stages:
        assert sum(t.buses or 0 for t in st.transfers) <= 2
        for t in st.transfers:
            assert t.buses == -(-sum(t.prisoners.values()) // 10)


def test_hostage_fleet_turnaround_spaces_stages() -> None:
    fleet = {
        "kind": "hostage_fleet",
        "id": "fleet",
        "vehicles": 1,
        "seats": 2,
        "turnaround_hours": 5,
    }
    plan = solved(logistics(fleet))
    first, second = plan.stages[0], plan.stages[1]
    assert first.vehicles == second.vehicles == 1
    assert second.start_hour >= first.handover_complete_hour + 5


def test_site_daily_limit() -> None:
    fleet = {"kind": "hostage_fleet", "id": "fleet", "vehicles": 2, "seats": 1}
    without = solved(logistics(fleet))
    assert [s.site for s in without.stages] == ["site-a", "site-a"]
    limit = {"kind": "site_daily_limit", "id": "one-a-day", "per_day": 1}
    plan = solved(logistics(fleet, limit))
    assert sorted(s.site or "" for s in plan.stages) == ["site-a", "site-b"]


def test_destination_quota_and_abroad_person() -> None:
    plan = solved(logistics())
    assert all(t.destination == "west" for st in plan.stages for t in st.transfers)
    quota = {
        "kind": "destination_quota",
        "id": "ten-abroad",
        "cohorts": ["pris"],
        "destinations": ["abroad"],
        "min_count": 10,
        "max_count": 12,
    }
    abroad = {"kind": "abroad", "id": "p-one-abroad", "people": ["p-one"]}
    plan = solved(logistics(quota, abroad))
    sent = sum(
        t.prisoners["pris"] for st in plan.stages for t in st.transfers if t.destination == "abroad"
    )
    assert 10 <= sent <= 12
    assert any(
        "p-one" in t.prisoner_ids and t.destination == "abroad"
        for st in plan.stages
        for t in st.transfers
    )


def test_vetoed_prisoner_never_appears() -> None:
    veto = {"kind": "veto", "id": "veto-p-two", "people": ["p-two"]}
    plan = solved(
        logistics(
            veto,
            {"kind": "release", "id": "most", "cohorts": ["pris"], "min_count": 29},
            drop=("all-prisoners",),
        )
    )
    assert "p-two" not in all_ids(plan)
    assert plan.metrics.prisoners_released == 29 and plan.unreleased == {"pris": 1}
    assert "p-two" in all_ids(solved(logistics()))


def test_veto_against_totals_exits_3_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(LOGISTICS)
    data["rules"].append({"kind": "veto", "id": "veto-p-two", "people": ["p-two"]})
    path = tmp_path / "veto.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path)]) == 3
    out = capsys.readouterr().out
    assert "`veto-p-two`" in out and "`all-prisoners`" in out
    assert "`after-receipt`" not in out and "`all-hostages`" not in out


def test_person_not_before_and_located_from() -> None:
    late = {"kind": "person_not_before", "id": "p-one-late", "people": ["p-one"], "hour": 40}
    found = {
        "kind": "located_from",
        "id": "h-found-later",
        "people": ["h-named"],
        "hour": 60,
        "range_hours": [30, 90],
    }
    free = solved(logistics())
    assert free.metrics.stage_count == 1 and free.stages[0].start_hour == 0
    plan = solved(logistics(late, found))
    assert (stage_with(plan, "p-one").prisoner_release_hour or 0) >= 40
    assert stage_with(plan, "h-named").start_hour >= 60
    assert "h-named" not in plan.stages[0].hostage_ids


def test_fixed_stage() -> None:
    cap = {"kind": "stage_capacity", "id": "two-seats", "side": "hostages", "max_per_stage": 2}
    fixed = {"kind": "fixed_stage", "id": "h-second", "people": ["h-named"], "stage": 2}
    plan = solved(logistics(cap, fixed))
    assert "h-named" in plan.stages[1].hostage_ids


def test_only_people_with_rules_of_their_own_get_variables() -> None:
    # named members without individual rules stay counts: no person variables are created
    built = build_model(logistics())
    assert built.vars.groups == [] and built.vars.group_count == {}
    built = build_model(logistics({"kind": "veto", "id": "v", "people": ["p-two"]}))
    assert [g.people for g in built.vars.groups] == [("p-two",)]


def test_people_under_the_same_rules_share_one_count() -> None:
    """Named people are interchangeable when the same rules name them: one count per group,
    stage and destination, not a variable per person (named-1000 benchmark case)."""
    from planner.model.variables import named_groups

    sc = logistics(
        {"kind": "veto", "id": "v", "people": ["p-two"]},
        {"kind": "person_not_before", "id": "nb", "people": ["p-two", "p-one"], "hour": 5},
    )
    groups = named_groups(sc)
    assert {(g.people, g.rules) for g in groups} == {
        (("p-two",), ("v", "nb")),
        (("p-one",), ("nb",)),
    }


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["routes"].pop(0) and d["routes"].pop(0), "no route from handover site"),
        (lambda d: d["routes"].pop(3), "no route from prison 'prison-p' to destination 'abroad'"),
        (lambda d: d.update(reception="nowhere"), "$.reception"),
        (lambda d: d["prisoner_cohorts"][0].update(prison="ofer"), "$.prisoner_cohorts[0].prison"),
        (
            lambda d: d["rules"].append({"kind": "veto", "id": "v", "people": ["ghost"]}),
            "$.rules[3].people[0]",
        ),
        (
            lambda d: d["rules"].append({"kind": "abroad", "id": "a", "people": ["h-named"]}),
            "expected a prisoner",
        ),
    ],
)
def test_logistics_input_errors(change, fragment: str) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(LOGISTICS)
    change(data)
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    assert fragment in exc.value.render()
