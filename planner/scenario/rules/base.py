"""What every rule kind carries, and the registry the catalogue is read from.

A rule kind is one pydantic class: its fields (with descriptions), ``describe()`` (one sentence
quoting the rule's own numbers), ``relaxable`` (the numbers a negotiator can move, and which way
relaxes the rule) and its own reference checks (``check``, and ``check_together`` for checks
across the rules of one kind). The model builder and the verifier register one function per class
(``planner.model.rules``, ``planner.verifier.rules``); tests fail when a class lacks either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    NamedTuple,
    TypeVar,
    get_args,
    get_origin,
)

from annotated_types import Ge, Le
from pydantic import ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from planner.scenario.base import Id, Problem, Strict, range_miss

if TYPE_CHECKING:
    from planner.scenario.scenario import Scenario


class Relax(NamedTuple):
    """A number of a rule that can be moved to relax it: +1 raising relaxes, -1 lowering.
    ``step`` is the change 'what binds' tries (default: a day for hours, else 10%)."""

    field: str
    direction: int
    step: int | None = None


Basis = Literal["term", "assumption"]
BASIS_WORDS = {
    "term": "an agreed term (changing it needs the other party)",
    "assumption": "a planning assumption (cheap to revisit)",
}


def _kind_description(schema: dict[str, Any]) -> None:
    """Every rule kind's JSON Schema: ``kind`` says it selects the kind."""
    kind = schema.get("properties", {}).get("kind")
    if kind is not None and "const" in kind:
        kind.setdefault("description", f"{kind['const']}: selects this rule kind")


class RuleBase(Strict):
    """What every rule carries: a kind, an id, a description and a basis."""

    model_config = ConfigDict(json_schema_extra=_kind_description)

    id: Id = Field(
        description="the rule's id, unique in the scenario; conflict reports and verifier output "
        "name the rule by it",
        examples=["living-within-72h"],
    )
    description: str = Field(
        default="",
        max_length=2000,
        description="one line telling a reader why the rule is there (good practice)",
    )
    basis: Basis = Field(
        default="term",
        description="term: agreed by the parties (the default); assumption: a planning belief "
        "(when remains are located, how long a move takes, a capacity). Checks report broken "
        "terms apart from failed assumptions; explain says which numbers are which.",
    )

    relaxable: ClassVar[tuple[Relax, ...]] = ()

    @classmethod
    def kind_name(cls) -> str:
        """The value of ``kind`` that selects this class in a scenario file."""
        return str(get_args(cls.model_fields["kind"].annotation)[0])

    @classmethod
    def lowest(cls, field: str) -> int | None:
        """The schema's lower bound of a number (None: unbounded below)."""
        found = _constraints(cls.model_fields[field])
        bounds = [int(m.ge) for m in found if isinstance(m, Ge)]  # type: ignore[call-overload]
        return bounds[-1] if bounds else None

    @classmethod
    def highest(cls, field: str) -> int | None:
        """The schema's upper bound of a number (None: unbounded above)."""
        found = _constraints(cls.model_fields[field])
        bounds = [int(m.le) for m in found if isinstance(m, Le)]  # type: ignore[call-overload]
        return bounds[-1] if bounds else None

    def value_bounds(self, field: str) -> tuple[int | None, int | None]:
        """Bounds this rule itself puts on one of its numbers (beyond the schema's): a
        number with an uncertainty range (``range_hours``) stays inside it."""
        rng = getattr(self, "range_hours", None)
        if rng is not None and field == self.ranged_field:
            return rng[0], rng[1]
        return None, None

    ranged_field: ClassVar[str | None] = None  # the number ``range_hours`` is the range of

    @model_validator(mode="after")
    def _range_holds_its_number(self) -> RuleBase:
        """``range_hours`` [low, high], where a kind has one, contains its number."""
        if self.ranged_field is not None:
            value = getattr(self, self.ranged_field)
            miss = range_miss(getattr(self, "range_hours", None), self.ranged_field, value)
            if miss:
                raise ValueError(f"range_hours {miss}")
        return self

    def describe(self, sc: Scenario) -> str:
        """One sentence in the agreement's words, quoting the rule's own numbers."""
        raise NotImplementedError(f"{type(self).__name__} has no sentence")

    def check(self, sc: Scenario) -> Iterator[Problem]:
        """The rule's own reference checks; paths relative to the rule (``.field``)."""
        return iter(())

    @classmethod
    def check_together(cls, sc: Scenario, found: Sequence[tuple[str, Any]]) -> Iterator[Problem]:
        """Checks across every rule of this kind: ``found`` is (JSON path, rule) pairs."""
        return iter(())

    def cohorts_in_full(self) -> list[str]:
        """Cohorts this rule requires to be released in full."""
        return []

    @property
    def dropping_relaxes(self) -> bool:
        """False when deleting the rule does not relax the plan (a totals rule: without it,
        nobody need be released)."""
        return True


def _constraints(info: FieldInfo) -> list[Any]:
    """A field's constraints in the order pydantic applies them (the last one of a kind
    wins): those of the range type inside ``X | None``, then the field's own."""
    out: list[Any] = []
    for arg in get_args(info.annotation):
        if get_origin(arg) is Annotated:
            for meta in arg.__metadata__:
                out += meta.metadata if isinstance(meta, FieldInfo) else [meta]
    return out + list(info.metadata)


RULE_CLASSES: list[type[RuleBase]] = []
T = TypeVar("T", bound=type[RuleBase])


def rule_kind(cls: T) -> T:
    """Register a rule class in the catalogue (the ``Rule`` union is built from this list)."""
    RULE_CLASSES.append(cls)
    return cls
