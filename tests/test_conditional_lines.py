"""Lines that may never come: a conditional withdrawal line (``required: false``) is moved to
only if its preconditions are met within the horizon, and then whenever the rules allow."""

from __future__ import annotations

from typing import Any

import pytest

from planner import solve, verify
from planner.io import InputError, default_scenario_path, read_json_file, scenario_from_data
from planner.plan import Plan


def seed(late_search: int | None = None, required: bool | None = None) -> dict[str, Any]:
    """The seed; ``late_search``: the searched-for remains are optional and found only at
    that hour; ``required``: line-40's flag (None: as in the seed, conditional)."""
    data = read_json_file(default_scenario_path())
    if late_search is not None:
        for rule in data["rules"]:
            if rule["id"] == "release-all-hostages":
                rule["cohorts"].remove("deceased-search")
            if rule["id"] == "remains-after-search":
                rule["from_hour"] = late_search
                rule["range_hours"] = [168, late_search]
    if required is not None:
        data["withdrawal_lines"][1]["required"] = required
    return data


def test_the_seed_reaches_its_conditional_line() -> None:
    result = solve(scenario_from_data(seed()))
    plan = result.plan
    assert plan is not None and plan.lines_not_reached == []
    assert [w.line for w in plan.withdrawals] == ["yellow-line", "line-40"]
    assert plan.objective["lines_unreached"] == 0


def test_a_line_whose_precondition_comes_too_late_is_not_reached() -> None:
    """Remains found at hour 700 are still returned (people first); the move to line-40, which
    waits for every hostage and takes 72 h, can then not finish by hour 720: not reached."""
    sc = scenario_from_data(seed(late_search=700))
    result = solve(sc)
    plan = result.plan
    assert plan is not None and result.verification is not None
    assert result.verification.ok, result.verification.lines()
    assert plan.lines_not_reached == ["line-40"]
    assert [w.line for w in plan.withdrawals] == ["yellow-line"]
    assert plan.objective["lines_unreached"] == 1 and plan.objective["unreleased"] == 0
    assert "line-40" not in json_lines(plan)


def json_lines(plan: Plan) -> list[str]:
    return [w["line"] for w in plan.model_dump(mode="json")["withdrawals"]]


def test_the_same_line_required_leaves_no_plan() -> None:
    sc = scenario_from_data(seed(late_search=700, required=True))
    result = solve(sc)
    assert result.status == "infeasible"
    assert {"line-40-after-exchange", "remains-after-search"} <= set(result.conflict)


def test_the_verifier_holds_a_plan_to_its_lines() -> None:
    sc = scenario_from_data(seed(late_search=700))
    plan = solve(sc).plan
    assert plan is not None
    data = plan.model_dump(mode="json")
    data["lines_not_reached"] = []
    report = verify(sc, Plan.model_validate(data))
    assert [v.rule for v in report.violations] == ["plan/withdrawals"]
    assert "lines_not_reached is []" in report.violations[0].message
    required = scenario_from_data(seed(late_search=700, required=True))
    report = verify(required, plan)
    assert any("line line-40 is missing" in v.message for v in report.violations)


def test_a_required_line_after_a_conditional_one_is_refused() -> None:
    data = seed(required=True)
    data["withdrawal_lines"][0]["required"] = False
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    assert "$.withdrawal_lines[1].required" in err.value.render()
