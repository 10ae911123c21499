"""Where a JSON path is in JSON text: (line, column) of a key or a value, for error messages.

One linear pass over the text (a regular-expression tokeniser, no recursion) finds every value
of the document with its JSON path, spelt as ``planner.io.json_path`` spells it (``$.a[2].b``,
keys with control characters as ``["\\u001b"]``). Lines and columns count from 1; a column
counts characters (code points), as ``json.JSONDecodeError`` does. Any text is scanned without
error; on text ``json`` accepted, the positions are exact. Nothing here imports planner.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import NamedTuple

# A JSON string (an unterminated one runs to the end of the text, so that no scan restarts
# inside it: linear time on any text), a bracket or separator, or any other literal.
STRING = r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)'
TOKENS = re.compile(STRING + r'|[\[\]{}:,]|[^\s\[\]{}:,"]+', re.S)
_NEWLINES = re.compile("\n")


_PATH_CHARS = re.compile(r'[.\[\]"\\]')


def key_part(key: str) -> str:
    r"""One step of a JSON path: ``.key``, or ``["key"]`` (JSON-escaped) for a key that is
    empty, has control characters or has a character of the path's own syntax (``. [ ] " \``),
    so that ``{"a.b": 1}`` and ``{"a": {"b": 1}}`` have different paths."""
    if key and key.isprintable() and not _PATH_CHARS.search(key):
        return f".{key}"
    return f"[{json.dumps(key)}]"


def _key(token: str) -> str:
    if "\\" not in token and len(token) > 1 and token.endswith('"'):
        return token[1:-1]
    try:
        key = json.loads(token)
    except ValueError:  # an unterminated string: only in text json refused
        return token[1:]
    return key if isinstance(key, str) else token


class Spot(NamedTuple):
    """A value of the document: its path, the offset of its object (-1: not in an object),
    its key (if in an object) and the offsets of its key (-1: none) and value."""

    path: str
    parent: int
    key: str | None
    key_at: int
    value_at: int


class _Frame:  # an open object or array while walking the text
    __slots__ = ("at", "child", "index", "is_object", "key", "key_at", "path")

    def __init__(self, path: str, at: int, is_object: bool):
        self.path, self.at, self.is_object, self.index = path, at, is_object, 0
        self.child: str | None = None if is_object else f"{path}[0]"
        self.key: str | None = None
        self.key_at = -1


class Walker:
    """Walks the tokens of a text, up to the offset ``stop`` (-1: the end)."""

    def __init__(self, text: str, stop: int = -1):
        self.text, self.stop = text, stop
        self.stack: list[_Frame] = []

    def spots(self) -> Iterator[Spot]:
        """Every value in document order (a container before what it holds)."""
        stack, expect_key = self.stack, False
        for m in TOKENS.finditer(self.text):
            start, tok = m.start(), m.group()
            if 0 <= self.stop <= start:
                return
            first = tok[0]
            if first in ",:]}":
                expect_key = self._separator(first)
            elif expect_key:
                top = stack[-1]
                top.key, top.key_at = _key(tok), start
                top.child, expect_key = top.path + key_part(top.key), False
            else:
                top = stack[-1] if stack else None
                path = (top.child or top.path) if top is not None else "$"
                if top is None or not top.is_object:
                    yield Spot(path, -1, None, -1, start)
                else:
                    yield Spot(path, top.at, top.key, top.key_at, start)
                if first in "[{":
                    stack.append(_Frame(path, start, first == "{"))
                    expect_key = first == "{"

    def _separator(self, tok: str) -> bool:
        """Step over , : ] or }; True when a key comes next."""
        stack = self.stack
        if tok in "]}":
            if stack:
                stack.pop()
            return False
        if tok == ":" or not stack:
            return False
        top = stack[-1]
        top.index += 1
        if top.is_object:
            top.child, top.key, top.key_at = None, None, -1
            return True
        top.child = f"{top.path}[{top.index}]"
        return False

    def path_here(self) -> str:
        """After walking to ``stop``: the path of what is being read there."""
        if not self.stack:
            return "$"
        top = self.stack[-1]
        return top.child or top.path


def path_at(text: str, offset: int) -> str:
    """The JSON path of the value being read at ``offset`` (of any text, even invalid)."""
    walker = Walker(text, max(offset, 0))
    for _ in walker.spots():
        pass
    return walker.path_here()


class JsonIndex:
    """The positions of every value (and key) of one JSON text, found in one pass."""

    def __init__(self, text: str):
        self.text = text
        self.spots: dict[str, Spot] = {}
        for spot in Walker(text).spots():
            self.spots.setdefault(spot.path, spot)  # a duplicate key: the first one
        self._newlines = [m.start() for m in _NEWLINES.finditer(text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of an offset of the text."""
        line = bisect_right(self._newlines, offset - 1)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def spot(self, path: str) -> Spot | None:
        """The value at ``path``, or else the nearest enclosing value that exists (a missing
        key: its object); None when the path names nothing of the text (not a ``$`` path)."""
        found = self.spots.get(path)
        cut = len(path)
        while found is None and cut > 1:
            cut = max(path.rfind(".", 0, cut), path.rfind("[", 0, cut))
            if cut < 1:
                break
            found = self.spots.get(path[:cut])
        if found is None and path.startswith("$"):
            found = self.spots.get("$")
        return found

    def position(self, path: str, *, key: bool = False) -> tuple[int, int] | None:
        """(line, column) of the value at ``path`` (``key``: of its key, where it has one and
        the path itself was found), or of the nearest enclosing value; None: not found."""
        found = self.spot(path)
        if found is None:
            return None
        exact = found.path == path
        offset = found.key_at if key and exact and found.key_at >= 0 else found.value_at
        return self.line_column(offset)


__all__ = ["STRING", "TOKENS", "JsonIndex", "Spot", "Walker", "key_part", "path_at"]
