"""Command-line conventions: --version, help with defaults and exit codes, progress on stderr
only, `planner init`, one version source, the package's typed public names."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import planner
from planner import progress
from planner.cli import main
from planner.cli_parser import EXIT_CODES, HelpFormatter, parser
from planner.io import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    p = parser()
    action = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"planner {planner.__version__}"


def test_one_version_source() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    dynamic = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert dynamic["dynamic"]["version"] == {"attr": "planner.__version__"}
    from importlib.metadata import version

    assert version("exchange-logistics-planner") == planner.__version__


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_argument_has_help_with_its_default(name: str) -> None:
    sub = _subcommands()[name]
    assert sub.formatter_class is HelpFormatter
    text = sub.format_help()
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name} {action.dest}: no help text"
        default = action.default
        if default is not None and not isinstance(default, bool) and default != []:
            # shown by the formatter, or said in words in the text ("default: every core")
            said = "(default:" in action.help or "default: " in action.help
            assert f"(default: {default})" in text or said, (name, action.dest, action.help)
    assert EXIT_CODES.splitlines()[1] in text  # exit codes listed in every --help
    assert "130  interrupted" in text


def test_main_help_lists_exit_codes_and_every_command() -> None:
    text = parser().format_help()
    assert "exit codes:" in text and "141  the reader" in text
    for name in _subcommands():
        assert name in text


def test_progress_steps_reach_a_reporter_and_nothing_else() -> None:
    seen: list[tuple[str, int, int]] = []
    progress.step("nothing installed", 1, 2)  # a no-op
    with progress.reporting(lambda what, done, total: seen.append((what, done, total))):
        from planner.solver.parallel import run_all

        assert run_all(abs, [-1, -2, -3], 1, what="trials") == [1, 2, 3]
        assert run_all(abs, [-1, -2, -3], 2, what="pooled") == [1, 2, 3]
    assert [s for s in seen if s[0] == "trials"] == [("trials", n, 3) for n in (1, 2, 3)]
    assert [s for s in seen if s[0] == "pooled"] == [("pooled", n, 3) for n in (1, 2, 3)]
    progress.step("after", 1, 1)
    assert seen[-1][0] == "pooled"


def test_explain_reports_its_trials() -> None:
    from planner.explainer import explain

    seen: list[tuple[str, int, int]] = []
    sc = load_scenario(ROOT / "examples" / "order-and-capacity.json")
    with progress.reporting(lambda *s: seen.append(s)):
        result = explain(sc, time_limit=60, jobs=1)
    trials = [s for s in seen if s[0] == "what binds: trials"]
    assert result.feasible and trials
    assert trials[-1][1] == trials[-1][2]  # the last step: every trial answered
    assert [d for _, d, _ in trials] == sorted(d for _, d, _ in trials)


def test_bars_go_to_stderr_only_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.shown():  # pytest's stderr is not a terminal: nothing shown
        progress.step("futures", 1, 2)
    assert capsys.readouterr() == ("", "")
    with progress.shown(True):
        progress.step("futures", 1, 2)
        progress.step("futures", 2, 2)
    captured = capsys.readouterr()
    assert captured.out == "" and "futures" in captured.err and "2/2" in captured.err


def test_init_copies_a_seed_that_solves_with_its_schema(tmp_path: Path) -> None:
    target = tmp_path / "case"
    assert main(["init", "nov-2023-truce", str(target)]) == 0
    text = (target / "scenario.json").read_text()
    original = (ROOT / "seeds" / "nov-2023-truce" / "scenario.json").read_text()
    data = json.loads(text)
    assert data.pop("$schema") == "scenario.schema.json"
    assert data == json.loads(original)
    assert (target / "README.md").read_text() == (
        ROOT / "seeds" / "nov-2023-truce" / "README.md"
    ).read_text()
    schema = json.loads((target / "scenario.schema.json").read_text())
    assert schema == planner.scenario_json_schema()
    assert load_scenario(target / "scenario.json").name == "nov-2023-truce"
    mode = (target / "scenario.json").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask  # the user's umask, not 0600


def test_init_never_overwrites_and_names_what_it_knows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "case"
    target.mkdir()
    (target / "scenario.json").write_text("mine")
    assert main(["init", "minimal", str(target)]) == 2
    assert (target / "scenario.json").read_text() == "mine"
    assert "would overwrite" in capsys.readouterr().err
    assert main(["init", "minimall", str(tmp_path / "other")]) == 2
    err = capsys.readouterr().err
    assert "minimal" in err and "gaza-2025-phase1" in err
    assert not (tmp_path / "other").exists()


def test_init_works_from_an_installed_package_and_any_folder(tmp_path: Path) -> None:
    out = _run(["init", "withdrawal-first", "w"], "", tmp_path)
    assert out.returncode == 0, out.stderr
    solved = _run(["solve", "w/scenario.json", "--json"], "", tmp_path)
    assert solved.returncode == 0, solved.stderr
    assert json.loads(solved.stdout)["scenario"] == "withdrawal-first"


def test_result_types_are_importable_from_the_package_with_docstrings() -> None:
    for name in ("SolveResult", "Explanation", "VerifyReport", "Plan", "Scenario"):
        cls = getattr(planner, name)
        assert isinstance(cls, type), name
        assert name in planner.__all__
        assert cls.__doc__ and len(cls.__doc__.strip()) > 40, name
    assert (ROOT / "planner" / "py.typed").exists()


def _run(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_dash_reads_the_scenario_from_stdin(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "minimal.json").read_text()
    solved = _run(["solve", "-", "--json"], text, tmp_path)
    assert solved.returncode == 0, solved.stderr
    from_file = _run(["solve", str(ROOT / "examples" / "minimal.json"), "--json"], "", tmp_path)
    assert solved.stdout == from_file.stdout
    assert _run(["validate", "-"], text, tmp_path).stdout.startswith("minimal: valid")
    plan = tmp_path / "plan.json"
    plan.write_text(solved.stdout)
    assert _run(["check", "-", str(plan)], text, tmp_path).returncode == 0


def test_stdin_errors_point_into_the_text(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "minimal.json").read_text().replace('"horizon_hours"', '"hrizon"')
    line = next(i for i, s in enumerate(text.splitlines(), 1) if '"hrizon"' in s)
    column = text.splitlines()[line - 1].index('"hrizon"') + 1
    bad = _run(["solve", "-"], text, tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert f"<stdin>:{line}:{column}: $.hrizon: unknown key" in bad.stderr
    assert "did you mean 'horizon_hours'?" in bad.stderr
    empty = _run(["validate", "-"], "", tmp_path)
    assert empty.returncode == 2 and empty.stderr.startswith("<stdin>")


def _on_a_terminal(command: str) -> str:
    """What ``sh -c command`` writes to a 100-column terminal (a pseudo-terminal)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.execvp("sh", ["sh", "-c", f"stty cols 100 rows 30; {command}"])
    out = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    os.waitpid(pid, 0)
    return out.decode("utf-8", errors="replace")


def test_progress_bars_on_a_terminal_and_never_in_a_pipe(tmp_path: Path) -> None:
    planner_cmd = f"{sys.executable} -m planner.cli"
    shown = _on_a_terminal(
        f"{planner_cmd} robustness --samples 3 --jobs 1 --json > {tmp_path / 'a.json'}"
    )
    assert "futures:" in shown and "3/3" in shown
    piped = subprocess.run(
        [*planner_cmd.split(), "robustness", "--samples", "3", "--jobs", "1", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "futures:" not in piped.stderr and "futures:" not in piped.stdout
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads(piped.stdout) | {
        "seconds": json.loads((tmp_path / "a.json").read_text())["seconds"]
    }
