"""Exceptions the library raises besides bad input (``planner.io.InputError``); importing
this module loads nothing else, so the command line can catch them without loading CP-SAT."""

from __future__ import annotations


class Interrupted(Exception):
    """The search was stopped on request (the stop hook was set): nothing was decided."""


class ModelInvalid(ValueError):
    """CP-SAT rejected the model as invalid: a number out of range, or a bug. ``path`` is the
    JSON path of the part of the scenario whose numbers made it (``$`` if none alone did)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")
