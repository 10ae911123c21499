"""The command-line contract on the seed case and on small scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tinyscen import BASE

from planner.cli import main
from planner.io import default_scenario_path, load_scenario
from planner.plan import Plan

SEED = "gaza-2025-phase1"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def seed_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("seed") / "plan.json"
    assert main(["solve", "-o", str(path)]) == 0
    return path, json.loads(path.read_text())


def test_bare_solve_prints_a_stage_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["solve"], capsys)
    assert code == 0
    assert "Stages" in out and "received" in out and SEED in out
    header = next(line for line in out.splitlines() if "received" in line).split()
    assert header == [
        "#",
        "start",
        "clock",
        "received",
        "released",
        "site",
        "vehicles",
        "line",
        "hostages",
        "prisoners",
    ]
    row = next(line for line in out.splitlines() if line.strip().startswith("1 "))
    assert "living 20" in row and "gaza-detainees 1700" in row
    assert "Prisoner transfers" in out and "buses" in out


def test_seed_plan_meets_the_contract(seed_plan: tuple[Path, dict]) -> None:
    _, plan = seed_plan
    sc = load_scenario()
    for key in ("scenario", "status", "seed", "objective", "withdrawals", "stages", "metrics"):
        assert key in plan
    assert plan["status"] in ("optimal", "feasible")
    # every person exactly once (named by id, generated ids as ranges)
    listed = Plan.model_validate(plan).with_listed_ids()
    hostage_ids = [i for st in listed.stages for i in st.hostage_ids]
    prisoner_ids = [i for st in listed.stages for i in st.prisoner_ids]
    assert len(hostage_ids) == len(set(hostage_ids)) == 48
    assert sum(c.count for c in sc.hostage_cohorts) == 48
    assert sum(c.count for c in sc.hostage_cohorts if c.status == "living") == 20
    assert len(prisoner_ids) == len(set(prisoner_ids)) == sum(c.count for c in sc.prisoner_cohorts)
    by_sentence = {c.sentence: c.count for c in sc.prisoner_cohorts}
    assert by_sentence["life"] == 250 and by_sentence["detained"] == 1700
    assert plan["unreleased"] == {}
    # no handover before the withdrawal to the agreed line is complete
    first_line_done = plan["withdrawals"][0]["complete_hour"]
    assert all(st["start_hour"] >= first_line_done for st in plan["stages"])
    # every living hostage by the scenario's deadline
    living = {c.id for c in sc.hostage_cohorts if c.status == "living"}
    deadline = min(
        r.within_hours for r in sc.rules if r.kind == "deadline" and set(r.cohorts) & living
    )
    assert plan["metrics"]["living_released_hour"] <= deadline
    starts = [st["start_hour"] for st in plan["stages"]]
    assert starts == sorted(starts)
    # logistics: every stage has a site and a route; every capacity holds in the JSON itself
    fleet = next(r for r in sc.rules if r.kind == "hostage_fleet")
    buses = next(r for r in sc.rules if r.kind == "buses")
    for st in plan["stages"]:
        assert st["site"] in sc.sites and st["handover_route"]["path"][-1] == sc.reception
        assert st["vehicles"] * fleet.seats >= sum(st["hostages"].values())
        assert st["vehicles"] <= fleet.vehicles
        assert sum(t["buses"] for t in st["transfers"]) <= buses.buses
        for t in st["transfers"]:
            assert t["buses"] * buses.seats >= sum(t["prisoners"].values())
            assert t["arrival_hour"] == st["prisoner_release_hour"] + t["travel_hours"]


def test_check_accepts_the_solved_plan(
    seed_plan: tuple[Path, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = seed_plan
    sc_path = str(default_scenario_path())
    code, out, _ = run(["check", sc_path, str(path)], capsys)
    assert code == 0 and "no violation" in out


def test_check_rejects_a_hand_edited_plan(
    seed_plan: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, plan = seed_plan
    sc = load_scenario()
    line_rule = next(r for r in sc.rules if r.kind == "line_before_handover")
    broken = json.loads(json.dumps(plan))
    st = broken["stages"][0]
    shift = st["start_hour"] - 1
    for key in ("start_hour", "handover_complete_hour", "end_hour"):
        st[key] -= shift
    if st["prisoner_release_hour"] is not None:
        st["prisoner_release_hour"] -= shift
    p = tmp_path / "broken.json"
    p.write_text(json.dumps(broken))
    sc_path = str(default_scenario_path())
    code, out, _ = run(["check", sc_path, str(p)], capsys)
    assert code == 1
    assert f"rule {line_rule.id}: stage 1" in out


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["solve", "-o", str(a), "--seed", "7"]) == 0
    assert main(["solve", "-o", str(b), "--seed", "7"]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_json_flag_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["solve", "nov-2023-truce", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["scenario"] == "nov-2023-truce"


def test_deadline_shorter_than_withdrawal_exits_3_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(json.dumps(BASE))
    data["rules"] += [
        {"kind": "line_before_handover", "id": "withdraw-before-handover", "line": "yellow"},
        {"kind": "deadline", "id": "living-within-12h", "cohorts": ["living"], "within_hours": 12},
        {"kind": "pairing", "id": "after-receipt", "min_lag_hours": 0, "max_lag_hours": 24},
        {"kind": "stage_gap", "id": "gap", "min_hours": 1},
    ]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    out_file = tmp_path / "plan.json"
    code, out, _ = run(["solve", str(path), "-o", str(out_file)], capsys)
    assert code == 3
    assert "`withdraw-before-handover`" in out and "`living-within-12h`" in out
    for other in ("after-receipt", "all-hostages", "gap"):
        assert f"`{other}`" not in out
    assert not out_file.exists()
    code, out, _ = run(["explain", str(path)], capsys)
    assert code == 3 and "`living-within-12h`" in out


def test_time_limit_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import planner.solver.run as solve_mod

    real = solve_mod.make_solver

    def starved(seed: int, workers: int, seconds: float, options=None):  # type: ignore[no-untyped-def]
        solver = real(seed, workers, seconds, options)
        solver.parameters.max_deterministic_time = 0.0
        solver.parameters.stop_after_presolve = True
        return solver

    monkeypatch.setattr(solve_mod, "make_solver", starved)
    code, _, err = run(["solve", "jan-2025-phase1"], capsys)
    assert code == 4 and "time limit" in err


def test_schema_is_json_with_every_rule_kind(capsys: pytest.CaptureFixture[str]) -> None:
    from planner.scenario import RULE_KINDS

    code, out, _ = run(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0
    text = json.dumps(schema)
    for kind in RULE_KINDS:
        assert f'"{kind}"' in text


def test_validate_every_seed(capsys: pytest.CaptureFixture[str]) -> None:
    from planner.io import seed_names

    names = seed_names()
    assert {"gaza-2025-phase1", "jan-2025-phase1", "nov-2023-truce"} <= set(names)
    for name in names:
        code, out, _ = run(["validate", name], capsys)
        assert code == 0 and "valid" in out
