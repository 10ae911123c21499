"""The field tables of docs/scenario-format.md and docs/record-format.md, generated from the
JSON Schema of the formats (``planner.scenario_json_schema``, ``planner.record_json_schema``), so
that the docs and the schema cannot drift.

    python tools/schema_doc.py --write    rewrite the generated blocks of the docs
    python tools/schema_doc.py --check    exit 1 if a block differs from what --write writes

A block is everything between a marker line ``<!-- fields: NAME -->`` and ``<!-- /fields -->``:
the table (field, type, default, description) of the fields of one object of a format. NAME is
``Scenario`` or ``ExecutionRecord`` (a file's top level), an object of either schema's
``$defs`` (``HostageCohort``, ``ReleaseRule``, ``RecordedStage``, ...) or another model of
``planner.scenario`` (``RuleBase``: the fields every rule has). ``omit=a,b`` after NAME leaves
those fields out. Text outside the blocks is left as it is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402

import planner.record  # noqa: E402
import planner.scenario  # noqa: E402
from planner import record_json_schema, scenario_json_schema  # noqa: E402
from planner.scenario.base import ID_PATTERN  # noqa: E402

DOCS = (ROOT / "docs" / "scenario-format.md", ROOT / "docs" / "record-format.md")
BLOCK = re.compile(
    r"^(?P<open><!-- fields: (?P<name>\w+)(?: omit=(?P<omit>[\w,$]+))? -->\n)"
    r".*?^(?P<close><!-- /fields -->)$",
    re.MULTILINE | re.DOTALL,
)
WRITE_HINT = "run `python tools/schema_doc.py --write`"
Schema = dict[str, Any]


@cache
def objects() -> dict[str, Schema]:
    """Every object of the two formats by name: the top levels and their ``$defs``."""
    out: dict[str, Schema] = {}
    for top, schema in (
        ("Scenario", scenario_json_schema()),
        ("ExecutionRecord", record_json_schema()),
    ):
        out.update(schema.get("$defs", {}))
        out[top] = schema
    return out


def model(name: str) -> type[BaseModel]:
    """The pydantic model of an object (for defaults made by a factory, which the JSON Schema
    does not show)."""
    for module in (planner.scenario, planner.record):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            return cls
    raise KeyError(f"no model {name!r} in planner.scenario or planner.record")


def object_schema(name: str) -> Schema:
    """The JSON Schema of the object ``name`` (an object of a format, else the model's own)."""
    found = objects().get(name)
    return found if found is not None else model(name).model_json_schema()


# ---------------------------------------------------------------- types


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,g}"


def _range(prop: Schema) -> str:
    low = prop.get("minimum")
    high = prop.get("maximum")
    above = prop.get("exclusiveMinimum")
    if above is not None:
        low_text = f"above {_number(above)}"
    elif low is not None:
        low_text = _number(low)
    else:
        low_text = None
    if low_text is not None and high is not None:
        return f"{low_text} to {_number(high)}"
    if low_text is not None:
        return f"at least {low_text}" if above is None else low_text
    return f"at most {_number(high)}" if high is not None else ""


def _words(values: list[Any]) -> str:
    quoted = [f"`{v}`" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _string(prop: Schema) -> str:
    if prop.get("pattern") == ID_PATTERN:
        return "id"
    if prop.get("format") == "date-time":
        return "date and time (ISO 8601 string)"
    if "maxLength" in prop:
        return f"string (at most {_number(prop['maxLength'])} characters)"
    return "string"


def _array(prop: Schema) -> str:
    pair = prop.get("prefixItems")
    if pair is not None:
        parts = [type_text(p) for p in pair]
        same = all(p == parts[0] for p in parts)
        return f"pair of {parts[0]}" if same and len(parts) == 2 else f"[{', '.join(parts)}]"
    text = f"list of {type_text(prop.get('items', {}))}"
    if prop.get("minItems"):
        text += f", at least {prop['minItems']}"
    if "maxItems" in prop:
        text += f", at most {_number(prop['maxItems'])}"
    return text


def _map(prop: Schema) -> str:
    patterns = prop.get("patternProperties", {})
    if patterns:
        pattern, value = next(iter(patterns.items()))
        key = "id" if pattern == ID_PATTERN else "string"
    else:
        key, value = "string", prop.get("additionalProperties", {})
    text = f"map {key} → {type_text(value)}"
    if prop.get("minProperties"):
        text += f", at least {prop['minProperties']} entry"
    return text


def _union(prop: Schema) -> str:
    if "discriminator" in prop:
        return f"rule, one of {len(prop['oneOf'])} kinds (by `kind`)"
    parts = [type_text(p) for p in prop.get("anyOf") or prop["oneOf"] if p.get("type") != "null"]
    return " or ".join(parts)


def _scalar(prop: Schema) -> str:
    kind = prop.get("type")
    if kind == "string":
        return _string(prop)
    if kind == "boolean":
        return "`true` or `false`"
    if kind in ("integer", "number"):
        word = "integer" if kind == "integer" else "number"
        bounds = _range(prop)
        return f"{word}, {bounds}" if bounds else word
    if kind == "array":
        return _array(prop)
    if kind == "object":
        return _map(prop)
    return str(kind)


def type_text(prop: Schema) -> str:
    """What a value of a property is, in words (Markdown)."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return _words(prop["enum"])
    if "anyOf" in prop or "oneOf" in prop:
        return _union(prop)
    return _scalar(prop)


# ---------------------------------------------------------------- rows


def _json(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) + "`"


def default_text(name: str, field: str, prop: Schema, required: bool) -> str:
    """``required``, or the default (from the schema; from the model for a factory)."""
    if required:
        return "required"
    if "default" in prop:
        return _json(prop["default"])
    info = next(f for key, f in model(name).model_fields.items() if (f.alias or key) == field)
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "its defaults"
    return _json(value)


def _cell(text: str) -> str:
    """One line of Markdown for a table cell: ``rst`` literals as code, ``<`` and ``>`` outside
    code escaped (not read as HTML), pipes escaped."""
    text = re.sub(r"``([^`]+)``", r"`\1`", " ".join(text.split())).replace(" -> ", " → ")
    parts = re.split(r"(`[^`]*`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return "".join(parts).replace("|", "\\|")


def description_text(prop: Schema) -> str:
    """The description of a property, and its examples."""
    text = prop.get("description", "")
    if not text and "$ref" in prop:
        text = object_schema(prop["$ref"].rsplit("/", 1)[-1]).get("description", "")
    examples = prop.get("examples")
    if examples:
        text += "; e.g. " + ", ".join(_json(e) for e in examples)
    return _cell(text)


def table(name: str, omit: tuple[str, ...] = ()) -> str:
    """The Markdown table of the fields of the object ``name``."""
    schema = object_schema(name)
    required = set(schema.get("required", []))
    lines = ["| field | type | default | description |", "|---|---|---|---|"]
    for field, prop in schema.get("properties", {}).items():
        if field in omit:
            continue
        cells = (
            f"`{field}`",
            _cell(type_text(prop)),
            default_text(name, field, prop, field in required),
            description_text(prop),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- documents


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the schema."""

    def block(m: re.Match[str]) -> str:
        omit = tuple(m["omit"].split(",")) if m["omit"] else ()
        return f"{m['open']}\n{table(m['name'], omit)}\n\n{m['close']}"

    return BLOCK.sub(block, text)


def stale(paths: tuple[Path, ...] = DOCS) -> list[Path]:
    """The docs whose generated blocks differ from what ``--write`` writes."""
    return [p for p in paths if render(p.read_text()) != p.read_text()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the generated blocks")
    mode.add_argument("--check", action="store_true", help="exit 1 if a doc is out of date")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT)}: field tables out of date; {WRITE_HINT}")
        return 1 if old else 0
    for path in DOCS:
        text = path.read_text()
        new = render(text)
        if new != text:
            path.write_text(new)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
