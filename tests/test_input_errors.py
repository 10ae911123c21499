"""Bad input: exit 2, the JSON path in the message, no traceback, nothing written."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tinyscen import BASE

from planner.cli import main
from planner.io import InputError, json_path, scenario_from_data

ROOT_DIR = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, data: Any, name: str = "s.json") -> str:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(p)


def mutated(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        target = data
        keys = dotted.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return data


CASES = {
    "truncated": (json.dumps(BASE)[:120], ["s.json:1:115: $.hostage_cohorts[0]: not valid JSON"]),
    "string count": (
        mutated(hostage_cohorts__0__count="three"),
        ["$.hostage_cohorts[0].count", "'three'"],
    ),
    "unknown cohort": (
        mutated(rules__0__cohorts=["living", "ghosts"]),
        ["$.rules[0].cohorts[1]", "'ghosts'"],
    ),
    "negative hour": (
        {**BASE, "rules": [*BASE["rules"], {"kind": "earliest_start", "id": "e", "hour": -4}]},
        ["$.rules[2].hour", "-4"],
    ),
    "duplicate id": (
        mutated(prisoner_cohorts__0__id="living"),
        ["$.prisoner_cohorts[0].id", "duplicate id 'living'"],
    ),
    "unknown key": (mutated(horizon_hourz=3), ["$.horizon_hourz", "unknown key"]),
    "unknown rule kind": (
        {**BASE, "rules": [{"kind": "teleport", "id": "t"}]},
        ["$.rules[0]", "teleport"],
    ),
    "lines out of order": (
        mutated(withdrawal_lines__1__share_held_pct=60),
        ["$.withdrawal_lines[1].share_held_pct", "out of order"],
    ),
    "unknown line": (
        {**BASE, "rules": [{"kind": "line_before_handover", "id": "l", "line": "purple"}]},
        ["$.rules[0].line", "'purple'"],
    ),
    "ratio impossible": (
        {
            **BASE,
            "rules": [
                *BASE["rules"],
                {
                    "kind": "exchange_ratio",
                    "id": "r",
                    "prisoners": ["pris"],
                    "per_hostage": {"living": 50},
                },
            ],
        },
        ["$.rules[2].per_hostage", "owes 150 prisoners", "only 30"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_with_path(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, expected = CASES[case]
    path = write(tmp_path, data)
    out_file = tmp_path / "plan.json"
    assert main(["solve", path, "-o", str(out_file)]) == 2
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert not out_file.exists()
    assert main(["validate", path]) == 2


def test_no_traceback_in_a_real_process(tmp_path: Path) -> None:
    path = write(tmp_path, mutated(hostage_cohorts__0__count="three"))
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "validate", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "$.hostage_cohorts[0].count" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_file_and_oversize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    big = tmp_path / "big.json"
    big.write_text(" " * (5 * 1024 * 1024 + 1))
    assert main(["validate", str(big)]) == 2
    err = capsys.readouterr().err
    assert "not the name of a packaged seed (gaza-2025-phase1, " in err and "the limit is" in err


def test_library_raises_input_error_with_every_problem() -> None:
    data = mutated(hostage_cohorts__0__count=-1, horizon_hours="x")
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    paths = [p for p, _ in exc.value.problems]
    assert "$.hostage_cohorts[0].count" in paths and "$.horizon_hours" in paths


def test_json_path_drops_union_tags() -> None:
    assert json_path(("rules", 3, "deadline", "within_hours")) == "$.rules[3].within_hours"
    assert (
        json_path(("hostage_cohorts", 0, "members", 2, "id"))
        == "$.hostage_cohorts[0].members[2].id"
    )


def test_scenario_round_trips_through_json() -> None:
    sc = scenario_from_data(copy.deepcopy(BASE))
    again = scenario_from_data(json.loads(sc.model_dump_json()))
    assert again == sc


def test_model_size_is_limited_before_building() -> None:
    data = copy.deepcopy(BASE)
    data["max_stages"] = 60
    dests = [f"d{i}" for i in range(50)]
    data["places"] = [{"id": "jail", "kind": "prison"}] + [
        {"id": d, "kind": "destination"} for d in dests
    ]
    data["routes"] = [{"between": ["jail", d], "hours": 1} for d in dests]
    data["prisoner_cohorts"] = [{"id": f"p{i}", "count": 1, "prison": "jail"} for i in range(200)]
    data["rules"] = []
    with pytest.raises(InputError) as exc:
        scenario_from_data(data)
    assert "the limit is 100000" in exc.value.render()


@pytest.mark.parametrize("member", ["living-1", "pris-3", "dead-12"])
def test_a_member_id_of_the_form_of_any_cohorts_generated_ids_is_refused(member: str) -> None:
    """A member named like another cohort's generated ids (``pris-3`` in a hostage cohort) was
    accepted, and then the solver's own plan failed verification: two people with one id."""
    data = copy.deepcopy(BASE)
    data["hostage_cohorts"][0]["members"] = [{"id": member}]
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    assert "$.hostage_cohorts[0].members[0].id" in str(err.value)
    assert "generated id" in str(err.value)


def test_coordinates_are_strict_numbers() -> None:
    data = json.loads((ROOT_DIR / "examples" / "logistics.json").read_text())
    data["places"][0].update(lat=31.5, lon=34)
    assert scenario_from_data(copy.deepcopy(data)).places[0].lon == 34.0
    for lat, lon in ((True, 34.0), ("31.5", 34.0), (31.5, None), (91.0, 34.0)):
        bad = copy.deepcopy(data)
        bad["places"][0].update(lat=lat, lon=lon)
        with pytest.raises(InputError):
            scenario_from_data(bad)


def test_a_lone_surrogate_is_refused_with_its_place(tmp_path: Path) -> None:
    from planner.io import load_scenario

    path = tmp_path / "s.json"
    text = (ROOT_DIR / "examples" / "minimal.json").read_text()
    path.write_text(text.replace('"title": "', '"title": "\\ud800', 1))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "$.title: a string holds a lone UTF-16 surrogate" in err.value.render()
    assert err.value.positions[0] is not None
    paired = tmp_path / "ok.json"
    paired.write_text(text.replace('"title": "', '"title": "\\ud83d\\ude00 ', 1))
    assert load_scenario(paired).title.startswith("\U0001f600")


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    from planner.io import load_scenario

    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (ROOT_DIR / "examples" / "minimal.json").read_bytes())
    assert load_scenario(path).name == "minimal"


def test_a_members_name_is_never_repeated_in_an_error() -> None:
    data = copy.deepcopy(BASE)
    data["hostage_cohorts"][0]["members"] = [
        {"id": "m-1", "name": "SECRET" * 50},
        {"id": "m-2", "name": ["SECRET"]},
    ]
    with pytest.raises(InputError) as err:
        scenario_from_data(data)
    text = err.value.render()
    assert "SECRET" not in text and text.count("members[") == 2
