"""Robustness over sampled futures: a share that matches a known truth, and the same study for
one seed on one process, on a local pool and on a Dask cluster."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from planner import load_scenario, robustness
from planner.cli import main
from planner.io import InputError, scenario_from_data
from planner.robustness import sample, sampled_scenario, uncertain_numbers, wilson

KNOWN: dict[str, Any] = {
    "name": "known",
    "horizon_hours": 200,
    "max_stages": 2,
    "handover_hours": 2,
    "hostage_cohorts": [{"id": "living", "count": 1, "status": "living"}],
    "rules": [
        {"kind": "release", "id": "all", "cohorts": ["living"]},
        {
            "kind": "availability",
            "id": "found",
            "basis": "assumption",
            "cohorts": ["living"],
            "from_hour": 10,
            "range_hours": [0, 99],
        },
        {"kind": "deadline", "id": "by-49", "cohorts": ["living"], "within_hours": 49},
    ],
}


def test_a_share_matches_the_known_truth() -> None:
    """Must show 2. The hostage can be handed over from an hour uniform in 0..99 and is
    received 2 h later; the deadline (hour 49) holds exactly when that hour is at most 47:
    48 of the 100 values."""
    sc = scenario_from_data(KNOWN)
    study = robustness(sc, samples=300, seed=7, jobs=2)
    row = next(r for r in study.rules if r.rule == "by-49")
    assert row.low <= 0.48 <= row.high, row
    # the count is exactly what the sampled hours say
    numbers = uncertain_numbers(sc)
    early = sum(1 for i in range(300) if sample(numbers, 7, i)["found.from_hour"] <= 47)
    assert row.holds == early
    assert study.infeasible == [] and study.held_as_planned + study.replanned == 300
    found = next(e for e in study.numbers_break if e.number == "found.from_hour")
    assert found.broken_when_above == 1.0 and found.broken_when_not_above == 0.0


def test_every_kind_of_uncertain_number_is_sampled_and_applied() -> None:
    data = load_scenario().model_dump(mode="json")
    data["handover_range_hours"] = [1, 4]
    data["routes"][0]["range_hours"] = [2, 6]  # gaza-city - kerem-shalom, 3 h
    data["withdrawal_lines"][0]["range_hours"] = [20, 30]
    data["withdrawal_lines"][0]["distribution"] = "triangular"
    sc = scenario_from_data(data)
    numbers = {n.key: n for n in uncertain_numbers(sc)}
    assert set(numbers) >= {
        "scenario.handover_hours",
        "route:gaza-city~kerem-shalom.hours",
        "yellow-line.move_hours",
        "holders-preparation.hours",
    }
    values = sample(list(numbers.values()), 0, 0)
    for key, n in numbers.items():
        assert n.low <= values[key] <= n.high
    future = sampled_scenario(sc, values)
    assert future.handover_hours == values["scenario.handover_hours"]
    assert future.routes[0].hours == values["route:gaza-city~kerem-shalom.hours"]
    assert future.withdrawal_lines[0].move_hours == values["yellow-line.move_hours"]
    assert future.rule("holders-preparation").hours == values["holders-preparation.hours"]
    bad = copy.deepcopy(data)
    bad["handover_range_hours"] = [3, 4]
    with pytest.raises(InputError) as err:
        scenario_from_data(bad)
    assert "$.handover_range_hours" in err.value.render()


def test_a_future_out_of_time_is_undecided_not_infeasible() -> None:
    sc = load_scenario()
    study = robustness(sc, samples=6, seed=3, jobs=1, seconds_per_future=0.0)
    assert study.infeasible == []  # time running out is never a verdict
    assert study.undecided and len(study.undecided) == 6 - study.held_as_planned
    row = study.rules[0]
    assert row.holds <= study.held_as_planned  # shares are over the decided futures only


def test_wilson() -> None:
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)
    lo, hi = wilson(48, 100)
    assert round(lo, 3) == 0.385 and round(hi, 3) == 0.577


def test_one_seed_one_answer_on_every_engine() -> None:
    """Must show 1 (in small): the same study with one process, two, and a Dask
    LocalCluster started here."""
    distributed = pytest.importorskip("distributed")
    sc = load_scenario()
    one = robustness(sc, samples=12, seed=3, jobs=1).deterministic()
    two = robustness(sc, samples=12, seed=3, jobs=2).deterministic()
    assert one == two
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = robustness(sc, samples=12, seed=3, dask=client).deterministic()
    assert on_dask == one
    assert robustness(sc, samples=12, seed=4, jobs=2).deterministic() != one


@pytest.mark.slow
def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["robustness", "--samples", "4", "--jobs", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["samples"] == 4 and {r["rule"] for r in data["rules"]} >= {"living-within-72h"}
    assert main(["robustness", "--samples", "4", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "Rules: share of futures" in out and "holders-preparation.hours 24-60" in out
    assert main(["robustness", "--samples", "0"]) == 2
    assert "--samples: expected 1..100000" in capsys.readouterr().err
