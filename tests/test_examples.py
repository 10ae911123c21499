"""The teaching examples solve and verify; the library-usage script runs."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from tinyscen import solved

from planner.io import load_scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_example_solves_and_verifies(name: str) -> None:
    plan = solved(load_scenario(EXAMPLES / name))
    assert plan.metrics.stage_count >= 1


def test_library_usage_script(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "library_usage.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "verifier: all rules hold" in out
    assert "infeasible; conflicting rules: ['line-a-first', 'hostages-within-24h-of-line']" in out
