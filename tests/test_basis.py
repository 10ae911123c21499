"""Terms vs assumptions: every rule has a ``basis``; checks report broken terms apart from
failed assumptions, and explain says which numbers are which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner import explain, load_scenario, solve, verify
from planner.cli import main
from planner.io import InputError, scenario_from_data


def _seed_data() -> dict:
    return load_scenario().model_dump(mode="json", exclude_none=True)


def _edited(changes: dict[str, dict[str, int]]) -> dict:
    data = _seed_data()
    for rule in data["rules"]:
        rule.update(changes.get(rule["id"], {}))
    return data


def test_basis_is_in_the_schema_defaults_to_term_and_is_validated() -> None:
    sc = load_scenario()
    assert sc.rule("living-within-72h").basis == "term"  # not written: the default
    assert sc.rule("remains-located-later").basis == "assumption"
    data = _seed_data()
    data["rules"][0]["basis"] = "belief"
    with pytest.raises(InputError, match=r"\$\.rules\[0\]\.basis"):
        scenario_from_data(data)


def test_check_reports_broken_terms_apart_from_failed_assumptions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed's plan against a scenario where the living must be home by hour 20 (a term)
    and the later remains are located only from hour 350 (an assumption): both break, each
    said as what it is."""
    plan = solve(load_scenario()).plan
    assert plan is not None
    data = _edited(
        {"living-within-72h": {"within_hours": 20}, "remains-located-later": {"from_hour": 350}}
    )
    report = verify(scenario_from_data(data), plan)
    assert {v.rule for v in report.broken_terms} == {"living-within-72h"}
    assert {v.rule for v in report.failed_assumptions} == {"remains-located-later"}
    scen, plan_file = tmp_path / "s.json", tmp_path / "p.json"
    scen.write_text(json.dumps(data))
    plan_file.write_text(plan.to_json())
    assert main(["check", str(scen), str(plan_file)]) == 1
    out, err = capsys.readouterr()
    assert any(
        line.startswith("rule remains-located-later (assumption):") for line in out.splitlines()
    )
    assert any(line.startswith("rule living-within-72h: ") for line in out.splitlines())
    assert "of agreed terms" in err and "of planning assumptions" in err


@pytest.mark.slow
def test_explain_says_which_numbers_are_assumptions() -> None:
    ex = explain(load_scenario(), jobs=1)
    by_rule = {b.rule: b for b in ex.binding}
    assert by_rule["remains-after-search"].basis == "assumption"
    assert "planning assumption" in by_rule["remains-after-search"].sentence
    assert by_rule["holders-preparation"].basis == "assumption"
    # without the preparation assumption, the agreed line binds the living: an agreed term
    ex = explain(load_scenario().without(["holders-preparation"]), jobs=1)
    by_rule = {b.rule: b for b in ex.binding}
    assert by_rule["yellow-line-before-handover"].basis == "term"
    assert "other party" in by_rule["yellow-line-before-handover"].sentence


@pytest.mark.slow
def test_a_fix_says_whether_its_number_is_a_term_or_an_assumption() -> None:
    data = _edited({"living-within-72h": {"within_hours": 20}})
    ex = explain(scenario_from_data(data), jobs=1)
    assert ex.feasible is False
    fixes = [r for c in ex.conflicts for r in c.relaxations]
    assert fixes and all(r.basis == "term" for r in fixes)  # both rules are agreed terms
    assert all("other party" in r.sentence for r in fixes)
