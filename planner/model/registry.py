"""The registry of model builders: one function per rule class, and what holds when no rule of
a class is in force. ``add_rules`` adds every rule of a scenario under its own literal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.model.variables import IntVar, Variables
from planner.scenario import RuleBase

Builder = Callable[[Variables, Any, IntVar], None]
Absent = Callable[[Variables, list[IntVar]], None]

BUILDERS: dict[type[RuleBase], Builder] = {}
# What holds when no rule of a class is in force (a default of the format). It receives the
# literals of the class's rules and holds when all of them are false, so a rule switched off
# (a conflict or fix trial) means exactly the same as the rule deleted from the file.
WHEN_ABSENT: dict[type[RuleBase], Absent] = {}


def builds(cls: type[RuleBase]) -> Callable[[Builder], Builder]:
    """Register the model builder of one rule class."""

    def register(fn: Builder) -> Builder:
        BUILDERS[cls] = fn
        return fn

    return register


def add_rules(
    v: Variables,
    literal_for: Callable[[str], IntVar],
    *,
    all_enforced: bool,
    spans: dict[str, tuple[int, int]] | None = None,
) -> dict[str, IntVar]:
    """Add every rule of the scenario, in scenario order, each under its own literal, then
    what holds where no rule of a class is in force (not needed when ``all_enforced`` and the
    class has rules). Returns rule id -> literal; ``spans`` receives, per rule id, the range
    of constraint indices its builder added (to name a rule CP-SAT rejects)."""
    lits: dict[str, IntVar] = {}
    constraints = v.model.proto.constraints
    for r in v.sc.rules:
        lits[r.id] = literal_for(r.id)
        first = len(constraints)
        BUILDERS[type(r)](v, r, lits[r.id])
        if spans is not None:
            spans[r.id] = (first, len(constraints))
    for cls, absent in WHEN_ABSENT.items():
        own = [lits[r.id] for r in v.sc.rules if isinstance(r, cls)]
        if not (own and all_enforced):
            absent(v, own)
    return lits


__all__ = ["BUILDERS", "WHEN_ABSENT", "Absent", "Builder", "add_rules", "builds"]
