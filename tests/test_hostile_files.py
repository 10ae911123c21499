"""Hostile files and failing outputs: a clear error (exit 2), bounded time, nothing lost."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tinyscen import BASE, solved, tiny

import planner.io as pio
from planner.cli import main
from planner.io import (
    MAX_PLAN_BYTES,
    InputError,
    check_output_path,
    load_plan,
    plan_text_checked,
    write_atomic,
)

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def write(tmp_path: Path, text: str | bytes, name: str = "s.json") -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


def planner_process(*args: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- files that are not files ------------------------------------------------------------


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.json"
    os.mkfifo(fifo)
    proc = planner_process("validate", str(fifo))  # no writer: opening it would block
    assert proc.returncode == 2
    assert "named pipe (FIFO), not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dev_zero_is_refused_in_bounded_time() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    proc = planner_process("validate", "/dev/zero")
    assert proc.returncode == 2
    assert "/dev/zero: $: cannot read file: it is a device" in proc.stderr


def test_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["validate", str(tmp_path)], capsys)
    assert code == 2 and "it is a folder, not a regular file" in err


def test_a_file_that_grows_while_read_is_cut_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, json.dumps(BASE))  # stat: small; the reads: without end
    real_read = os.read
    target = os.stat(path).st_ino
    reads: list[int] = []

    def endless(fd: int, n: int) -> bytes:
        if os.fstat(fd).st_ino != target:
            return real_read(fd, n)
        reads.append(n)
        return b" " * n

    monkeypatch.setattr(pio.os, "read", endless)
    code, err = run(["validate", path], capsys)
    monkeypatch.undo()
    assert code == 2 and f"file is more than {pio.MAX_FILE_BYTES} bytes" in err
    assert sum(reads) == pio.MAX_FILE_BYTES + 1  # read one byte over the limit, no more


# --- JSON that json.loads mishandles ------------------------------------------------------

SCENARIO_TEXT = json.dumps(BASE, indent=2)

BAD_JSON = {
    "deep nesting": ("[" * 100_000 + "]" * 100_000, [":1:65: $[0][0]", "nested over 64"]),
    "deep objects": ('{"a":' * 5000 + "1" + "}" * 5000, [":1:321: $.a.a.a", "nested over 64 deep"]),
    "5000 digits": (
        SCENARIO_TEXT.replace('"count": 3', '"count": ' + "7" * 5000),
        [":9:16: $.hostage_cohorts[0].count: a number 5000 characters long; the limit is 40"],
    ),
    "NaN": (
        SCENARIO_TEXT.replace('"count": 3', '"count": NaN'),
        [":9:16: $.hostage_cohorts[0].count: NaN is not"],
    ),
    "Infinity": (
        SCENARIO_TEXT.replace('"count": 3', '"count": Infinity'),
        [":9:16: $.hostage_cohorts[0].count: Infinity is not a JSON number"],
    ),
    "-Infinity": (
        SCENARIO_TEXT.replace('"count": 3', '"count": -Infinity'),
        [":9:16: $.hostage_cohorts[0].count: -Infinity is not a JSON number"],
    ),
    "1e999": (
        SCENARIO_TEXT.replace('"horizon_hours": 300', '"horizon_hours": 1e999'),
        [":3:20: $.horizon_hours: the number 1e999 is too large"],
    ),
    "duplicate key at the top": (
        SCENARIO_TEXT.replace('"name": "tiny",', '"name": "tiny", "name": "other",'),
        [":2:19: $: duplicate key 'name' (first at line 2 column 3)"],
    ),
    "duplicate key nested": (
        SCENARIO_TEXT.replace('"count": 2,', '"count": 2, "count": 9,'),
        [":14:19: $.hostage_cohorts[1]: duplicate key 'count' (first at line 14 column 7)"],
    ),
    "duplicate key in a list in a list": (
        '{"a": [[{"b": 1}, {"c": 1, "c": 2}]]}',
        [":1:28: $.a[0][1]: duplicate key 'c' (first at line 1 column 20)"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_hostile_json_exits_2_with_the_place(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = BAD_JSON[case]
    path = write(tmp_path, text)
    code, err = run(["validate", path], capsys)
    assert code == 2
    for fragment in expected:
        assert f"{path}{fragment}" in err if fragment[0] == ":" else fragment in err, err


def test_deep_nesting_in_a_plan_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '{"stages": ' + "[" * 50_000 + "]" * 50_000 + "}", "plan.json")
    code, err = run(["compare", path, path], capsys)
    assert code == 2 and "nested over 64 deep" in err


def test_invalid_utf8_names_the_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = SCENARIO_TEXT.replace('"tiny"', '"ti\x00ny"').encode().replace(b"\x00", b"\xff")
    path = write(tmp_path, data)
    offset = data.index(b"\xff")
    column = offset - data.rindex(b"\n", 0, offset)  # ASCII before it on its line
    code, err = run(["validate", path], capsys)
    assert code == 2
    msg = f"not UTF-8 text at byte {offset}: invalid start byte (0xff)"
    assert f"{path}:2:{column}: $: {msg}" in err


def test_a_control_character_in_a_key_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, json.dumps({**BASE, "\x1b[2J": 1}))
    code, err = run(["validate", path], capsys)
    assert code == 2 and '$["\\u001b[2J"]: unknown key' in err and "\x1b" not in err


def test_the_real_files_are_well_within_the_limits() -> None:
    files = [*ROOT.glob("seeds/*/scenario.json"), *ROOT.glob("examples/*.json")]
    assert files
    for f in files:
        pio.parse_json_text(f.read_text(), str(f))  # no duplicate key, depth, number trouble


# --- plans: bounded numbers, a size that reads back ---------------------------------------


@pytest.fixture(scope="module")
def tiny_plan() -> dict[str, Any]:
    return json.loads(solved(tiny()).to_json())


@pytest.mark.parametrize(
    ("where", "field"),
    [("stage", "start_hour"), ("top", "seed"), ("metrics", "completion_hour")],
)
def test_a_plan_with_an_int_of_2_to_the_63_is_refused(
    where: str,
    field: str,
    tiny_plan: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = copy.deepcopy(tiny_plan)
    target = {"stage": plan["stages"][0], "top": plan, "metrics": plan["metrics"]}[where]
    target[field] = 2**63
    bad = write(tmp_path, json.dumps(plan), "bad.json")
    good = write(tmp_path, json.dumps(tiny_plan), "good.json")
    scenario = write(tmp_path, json.dumps(BASE))
    html = tmp_path / "r.html"
    for args in (
        ["check", scenario, bad],
        ["report", bad, "-o", str(html)],
        ["report", bad, "--scenario", scenario, "-o", str(html)],
        ["compare", good, bad],
    ):
        code, err = run(args, capsys)
        assert code == 2, args
        assert re.search(rf"{re.escape(bad)}:1:\d+: \$\.", err), err
        assert "less than or equal to" in err, err
    assert not html.exists()


def test_a_plan_too_large_to_read_back_is_not_written(
    tiny_plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = json.dumps(tiny_plan, indent=2) + "\n"
    assert plan_text_checked(text) is text
    monkeypatch.setattr(pio, "MAX_PLAN_BYTES", len(text) - 1)
    with pytest.raises(InputError, match="over the .* bytes that planner reads back"):
        plan_text_checked(text)
    assert MAX_PLAN_BYTES > pio.MAX_FILE_BYTES


def test_a_plan_over_the_scenario_limit_still_loads(
    tiny_plan: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "big.json"
    text = json.dumps(tiny_plan, indent=2)
    path.write_text(text + " " * (pio.MAX_FILE_BYTES + 1 - len(text)))
    assert load_plan(path).scenario == "tiny"


# --- write_atomic: the mode open() would give ---------------------------------------------


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_write_atomic_gives_a_new_file_the_umask_mode(
    umask: int, mode: int, tmp_path: Path
) -> None:
    old = os.umask(umask)
    try:
        assert pio.current_umask() == umask
        write_atomic(tmp_path / "plan.json", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "plan.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_write_atomic_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old\n")
    target.chmod(0o640)
    old = os.umask(0o077)
    try:
        write_atomic(target, "new\n")
    finally:
        os.umask(old)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_write_atomic_failure_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "plan.json").mkdir()
    with pytest.raises(pio.OutputError, match="cannot write"):
        write_atomic(tmp_path / "plan.json", "{}\n")
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


# --- check_output_path: before a long solve -----------------------------------------------


def refused(path: str | Path, inputs: list[str | None] | None = None) -> str:
    with pytest.raises(InputError) as info:
        check_output_path(path, inputs=inputs or [])
    assert info.value.source == "command line" and info.value.problems[0][0] == "-o"
    return info.value.render()


def test_check_output_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check_output_path(tmp_path / "plan.json", inputs=[None, "jan-2025-phase1"])
    assert "does not exist" in refused(tmp_path / "nope" / "plan.json")
    assert "is a folder" in refused(tmp_path)
    scenario = write(tmp_path, SCENARIO_TEXT)
    assert "is an input file" in refused(scenario, [scenario])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert "is an input file" in refused("sub/../s.json", [scenario])
    os.symlink(scenario, tmp_path / "link.json")
    assert "is an input file" in refused("link.json", ["s.json"])
    check_output_path("other.json", inputs=["s.json", None])
    if Path("/dev/null").exists():
        assert "not a regular file" in refused("/dev/null")
    seed = pio.seeds_dir() / "nov-2023-truce" / "scenario.json"
    assert "is an input file (nov-2023-truce)" in refused(seed, ["nov-2023-truce"])
    assert "is an input file (the seed)" in refused(pio.default_scenario_path(), [None])


def test_check_output_path_when_creating_files_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What an unwritable folder does, even for root (os.access would say yes)."""

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pio.tempfile, "mkstemp", denied)
    msg = refused(tmp_path / "plan.json")
    assert f"cannot create files in the folder {str(tmp_path)!r}: Permission denied" in msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any folder")
def test_check_output_path_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert "cannot create files in the folder" in refused(folder / "plan.json")
    finally:
        folder.chmod(0o700)


# --- write_stdout: a full disk, a closed pipe ---------------------------------------------

STDOUT_CODE = (
    "import sys\n"
    "from planner.io import OutputError, write_stdout\n"
    "try:\n"
    "    write_stdout(sys.argv[1] * int(sys.argv[2]))\n"
    "except OutputError as exc:\n"
    "    assert exc.reported\n"
    "    sys.exit(141 if exc.broken_pipe else 5)\n"
)


def check_one_line(stderr: str) -> None:
    assert stderr.count("\n") == 1 and "standard output: cannot write" in stderr, stderr
    assert "Exception ignored" not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("size", [10, 1_000_000])
def test_write_stdout_to_a_full_disk(size: int) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-c", STDOUT_CODE, "x", str(size)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            check=False,
        )
    assert proc.returncode == 5
    check_one_line(proc.stderr)
    assert "No space left on device" in proc.stderr


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "python -u"])
def test_write_stdout_to_a_closed_pipe(unbuffered: bool) -> None:
    """As ``| head -c1``: the reader takes a byte and leaves while the rest is being written
    (unbuffered, the text layer drops what a partial write left over, and says nothing)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update({"PYTHONUNBUFFERED": "1"} if unbuffered else {})
    writer = subprocess.Popen(
        [sys.executable, "-c", STDOUT_CODE, "x", "1000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert writer.stdout is not None
    head = subprocess.run(  # head -c1
        [sys.executable, "-c", "import os, sys; sys.stdout.write(os.read(0, 1).decode())"],
        stdin=writer.stdout,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    writer.stdout.close()
    _, stderr = writer.communicate(timeout=30)
    assert head.stdout == "x"
    assert writer.returncode == 141
    check_one_line(stderr)
    assert "the reader closed the pipe" in stderr


# --- compare: a plan's strings reach the terminal escaped ---------------------------------


def test_compare_escapes_control_characters(
    tiny_plan: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = copy.deepcopy(tiny_plan)
    stage = other["stages"][0]
    stage["site"] = "\x1b[2J"
    stage["line_in_force"] = "a\rb"
    stage["hostages"] = {"\x1b]0;owned\x07": 1, **stage["hostages"]}
    other["withdrawals"][0]["line"] = "\u202eevil"
    a = write(tmp_path, json.dumps(tiny_plan), "a.json")
    b = write(tmp_path, json.dumps(other), "b\x1bb.json")
    assert main(["compare", a, b]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\r", "\x07", "\u202e"):
        assert raw not in out
    for shown in (r"'\x1b[2J'", r"'a\rb'", r"'\x1b]0;owned\x07' 1", r"'\u202eevil'", r"b\x1bb"):
        assert shown in out, (shown, out)


def test_write_stdout_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    print("before", end=" ")
    pio.write_stdout("h\u00e9llo\n")
    assert capsys.readouterr().out == "before h\u00e9llo\n"
