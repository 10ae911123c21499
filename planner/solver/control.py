"""Running one CP-SAT search so that it can be stopped, and so that no status is misread.

- **Ctrl-C.** CP-SAT's own SIGINT handler is off (``catch_sigint_signal`` false in
  ``make_solver``) and the search runs on a worker thread (the C++ solve releases the GIL)
  while the calling thread waits, so the signal reaches Python in the main thread. The command
  line turns it into the stop hook below; elsewhere it is a ``KeyboardInterrupt``, raised on
  once the search has stopped (``stop_search()``, repeated until the solve returns: a stop
  that arrives before the search has started is ignored).
- **Stop hook.** Library callers pass a ``threading.Event`` to ``solve``/``explain``
  (``stop=``); setting it from any thread stops the running search and raises ``Interrupted``.
- **Statuses.** ``MODEL_INVALID`` is never "no answer in time": ``ModelInvalid`` names the rule
  (or part of the scenario) whose numbers CP-SAT rejects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ortools.sat.python import cp_model

from planner.errors import Interrupted, ModelInvalid

if TYPE_CHECKING:
    from planner.model.builder import BuiltModel

_STOP: ContextVar[threading.Event | None] = ContextVar("planner_stop", default=None)
POLL_SECONDS = 0.05


@contextmanager
def stopping(event: threading.Event | None) -> Iterator[None]:
    """Within the block, every search run by this thread stops when ``event`` is set."""
    if event is None:
        yield
        return
    token = _STOP.set(event)
    try:
        yield
    finally:
        _STOP.reset(token)


def check_stop() -> None:
    """Raise ``Interrupted`` if this thread's stop hook is set."""
    event = _STOP.get()
    if event is not None and event.is_set():
        raise Interrupted("stopped on request")


def _halt(solver: cp_model.CpSolver, worker: threading.Thread, done: threading.Event) -> None:
    """Stop the search and wait until it has returned: ``stop_search`` is repeated (a stop sent
    before the search starts is ignored); further Ctrl-Cs only repeat the stop. A worker that
    was never launched (interrupted inside ``Thread.start``) is not waited for."""
    began = time.monotonic()
    while not done.is_set():
        try:
            solver.stop_search()
            done.wait(POLL_SECONDS)
            if worker.ident is None and time.monotonic() - began > 1.0:
                return  # the thread never started: nothing runs
        except KeyboardInterrupt:
            continue


def run_search(
    solver: cp_model.CpSolver, model: cp_model.CpModel, built: BuiltModel | None = None
) -> Any:
    """``solver.solve(model)`` on a worker thread; returns CP-SAT's status.

    Raises ``Interrupted`` when the stop hook is set, ``KeyboardInterrupt`` on Ctrl-C where no
    handler turns it into the stop hook (both only once the search has returned: no search
    outlives the call), and ``ModelInvalid`` (naming the rule, with ``built``) on MODEL_INVALID.
    """
    check_stop()
    event = _STOP.get()
    box: dict[str, Any] = {}
    cancelled, done = threading.Event(), threading.Event()

    def work() -> None:
        try:
            if not cancelled.is_set():
                box["code"] = solver.solve(model)
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name="cp-sat", daemon=True)
    try:
        worker.start()
        while not done.wait(POLL_SECONDS):
            if event is not None and event.is_set():
                raise Interrupted("stopped on request")
    except BaseException:
        cancelled.set()
        _halt(solver, worker, done)
        raise
    worker.join(POLL_SECONDS)  # gone before anything forks (explain's pool): no thread at fork
    if "error" in box:
        raise box["error"]
    code = box["code"]  # CP-SAT's status (an enum comparing equal to cp_model.OPTIMAL etc.)
    if code == cp_model.MODEL_INVALID:
        raise invalid_model(model, built)
    if event is not None and event.is_set():
        raise Interrupted("stopped on request")  # the stop may have ended the search
    return code


def invalid_model(model: cp_model.CpModel, built: BuiltModel | None) -> ModelInvalid:
    """Which part of the scenario makes CP-SAT reject the model: the first rule whose own
    constraints are invalid on their own, else the objective, else the scenario as a whole."""
    reason = (model.validate() or "rejected by CP-SAT").strip().splitlines()[0][:300]
    if built is None:
        return ModelInvalid("$", f"CP-SAT rejects the model ({reason})")
    sc = built.vars.sc
    for i, r in enumerate(sc.rules):
        first, end = built.spans.get(r.id, (0, 0))
        if end > first and _invalid_alone(model, first, end):
            numbers = ", ".join(
                f"{name}={value}"
                for name, value in r.model_dump(exclude_none=True).items()
                if isinstance(value, int) and not isinstance(value, bool)
            )
            return ModelInvalid(
                f"$.rules[{i}]",
                f"CP-SAT cannot use the numbers of rule {r.id!r} ({numbers or 'none'}): "
                f"a number is out of range for the model ({reason})",
            )
    if model.proto.has_objective() or model.proto.has_floating_point_objective():
        bare = model.clone()
        bare.clear_objective()
        if not bare.validate():
            return ModelInvalid(
                "$.objective", f"the objective's numbers are out of range ({reason})"
            )
    return ModelInvalid("$", f"CP-SAT rejects the model built from this scenario ({reason})")


def _invalid_alone(model: cp_model.CpModel, first: int, end: int) -> bool:
    """Are constraints ``first..end-1`` of the model invalid with its variables and intervals
    alone? Constraints refer to intervals by index, so every constraint before ``end`` keeps its
    place: intervals stay, the others outside the range become empty constraints."""
    part = cp_model.CpModel()
    part.proto.variables.extend(model.proto.variables)
    for j in range(end):
        ct = model.proto.constraints[j]
        if first <= j or ct.has_interval():
            part.proto.constraints.append(ct)
        else:
            part.proto.constraints.add()
    return bool(part.validate())
