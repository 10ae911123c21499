"""THE RULE CATALOGUE: one pydantic class per rule kind (see ``base.RuleBase`` for what each
carries). The ``Rule`` union, ``RULE_KINDS`` and ``INDIVIDUAL_KINDS`` are derived from the classes
registered by the family modules below, never kept by hand."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated, Any

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
INDIVIDUAL_KINDS: tuple[str, ...] = tuple(
    cls.kind_name() for cls in RULE_CLASSES if "people" in cls.model_fields
)
RULE_CLASS: dict[str, type[RuleBase]] = {cls.kind_name(): cls for cls in RULE_CLASSES}


def rules_of(rules: Any, cls: type[RuleBase]) -> list[Any]:
    """The rules of one class, in scenario order."""
    return [r for r in rules if isinstance(r, cls)]


__all__ = [
    "FAMILIES",
    "INDIVIDUAL_KINDS",
    "RULE_CLASS",
    "RULE_CLASSES",
    "RULE_KINDS",
    "Relax",
    "Rule",
    "RuleBase",
    "rule_kind",
    "rules_of",
    *capacity.__all__,
    *exchange.__all__,
    *individuals.__all__,
    *timing.__all__,
]
