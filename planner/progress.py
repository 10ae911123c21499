"""Progress of long work (explain's trials, alternatives, robustness futures), on stderr.

The library reports steps through ``step(what, done, total)``; nothing is shown unless a
reporter is installed, which the command line does (``shown()``) when stderr is a terminal.
The bars are tqdm's, on stderr only, so standard output (a plan, JSON) is never touched, and
they are cleared when the work ends. Trials run in worker processes, but every step is
reported from the process that waits for their answers.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

Reporter = Callable[[str, int, int], None]
_REPORTER: ContextVar[Reporter | None] = ContextVar("planner_progress", default=None)


def step(what: str, done: int, total: int) -> None:
    """``done`` of ``total`` steps of ``what`` are finished (the total may grow as work is
    found). A no-op unless a reporter is installed."""
    reporter = _REPORTER.get()
    if reporter is not None:
        reporter(what, done, total)


class _Bars:
    """One tqdm bar per kind of work, on stderr, made when its first step is reported."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        bar = self.bars.get(what)
        if bar is None:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: the trial pools fork after a bar shows
            bar = tqdm(total=total, desc=what, file=sys.stderr, leave=False, unit="")
            self.bars[what] = bar
        if bar.total != total:
            bar.total = total
        if done != bar.n:
            bar.update(done - bar.n)  # rates from tqdm's own clock
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@contextlib.contextmanager
def shown(enabled: bool | None = None) -> Iterator[None]:
    """Show progress bars on stderr while the block runs; ``enabled`` None: only when stderr
    is a terminal (never in a pipe, a log file or a test)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    bars = _Bars()
    token = _REPORTER.set(bars)
    try:
        yield
    finally:
        _REPORTER.reset(token)
        bars.close()


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the steps of the block to ``reporter(what, done, total)`` (a library caller's own
    progress display, or a test)."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)
