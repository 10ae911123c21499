"""Packaged scenarios to start from (``planner init NAME DIR``): the seeds, and the examples.

A starter is copied as it is, with one addition: a ``$schema`` key naming the scenario JSON
Schema written beside it, so that an editor completes and checks the file while it is edited.
Nothing existing is overwritten.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from planner.io import InputError, seed_names, seeds_dir, write_atomic

SCHEMA_FILE = "scenario.schema.json"


def examples_dir() -> Path:
    """Folder of the packaged examples: ``planner.examples`` once installed, ``examples/`` in
    a checkout."""
    try:
        return Path(str(resources.files("planner.examples")))
    except ModuleNotFoundError:  # running from a source tree without installing
        return Path(__file__).resolve().parent.parent / "examples"


def starters() -> dict[str, list[Path]]:
    """Every starter's name and its files (the scenario first): each seed's scenario.json and
    README.md, each example's JSON file."""
    out: dict[str, list[Path]] = {}
    for name in seed_names():
        folder = seeds_dir() / name
        out[name] = [folder / "scenario.json"] + sorted(folder.glob("*.md"))
    for path in sorted(examples_dir().glob("*.json")):
        out.setdefault(path.stem, [path])
    return out


def with_schema_key(text: str) -> str:
    """The scenario's JSON text with ``"$schema": "scenario.schema.json"`` as its first key
    (the rest unchanged, byte for byte); a ``$schema`` already there is kept."""
    data = json.loads(text)
    if "$schema" in data:
        return text
    if not data:
        return json.dumps({"$schema": SCHEMA_FILE}) + "\n"
    head, brace, rest = text.partition("{")
    indent = "  " if rest.startswith("\n") else ""
    sep = "\n" if indent else " "
    return f'{head}{brace}{sep}{indent}"$schema": "{SCHEMA_FILE}",{"" if indent else " "}{rest}'


def init_scenario(name: str, directory: str | Path) -> list[Path]:
    """Copy the starter ``name`` (a seed or an example) into ``directory`` (made if missing)
    as ``scenario.json`` (and the seed's README.md), with the scenario JSON Schema beside it;
    the paths written. Raises InputError for an unknown name or a file that would be
    overwritten."""
    from planner import scenario_json_schema

    known = starters()
    if name not in known:
        raise InputError(
            "command line",
            [("NAME", f"expected one of {', '.join(known)}; found {name!r}")],
        )
    folder = Path(directory)
    files = known[name]
    targets = [folder / "scenario.json"] + [folder / f.name for f in files[1:]]
    targets.append(folder / SCHEMA_FILE)
    existing = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if existing:
        raise InputError(
            str(folder), [("$", f"would overwrite {', '.join(existing)}; choose a new folder")]
        )
    if folder.exists() and not folder.is_dir():
        raise InputError(str(folder), [("$", "expected a folder, found a file")])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(folder), [("$", f"cannot make the folder: {exc.strerror}")]) from None
    texts = [with_schema_key(files[0].read_text(encoding="utf-8"))]
    texts += [f.read_text(encoding="utf-8") for f in files[1:]]
    texts.append(json.dumps(scenario_json_schema(), indent=2) + "\n")
    for target, text in zip(targets, texts, strict=True):
        write_atomic(target, text)
    return targets
