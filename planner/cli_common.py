"""What every command of the command line shares: exit codes, printing, the stop hook."""

from __future__ import annotations

import sys
import threading

from planner.io import InputError, write_stdout
from planner.scenario import Scenario

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_TIMEOUT = 0, 1, 2, 3, 4
EXIT_OUTPUT, EXIT_INTERRUPTED, EXIT_PIPE = 74, 130, 141
STOP = threading.Event()  # the stop hook the command line passes to solve and explain


def out(text: str) -> None:
    write_stdout(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def same_scenario(path: str, name: str, sc: Scenario) -> None:
    """A file given beside a scenario (a plan, a study) is of that scenario; else InputError."""
    if name != sc.name:
        found = [("$.scenario", f"expected {sc.name!r} (the scenario given), found {name!r}")]
        raise InputError(path, found)
