"""THE RULE CATALOGUE: one pydantic class per rule kind (see ``base.RuleBase`` for what each
carries). The ``Rule`` union and ``RULE_KINDS`` are derived from the classes
registered by the family modules below, never kept by hand."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated

from pydantic import Field

from planner.scenario.rules import capacity, exchange, individuals, timing
from planner.scenario.rules.base import RULE_CLASSES, Relax, RuleBase, rule_kind
from planner.scenario.rules.capacity import *  # noqa: F403
from planner.scenario.rules.exchange import *  # noqa: F403
from planner.scenario.rules.individuals import *  # noqa: F403
from planner.scenario.rules.timing import *  # noqa: F403

FAMILIES = (exchange, timing, capacity, individuals)
# in family order, and in order of definition within a family (not in order of import)
RULE_CLASSES[:] = [c for fam in FAMILIES for c in RULE_CLASSES if c.__module__ == fam.__name__]

Rule = Annotated[reduce(or_, RULE_CLASSES), Field(discriminator="kind")]  # type: ignore[valid-type]

RULE_KINDS: tuple[str, ...] = tuple(cls.kind_name() for cls in RULE_CLASSES)


__all__ = [
    "FAMILIES",
    "RULE_CLASSES",
    "RULE_KINDS",
    "Relax",
    "Rule",
    "RuleBase",
    "rule_kind",
    *capacity.__all__,
    *exchange.__all__,
    *individuals.__all__,
    *timing.__all__,
]
