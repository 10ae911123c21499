"""Editor help: every field of the formats is described in the JSON Schema, the docs' field
tables are what ``tools/schema_doc.py`` generates from it, and a ``$schema`` key (an editor's
pointer to the schema) is accepted while other unknown keys are not."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from planner import record_json_schema, scenario_json_schema
from planner.io import InputError, scenario_from_data, seed_names, seeds_dir
from planner.record import record_from_data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _schema_doc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("schema_doc", ROOT / "tools" / "schema_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every property of a schema, top level and ``$defs``, as 'Object.field' -> schema."""
    out = {}
    for name, obj in [("<top>", schema), *schema.get("$defs", {}).items()]:
        for field, prop in obj.get("properties", {}).items():
            out[f"{name}.{field}"] = prop
    return out


def test_nearly_every_property_is_described() -> None:
    props = {**_properties(scenario_json_schema()), **{
        f"record:{k}": v for k, v in _properties(record_json_schema()).items()
    }}  # fmt: skip
    missing = sorted(k for k, v in props.items() if not v.get("description"))
    described = len(props) - len(missing)
    print(f"{described} of {len(props)} schema properties described")
    assert described >= 0.95 * len(props), f"without a description: {missing}"


def test_the_docs_are_what_the_generator_writes() -> None:
    schema_doc = _schema_doc()
    for path in schema_doc.DOCS:
        text = path.read_text()
        assert schema_doc.BLOCK.search(text), f"{path.name}: no generated field tables"
        assert schema_doc.render(text) == text, (
            f"{path.relative_to(ROOT)} is out of date with the schema: "
            "run `python tools/schema_doc.py --write`"
        )


def test_every_rule_kind_has_a_generated_table() -> None:
    from planner.scenario import RULE_CLASSES

    text = (ROOT / "docs" / "scenario-format.md").read_text()
    for cls in RULE_CLASSES:
        assert f"<!-- fields: {cls.__name__} " in text, cls.kind_name()


def _seed() -> dict[str, Any]:
    return json.loads((seeds_dir() / seed_names()[0] / "scenario.json").read_text())


def test_a_schema_key_is_accepted_and_ignored() -> None:
    data = _seed()
    plain = scenario_from_data(data)
    with_key = scenario_from_data({"$schema": "./scenario.schema.json", **data})
    assert with_key.model_dump() == plain.model_dump()
    assert "$schema" not in with_key.model_dump_json(by_alias=True)
    assert "$schema" in scenario_json_schema()["properties"]
    assert "$schema" in record_json_schema()["properties"]


@pytest.mark.parametrize("key", ["horizon_hourz", "schema_uri", "$schemas"])
def test_other_unknown_top_level_keys_still_fail(key: str) -> None:
    data = {**_seed(), key: "x"}
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    assert any(path == f"$.{key}" for path, _ in err.value.problems), err.value.problems


def test_a_record_may_carry_a_schema_key() -> None:
    sc = scenario_from_data(_seed())
    record = record_from_data({"$schema": "./record.schema.json", "now_hour": 0}, sc)
    assert record.now_hour == 0
    with pytest.raises(InputError):
        record_from_data({"now_hour": 0, "nowhour": 1}, sc)


def test_files_with_a_schema_key_pass_the_exported_schema() -> None:
    validator = Draft202012Validator(scenario_json_schema())
    files = [seeds_dir() / n / "scenario.json" for n in seed_names()]
    for path in files + sorted(EXAMPLES.glob("*.json")):
        data = {"$schema": "./scenario.schema.json", **json.loads(path.read_text())}
        assert list(validator.iter_errors(data)) == [], path


def test_planner_validate_accepts_a_schema_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from planner.cli import main

    good = tmp_path / "with-schema.json"
    good.write_text(json.dumps({"$schema": "./scenario.schema.json", **_seed()}))
    assert main(["validate", str(good)]) == 0
    bad = tmp_path / "with-typo.json"
    bad.write_text(json.dumps({"$schemaa": "./scenario.schema.json", **_seed()}))
    assert main(["validate", str(bad)]) == 2
    assert "$.$schemaa" in capsys.readouterr().err
