"""'did you mean': the nearest of the allowed words to a misspelt one, for error messages.

``did_you_mean`` is plain difflib; ``allowed_keys`` reads, from a pydantic model, the keys the
object at a pydantic error location may have (through lists, dicts, optional values and tagged
unions such as the rules). Nothing here imports the rest of planner, so the scenario layer can
use it too.
"""

from __future__ import annotations

import difflib
import types
from bisect import bisect_left
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

CUTOFF = 0.6
MAX_SUGGESTIONS = 3
NEAR_BEST = 0.1  # a word much further than the closest one is no suggestion
MAX_HINTS = 100  # problems of one file given a suggestion: the first ones
WINDOW = 50  # words looked at either side of a word in a large set (see Choices)


class Choices:
    """The allowed words, sorted once, to look up those near a word: every one of a small
    set; of a large one (thousands of member ids), those next to the word in sorted order
    and, spelt backwards, in sorted order of their ends (a typo late or early in the word),
    so that each look-up compares at most 4 * WINDOW words."""

    def __init__(self, allowed: Iterable[str]):
        self.words = sorted({str(a) for a in allowed})
        large = len(self.words) > 4 * WINDOW
        self.backwards = sorted(w[::-1] for w in self.words) if large else []

    def near(self, word: str) -> list[str]:
        if not self.backwards:
            return self.words
        ahead = _window(self.words, word)
        behind = [w[::-1] for w in _window(self.backwards, word[::-1])]
        return sorted({*ahead, *behind})


def _window(words: list[str], word: str) -> list[str]:
    i = bisect_left(words, word)
    return words[max(0, i - WINDOW) : i + WINDOW]


def close_matches(word: str, allowed: Iterable[str] | Choices) -> list[str]:
    """At most MAX_SUGGESTIONS allowed words close to ``word``, the closest first: those
    within NEAR_BEST of the closest (exchange_ration: exchange_ratio, not preparation)."""
    choices = allowed if isinstance(allowed, Choices) else Choices(allowed)
    near = [w for w in choices.near(word) if w != word]
    found = difflib.get_close_matches(word, near, n=MAX_SUGGESTIONS, cutoff=CUTOFF)
    ratios = [difflib.SequenceMatcher(None, word, f).ratio() for f in found]
    return [f for f, r in zip(found, ratios, strict=True) if r >= ratios[0] - NEAR_BEST]


def did_you_mean(word: object, allowed: Iterable[str] | Choices) -> str:
    """`` — did you mean 'x'?`` (or ``one of 'x', 'y'``), to end a message; '' when nothing
    allowed is close (or ``word`` is not a string)."""
    if not isinstance(word, str) or not word:
        return ""
    found = close_matches(word, allowed)
    if not found:
        return ""
    if len(found) == 1:
        return f" — did you mean {found[0]!r}?"
    return f" — did you mean one of {', '.join(repr(w) for w in found)}?"


def _unwrapped(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    """The types a union allows (a single type: itself), without None."""
    tp = _unwrapped(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_unwrapped(a) for a in get_args(tp) if a is not type(None)]
    return [tp]


def _tag(cls: Any) -> str | None:
    """The literal of a tagged union member's ``kind`` field (the rules' discriminator)."""
    field = cls.model_fields.get("kind") if isinstance(cls, type) else None
    if field is None or get_origin(_unwrapped(field.annotation)) is not Literal:
        return None
    return str(get_args(_unwrapped(field.annotation))[0])


def _step(tp: Any, part: Any) -> Any:
    """The type one location step inside ``tp`` leads to (None: unknown). A union's tag, which
    pydantic inserts in the location of a tagged union's member, leads to that member."""
    options = _members(tp)
    models = [t for t in options if isinstance(t, type) and issubclass(t, BaseModel)]
    if isinstance(part, str) and len(models) > 1:
        tagged = {_tag(m): m for m in models}
        if part in tagged:
            return tagged[part]
    for t in options:
        origin = get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
            if part in t.model_fields:
                return t.model_fields[part].annotation
        elif origin in (list, tuple, set, frozenset) and isinstance(part, int):
            args = [a for a in get_args(t) if a is not Ellipsis]
            if args:
                return args[min(part, len(args) - 1)]
        elif origin is dict and isinstance(part, str):
            return get_args(t)[1]
    return None


def type_at(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The declared type at a pydantic error location (None: not found)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return None
    return tp


def _model_of(tp: Any) -> type[BaseModel] | None:
    models = [t for t in _members(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if len(models) == 1 else None


def allowed_keys(
    model: type[BaseModel], loc: tuple[Any, ...], data: Any = None
) -> list[str]:
    """The keys the object holding ``loc``'s last key may have, as the file spells them (a
    field's alias, ``$schema``), less those it has already ([]: not known). For a rule,
    pydantic's location holds the rule's kind, which names the class."""
    found = _model_of(type_at(model, loc[:-1]))
    if found is None:
        return []
    present = set(_object_at(data, loc[:-1]) or ())
    keys = [field.alias or name for name, field in found.model_fields.items()]
    return [k for k in keys if k not in present]


def _object_at(data: Any, loc: tuple[Any, ...]) -> dict[str, Any] | None:
    """The object of ``data`` at a pydantic location (parts naming no key, such as a rule's
    kind tag, are passed over); None when there is none."""
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        in_object = isinstance(node, dict) and isinstance(part, str) and part in node
        if in_list or in_object:
            node = node[part]
    return node if isinstance(node, dict) else None


__all__ = ["MAX_HINTS", "Choices", "allowed_keys", "close_matches", "did_you_mean", "type_at"]
