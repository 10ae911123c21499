"""Where hostages are held (``held_in``) and the holders' preparation time (``preparation``):
the travel from each holding area to the handover site counts, the plan says where each
stage's people came from, and the verifier re-checks both."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from planner import load_scenario, solve, verify
from planner.io import InputError, scenario_from_data
from planner.plan import Plan

AREAS: dict[str, Any] = {
    "name": "areas",
    "horizon_hours": 200,
    "max_stages": 4,
    "handover_hours": 2,
    "hostage_cohorts": [
        {
            "id": "living",
            "count": 3,
            "status": "living",
            "held_in": {"north": 2, "south": 1},
        }
    ],
    "prisoner_cohorts": [],
    "places": [
        {"id": "site-n", "kind": "handover_site"},
        {"id": "site-s", "kind": "handover_site"},
        {"id": "crossing", "kind": "crossing"},
        {"id": "north", "kind": "holding_area"},
        {"id": "south", "kind": "holding_area"},
    ],
    "routes": [
        {"between": ["site-n", "crossing"], "hours": 1},
        {"between": ["site-s", "crossing"], "hours": 1},
        {"between": ["north", "site-n"], "hours": 1},
        {"between": ["north", "site-s"], "hours": 6},
        {"between": ["south", "site-s"], "hours": 1},
        {"between": ["south", "site-n"], "hours": 6},
    ],
    "reception": "crossing",
    "rules": [
        {"kind": "release", "id": "all", "cohorts": ["living"]},
        {"kind": "preparation", "id": "ready", "cohorts": ["living"], "hours": 10},
    ],
}


def areas(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(AREAS)
    data.update(changes)
    return data


def solved(data: dict[str, Any]) -> Plan:
    result = solve(scenario_from_data(data))
    assert result.plan is not None and result.verification is not None
    assert result.verification.ok, result.verification.lines()
    return result.plan


def test_each_area_goes_to_its_near_site() -> None:
    plan = solved(areas())
    # ready at 10; an hour from each area to its own site, six to the other one: two
    # handovers at 11, one per site, beat one at 13 (3 h from the far area via the crossing)
    assert plan.metrics.living_released_hour == 14
    by_site = {st.site: st for st in plan.stages}
    assert by_site["site-n"].hostage_origins == {"living": {"north": 2}}
    assert by_site["site-s"].hostage_origins == {"living": {"south": 1}}
    assert all(st.start_hour == 11 for st in plan.stages)


def test_without_the_preparation_rule_the_areas_only_count_people() -> None:
    rules = [r for r in AREAS["rules"] if r["kind"] != "preparation"]
    plan = solved(areas(rules=rules))
    assert plan.metrics.living_released_hour == 3  # one handover at hour 0
    assert sum(sum(a.values()) for st in plan.stages for a in st.hostage_origins.values()) == 3


def test_an_area_without_a_route_to_the_site_cannot_send_people_there() -> None:
    routes = [r for r in AREAS["routes"] if r["between"] not in (["north", "site-s"],)]
    plan = solved(areas(routes=routes, max_stages=1))
    assert plan.stages[0].site == "site-n"  # one stage: north's two cannot reach site-s


def test_the_verifier_checks_origins_and_preparation() -> None:
    sc = scenario_from_data(areas())
    plan = solved(areas())
    data = plan.model_dump(mode="json")
    st = next(s for s in data["stages"] if s["site"] == "site-n")
    st["hostage_origins"] = {"living": {"north": 1, "south": 1}}  # south: 3 h to site-n
    report = verify(sc, Plan.model_validate(data))
    found = {(v.rule, v.stage): v.message for v in report.violations}
    assert set(found) == {("ready", st["index"]), ("plan/people", None)}
    assert "from south (travel 3 h)" in found["ready", st["index"]]
    assert "2 of cohort living come from south, which holds 1" in found["plan/people", None]
    st["hostage_origins"] = {"living": {"north": 1}}  # one of the two from nowhere
    report = verify(sc, Plan.model_validate(data))
    assert any(v.rule == "plan/people" and "give 1 people" in v.message for v in report.violations)


@pytest.mark.parametrize(
    ("held_in", "words"),
    [
        ({"north": 2, "south": 2}, "the areas hold 4 people; the cohort's count is 3"),
        ({"north": 2, "site-n": 1}, "expected a place of kind holding_area, found 'site-n'"),
    ],
)
def test_held_in_is_checked(held_in: dict[str, int], words: str) -> None:
    data = areas()
    data["hostage_cohorts"][0]["held_in"] = held_in
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    assert words in err.value.render()


def test_an_area_that_reaches_no_site_is_refused() -> None:
    routes = [r for r in AREAS["routes"] if "south" not in r["between"]]
    with pytest.raises(InputError) as err:
        scenario_from_data(areas(routes=routes))
    assert "no route from holding area 'south' to any handover site" in err.value.render()


def test_the_seed_living_released_hour_with_preparation() -> None:
    """Must show 2: with the holders' 36 h preparation and the travel from where the living
    are held, the living are received at h42, not h27 (the 24 h move to the agreed line)."""
    sc = load_scenario()
    assert solve(sc).plan.metrics.living_released_hour == 42  # type: ignore[union-attr]
    without = solve(sc.without(["holders-preparation"])).plan
    assert without is not None and without.metrics.living_released_hour == 27
