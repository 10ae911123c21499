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
from collections.abc import Callable, Sequence
from typing import TypeVar

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


def run_all(fn: Callable[[T], R], tasks: Sequence[T], jobs: int) -> list[R]:
    """``[fn(t) for t in tasks]``, in order, on up to ``jobs`` processes (1: in this
    process). ``fn`` must be a top-level function and every task picklable."""
    if jobs <= 1 or len(tasks) <= 1:
        out = []
        for t in tasks:
            check_stop()
            out.append(fn(t))
        return out
    check_stop()
    pool = _context().Pool(min(jobs, len(tasks)), initializer=_ignore_sigint)
    try:
        pending = pool.map_async(fn, tasks, chunksize=1)
        while not pending.ready():
            pending.wait(POLL_SECONDS)
            check_stop()
        results = pending.get()
        pool.close()
        return results
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
