"""Ctrl-C stops the search: exit 130, "interrupted", the prior output file intact, no hang.

CP-SAT's own SIGINT handler is off; the search runs on a worker thread and the main thread
stops it (``planner.solver.control``). Each run below interrupts a real search on the January
2025 seed at a different moment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from planner import explain, load_scenario, solve
from planner.errors import Interrupted

RUNS = 5
PRIOR = '{"prior": "plan file from an earlier run"}\n'


def _interrupt(argv: list[str], delay: float, tmp_path: Path) -> tuple[int, float, str]:
    """Start ``planner ARGV``, send SIGINT after ``delay`` s; exit code, seconds from the
    signal to the exit, stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    time.sleep(delay)
    assert proc.poll() is None, f"finished before the interrupt: {proc.communicate()}"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{argv}: still running 30 s after SIGINT (hang)")
    return proc.returncode, time.monotonic() - sent, err


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "jan-2025-phase1"],
        ["solve", "jan-2025-phase1", "--alternatives", "10", "--time-limit", "600"],
    ],
    ids=["explain", "solve-alternatives"],
)
def test_sigint_mid_search_exits_130_and_keeps_the_prior_output(
    argv: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    for i in range(RUNS):
        out.write_text(PRIOR)
        before = out.stat().st_mtime_ns
        delay = 1.5 + 0.3 * i  # after start-up (imports take about 0.6 s), mid-search
        code, took, err = _interrupt(
            [*argv, "-o", str(out)] if argv[0] == "solve" else argv, delay, tmp_path
        )
        assert code == 130, (i, code, err[-2000:])
        assert took < 5.0, (i, took)
        assert "interrupted" in err and "Traceback" not in err, err[-2000:]
        assert out.read_text() == PRIOR and out.stat().st_mtime_ns == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temp files


def _stop_after(seconds: float) -> threading.Event:
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    return stop


def test_library_stop_hook_stops_solve_and_explain() -> None:
    sc = load_scenario("jan-2025-phase1")
    for run in (
        lambda stop: solve(sc, alternatives=10, time_limit=600, stop=stop),
        lambda stop: explain(sc, stop=stop),
    ):
        stop = _stop_after(1.0)
        began = time.monotonic()
        with pytest.raises(Interrupted):
            run(stop)
        assert time.monotonic() - began < 6.0


def test_a_stop_set_before_the_call_stops_at_once() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(Interrupted):
        solve(load_scenario(), stop=stop)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigint_in_process_gives_130(capsys: pytest.CaptureFixture[str]) -> None:
    """The same through ``main()`` in this process: the handler is installed for the command
    and removed after it."""
    from planner.cli import main

    before = signal.getsignal(signal.SIGINT)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    assert main(["explain", "jan-2025-phase1"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is before
