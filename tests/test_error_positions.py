"""Errors point into the file: ``file:line:column: $.path: message``, with 'did you mean'."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinyscen import BASE

from planner.cli import main
from planner.io import InputError, load_scenario, parse_json_text, scenario_from_data
from planner.jsonpos import JsonIndex, key_part, path_at
from planner.record import load_record
from planner.suggest import Choices, did_you_mean

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "gaza-2025-phase1" / "scenario.json").read_text()
RECORD = (ROOT / "examples" / "records" / "gaza-late-first-stage.json").read_text()


def line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def at(text: str, needle: str, nth: int = 0, skip: int = 0) -> tuple[int, int]:
    """(line, column) of the nth occurrence of needle, plus skip characters."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return line_column(text, offset + skip)


def replaced(text: str, old: str, new: str, nth: int = 0) -> str:
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(old, offset + 1)
    return text[:offset] + new + text[offset + len(old) :]


def problems_of(tmp_path: Path, text: str, name: str = "scenario.json") -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    return str(path), err.value.render()


def test_a_misspelt_key_points_at_the_key_and_suggests(tmp_path: Path) -> None:
    text = replaced(SEED, '"horizon_hours"', '"horizon_hourz"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"horizon_hourz"')
    assert (line, col) == (7, 3)
    expected = (
        "$.horizon_hourz: unknown key (not part of the format) — did you mean 'horizon_hours'?"
    )
    assert f"{path}:{line}:{col}: {expected}" in out.splitlines()
    # the missing key it was meant to be: the enclosing object (the top: line 1, column 1)
    assert f"{path}:1:1: $.horizon_hours: expected this field, found nothing" in out


def test_a_misspelt_key_inside_a_rule_suggests_the_rules_own_fields(tmp_path: Path) -> None:
    text = replaced(SEED, '"within_hours"', '"within_huors"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"within_huors"')
    assert re.search(
        rf"^{re.escape(path)}:{line}:{col}: \$\.rules\[\d+\]\.within_huors: unknown key "
        r"\(not part of the format\) — did you mean 'within_hours'\?$",
        out,
        re.M,
    ), out


def test_a_misspelt_rule_kind(tmp_path: Path) -> None:
    text = replaced(SEED, '"kind": "exchange_ratio"', '"kind": "exchange_ration"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"exchange_ration"')
    index = json.loads(SEED)["rules"].index(
        next(r for r in json.loads(SEED)["rules"] if r["kind"] == "exchange_ratio")
    )
    assert f"{path}:{line}:{col}: $.rules[{index}].kind: expected one of release, " in out
    assert out.endswith("found 'exchange_ration' — did you mean 'exchange_ratio'?")


def test_a_misspelt_cohort_in_a_rule(tmp_path: Path) -> None:
    start = SEED.index('"cohorts": [')
    text = SEED[:start] + replaced(SEED[start:], '"living"', '"livng"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"livng"')
    assert re.fullmatch(
        rf"{re.escape(path)}:{line}:{col}: \$\.rules\[\d+\]\.cohorts\[0\]: expected the id of a "
        r"cohort, found 'livng' — did you mean 'living'\?",
        out,
    ), out


def test_a_misspelt_place_in_a_route(tmp_path: Path) -> None:
    needle = '"between": [\n        "ofer"'
    text = replaced(SEED, needle, needle.replace('"ofer"', '"offer"'))
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"offer"')
    routes = json.loads(SEED)["routes"]
    i = next(i for i, r in enumerate(routes) if r["between"][0] == "ofer")
    assert out == (
        f"{path}:{line}:{col}: $.routes[{i}].between[0]: expected a place id, found 'offer' "
        "— did you mean 'ofer'?"
    )


def test_a_misspelt_key_of_a_map_points_at_the_key(tmp_path: Path) -> None:
    text = replaced(SEED, '"held-north": 8', '"held-nrth": 8')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"held-nrth"')
    assert out == (
        f"{path}:{line}:{col}: $.hostage_cohorts[0].held_in.held-nrth: expected a place of kind "
        "holding_area, found 'held-nrth' — did you mean 'held-north'?"
    )


def test_a_misspelt_literal(tmp_path: Path) -> None:
    text = replaced(SEED, '"kind": "handover_site"', '"kind": "handover_sight"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"handover_sight"')
    assert out.startswith(f"{path}:{line}:{col}: $.places[0].kind: expected: Input should be ")
    assert out.endswith("found 'handover_sight' — did you mean 'handover_site'?")


def test_a_bad_value_points_at_the_value(tmp_path: Path) -> None:
    text = replaced(SEED, '"count": 20', '"count": "twenty"')
    path, out = problems_of(tmp_path, text)
    line, col = at(text, '"twenty"')
    assert out.startswith(f"{path}:{line}:{col}: $.hostage_cohorts[0].count: expected: ")
    assert "did you mean" not in out


def test_a_missing_key_points_at_its_object(tmp_path: Path) -> None:
    text = replaced(SEED, '"status": "deceased",', "", nth=0)
    path, out = problems_of(tmp_path, text)
    line, col = line_column(text, text.rindex("{", 0, text.index('"id": "deceased-located"')))
    assert json.loads(text)["hostage_cohorts"][1].get("status") is None
    assert (
        out
        == f"{path}:{line}:{col}: $.hostage_cohorts[1].status: expected this field, found nothing"
    )


def test_nothing_close_no_suggestion(tmp_path: Path) -> None:
    text = replaced(SEED, '"horizon_hours"', '"qqqqq"')
    _, out = problems_of(tmp_path, text)
    assert "$.qqqqq: unknown key (not part of the format)\n" in out + "\n"


def test_a_record_points_into_its_own_file(tmp_path: Path) -> None:
    sc = load_scenario("gaza-2025-phase1")
    text = replaced(RECORD, '"khan-younis"', '"khan-yunis"')
    text = replaced(text, '"life-named-01"', '"life-named-1"')
    text = replaced(text, '"line": "yellow-line"', '"lnie": "yellow-line"')
    path = tmp_path / "record.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_record(str(path), sc)
    out = err.value.render().splitlines()
    line, col = at(text, '"lnie"')
    assert (
        f"{path}:{line}:{col}: $.withdrawals[0].lnie: unknown key (not part of the format) "
        "— did you mean 'line'?" in out
    )
    text = replaced(text, '"lnie"', '"line"')
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_record(str(path), sc)
    out = err.value.render().splitlines()
    line, col = at(text, '"khan-yunis"')
    assert (
        f"{path}:{line}:{col}: $.stages[0].site: expected the id of a handover site, found "
        "'khan-yunis' — did you mean 'khan-younis'?" in out
    )
    line, col = at(text, '"life-named-1"')
    hit = [ln for ln in out if ln.startswith(f"{path}:{line}:{col}: $.stages[0].prisoner_ids[0]")]
    assert hit and "found 'life-named-1' — did you mean " in hit[0] and "'life-named-01'" in hit[0]


def test_data_without_text_keeps_the_old_form() -> None:
    data = {k: v for k, v in BASE.items() if k != "horizon_hours"} | {"horizon_hourz": 3}
    with pytest.raises(InputError) as err:
        scenario_from_data(data, "tiny")
    assert err.value.render().splitlines() == [
        "tiny: $.horizon_hours: expected this field, found nothing",
        "tiny: $.horizon_hourz: unknown key (not part of the format) — did you mean "
        "'horizon_hours'?",
    ]
    assert err.value.positions == [None, None]


def test_a_dotted_key_is_not_taken_for_a_nested_one(tmp_path: Path) -> None:
    text = '{\n  "solver": {"seed": 1},\n  "solver.seed": 5\n}\n'
    path = tmp_path / "dot.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    lines = err.value.render().splitlines()
    assert f'{path}:3:3: $["solver.seed"]: unknown key (not part of the format)' in lines


def test_no_suggestion_of_a_key_the_object_has_and_keys_as_spelt() -> None:
    """A misspelt copy beside the real key is only an extra key (suggesting the key it has
    would make a duplicate); a field with an alias is suggested as the file spells it."""
    with pytest.raises(InputError) as err:
        scenario_from_data({**BASE, "horizon_hourz": 3}, "tiny")
    assert err.value.problems == [("$.horizon_hourz", "unknown key (not part of the format)")]
    with pytest.raises(InputError) as err:
        scenario_from_data({**BASE, "$shema": "x.json"}, "tiny")
    assert err.value.problems[0][1].endswith("did you mean '$schema'?")


def test_the_cli_prints_file_line_column_and_exits_2(tmp_path: Path) -> None:
    text = replaced(SEED, '"horizon_hours"', '"horizon_hourz"')
    path = tmp_path / "scenario.json"
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(re.match(rf"{re.escape(str(path))}:\d+:\d+: \$", ln) for ln in lines)
    assert f"{path}:7:3: $.horizon_hourz: unknown key" in proc.stderr


def test_the_cli_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replaced(SEED, '"kind": "exchange_ratio"', '"kind": "exchange_ration"')
    path = tmp_path / "s.json"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    line, col = at(text, '"exchange_ration"')
    assert err.startswith(f"{path}:{line}:{col}: $.rules[") and "Traceback" not in err


def test_syntax_errors_give_the_parsers_position() -> None:
    text = '{\n  "a": [1, 2,\n  "b": 3\n}'
    with pytest.raises(InputError) as err:
        parse_json_text(text, "x.json")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        assert err.value.positions == [(exc.lineno, exc.colno)]
    assert err.value.render().startswith("x.json:3:")


@pytest.mark.parametrize(
    ("word", "allowed", "hint"),
    [
        ("livng", ["living", "deceased"], " — did you mean 'living'?"),
        ("qqq", ["living", "deceased"], ""),
        ("held-nort", ["held-north", "held-south"], " — did you mean 'held-north'?"),
        ("p-11", ["p-1", "p-12", "p-111"], " — did you mean one of 'p-111', 'p-1'?"),
        (3, ["3"], ""),
    ],
)
def test_did_you_mean_wording(word: Any, allowed: list[str], hint: str) -> None:
    assert did_you_mean(word, allowed) == hint


def test_did_you_mean_in_a_large_set_stays_fast_and_finds_the_id() -> None:
    choices = Choices([f"person-{i}" for i in range(20_000)])
    for word in ("persen-1234", "person-1234x", "xperson-1234"):
        assert "'person-1234'" in did_you_mean(word, choices)


# --- the locator, against a reference built with json.dumps -------------------------------

# keys with the path's own characters (. [ ] " \) included: their paths are quoted, so that
# {"a.b": 1} and {"a": {"b": 1}} are told apart
KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6) | st.sampled_from(
    ["a.b", "a", "b", "[0]", 'q"', "x\\y", ""]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)


def reference(value: Any, indent: int | None, ascii_only: bool) -> tuple[str, dict[str, Any]]:
    """json.dumps's text of value, and path -> (key offset or -1, value offset)."""
    spots: dict[str, tuple[int, int]] = {}
    parts: list[str] = []
    size = 0

    def put(s: str) -> None:
        nonlocal size
        parts.append(s)
        size += len(s)

    def newline(depth: int) -> None:
        if indent is not None:
            put("\n" + " " * (indent * depth))

    def dump(v: Any, path: str, key_at: int, depth: int) -> None:
        spots.setdefault(path, (key_at, size))
        if isinstance(v, dict) and v:
            put("{")
            for n, (k, item) in enumerate(v.items()):
                put("," if n and indent is not None else ", " if n else "")
                newline(depth + 1)
                at_key = size
                put(json.dumps(k, ensure_ascii=ascii_only) + ": ")
                dump(item, path + key_part(k), at_key, depth + 1)
            newline(depth)
            put("}")
        elif isinstance(v, list) and v:
            put("[")
            for n, item in enumerate(v):
                put("," if n and indent is not None else ", " if n else "")
                newline(depth + 1)
                dump(item, f"{path}[{n}]", -1, depth + 1)
            newline(depth)
            put("]")
        else:
            put(json.dumps(v, ensure_ascii=ascii_only))

    dump(value, "$", -1, 0)
    text = "".join(parts)
    assert text == json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    return text, spots


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.sampled_from([None, 0, 2]), st.booleans())
def test_the_locator_finds_every_value_and_key(value: Any, indent: int | None, ascii_only: bool):
    text, spots = reference(value, indent, ascii_only)
    index = JsonIndex(text)
    for path, (key_at, value_at) in spots.items():
        assert index.position(path) == line_column(text, value_at), path
        if key_at >= 0:
            assert index.position(path, key=True) == line_column(text, key_at), path
        assert path_at(text, value_at + 1 if text[value_at] in "[{" else value_at)  # no raise


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=-5, max_value=250))
def test_the_locator_never_raises_on_any_text(text: str, offset: int) -> None:
    index = JsonIndex(text)
    assert index.position("$.a[0].b") is None or index.position("$") is not None
    assert path_at(text, offset).startswith("$")


def test_the_locator_with_escapes_unicode_and_nesting() -> None:
    value = {'k"\\\n\u00e9': [[{"\U0001f600": [1, {"": "x\u2028y"}]}]], "\x1b": {"a": 2}}
    text = json.dumps(value, ensure_ascii=False, indent=1)
    index = JsonIndex(text)
    deep = "$" + key_part('k"\\\n\u00e9') + "[0][0]." + "\U0001f600[1]" + '[""]'
    assert deep == '$["k\\"\\\\\\n\\u00e9"][0][0].\U0001f600[1][""]'
    assert index.position(deep) == line_column(text, text.index('"x\u2028y"'))
    assert index.position('$["\\u001b"].a', key=True) == line_column(text, text.index('"a"'))
    nested = "[" * 60 + "]" * 60
    assert JsonIndex(nested).position("$" + "[0]" * 59) == (1, 60)


def test_only_the_first_problems_get_a_hint() -> None:
    from planner.scenario.hints import with_hints
    from planner.suggest import MAX_HINTS

    sc = load_scenario("gaza-2025-phase1")
    problems = [("$.x", "expected the id of a cohort, found 'livng'")] * (MAX_HINTS + 5)
    hinted = [m for _, m in with_hints(sc, problems) if m.endswith("did you mean 'living'?")]
    assert len(hinted) == MAX_HINTS
