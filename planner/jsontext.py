"""Untrusted JSON text: parsed with limits, and bad input reported where it is in the file.

``parse_json_text`` parses with ``json`` only (no eval, no pickle) and refuses, with their
place, nesting over MAX_DEPTH, over-long or out-of-range numbers, NaN/Infinity and duplicate
keys. ``InputError`` is every kind of bad input: one (JSON path, message) pair per problem and,
for a file, the (line, column) of each (``planner.jsonpos``), rendered as editors and CI read
them: ``file:line:column: $.path: message``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from planner.jsonpos import STRING, TOKENS, JsonIndex, Walker, key_part, path_at

MAX_DEPTH = 64  # nesting of arrays and objects (the deepest seed or example: 5, a plan: 8)
MAX_NUMBER_CHARS = 40  # a number literal (a 64-bit int has 20 characters at most)
MAX_PROBLEMS = 20  # duplicate keys listed

Position = tuple[int, int]  # (line, column), both from 1


class InputError(Exception):
    """Bad input: one (json path, message) pair per problem. The CLI exits 2 on it.

    ``positions`` runs beside ``problems``: the (line, column) of each in the source file, or
    None (data given as Python objects, a command-line option)."""

    def __init__(
        self,
        source: str,
        problems: list[tuple[str, str]],
        positions: Sequence[Position | None] | None = None,
    ):
        self.source = source
        self.problems = problems
        self.positions: list[Position | None] = list(positions or [])
        self.positions += [None] * (len(problems) - len(self.positions))
        super().__init__(self.render())

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """One line per problem: ``source:line:column: path: message`` (``source: path:
        message`` without a position)."""
        out = []
        for (path, msg), pos in zip(self.problems, self.positions, strict=False):
            where = f"{self.source}:{pos[0]}:{pos[1]}" if pos else self.source
            out.append(f"{where}: {path}: {msg}")
        return "\n".join(out)

    def located(self, text: str) -> InputError:
        """The same problems, each with its position in ``text`` (the source's JSON text):
        an unknown key's (or a key named in the message as found), else its value's, else
        that of the nearest enclosing value (a missing key: its object)."""
        index = JsonIndex(text)
        positions = [
            pos or (index.position(path, key=_about_the_key(path, msg)) if path else None)
            for (path, msg), pos in zip(self.problems, self.positions, strict=False)
        ]
        return InputError(self.source, self.problems, positions)


def _about_the_key(path: str, message: str) -> bool:
    if message.startswith("unknown key"):
        return True
    if path.endswith("]"):
        return False
    key = path[max(path.rfind("."), 0) + 1 :]
    return bool(key) and f"found {key!r}" in message


def _where(text: str, pos: int) -> str:
    line, column = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
    return f"line {line} column {column}"


def _position(text: str, pos: int) -> Position:
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def _refused(source: str, text: str, pos: int, msg: str) -> InputError:
    """One problem at an offset of the text, with the path of what is read there."""
    return InputError(source, [(path_at(text, pos), msg)], [_position(text, pos)])


_STRINGS = re.compile(STRING, re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _check_depth(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before ``json.loads`` recurses into it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets or max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))) <= MAX_DEPTH:
        return
    depth, pos = 0, 0
    for m in TOKENS.finditer(text):  # only now, to say where
        depth += _DEPTH_STEP.get(m.group(), 0)
        if depth > MAX_DEPTH:
            pos = m.start()
            break
    msg = f"arrays and objects nested over {MAX_DEPTH} deep; the limit is {MAX_DEPTH}"
    raise _refused(source, text, pos, msg)


class _BadLiteral(Exception):
    """(literal, message), raised inside ``json.loads`` by a hook; located afterwards."""


def _parse_int(literal: str) -> int:
    return int(literal) if len(literal) <= MAX_NUMBER_CHARS else _parse_float(literal)  # raises


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        msg = f"a number {len(literal)} characters long; the limit is {MAX_NUMBER_CHARS}"
        raise _BadLiteral(literal, msg)
    value = float(literal)
    if not math.isfinite(value):
        raise _BadLiteral(literal, f"the number {literal} is too large")
    return value


def _parse_constant(name: str) -> Any:
    raise _BadLiteral(name, f"{name} is not a JSON number (NaN and Infinity are not JSON)")


def _literal_error(source: str, text: str, literal: str, msg: str) -> InputError:
    # hooks run in document order: the first token with this text is the one refused
    pos = next((m.start() for m in TOKENS.finditer(text) if m.group() == literal), None)
    if pos is None:
        return InputError(source, [("$", msg)])
    return _refused(source, text, pos, msg)


def _duplicate_error(source: str, text: str) -> InputError:
    """Every key of valid JSON text that appears twice in one object, with the object's JSON
    path, at the second key (the first MAX_PROBLEMS)."""
    found: list[tuple[str, str, int, int]] = []
    seen: dict[tuple[int, str], int] = {}
    walker = Walker(text)
    for spot in walker.spots():
        if spot.key is None:
            continue
        first = seen.setdefault((spot.parent, spot.key), spot.key_at)
        if first != spot.key_at:
            parent = spot.path[: len(spot.path) - len(key_part(spot.key))]
            found.append((parent, spot.key, first, spot.key_at))
            if len(found) > MAX_PROBLEMS:
                break
    problems = [
        (path, f"duplicate key {key!r} (first at {_where(text, first)})")
        for path, key, first, _ in found[:MAX_PROBLEMS]
    ]
    positions: list[Position | None] = [_position(text, at) for *_, at in found[:MAX_PROBLEMS]]
    if len(found) > MAX_PROBLEMS:
        problems.append(("$", f"more duplicate keys (the first {MAX_PROBLEMS} are listed)"))
    return InputError(source, problems, positions)


def parse_json_text(text: str, source: str) -> Any:
    """Parse untrusted JSON text, or raise InputError: syntax, nesting over MAX_DEPTH levels,
    over-long or out-of-range numbers, NaN/Infinity, and duplicate keys (with their paths)."""
    _check_depth(text, source)
    duplicates = False

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicates
        obj = dict(pairs)
        if len(obj) != len(pairs):
            duplicates = True
        return obj

    try:
        data = json.loads(
            text,
            object_pairs_hook=pairs_to_dict,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as exc:
        where = [(exc.lineno, exc.colno)]
        problem = (path_at(text, exc.pos), f"not valid JSON: {exc.msg}")
        raise InputError(source, [problem], where) from None
    except _BadLiteral as exc:
        raise _literal_error(source, text, *exc.args) from None
    except RecursionError:  # not expected after _check_depth; never a traceback
        raise InputError(source, [("$", "arrays and objects nested too deep")]) from None
    if duplicates:
        raise _duplicate_error(source, text)
    if _SURROGATE_ESCAPE.search(text):  # only a \uD800-\uDFFF escape can make one
        _refuse_lone_surrogates(data, source, text)
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(data: Any, source: str, text: str) -> None:
    """A string holding half of a UTF-16 pair (``"\\ud800"`` alone) is no text: no output
    could be written with it. InputError at the first, with its path."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, node = stack.pop()
        items: list[tuple[str, Any]] = []
        if isinstance(node, dict):
            items = [(f"{path}{key_part(k)}", v) for k, v in node.items()]
            for key in node:
                if not _is_text(key):
                    _raise_surrogate(source, text, f"{path}{key_part(key)}", "the key")
        elif isinstance(node, list):
            items = [(f"{path}[{i}]", v) for i, v in enumerate(node)]
        elif isinstance(node, str) and not _is_text(node):
            _raise_surrogate(source, text, path, "a string")
        stack.extend(reversed(items))


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _raise_surrogate(source: str, text: str, path: str, what: str) -> None:
    msg = f"{what} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair)"
    raise InputError(source, [(path, msg)]).located(text)


__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "MAX_PROBLEMS",
    "InputError",
    "Position",
    "parse_json_text",
]
