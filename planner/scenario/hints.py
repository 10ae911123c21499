"""'did you mean' for the cross checks: a problem that names an unknown id gets the ids of
that kind nearest to it.

The checks (``scenario.cross_check``, each rule's ``check``, a cohort's ``held_in_problems``)
say an unknown id one way: ``expected [the id of] a <kind>[ id], found '<id>'``. ``with_hints``
reads the kind from that sentence and ends it with the nearest ids of the kind, if any are
close (``planner.suggest.did_you_mean``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from planner.scenario.base import Problem
from planner.scenario.people import HostageCohort, PrisonerCohort
from planner.scenario.places import Place, WithdrawalLine
from planner.suggest import MAX_HINTS, Choices, did_you_mean

UNKNOWN_ID = re.compile(r"expected (?:the id of )?an? ([a-z_ ]+?)(?: id)?, found '([^'\\]+)'$")


class Scenario(Protocol):
    """What of a ``planner.scenario.Scenario`` the hints read (that module imports this)."""

    @property
    def hostage_cohorts(self) -> Sequence[HostageCohort]: ...
    @property
    def prisoner_cohorts(self) -> Sequence[PrisonerCohort]: ...
    @property
    def withdrawal_lines(self) -> Sequence[WithdrawalLine]: ...
    @property
    def places(self) -> Sequence[Place]: ...
    @property
    def sites(self) -> list[str]: ...
    def places_of(self, kind: str) -> list[str]: ...
    def member_cohort(self) -> dict[str, str]: ...


def ids_by_kind(sc: Scenario) -> dict[str, list[str]]:
    """Every kind of id the checks name (the words of their messages) -> its ids."""
    hostages = [c.id for c in sc.hostage_cohorts]
    prisoners = [c.id for c in sc.prisoner_cohorts]
    return {
        "cohort": [*hostages, *prisoners],
        "hostage cohort": hostages,
        "prisoner cohort": prisoners,
        "named cohort member": list(sc.member_cohort()),
        "named member": list(sc.member_cohort()),
        "withdrawal line": [ln.id for ln in sc.withdrawal_lines],
        "place": [p.id for p in sc.places],
        "handover site": sc.sites,
        "destination place": sc.places_of("destination"),
        "place of kind prison": sc.places_of("prison"),
        "place of kind holding_area": sc.places_of("holding_area"),
    }


def with_hints(sc: Scenario, problems: list[Problem]) -> list[Problem]:
    """``problems``, each naming an unknown id of a kind the scenario has ending with
    `` — did you mean 'x'?`` when some id of that kind is close (the first MAX_HINTS)."""
    kinds: dict[str, list[str]] | None = None
    near: dict[str, Choices] = {}  # kind -> its ids, sorted once
    out: list[Problem] = []
    hinted = 0
    for path, message in problems:
        m = UNKNOWN_ID.search(message) if hinted < MAX_HINTS else None
        if m is not None:
            hinted += 1
            kinds = kinds if kinds is not None else ids_by_kind(sc)
            if m[1] in kinds:
                choices = near.get(m[1]) or near.setdefault(m[1], Choices(kinds[m[1]]))
                message += did_you_mean(m[2], choices)
        out.append((path, message))
    return out


__all__ = ["UNKNOWN_ID", "ids_by_kind", "with_hints"]
