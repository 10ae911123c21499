"""Reading scenarios and plans safely, and writing outputs atomically.

Scenario files are untrusted: they are parsed with ``json`` only (no eval, no pickle), their
size is limited before parsing, and every problem is reported with its JSON path.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.plan import Plan
from planner.scenario import RULE_KINDS, Scenario, ScenarioProblems

MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_SEED = "gaza-2025-phase1"


class InputError(Exception):
    """Bad input: one (json path, message) pair per problem. The CLI exits 2 on it."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(f"{self.source}: {path}: {msg}" for path, msg in self.problems)


def json_path(loc: tuple[Any, ...]) -> str:
    """pydantic error location -> JSON path ($.rules[2].hour); discriminator tags dropped."""
    out = "$"
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in RULE_KINDS and out.startswith("$.rules"):
            pass  # the tag pydantic inserts for a discriminated union member
        else:
            out += f".{part}"
        prev = part
    return out


def _found(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_problems(err: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for e in err.errors(include_url=False):
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, ScenarioProblems):
            problems.extend(cause.problems)
            continue
        path = json_path(tuple(e["loc"]))
        kind = e["type"]
        if kind == "missing":
            problems.append((path, "expected this field, found nothing"))
        elif kind == "extra_forbidden":
            problems.append((path, "unknown key (not part of the format)"))
        else:
            msg = e["msg"].removeprefix("Value error, ")
            problems.append((path, f"expected: {msg}; found {_found(e.get('input'))}"))
    return problems


def parse_json_text(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            source, [(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")]
        ) from None


def read_json_file(path: str | Path) -> Any:
    p = Path(path)
    source = str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(source, [("$", f"cannot read file: {exc.strerror}")]) from None
    if size > MAX_FILE_BYTES:
        raise InputError(source, [("$", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")])
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, [("$", f"cannot read file as UTF-8 text: {exc}")]) from None
    return parse_json_text(text, source)


def _validate(model: type[BaseModel], data: Any, source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(source, validation_problems(err)) from None


def scenario_from_data(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed JSON data (a dict) into a Scenario, or raise InputError: the
    schema's checks, then that every route the plan needs exists (``planner.network``)."""
    from planner.network import route_problems  # the route graph loads only when needed

    sc: Scenario = _validate(Scenario, data, source)
    problems = route_problems(sc)
    if problems:
        raise InputError(source, problems)
    return sc


def seeds_dir() -> Path:
    """Folder of the packaged seeds: ``planner.seeds`` once installed, ``seeds/`` in a checkout."""
    try:
        return Path(str(resources.files("planner.seeds")))
    except ModuleNotFoundError:  # running from a source tree without installing
        return Path(__file__).resolve().parent.parent / "seeds"


def default_scenario_path() -> Path:
    """The packaged seed scenario (works after a non-editable install, from any directory)."""
    return seeds_dir() / DEFAULT_SEED / "scenario.json"


def seed_names() -> list[str]:
    root = seeds_dir()
    return sorted(p.name for p in root.iterdir() if (p / "scenario.json").is_file())


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and fully validate a scenario file; no path: the packaged seed case.

    A bare seed name (``"jan-2025-phase1"``) loads that packaged seed.
    Raises ``InputError`` listing every problem with its JSON path.
    """
    if path is None:
        path = default_scenario_path()
    elif not Path(path).exists():
        seeds = seed_names()
        if str(path) not in seeds:
            raise InputError(
                str(path),
                [("$", f"no such file, and not the name of a packaged seed ({', '.join(seeds)})")],
            )
        path = seeds_dir() / str(path) / "scenario.json"
    return scenario_from_data(read_json_file(path), str(path))


def load_plan(path: str | Path) -> Plan:
    return _validate(Plan, read_json_file(path), str(path))


def write_atomic(path: str | Path, text: str) -> None:
    """Write text to path via a temporary file in the same folder and a rename."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
