"""The exported JSON Schema is what an editor validates against: every packaged scenario
passes it, and a typical mistake fails it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from planner import scenario_json_schema
from planner.io import seed_names, seeds_dir

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = [seeds_dir() / n / "scenario.json" for n in seed_names()] + sorted(EXAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = scenario_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_packaged_scenarios_pass_the_schema(path: Path, validator: Draft202012Validator) -> None:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    assert errors == []


def test_schema_catches_what_editors_should_flag(validator: Draft202012Validator) -> None:
    data = json.loads(FILES[0].read_text())
    data["hostage_cohorts"][0]["count"] = "twenty"
    data["rules"][0]["kind"] = "teleport"
    data["horizon_hourz"] = 3
    paths = {"/".join(map(str, e.absolute_path)) for e in validator.iter_errors(data)}
    assert "hostage_cohorts/0/count" in paths
    assert any(p.startswith("rules/0") for p in paths)
    assert "" in paths  # the unknown top-level key
