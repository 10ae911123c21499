"""Reading scenarios and plans safely, and writing outputs atomically.

Scenario files are untrusted: they are parsed with ``json`` only (no eval, no pickle), their
size is limited before parsing, and every problem is reported with its JSON path and, for a
file, its line and column (``planner.jsontext``, ``planner.jsonpos``): ``file:line:column:
$.path: message``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.jsonpos import key_part
from planner.jsontext import InputError, parse_json_text
from planner.plan import Plan
from planner.scenario import RULE_KINDS, Scenario, ScenarioProblems
from planner.suggest import MAX_HINTS, allowed_keys, did_you_mean

MAX_FILE_BYTES = 5 * 1024 * 1024  # a scenario file
# A plan file: the largest the tool writes is far smaller (jan-2025-phase1 with 3 alternatives:
# about 0.4 MB); plan_text_checked refuses to write one that load_plan could not read back.
MAX_PLAN_BYTES = 16 * 1024 * 1024
DEFAULT_SEED = "gaza-2025-phase1"


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
            out += key_part(str(part))
        prev = part
    return out


def _found(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_problems(
    err: ValidationError, model: type[BaseModel] | None = None, data: Any = None
) -> list[tuple[str, str]]:
    """(JSON path, message) per pydantic error, with 'did you mean' for a misspelt key (the
    keys ``model`` allows there), a misspelt literal or a misspelt rule kind (the first
    MAX_HINTS problems: a file with thousands of errors is read as fast as before)."""
    problems: list[tuple[str, str]] = []
    for e in err.errors(include_url=False):
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, ScenarioProblems):
            problems.extend(cause.problems)
        else:
            hint = did_you_mean if len(problems) < MAX_HINTS else _no
            problems.append(_problem(e, model, hint, data))
    return problems


def _no(word: object, allowed: Iterable[str]) -> str:
    return ""


_QUOTED = re.compile(r"'([^']*)'")
Hint = Callable[[object, Iterable[str]], str]  # did_you_mean, or none after MAX_HINTS


def _problem(e: Any, model: type[BaseModel] | None, hint: Hint, data: Any) -> tuple[str, str]:
    loc, kind, ctx, found = tuple(e["loc"]), e["type"], e.get("ctx") or {}, e.get("input")
    path = json_path(loc)
    if kind == "missing":
        return path, "expected this field, found nothing"
    if kind == "extra_forbidden":
        known = model is not None and loc and hint is not _no
        keys = allowed_keys(model, loc, data) if known else []
        return path, "unknown key (not part of the format)" + hint(str(loc[-1]), keys)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_problem(path, ctx, found)
    msg = e["msg"].removeprefix("Value error, ")
    if _is_a_name(loc):  # sensitive: what was found is not repeated, not even in an error
        return path, f"expected: {msg}; found a value that is not repeated here (a name)"
    near = hint(found, _QUOTED.findall(ctx["expected"])) if "expected" in ctx else ""
    return path, f"expected: {msg}; found {_found(found)}{near}"


def _is_a_name(loc: tuple[Any, ...]) -> bool:
    """A member's name (``….members[i].name``), or a part of one."""
    return any(
        loc[i] == "members" and isinstance(loc[i + 1], int) and loc[i + 2] == "name"
        for i in range(len(loc) - 2)
    )


def _tag_problem(path: str, ctx: dict[str, Any], found: Any) -> tuple[str, str]:
    """A tagged union's member (a rule) whose tag (``kind``) is missing or misspelt."""
    tag = str(ctx.get("discriminator", "kind")).strip("'")
    tags = _QUOTED.findall(str(ctx.get("expected_tags", ""))) or list(RULE_KINDS)
    if "tag" in ctx:
        hint = did_you_mean(ctx["tag"], tags)
        return f"{path}{key_part(tag)}", f"expected one of {', '.join(tags)}; found " + (
            f"{_found(ctx['tag'])}{hint}"
        )
    near = [k for k in found if did_you_mean(k, [tag])] if isinstance(found, dict) else []
    hint = f"; found the key {near[0]!r} — did you mean {tag!r}?" if near else ", found nothing"
    return path, f"expected the key {tag!r} (one of {', '.join(tags)}){hint}"


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket"}
_KINDS.update({stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"})


def _not_regular(mode: int) -> str | None:
    kind = None if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "special")
    return kind and f"cannot read file: it is {kind}, not a regular file"


def _read_capped(path: str | Path, cap: int, source: str) -> bytes:
    """At most cap bytes of a regular file; anything else is refused without blocking."""

    def refuse(msg: str) -> InputError:
        return InputError(source, [("$", msg)])

    try:
        st = os.stat(path)  # does not block, whatever the file is
        if why := _not_regular(st.st_mode):
            raise refuse(why)
        if st.st_size > cap:
            raise refuse(f"file is {st.st_size} bytes; the limit is {cap}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise refuse(f"cannot read file: {getattr(exc, 'strerror', None) or exc}") from None
    chunks, total = [], 0
    try:
        if why := _not_regular(os.fstat(fd).st_mode):  # the file opened, maybe not the stat's
            raise refuse(why)
        os.set_blocking(fd, True)
        while total <= cap:  # whatever the size said: the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if total > cap:
        raise refuse(f"file is more than {cap} bytes (it grew while read); the limit is {cap}")
    return b"".join(chunks)


STDIN = "-"  # a scenario argument that reads standard input
STDIN_SOURCE = "<stdin>"


def _read_stdin(cap: int) -> bytes:
    """At most cap bytes of standard input (a pipe, a file or a terminal), read to its end."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError(STDIN_SOURCE, [("$", "standard input is closed")])
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise InputError(STDIN_SOURCE, [("$", f"more than {cap} bytes; the limit is {cap}")])
    return bytes(data)


def read_json_text(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a UTF-8 file of at most max_bytes (``-``: standard input), or raise
    InputError. A byte order mark at the start (some editors write one) is left out: no
    editor shows it, so lines and columns are counted as the editor shows them."""
    source = source_name(path)
    data = _read_stdin(max_bytes) if str(path) == STDIN else _read_capped(path, max_bytes, source)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")  # valid up to the bad byte
        where = (before.count("\n") + 1, len(before) - before.rfind("\n"))
        byte = f"0x{data[exc.start : exc.start + 1].hex()}"
        msg = f"not UTF-8 text at byte {exc.start}: {exc.reason} ({byte})"
        raise InputError(source, [("$", msg)], [where]) from None


def read_json_file(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Parse a JSON file of at most max_bytes, or raise InputError (see ``parse_json_text``)."""
    return parse_json_text(read_json_text(path, max_bytes=max_bytes), source_name(path))


def source_name(path: str | Path) -> str:
    """How messages name an input: its path, or ``<stdin>`` for ``-``."""
    return STDIN_SOURCE if str(path) == STDIN else str(path)


def _validate(model: type[BaseModel], data: Any, source: str, text: str | None = None) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise located(InputError(source, validation_problems(err, model, data)), text) from None


def located(exc: InputError, text: str | None) -> InputError:
    """``exc`` with the line and column of each problem in ``text`` (None: as it is)."""
    return exc if text is None else exc.located(text)


def scenario_from_data(
    data: Any, source: str = "<scenario>", *, text: str | None = None
) -> Scenario:
    """Validate already-parsed JSON data (a dict) into a Scenario, or raise InputError: the
    schema's checks, then that every route the plan needs exists (``planner.network``).
    ``text``: the JSON text ``data`` was parsed from, to give each problem its line."""
    from planner.network import route_problems  # the route graph loads only when needed

    sc: Scenario = _validate(Scenario, data, source, text)
    problems = route_problems(sc)
    if problems:
        raise located(InputError(source, problems), text)
    return sc


def load_json_model(model: type[BaseModel], path: str | Path, max_bytes: int) -> Any:
    """A JSON file validated as ``model``; InputError with each problem's line and column."""
    text, source = read_json_text(path, max_bytes=max_bytes), source_name(path)
    return _validate(model, parse_json_text(text, source), source, text)


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

    A bare seed name (``"jan-2025-phase1"``) loads that packaged seed; ``"-"`` reads the
    scenario from standard input (reported as ``<stdin>``).
    Raises ``InputError`` listing every problem with its JSON path.
    """
    if path is None:
        path = default_scenario_path()
    elif str(path) == STDIN:
        text = read_json_text(STDIN)
        return scenario_from_data(parse_json_text(text, STDIN_SOURCE), STDIN_SOURCE, text=text)
    elif not Path(path).exists():
        seeds = seed_names()
        if str(path) not in seeds:
            raise InputError(
                str(path),
                [("$", f"no such file, and not the name of a packaged seed ({', '.join(seeds)})")],
            )
        path = seeds_dir() / str(path) / "scenario.json"
    text = read_json_text(path)
    return scenario_from_data(parse_json_text(text, str(path)), str(path), text=text)


def load_model(model: type[BaseModel], path: str | Path) -> Any:
    """A JSON file the tool wrote (a frontier, a study), validated as ``model``."""
    return load_json_model(model, path, MAX_PLAN_BYTES)


def load_plan(path: str | Path) -> Plan:
    return load_json_model(Plan, path, MAX_PLAN_BYTES)


def plan_text_checked(text: str) -> str:
    """The plan's JSON text, if ``load_plan`` can read it back; else InputError."""
    size = len(text.encode("utf-8"))
    if size > MAX_PLAN_BYTES:
        msg = f"the plan is {size} bytes, over the {MAX_PLAN_BYTES} bytes that planner reads"
        raise InputError("plan", [("$", msg + " back (ask for fewer --alternatives)")])
    return text


class OutputError(Exception):
    """An output could not be written. ``reported``: the one-line message is already on
    stderr; ``broken_pipe``: the reader of standard output went away."""

    def __init__(self, message: str, *, broken_pipe: bool = False, reported: bool = False):
        super().__init__(message)
        self.message, self.broken_pipe, self.reported = message, broken_pipe, reported


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (/proc)."""
    with (
        contextlib.suppress(OSError, ValueError, IndexError),
        open("/proc/self/status", encoding="ascii", errors="replace") as fh,
    ):
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:  # elsewhere: set and restore at once (racy only against other threads)
        old = os.umask(0o077)
        os.umask(old)
    return old


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write text (UTF-8) or bytes to path via a temporary file in the same folder and a
    rename, with the mode ``open(path, "w")`` would give (an existing file's mode; a
    symlink's target is written). Raises OutputError; the temporary file never stays behind."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = target.parent
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode) & 0o777  # never set-id bits
    except OSError:
        mode = 0o666 & ~current_umask()
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:  # None: mkstemp failed
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    with contextlib.suppress(OSError):  # the rename is durable once the folder is synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _scenario_file(name: str | None) -> str:
    """The file a scenario argument names (a seed name or nothing: the packaged file)."""
    if name is None:
        return str(default_scenario_path())
    if not os.path.exists(name) and name in seed_names():
        return str(seeds_dir() / name / "scenario.json")
    return name


def _same_file(a: str, b: str) -> bool:
    with contextlib.suppress(OSError):
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(path: str | Path, *, inputs: list[str | None]) -> None:
    """Before a long run: can ``write_atomic`` write path? InputError ("command line", "-o")
    when its folder is missing or not writable, it is a folder or a device, or it is one of
    the input files (None or a seed name: the packaged scenario file)."""

    def refuse(msg: str) -> InputError:
        return InputError("command line", [("-o", msg)])

    name = os.fspath(path)
    if not name:
        raise refuse("expected a file name, found nothing")
    real = os.path.realpath(name) if os.path.islink(name) else name
    folder = os.path.dirname(real) or "."
    if os.path.isdir(real):
        raise refuse(f"{name!r} is a folder; expected a file name")
    if os.path.exists(real) and not os.path.isfile(real):
        raise refuse(f"{name!r} is not a regular file (a device, pipe or socket)")
    if not os.path.isdir(folder):
        raise refuse(f"the folder {folder!r} does not exist")
    for given in inputs:
        if _same_file(name, _scenario_file(given)):
            raise refuse(f"{name!r} is an input file ({given or 'the seed'}); it would be lost")
    try:  # os.access can be wrong (ACLs, read-only mounts, root squash): try it
        fd, tmp = tempfile.mkstemp(prefix=".planner-check.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise refuse(f"cannot create files in the folder {folder!r}: {exc.strerror}") from None


def _write_all(text: str) -> None:
    out = sys.stdout
    out.flush()
    buf = getattr(out, "buffer", None)
    if buf is None:  # a text-only stream (a test's StringIO)
        out.write(text)
        return
    view = memoryview(text.encode(out.encoding or "utf-8", out.errors or "strict"))
    while view:  # unbuffered (python -u) writes may be partial: the text layer drops the rest
        written = buf.write(view)
        if written is None:  # a non-blocking stdout, full for now
            select.select([], [buf], [])
        view = view[written or 0 :]
    buf.flush()


def write_stdout(text: str) -> None:
    """Write text to standard output and flush. On failure (closed pipe, full disk) write one
    line to stderr, silence stdout, and raise OutputError(reported=True)."""
    try:
        _write_all(text)
    except (OSError, ValueError) as exc:
        broken = isinstance(exc, BrokenPipeError)
        why = "the reader closed the pipe" if broken else getattr(exc, "strerror", None) or exc
        message = f"standard output: cannot write: {why}; the output is incomplete"
        with contextlib.suppress(OSError, ValueError, AttributeError):
            fd = sys.stdout.fileno()  # raises for a test's capture: nothing to silence then
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)  # the interpreter's last flush passes (no "Exception ignored")
            os.close(null)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.write(message + "\n")
            sys.stderr.flush()
        raise OutputError(message, broken_pipe=broken, reported=True) from None
