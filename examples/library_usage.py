"""Using planner as a library: load, solve, verify, read the plan, try a changed term.

python examples/library_usage.py
"""

from __future__ import annotations

from pathlib import Path

from planner import load_scenario, replan, scenario_from_data, solve, verify

HERE = Path(__file__).parent


def main() -> None:
    scenario = load_scenario(HERE / "withdrawal-first.json")
    result = solve(scenario, time_limit=10, seed=0)
    assert result.plan is not None, result.status
    plan = result.plan
    print(f"{scenario.name}: {result.status}, {plan.metrics.stage_count} stage(s)")
    for stage in plan.stages:
        print(
            f"  stage {stage.index}: starts h{stage.start_hour}, hostages {stage.hostages}, "
            f"prisoners {stage.prisoners} released h{stage.prisoner_release_hour}"
        )
    report = verify(scenario, plan)  # solve() already did this; shown for plans from elsewhere
    print(f"  verifier: {'all rules hold' if report.ok else report.lines()}")

    # Change a term and solve again: a deadline too short for the withdrawal it waits on.
    data = scenario.model_dump(mode="json")
    for rule in data["rules"]:
        if rule["kind"] == "deadline":
            rule["after_line"] = None
            rule["within_hours"] = 6
    tighter = scenario_from_data(data, "tighter")
    again = solve(tighter, time_limit=10)
    print(f"with a 6 h deadline from t=0: {again.status}; conflicting rules: {again.conflict}")

    # During an exchange: freeze what has happened (an execution record), plan the rest.
    seed = load_scenario()
    replanned = replan(seed, HERE / "records" / "gaza-late-first-stage.json", time_limit=30)
    assert replanned.plan is not None and replanned.plan.record is not None, replanned.status
    part = replanned.plan.record
    print(f"{seed.name} re-planned from h{part.now_hour}: {part.stages} stage(s) recorded")
    for d in part.deviations:
        print(f"  deviation: rule {d.rule} ({d.basis or 'structure'}): {d.message}")


if __name__ == "__main__":
    main()
