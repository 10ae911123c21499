"""Every number of the scenario format has a range the JSON Schema shows, numbers and flags are
strictly typed, and at the top of every range of every rule kind the CP-SAT model stays valid
(no int64 overflow: MODEL_INVALID or a crash while building).

The fields are read from the rule classes' JSON Schema (``RULE_CLASSES``), never listed by hand;
``EXAMPLES`` holds one small rule per kind, and a test fails when a kind or a number of a kind
has no example."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model
from tinyscen import LOGISTICS

from planner.cli import main
from planner.io import InputError, scenario_from_data
from planner.model.builder import build_model
from planner.scenario import RULE_CLASSES, RULE_KINDS, RuleBase, Scenario
from planner.scenario.base import (
    MAX_COHORT_COUNT,
    MAX_COHORTS,
    MAX_HORIZON_HOURS,
    MAX_PEOPLE,
    MAX_PRIORITY,
    MAX_RATE,
    MAX_SEATS,
    MAX_STAGES,
    MAX_VEHICLES,
)

Part = int | str  # a list index or an object key
NUMBER = ("integer", "number")

# One rule per kind on the LOGISTICS scenario of tinyscen (cohorts living, pris; members h-named,
# p-one, p-two; line yellow; sites site-a, site-b; prison prison-p; destinations west, abroad),
# with every optional number of the kind given.
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "release": [{"cohorts": ["living", "pris"], "min_count": 10}],
    "exchange_ratio": [
        {
            "prisoners": ["pris"],
            "per_hostage": {"living": 3},
            "scope": "cumulative",
            "max_prisoners_ahead": 2,
            "max_prisoners_behind": 2,
        }
    ],
    "line_before_handover": [{"line": "yellow"}],
    "line_after_release": [{"line": "yellow", "cohorts": ["living"], "min_count": 2}],
    "line_window": [
        {"line": "yellow", "earliest_start": 0, "latest_start": 48, "latest_complete": 96}
    ],
    "deadline": [{"cohorts": ["living"], "within_hours": 72}],
    "earliest_start": [{"hour": 6}],
    "stage_gap": [{"min_hours": 2, "max_hours": 48}],
    "handover_hours": [{"windows": [[6, 20]]}],
    "stage_capacity": [
        {"side": "prisoners", "max_per_stage": 10},
        {"side": "hostages", "vehicles": 2, "seats": 3},
    ],
    "prison_processing": [{"prison": "prison-p", "per_day": 20}],
    "order": [{"first": ["living"], "then": ["pris"], "min_gap_hours": 1}],
    "availability": [{"cohorts": ["pris"], "from_hour": 10, "range_hours": [5, 20]}],
    "pairing": [{"min_lag_hours": 0, "max_lag_hours": 12}],
    "site_after_line": [{"sites": ["site-a"], "line": "yellow"}],
    "site_daily_limit": [{"per_day": 2}],
    "hostage_fleet": [{"vehicles": 2, "seats": 4, "turnaround_hours": 3}],
    "buses": [{"buses": 4, "seats": 10}],
    "destination_quota": [
        {"cohorts": ["pris"], "destinations": ["abroad"], "min_count": 1, "max_count": 20}
    ],
    "veto": [{"people": ["p-one"]}],
    "abroad": [{"people": ["p-two"]}],
    "person_not_before": [{"people": ["p-one"], "hour": 30}],
    "located_from": [{"people": ["h-named"], "hour": 20, "range_hours": [12, 36]}],
    "preparation": [{"cohorts": ["living"], "hours": 20, "from_hour": 5, "range_hours": [12, 36]}],
    "fixed_stage": [{"people": ["h-named"], "stage": 2}],
}


# ------------------------------------------------------------------ the schema, walked


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else node


def _numbers(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer or number (sub)schema, with where it is."""
    if isinstance(node, dict):
        if node.get("type") in NUMBER:
            yield path, node
        for key, value in node.items():
            yield from _numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{path}/{i}")


def _numeric_fields(cls: type[RuleBase]) -> list[str]:
    props = cls.model_json_schema()["properties"]
    return [name for name, prop in props.items() if any(True for _ in _numbers(prop))]


def _leaf_schema(node: dict[str, Any], parts: tuple[Part, ...], defs: dict[str, Any]) -> Any:
    """The schema of the value at ``parts`` below a property's schema."""
    node = _resolve(node, defs)
    if "anyOf" in node:
        want = "array" if parts and isinstance(parts[0], int) else "object" if parts else None
        for branch in node["anyOf"]:
            branch = _resolve(branch, defs)
            if branch.get("type") == want or (want is None and branch.get("type") in NUMBER):
                return _leaf_schema(branch, parts, defs)
        raise AssertionError(f"no branch of {node} for {parts}")
    if not parts:
        return node
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        child = node["prefixItems"][head] if "prefixItems" in node else node["items"]
    else:
        child = node.get("additionalProperties") or next(iter(node["patternProperties"].values()))
    return _leaf_schema(child, rest, defs)


def _leaves(value: Any, parts: tuple[Part, ...] = ()) -> Iterator[tuple[Part, ...]]:
    """Where the numbers are in an example value (a number, or a list or map of them)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*parts, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*parts, key))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield parts


def _render(parts: tuple[Part, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _set(data: Any, parts: tuple[Part, ...], value: Any) -> None:
    for p in parts[:-1]:
        data = data[p]
    data[parts[-1]] = value


class Leaf:
    """One number of one rule kind's example: ``parts`` below the rule, e.g. windows[0][1]."""

    def __init__(self, cls: type[RuleBase], rule: dict[str, Any], parts: tuple[Part, ...]):
        self.cls, self.rule, self.parts = cls, rule, parts
        schema = cls.model_json_schema()
        prop = schema["properties"][parts[0]]
        self.schema = _leaf_schema(prop, parts[1:], schema.get("$defs", {}))

    @property
    def maximum(self) -> int | float:
        return self.schema["maximum"]

    @property
    def integer(self) -> bool:
        return self.schema["type"] == "integer"

    def __repr__(self) -> str:
        return f"{self.cls.kind_name()}{_render(self.parts)}"

    def scenario(self, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
        """The base scenario with this rule alone, the number set to ``value``."""
        data = copy.deepcopy(base or LOGISTICS)
        rule = {"kind": self.cls.kind_name(), "id": "under-test", **copy.deepcopy(self.rule)}
        _set(rule, self.parts, value)
        data["rules"] = [rule]
        return data


def _all_leaves() -> list[Leaf]:
    out = []
    for cls in RULE_CLASSES:
        for field in _numeric_fields(cls):
            example = next(
                (r for r in EXAMPLES.get(cls.kind_name(), []) if r.get(field) is not None), None
            )
            if example is not None:
                out.extend(Leaf(cls, example, (field, *p)) for p in _leaves(example[field]))
    return out


LEAVES = _all_leaves()


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    return str(path)


def refused(tmp_path: Path, data: Any, capsys: pytest.CaptureFixture[str]) -> str:
    """``planner validate`` exits 2 without a traceback; returns what it printed."""
    code = main(["validate", write(tmp_path, data)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ (a) every number has a range


def test_every_number_in_the_schema_has_a_maximum() -> None:
    schema = Scenario.model_json_schema()
    open_ended = [
        path
        for path, node in _numbers(schema)
        if "maximum" not in node and "exclusiveMaximum" not in node and "const" not in node
    ]
    assert open_ended == []


def test_every_number_of_every_kind_has_an_example() -> None:
    assert set(EXAMPLES) == set(RULE_KINDS)
    covered = {(leaf.cls, leaf.parts[0]) for leaf in LEAVES}
    missing = [
        f"{cls.kind_name()}.{field}"
        for cls in RULE_CLASSES
        for field in _numeric_fields(cls)
        if (cls, field) not in covered
    ]
    assert missing == []


def test_examples_are_valid_as_given() -> None:
    for kind, rules in EXAMPLES.items():
        for rule in rules:
            data = copy.deepcopy(LOGISTICS)
            data["rules"] = [{"kind": kind, "id": "example", **rule}]
            scenario_from_data(data)


def test_highest_and_lowest_agree_with_the_schema() -> None:
    for cls in RULE_CLASSES:
        props = cls.model_json_schema()["properties"]
        for field in _numeric_fields(cls):
            nodes = [node for _, node in _numbers(props[field])]
            if len(nodes) == 1:  # a plain number (or number | null)
                assert cls.highest(field) == nodes[0]["maximum"], (cls.kind_name(), field)
                assert cls.lowest(field) == nodes[0]["minimum"], (cls.kind_name(), field)


def test_the_bounds_keep_every_model_product_far_inside_int64() -> None:
    """The largest sums planner/model forms, at the schema's bounds (see planner.scenario.base)."""
    hostages = MAX_COHORTS * MAX_COHORT_COUNT
    assert 2 * hostages == MAX_PEOPLE
    assert MAX_SEATS * MAX_VEHICLES <= MAX_PEOPLE  # seats x vehicles used >= people
    ratio_running = MAX_STAGES * (100 * MAX_RATE * hostages + 100 * hostages)  # exchange_ratio
    peak = 100 * (hostages + (MAX_RATE + 1) * hostages)  # 100 x peak_imbalance bound
    priority = MAX_PRIORITY * MAX_HORIZON_HOURS * 2 * MAX_COHORTS  # weight x hour, every cohort
    fleet = MAX_STAGES * MAX_VEHICLES * (3 * MAX_HORIZON_HOURS)  # cumulative: demand x size
    for value in (ratio_running, peak, priority, fleet, 100 * MAX_PEOPLE):
        assert value < 2**53


# ------------------------------------------------------------------ (b) 2**63 is refused


@pytest.mark.parametrize("leaf", LEAVES, ids=repr)
def test_huge_number_is_refused_with_its_path(
    leaf: Leaf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(tmp_path, leaf.scenario(2**63), capsys)
    assert f"$.rules[0]{_render(leaf.parts)}: expected: " in err, err
    assert f"less than or equal to {leaf.maximum}" in err, err


def test_huge_priority_is_refused_with_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(LOGISTICS)
    data["objective"] = {"terms": ["priority"], "priorities": {"living": MAX_PRIORITY + 1}}
    err = refused(tmp_path, data, capsys)
    expected = f"less than or equal to {MAX_PRIORITY}; found {MAX_PRIORITY + 1}"
    assert f"$.objective.priorities.living: expected: Input should be {expected}" in err, err
    data["objective"]["priorities"]["living"] = MAX_PRIORITY
    assert scenario_from_data(data).objective.priorities == {"living": MAX_PRIORITY}


# ------------------------------------------------------------------ (c) the top of each range


def _big_base() -> dict[str, Any]:
    """LOGISTICS at the top of the other ranges: cohorts of the largest size, the longest
    horizon, the most stages, every objective term with the largest priority weights."""
    data = copy.deepcopy(LOGISTICS)
    data["horizon_hours"] = MAX_HORIZON_HOURS
    data["max_stages"] = MAX_STAGES
    for c in [*data["hostage_cohorts"], *data["prisoner_cohorts"]]:
        c["count"] = MAX_COHORT_COUNT
    data["objective"] = {
        "terms": [
            "living_released_hour",
            "completion_hour",
            "stage_count",
            "peak_imbalance",
            "priority",
        ],
        "priorities": {"living": MAX_PRIORITY, "pris": MAX_PRIORITY},
    }
    return data


def _accepts(data: dict[str, Any]) -> Scenario | None:
    try:
        return scenario_from_data(data)
    except InputError:
        return None


def _highest_accepted(leaf: Leaf, base: dict[str, Any]) -> tuple[Any, Scenario]:
    """The leaf at its maximum, or, where the rest of the scenario refuses that (a min_count
    above the cohorts' size, a window's start at 24), the largest value it accepts."""
    sc = _accepts(leaf.scenario(leaf.maximum, base))
    if sc is not None:
        return leaf.maximum, sc
    good: Any = leaf.rule[leaf.parts[0]]
    for p in leaf.parts[1:]:
        good = good[p]
    good_sc = _accepts(leaf.scenario(good, base))
    assert good_sc is not None, f"{leaf}: the example itself is refused"
    bad = leaf.maximum
    while bad - good > (1 if leaf.integer else 0.01):
        mid = (good + bad) // 2 if leaf.integer else round((good + bad) / 2, 2)
        sc = _accepts(leaf.scenario(mid, base))
        if sc is None:
            bad = mid
        else:
            good, good_sc = mid, sc
    return good, good_sc


@pytest.mark.parametrize("leaf", LEAVES, ids=repr)
def test_top_of_the_range_builds_a_valid_model(leaf: Leaf) -> None:
    value, sc = _highest_accepted(leaf, _big_base())
    built = build_model(sc)
    built.model.minimize(sum(built.terms.values()))
    assert built.model.validate() == "", (leaf, value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 2.0
    solver.parameters.num_workers = 1
    solver.parameters.stop_after_first_solution = True  # validity is decided before search
    status = solver.solve(built.model)
    assert status != cp_model.MODEL_INVALID, (leaf, value, solver.status_name(status))


def test_the_fallback_only_applies_where_the_scenario_bounds_the_number() -> None:
    """Most numbers are tried at their very maximum, not below it."""
    below = [
        repr(leaf) for leaf in LEAVES if _highest_accepted(leaf, _big_base())[0] != leaf.maximum
    ]
    # a minimum count above the cohorts' size, a window or a range that would be empty, a stage
    # beyond max_stages, a lower bound above its own upper bound
    assert len(below) < len(LEAVES) // 2, below


# ------------------------------------------------------------------ (d) strict types


INTEGERS = [leaf for leaf in LEAVES if leaf.integer]
FLOATS = [leaf for leaf in LEAVES if not leaf.integer]


@pytest.mark.parametrize("value", [True, "2", 2.0], ids=["true", "string", "float"])
@pytest.mark.parametrize("leaf", INTEGERS, ids=repr)
def test_an_integer_takes_only_an_integer(
    leaf: Leaf, value: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(tmp_path, leaf.scenario(value), capsys)
    assert f"$.rules[0]{_render(leaf.parts)}: expected: Input should be a valid integer" in err


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("hostage_cohorts.0.count", True),
        ("hostage_cohorts.0.count", "2"),
        ("hostage_cohorts.0.count", 2.0),
        ("horizon_hours", "300"),
        ("max_stages", 6.0),
        ("handover_hours", False),
        ("schema_version", True),
        ("schema_version", 1.0),
        ("routes.0.hours", "1"),
        ("withdrawal_lines.0.move_hours", 24.0),
        ("solver.seed", True),
        ("solver.workers", "1"),
        ("places.5.abroad", "yes"),
        ("places.5.abroad", 1),
        ("withdrawal_lines.0.share_held_pct", True),
        ("withdrawal_lines.0.share_held_pct", "53"),
        ("solver.time_limit_seconds", True),
        ("solver.time_limit_seconds", "20"),
        ("start_time", 1700000000),
        ("start_time", 1700000000.5),
        ("start_time", "1700000000"),
        ("start_time", True),
    ],
)
def test_lax_values_are_refused(
    where: str, value: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(LOGISTICS)
    data["start_time"] = "2025-10-10T12:00:00+03:00"
    parts = tuple(int(p) if p.isdigit() else p for p in where.split("."))
    _set(data, parts, value)
    err = refused(tmp_path, data, capsys)
    assert f"$.{_render(parts)[1:]}: expected: " in err, err


def test_start_time_refuses_a_number_with_a_clear_message() -> None:
    data = copy.deepcopy(LOGISTICS)
    data["start_time"] = 1700000000
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    assert exc.value.problems == [
        (
            "$.start_time",
            'expected: an ISO 8601 date and time as a string, e.g. "2025-10-10T12:00:00+03:00" '
            "(a number is not read as a timestamp); found 1700000000",
        )
    ]


@pytest.mark.parametrize("leaf", FLOATS, ids=repr)
def test_a_float_takes_an_integer_but_not_a_bool_or_string(
    leaf: Leaf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert scenario_from_data(leaf.scenario(3)) is not None
    for value in (True, "3"):
        err = refused(tmp_path, leaf.scenario(value), capsys)
        assert f"$.rules[0]{_render(leaf.parts)}: expected: Input should be a valid number" in err


def test_numbers_flags_arrays_and_times_that_are_right_are_accepted() -> None:
    data = copy.deepcopy(LOGISTICS)
    data["start_time"] = "2025-10-10T12:00:00+03:00"
    data["withdrawal_lines"][0]["share_held_pct"] = 53  # an integer for a float
    data["solver"]["time_limit_seconds"] = 20
    data["places"][5]["abroad"] = True
    data["rules"] += [
        {"kind": "handover_hours", "id": "hh", "windows": [[6, 20], [21, 24]]},
        {"kind": "availability", "id": "av", "cohorts": ["pris"], "from_hour": 3,
         "range_hours": [1, 5]},
    ]  # fmt: skip
    sc = scenario_from_data(data)
    assert sc.routes[0].between == ("site-a", "crossing-x")  # JSON arrays are tuples
    assert sc.rules[-2].windows == [(6, 20), (21, 24)]  # type: ignore[union-attr]
    assert sc.rules[-1].range_hours == (1, 5)  # type: ignore[union-attr]
    assert sc.withdrawal_lines[0].share_held_pct == 53.0
    assert sc.start_time == datetime.fromisoformat("2025-10-10T12:00:00+03:00")
    data["start_time"] = datetime(2025, 10, 10, 9, tzinfo=UTC)  # from Python callers
    assert Scenario.model_validate(data).clock_offset == 9


# ------------------------------------------------------------------ (e) far-future start_time


def test_start_time_whose_clock_overflows_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(LOGISTICS)
    data["start_time"] = "9999-12-31T00:00:00Z"
    data["horizon_hours"] = 72
    err = refused(tmp_path, data, capsys)
    assert "$.start_time: expected a start_time whose clock times fit the calendar" in err, err
    assert "after the year 9999" in err
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    assert [p for p, _ in exc.value.problems] == ["$.start_time"]


def test_start_time_late_but_within_the_calendar_is_accepted() -> None:
    data = copy.deepcopy(LOGISTICS)
    data["start_time"] = "9999-12-01T00:00:00Z"  # + 300 h horizon + 12 h of routes: 14 Dec
    assert scenario_from_data(data).start_time is not None
    data["horizon_hours"] = 24 * 31  # + 31 days: past 31 Dec 9999
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    assert exc.value.problems[0][0] == "$.start_time"
