"""The solve layer: hints reach CP-SAT, dropped means deleted, objective values as CP-SAT found
them (exact even when a step is cut short), pass-through parameters and the search log, and
``solve --json`` answering in JSON for every outcome."""

from __future__ import annotations

import json

import pytest
from ortools.sat.python import cp_model
from tinyscen import tiny

from planner.cli import main
from planner.io import load_scenario
from planner.model.builder import build_model
from planner.solver import lexicographic, named_values, solve
from planner.solver.conflict import core_status
from planner.solver.decode import decode
from planner.verifier import verify

# earliest start 5, prisoners due by hour 0, pairing 0..5 h after the handover (issue 7)
REPRODUCER = (
    {"kind": "earliest_start", "id": "start-5", "hour": 5},
    {"kind": "deadline", "id": "pris-by-0", "cohorts": ["pris"], "within_hours": 0},
    {"kind": "pairing", "id": "pair", "min_lag_hours": 0, "max_lag_hours": 5},
)


def test_a_rule_switched_off_is_the_rule_deleted() -> None:
    """Without a pairing rule prisoners go no earlier than their stage starts: switching the
    pairing rule off in the model must bring that default back, as deleting it does."""
    sc = tiny(*REPRODUCER)
    deleted = sc.without(["pair"])
    assert solve(deleted).status == "infeasible"
    code, core = core_status(sc, ["start-5", "pris-by-0"], seed=0, seconds=10)
    assert code == cp_model.INFEASIBLE and core == ["start-5", "pris-by-0"]
    assert solve(sc).conflict in (["pris-by-0", "pair"], ["start-5", "pris-by-0"])


def test_caller_hint_reaches_the_first_step() -> None:
    sc = load_scenario()
    built = build_model(sc)
    base = lexicographic(built, seconds=30, seed=0, workers=1)
    assert base.values is not None and all(s.hinted == 0 for s in base.steps[:1])
    hint = named_values(built, base.values)
    again = build_model(sc)
    run = lexicographic(again, seconds=30, seed=0, workers=1, hint=hint)
    n = len(again.model.proto.variables)
    assert [s.hinted for s in run.steps] == [n] * len(run.steps)
    # a model of an edited scenario (a rule deleted) is hinted by variable name
    edited = build_model(sc.without([sc.rules[-1].id]))
    run = lexicographic(edited, seconds=30, seed=0, workers=1, hint=hint, terms=["stage_count"])
    assert 0 < run.steps[0].hinted <= len(edited.model.proto.variables)


def test_objective_values_are_exact_when_later_terms_are_not_minimised() -> None:
    sc = load_scenario("jan-2025-phase1")
    built = build_model(sc)
    run = lexicographic(built, seconds=30, seed=0, workers=1, terms=["living_released_hour"])
    assert run.values is not None
    plan = decode(sc, built, run.values, run.term_values, "feasible", 0)
    assert set(plan.objective) == set(sc.objective.terms)
    assert verify(sc, plan).ok, verify(sc, plan).lines()


def test_objective_values_come_from_cp_sat() -> None:
    result = solve(load_scenario())
    assert result.plan is not None
    assert result.plan.objective == {
        s.term: s.value for s in result.steps if s.term in result.plan.objective
    }


def test_solver_parameters_pass_through_and_show_in_the_log(
    capfd: pytest.CaptureFixture[str],
) -> None:
    sc = tiny()
    # (without presolve the tiny model runs to its 20 s limit: a parameter that costs nothing)
    result = solve(sc, params={"linearization_level": 0, "symmetry_level": 0}, log=True)
    assert result.plan is not None
    out, err = capfd.readouterr()
    assert out == ""  # the log goes to stderr
    assert "linearization_level: 0" in err and "symmetry_level: 0" in err
    with pytest.raises(ValueError, match="unknown CP-SAT parameter"):
        solve(sc, params={"no_such_parameter": 1})
    with pytest.raises(ValueError, match="set by the planner"):
        solve(sc, params={"random_seed": 3})
    with pytest.raises(ValueError, match="cannot take"):
        solve(sc, params={"linearization_level": "high"})


def test_cli_param_and_log(capfd: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["solve", "examples/minimal.json", "--json", "--log", "--param", "linearization_level=2"]
    )
    out, err = capfd.readouterr()
    assert code == 0 and json.loads(out)["scenario"] == "minimal"
    assert "linearization_level: 2" in err
    code = main(["solve", "examples/minimal.json", "--param", "bogus=1"])
    out, err = capfd.readouterr()
    assert code == 2 and "unknown CP-SAT parameter 'bogus'" in err and "Traceback" not in err


def test_solve_json_on_an_infeasible_scenario(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    data = json.loads(tiny(*REPRODUCER).model_dump_json(exclude_defaults=True))
    path.write_text(json.dumps(data))
    code = main(["solve", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3
    assert out["status"] == "infeasible" and len(out["conflict"]) == 2
    assert all(
        f"`{r}`" in s for r, s in zip(out["conflict"], out["conflict_sentences"], strict=True)
    )


def test_a_conflict_search_that_runs_out_of_time_claims_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """UNKNOWN is not INFEASIBLE: an unfinished conflict search never says 'the fixed structure
    admits no plan' (the empty conflict) nor names rules."""
    import planner.solver.conflict as conflict_mod
    from planner.explainer import explain

    real = conflict_mod.make_solver

    def starved(seed, workers, seconds, options=None):  # type: ignore[no-untyped-def]
        solver = real(seed, workers, seconds, options)
        solver.parameters.max_deterministic_time = 0.0
        solver.parameters.stop_after_presolve = True
        return solver

    monkeypatch.setattr(conflict_mod, "make_solver", starved)
    sc = tiny(*REPRODUCER)
    result = solve(sc)
    assert result.status == "infeasible"  # proved by the solve itself
    assert not result.conflict_found and result.conflict == []
    ex = explain(sc)
    assert not ex.feasible and not ex.complete and ex.conflicts == []
    monkeypatch.setattr("planner.cli.load_scenario", lambda _: sc)
    assert main(["solve", "x"]) == 3
    out = capsys.readouterr().out
    assert "time ran out" in out and "every rule dropped" not in out
    assert main(["explain", "x"]) == 4


def test_a_tie_break_cut_short_keeps_every_reported_objective_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last tie-break step running out of time left an 'optimal' plan with an empty
    objective (the values were re-settled with no time left). Terms proved optimal are exact
    already: nothing to settle."""
    import planner.solver.run as run_module

    def no_time_left(*_: object, **__: object) -> dict[str, int]:
        return {}  # what settling gave when the deadline had passed

    real_step = run_module._Steps.step

    def tidy_runs_out(self: object, term: str, hint: object) -> bool:
        if term == "tidy_hours":
            return False  # as when time runs out in the last step
        return real_step(self, term, hint)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "_tight_terms", no_time_left)
    monkeypatch.setattr(run_module._Steps, "step", tidy_runs_out)
    sc = load_scenario()
    result = solve(sc)
    assert result.plan is not None and result.status == "optimal"
    assert set(result.plan.objective) == set(sc.objective_terms)


def test_the_verdict_alone_skips_the_conflict_search() -> None:
    # the living within 1 h of the start, but every handover waits for a 24 h move
    bad = tiny(
        {"kind": "deadline", "id": "at-once", "cohorts": ["living"], "within_hours": 1},
        {"kind": "line_before_handover", "id": "line-first", "line": "yellow"},
    )
    quick = solve(bad, conflict=False)
    assert quick.status == "infeasible" and quick.conflict == [] and not quick.conflict_found
    full = solve(bad)
    assert full.status == "infeasible" and full.conflict and full.conflict_found
