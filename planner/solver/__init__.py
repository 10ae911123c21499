"""The solve layer: runs CP-SAT on a built model and turns its answers into plans.

- ``control``: one search on a worker thread: Ctrl-C, the stop hook, MODEL_INVALID named
- ``run``: solver factory (with pass-through parameters and a log switch), lexicographic steps
- ``decode``: CP-SAT values -> Plan (objective values as CP-SAT found them)
- ``conflict``: minimal conflicting rule sets (assumption cores, shrunk by deletion)
- ``alternatives``: structurally different plans (no-good cuts)
- ``solve``: ``solve()``, which builds, runs, decodes, then finds alternatives or a conflict,
  and verifies every plan

Nothing here imports ``planner.explainer``; explain builds on this package.
"""

from __future__ import annotations

from planner.solver.conflict import Conflict, minimal_conflict
from planner.solver.control import Interrupted, ModelInvalid
from planner.solver.decode import decode
from planner.solver.run import (
    Lexicographic,
    SolverOptions,
    Status,
    StepReport,
    lexicographic,
    make_solver,
    named_values,
)
from planner.solver.solve import MAX_ALTERNATIVES, SolveResult, solve

__all__ = [
    "MAX_ALTERNATIVES",
    "Conflict",
    "Interrupted",
    "ModelInvalid",
    "Lexicographic",
    "SolveResult",
    "SolverOptions",
    "Status",
    "StepReport",
    "decode",
    "lexicographic",
    "make_solver",
    "minimal_conflict",
    "named_values",
    "solve",
]
