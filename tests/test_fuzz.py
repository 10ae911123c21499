"""Mutation fuzzing of the CLI contract (bounded, repeatable CI run).

Packaged seeds and examples are mutated (types, missing/unknown keys, extreme numbers, swapped
ids, duplicated/dropped/shuffled list items; 1-3 per case, see ``fuzzcases``) and run through
``validate``, ``solve -o``, ``check``, ``report -o`` and ``compare``. Every run must exit with a
code the contract allows, print no traceback, leave no partial or temporary file, and every plan
written must pass ``planner check``; input the tool accepts must be JSON its published schema
accepts. The long run is ``tools/fuzz_long.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fuzzcases import (
    TRACEBACK,
    Case,
    Outcome,
    Raw,
    case_of,
    ids_of,
    judge,
    path_text,
    plan_cases,
    put,
    run_cli,
    run_plan_case,
    run_scenario_case,
    scenario_cases,
    source_doc,
    source_names,
    source_texts,
)
from hypothesis import HealthCheck, given, settings


def fuzz_settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def explain(case: Case, o: Outcome) -> str:
    return "\n".join(
        [
            f"source: {case.source}",
            "mutations: " + "; ".join(case.mutations),
            "argv: " + " ".join(o.argv),
            f"exit: {o.code}",
            "stdout: " + o.out[-800:],
            "stderr: " + o.err[-800:],
            o.exception,
            "breaches: " + " | ".join(o.problems),
        ]
    )


def fresh(tmp_path: Path, name: str) -> Path:
    """A new folder per hypothesis example (tmp_path is shared by all examples of a test)."""
    n = len(list(tmp_path.glob(f"{name}-*")))
    return tmp_path / f"{name}-{n}"


def assert_keeps_contract(case: Case, o: Outcome, capfd: pytest.CaptureFixture[str]) -> None:
    captured = capfd.readouterr()  # anything written at the file-descriptor level
    if TRACEBACK in captured.out + captured.err:
        o.problems.append("traceback-printed: at file-descriptor level")
    assert not o.problems, explain(case, o)


# ---------------------------------------------------------------- (a) scenarios, in-process


@fuzz_settings(400)
@given(case=scenario_cases())
@pytest.mark.slow
def test_validate_mutated_scenarios(
    case: Case, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    o = run_scenario_case(case, "validate", fresh(tmp_path, "v"))
    assert_keeps_contract(case, o, capfd)


@fuzz_settings(120)
@given(case=scenario_cases())
@pytest.mark.slow
def test_solve_mutated_scenarios(
    case: Case, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    o = run_scenario_case(case, "solve", fresh(tmp_path, "s"))
    assert_keeps_contract(case, o, capfd)


RECORD = (
    Path(__file__).resolve().parent.parent / "examples" / "records" / "gaza-late-first-stage.json"
)


def record_cases() -> Any:
    """The example execution record, mutated like a scenario (ids from it and the seed)."""
    from fuzzcases import make_case
    from hypothesis import strategies as st

    doc = json.loads(RECORD.read_text())
    ids = sorted(set(ids_of(doc) + ids_of(source_doc("seed:gaza-2025-phase1"))))
    return st.builds(lambda rnd: make_case("record", rnd, doc, ids), st.randoms())


@fuzz_settings(60)
@given(case=record_cases())
@pytest.mark.slow
def test_replan_mutated_records(
    case: Case, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A mutated record: exit 0/2/3/4, no traceback, nothing partial, and a plan written
    passes ``planner check --record`` with that record."""
    capfd.readouterr()
    work = fresh(tmp_path, "r")
    (work / "out").mkdir(parents=True)
    rec = work / "record.json"
    rec.write_text(case.text)
    output = work / "out" / "plan.json"
    argv = ["replan", "gaza-2025-phase1", "--record", str(rec), "--time-limit", "5", "-o"]
    o = run_cli([*argv, str(output)])
    o.problems = judge(o, "replan", str(rec), output)
    if o.code == 0 and output.exists():
        checked = run_cli(["check", "gaza-2025-phase1", str(output), "--record", str(rec)])
        if checked.exception or checked.code != 0:
            o.problems.append(
                f"verifier: check --record exited {checked.code}: {checked.out[:200]}"
            )
    assert_keeps_contract(case, o, capfd)


# ---------------------------------------------------------------- (b) a few real processes


def run_process(argv: list[str], cwd: Path) -> Outcome:
    p = subprocess.run(
        [sys.executable, "-m", "planner.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Outcome(argv, p.returncode, p.stdout, p.stderr)


@fuzz_settings(3)
@given(case=scenario_cases())
@pytest.mark.slow
def test_mutated_scenarios_in_a_real_process(case: Case, tmp_path: Path) -> None:
    for command in ("validate", "solve"):
        work = fresh(tmp_path, "p")
        o = run_scenario_case(case, command, work, runner=partial(run_process, cwd=work))
        assert not o.problems, explain(case, o)


# ---------------------------------------------------------------- (c) tampered plans


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Two small sources solved once: source -> (scenario file, plan file)."""
    folder = tmp_path_factory.mktemp("solved")
    out: dict[str, tuple[str, str]] = {}
    for name in ("example:minimal", "seed:nov-2023-truce"):
        scen = folder / (name.replace(":", "-") + ".json")
        plan = folder / (name.replace(":", "-") + ".plan.json")
        scen.write_text(source_texts()[name])
        o = run_cli(["solve", str(scen), "--time-limit", "10", "--workers", "1", "-o", str(plan)])
        assert o.code == 0, o.err
        out[name] = (str(scen), str(plan))
    return out


def _plan_texts(solved: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {name: Path(plan).read_text() for name, (_, plan) in solved.items()}


@pytest.mark.parametrize("command", ["check", "report", "compare"])
@pytest.mark.slow
def test_tampered_plans(
    command: str,
    solved: dict[str, tuple[str, str]],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    @fuzz_settings(200 if command == "check" else 100)
    @given(case=plan_cases(_plan_texts(solved)))
    def run(case: Case) -> None:
        capfd.readouterr()
        scen, plan = solved[case.source]
        o = run_plan_case(case, command, fresh(tmp_path, command), scen, plan)
        assert_keeps_contract(case, o, capfd)

    run()


def test_untampered_plans_hold(solved: dict[str, tuple[str, str]]) -> None:
    """Harness sanity: the plans the tampering starts from pass check, and a seed is valid."""
    for scen, plan in solved.values():
        assert run_cli(["check", scen, plan]).code == 0
        json.loads(Path(plan).read_text())
    assert set(source_names()) >= {"example:minimal", "seed:nov-2023-truce"}


@pytest.mark.parametrize("name", source_names())
def test_unmutated_sources_keep_the_contract(name: str, tmp_path: Path) -> None:
    """Harness sanity: every unmutated source validates (exit 0, schema-clean, no breach)."""
    case = Case(name, source_texts()[name], [])
    o = run_scenario_case(case, "validate", tmp_path)
    assert o.code == 0 and not o.problems, explain(case, o)


# ---------------------------------------------------------------- (d) classes found so far

BIG = 2**63
GAZA, NOV, MIN = "seed:gaza-2025-phase1", "seed:nov-2023-truce", "example:minimal"
# (failure class, source, command, JSON path, value): one edit each, found by the fuzzers.
REPROS: list[tuple[str, str, str, tuple[str | int, ...], Any]] = [
    ("json-int-digits", MIN, "validate", ("horizon_hours",), Raw("1" + "0" * 5000)),
    ("str-for-int", MIN, "validate", ("max_stages",), "4"),
    ("bool-for-int", MIN, "validate", ("handover_hours",), True),
    ("bool-for-const", NOV, "validate", ("schema_version",), True),
    ("str-for-number", GAZA, "validate", ("withdrawal_lines", 0, "share_held_pct"), "53"),
    ("huge-int-stage_capacity", NOV, "solve", ("rules", 7, "vehicles"), BIG),
    ("huge-int-hostage_fleet", GAZA, "solve", ("rules", 10, "seats"), BIG),
    ("huge-int-exchange_ratio", GAZA, "solve", ("rules", 2, "max_prisoners_ahead"), BIG),
    ("huge-int-destination_quota", GAZA, "solve", ("rules", 16, "min_count"), BIG),
    (
        "duplicate-destination",
        GAZA,
        "solve",
        ("prisoner_cohorts", 1, "destinations"),
        ["gaza", "gaza"],
    ),
    ("report-clock-date", NOV, "report", ("stages", 0, "start_hour"), 2**31),
    ("report-clock-c-int", NOV, "report", ("stages", 0, "start_hour"), BIG),
]


@pytest.mark.parametrize("repro", REPROS, ids=[r[0] for r in REPROS])
def test_known_failure_classes(
    repro: tuple[str, str, str, tuple[str | int, ...], Any],
    solved: dict[str, tuple[str, str]],
    tmp_path: Path,
) -> None:
    """Each failure class the fuzzers found, as its smallest edit (report: with the scenario)."""
    _, source, command, path, value = repro
    plan_case = command in ("check", "report", "compare")
    doc = json.loads(Path(solved[source][1]).read_text()) if plan_case else source_doc(source)
    put(doc, path, value)
    case = case_of(source, doc, [f"{path_text(path)} = {value!r:.40}"])
    if plan_case:
        o = run_plan_case(case, command, tmp_path, *solved[source])
    else:
        o = run_scenario_case(case, command, tmp_path, time_limit=2.0)
    assert not o.problems, explain(case, o)
