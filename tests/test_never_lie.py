"""Time pressure is never a verdict: UNKNOWN (time ran out) and MODEL_INVALID are never read as
INFEASIBLE or as feasible, in solve, in conflict search and in every explain trial.

Time running out is simulated by making CP-SAT answer UNKNOWN from a chosen call on (what a
search stopped by its time limit answers), so each test is exact and not timing-dependent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model
from test_explain import TEN_RULES, ten_rule_scenario
from tinyscen import BASE

from planner.cli import main
from planner.explainer import Explanation, explain
from planner.io import load_scenario
from planner.model import rules as model_rules
from planner.scenario.rules import AvailabilityRule, StageCapacityRule
from planner.solver import solve

REAL_SOLVE = cp_model.CpSolver.solve


class Clock:
    """CP-SAT answers as usual for the first ``answered`` searches, then UNKNOWN."""

    def __init__(self, answered: int):
        self.answered = answered
        self.calls = 0

    def __call__(self, solver: cp_model.CpSolver, model: cp_model.CpModel, *a: Any) -> Any:
        self.calls += 1
        if self.calls > self.answered:
            return cp_model.UNKNOWN
        return REAL_SOLVE(solver, model, *a)

    def method(self) -> Any:
        """As a method of CpSolver (an instance attribute would not be bound)."""

        def solve(solver: cp_model.CpSolver, model: cp_model.CpModel, *a: Any) -> Any:
            return self(solver, model, *a)

        return solve


@pytest.fixture
def time_runs_out(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def after(answered: int) -> Clock:
        clock = Clock(answered)
        monkeypatch.setattr(cp_model.CpSolver, "solve", clock.method())
        return clock

    yield after


@pytest.fixture(scope="module")
def full_infeasible() -> Explanation:
    return explain(ten_rule_scenario())


def _calls(sc: Any, **kwargs: Any) -> int:
    clock = Clock(10**9)
    original = cp_model.CpSolver.solve
    cp_model.CpSolver.solve = clock.method()  # type: ignore[method-assign]
    try:
        explain(sc, jobs=1, **kwargs)
    finally:
        cp_model.CpSolver.solve = original  # type: ignore[method-assign]
    return clock.calls


def test_explain_cut_short_anywhere_claims_only_what_it_proved(
    time_runs_out: Any, full_infeasible: Explanation
) -> None:
    """Cut the infeasible case short after every possible number of searches: whatever is
    claimed agrees with the full explanation, and what was cut is said to be unfinished."""
    total = _calls(ten_rule_scenario())
    assert total > 5
    full = {
        (r.rule, r.field): r.suggested for c in full_infeasible.conflicts for r in c.relaxations
    }
    for answered in range(total):
        time_runs_out(answered)
        ex = explain(ten_rule_scenario(), jobs=1)
        assert ex.feasible in (None, False), (answered, ex.feasible)
        assert not ex.complete and ex.unfinished, answered
        for c in ex.conflicts:  # a conflict cut short while shrinking is a superset, said so
            want = full_infeasible.conflicts[0].rules
            assert c.rules == want if c.minimal else set(want) <= set(c.rules)
            for r in c.relaxations:
                assert "no value" not in r.sentence or r.decided
                if (r.rule, r.field) not in full or not c.minimal:
                    continue
                best = full[r.rule, r.field]
                if r.decided:
                    assert r.suggested == best, (answered, r)
                elif r.suggested is not None:  # a value shown to work, not proved smallest
                    assert best is not None
                    assert abs(r.suggested - r.current) >= abs(best - r.current)


def test_explain_with_no_time_decides_nothing() -> None:
    for sc in (ten_rule_scenario(), load_scenario()):
        ex = explain(sc, time_limit=0.0)
        assert ex.feasible is None and not ex.complete, ex
        assert not ex.conflicts and not ex.binding


def test_explain_cli_cut_short_exits_4_and_says_what_is_unfinished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], time_runs_out: Any
) -> None:
    data = json.loads(json.dumps(BASE))
    data["rules"] += TEN_RULES
    path = tmp_path / "ten.json"
    path.write_text(json.dumps(data))
    time_runs_out(3)  # the conflict is found and shrunk in part; the fixes get no answers
    assert main(["explain", str(path), "--jobs", "1"]) == 4
    out = capsys.readouterr().out
    assert "Not finished (time ran out" in out
    assert "no value of" not in out  # never "no value helps" for a number it could not try


@pytest.mark.slow
def test_binding_cut_short_is_partial_not_silent(time_runs_out: Any) -> None:
    sc = load_scenario()
    total = _calls(sc, time_limit=60)
    time_runs_out(total // 2)
    ex = explain(sc, time_limit=60, jobs=1)
    assert ex.feasible is True and not ex.complete
    assert any(w.startswith("what binds") for w in ex.unfinished)
    from planner.report.text import explanation_text

    assert "no rule binds" not in explanation_text(sc, ex)


def test_solve_cut_short_is_time_limit_not_infeasible(time_runs_out: Any) -> None:
    time_runs_out(0)
    result = solve(ten_rule_scenario())
    assert result.status == "time_limit" and result.plan is None and not result.conflict


def test_infeasible_without_time_for_the_conflict_claims_no_conflict(time_runs_out: Any) -> None:
    time_runs_out(1)  # infeasibility proved; the conflict search gets no answer
    result = solve(ten_rule_scenario())
    assert result.status == "infeasible"
    assert not result.conflict_found and not result.conflict and not result.conflict_minimal


def _make_overflow(monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
    """Make the builder of ``cls`` add, under the rule's literal, a constraint whose
    coefficients overflow: CP-SAT rejects the model (MODEL_INVALID)."""
    real = model_rules.BUILDERS[cls]

    def overflowing(v: Any, r: Any, lit: Any) -> None:
        real(v, r, lit)
        big = 2**62
        v.model.add(big * v.start[0] + big * v.start[0] <= 5).only_enforce_if(lit)

    monkeypatch.setitem(model_rules.BUILDERS, cls, overflowing)


def test_model_invalid_names_the_rule_not_the_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model CP-SAT rejects is never 'no plan within the time limit': the rule whose numbers
    made it is named with its JSON path (here a builder is made to overflow on purpose)."""
    _make_overflow(monkeypatch, StageCapacityRule)
    data = json.loads(json.dumps(BASE))
    data["rules"].append(
        {"kind": "stage_capacity", "id": "cap", "side": "hostages", "max_per_stage": 5}
    )
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    index = len(data["rules"]) - 1
    for argv in (["solve", str(path)], ["explain", str(path)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"$.rules[{index}]" in err and "'cap'" in err and "time limit" not in err


def test_model_invalid_is_not_blamed_on_a_rule_with_intervals(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cumulative refers to its intervals by constraint index: checked alone, out of place,
    it looked invalid, so the first rule with a cumulative (the seed's hostage fleet) was blamed
    for any rule's bad numbers."""
    _make_overflow(monkeypatch, AvailabilityRule)
    sc = load_scenario()
    kinds = [r.kind for r in sc.rules]
    first = kinds.index("availability")
    assert kinds.index("hostage_fleet") < first
    assert main(["solve"]) == 2
    err = capsys.readouterr().err
    assert f"$.rules[{first}]" in err and repr(sc.rules[first].id) in err, err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["solve", "--time-limit", "nan"], "--time-limit"),
        (["solve", "--time-limit", "inf"], "--time-limit"),
        (["solve", "--time-limit", "0"], "--time-limit"),
        (["solve", "--time-limit", "-3"], "--time-limit"),
        (["solve", "--seed", str(2**31)], "--seed"),
        (["solve", "--seed", "-1"], "--seed"),
        (["solve", "--workers", "100000"], "--workers"),
        (["solve", "--workers", "0"], "--workers"),
        (["solve", "--alternatives", "0"], "--alternatives"),
        (["solve", "--alternatives", "1000000"], "--alternatives"),
        (["explain", "--time-limit", "nan"], "--time-limit"),
        (["explain", "--time-limit", "-1"], "--time-limit"),
        (["explain", "--top", "0"], "--top"),
        (["explain", "--jobs", "0"], "--jobs"),
        (["explain", "--jobs", "65"], "--jobs"),
    ],
)
def test_options_are_validated_before_anything_runs(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err
    assert time.monotonic() - began < 5  # refused, not solved


@pytest.mark.slow
def test_alternatives_stay_within_the_time_limit() -> None:
    """--time-limit bounds the whole solve, alternatives included (each used to get the full
    limit again). The January seed's first plan takes about a second; ten alternatives with
    the full limit each would take far longer than the margin allowed here."""
    sc = load_scenario("jan-2025-phase1")
    limit = 3.0
    began = time.monotonic()
    result = solve(sc, time_limit=limit, alternatives=10)
    took = time.monotonic() - began
    assert result.plan is not None
    assert result.wall_seconds <= limit + 2.0, result.wall_seconds
    assert took <= limit + 4.0, took


def test_alternatives_are_capped() -> None:
    with pytest.raises(ValueError, match="alternatives"):
        solve(load_scenario(), alternatives=11)
