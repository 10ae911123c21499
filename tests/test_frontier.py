"""The trade-off frontier: verified points, none dominating another, infeasible corners and
what binds at each point — each claim tested by editing the scenario and solving again."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from planner import frontier, load_scenario, solve, verify
from planner.cli import main
from planner.frontier import Frontier, frontier_scenario
from planner.io import scenario_from_data
from planner.scenario import Scenario

TRADEOFF: dict[str, Any] = {
    "name": "tradeoff",
    "horizon_hours": 200,
    "max_stages": 3,
    "handover_hours": 2,
    "hostage_cohorts": [
        {"id": "living", "count": 3, "status": "living"},
        {"id": "dead", "count": 3, "status": "deceased"},
    ],
    "rules": [
        {"kind": "release", "id": "all", "cohorts": ["living", "dead"]},
        {"kind": "availability", "id": "dead-later", "cohorts": ["dead"], "from_hour": 100},
    ],
}


def no_point_dominates(fr: Frontier) -> None:
    for p in fr.points:
        for q in fr.points:
            if p is not q:
                better = all(p.values[t] <= q.values[t] for t in fr.between)
                assert not (better and p.values != q.values), (p.values, q.values)


def every_point_verified(sc: Scenario, fr: Frontier) -> None:
    for p in fr.points:
        assert p.verified and p.proved
        assert verify(frontier_scenario(sc, fr.between), p.plan).ok
        assert all(p.plan.objective[t] == p.values[t] for t in fr.between)


@pytest.mark.slow
def test_the_seed_frontier_living_against_completion() -> None:
    """Must show 3. On the seed the two terms do not pull apart: one point, h42 and h339,
    and no plan completes sooner."""
    sc = load_scenario()
    fr = frontier(sc, ["living_released_hour", "completion_hour"])
    assert fr.complete
    every_point_verified(sc, fr)
    no_point_dominates(fr)
    assert [p.values for p in fr.points] == [{"living_released_hour": 42, "completion_hour": 339}]
    assert fr.infeasible == [{"completion_hour": 338}]
    # the corner, as a user would test it: everyone released by hour 338 leaves no plan
    data = sc.model_dump(mode="json")
    cohorts = [c["id"] for c in data["hostage_cohorts"] + data["prisoner_cohorts"]]
    data["rules"].append(
        {"kind": "deadline", "id": "all-by-338", "cohorts": cohorts, "within_hours": 338}
    )
    assert solve(scenario_from_data(data)).status == "infeasible"
    # what binds there: the holders' preparation (15 h of the living's hour)
    prep = next(b for b in fr.points[0].binding if b.rule == "holders-preparation")
    assert prep.gain == 15 and prep.basis == "assumption"
    without = solve(sc.without(["holders-preparation"])).plan
    assert without is not None and without.metrics.living_released_hour == 42 - 15
    assert without.metrics.completion_hour <= 339


def test_a_real_trade_off_has_two_points() -> None:
    sc = scenario_from_data(copy.deepcopy(TRADEOFF))
    fr = frontier(sc, ["living_released_hour", "stage_count"])
    assert fr.complete
    every_point_verified(sc, fr)
    no_point_dominates(fr)
    assert [p.values for p in fr.points] == [
        {"living_released_hour": 2, "stage_count": 2},
        {"living_released_hour": 102, "stage_count": 1},
    ]
    assert fr.infeasible == [{"stage_count": 0}]
    # at one stage, the dead's availability costs the living 100 h: delete it and see
    binding = fr.points[1].binding
    assert [(b.rule, b.gain, b.proved) for b in binding] == [("dead-later", 100, True)]
    again = frontier(sc.without(["dead-later"]), ["living_released_hour", "stage_count"])
    one_stage = next(p for p in again.points if p.values["stage_count"] <= 1)
    assert one_stage.values["living_released_hour"] == 102 - 100
    # deleting the release rule buys nothing: the frontier still releases everyone it can
    assert not any(b.rule == "all" for p in fr.points for b in p.binding)


def test_three_terms() -> None:
    sc = scenario_from_data(copy.deepcopy(TRADEOFF))
    fr = frontier(sc, ["living_released_hour", "stage_count", "completion_hour"])
    assert fr.complete and fr.points
    every_point_verified(sc, fr)
    no_point_dominates(fr)


@pytest.mark.slow
def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frontier", "--between", "living_released_hour,completion_hour"]) == 0
    out = capsys.readouterr().out
    assert "holders-preparation (-15)" in out and "no plan with completion_hour <= 338" in out
    assert main(["frontier", "--between", "living_released_hour,completion_hour", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["points"][0]["values"] == {"living_released_hour": 42, "completion_hour": 339}
    code = main(["frontier", "--between", "living_released_hour"])
    err = capsys.readouterr().err
    assert code == 2 and "--between: expected 2 or 3 different terms" in err


def test_the_report_draws_the_frontier(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    scen = tmp_path / "tradeoff.json"
    scen.write_text(json.dumps(TRADEOFF))
    plan, front, page = tmp_path / "plan.json", tmp_path / "front.json", tmp_path / "r.html"
    assert main(["solve", str(scen), "-o", str(plan)]) == 0
    capsys.readouterr()
    args = ["frontier", str(scen), "--between", "living_released_hour,stage_count", "--json"]
    assert main(args) == 0
    front.write_text(capsys.readouterr().out)
    report = ["report", str(plan), "-o", str(page), "--scenario", str(scen)]
    assert main([*report, "--frontier", str(front)]) == 0
    html = page.read_text()
    assert "Trade-off frontier: living_released_hour, stage_count" in html
    assert html.count("<circle") == 2 and "no plan with stage_count ≤ 0" in html
    assert "dead-later (-100)" in html


def test_the_frontier_is_repeatable() -> None:
    sc = scenario_from_data(copy.deepcopy(TRADEOFF))
    a = frontier(sc, ["living_released_hour", "stage_count"]).model_dump()
    b = frontier(sc, ["living_released_hour", "stage_count"]).model_dump()
    a.pop("seconds"), b.pop("seconds")
    assert a == b
