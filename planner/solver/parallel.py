"""Independent solves in a process pool, stoppable like one search.

Each task runs in its own process with one CP-SAT worker and the seed it carries, so the
answers are the same as running the tasks one after another in this process, in any pool
size. The pool's processes ignore SIGINT: Ctrl-C (or the stop hook) reaches this process,
which terminates the pool at once and raises as a single search would (``Interrupted``, or
``KeyboardInterrupt`` where no handler turns Ctrl-C into the stop hook). An exception raised
by a task (``ModelInvalid``, say) is raised here.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from planner.progress import step
from planner.solver.control import POLL_SECONDS, check_stop

T = TypeVar("T")
R = TypeVar("R")

MAX_JOBS = 64


def default_jobs() -> int:
    """Every core this process may use (at most ``MAX_JOBS``)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> mp.context.BaseContext:
    # fork: the workers start at once with everything imported; elsewhere spawn (imports anew)
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def run_all(
    fn: Callable[[T], R], tasks: Sequence[T], jobs: int, *, what: str | None = None
) -> list[R]:
    """``[fn(t) for t in tasks]``, in order, on up to ``jobs`` processes (1: in this
    process). ``fn`` must be a top-level function and every task picklable. ``what``: name
    the work for the progress display (``planner.progress``)."""

    def done(n: int) -> None:
        if what is not None:
            step(what, n, len(tasks))

    if jobs <= 1 or len(tasks) <= 1:
        out = []
        for t in tasks:
            check_stop()
            out.append(fn(t))
            done(len(out))
        return out
    check_stop()
    pool = _context().Pool(min(jobs, len(tasks)), initializer=_ignore_sigint)
    try:
        answers = pool.imap(fn, tasks, chunksize=1)  # in order, as each is ready
        results: list[R] = []
        while len(results) < len(tasks):
            try:
                results.append(answers.next(timeout=POLL_SECONDS))
            except mp.TimeoutError:
                check_stop()
                continue
            done(len(results))
        pool.close()
        return results
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


class Handle:
    """A task submitted to a ``TrialPool``: its result once ``ready``."""

    def __init__(self, result: Any = None, pending: Any = None):
        self._result, self._pending = result, pending

    def ready(self) -> bool:
        return self._pending is None or self._pending.ready()

    def get(self) -> Any:
        return self._result if self._pending is None else self._pending.get()


class TrialPool:
    """Tasks submitted as they become known (a task may depend on an earlier answer), run on up
    to ``jobs`` processes (1: at once, in this process); ``finished`` waits for answers,
    stoppable like ``run_all``. Use as a context manager: leaving it by an exception (Ctrl-C,
    the stop hook) terminates the processes at once."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: Any = None

    def __enter__(self) -> TrialPool:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if self._pool is None:
            return
        if kind is None:
            self._pool.close()
        else:
            self._pool.terminate()
        self._pool.join()

    def submit(self, fn: Callable[[T], R], task: T) -> Handle:
        check_stop()
        if self.jobs <= 1:
            return Handle(result=fn(task))
        if self._pool is None:
            self._pool = _context().Pool(self.jobs, initializer=_ignore_sigint)
        return Handle(pending=self._pool.apply_async(fn, (task,)))

    def finished(self, handles: Iterable[Handle]) -> list[Handle]:
        """Wait until at least one of ``handles`` is ready; the ready ones, in their order."""
        waiting = list(handles)
        while True:
            ready = [h for h in waiting if h.ready()]
            if ready or not waiting:
                return ready
            time.sleep(POLL_SECONDS / 5)
            check_stop()
