"""The fuzzers' schema oracle: why the published JSON Schema (``planner schema``) rejects a
scenario text, to judge input the tool accepted (split from ``fuzzcases``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any


@cache
def schema_validator() -> Any:
    from jsonschema import Draft202012Validator

    from planner import scenario_json_schema

    return Draft202012Validator(scenario_json_schema())


def schema_rejection(text: str) -> str | None:
    """Why the published JSON Schema rejects the scenario text (None: it accepts it)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return f"text: {type(exc).__name__}"
    from jsonschema.exceptions import best_match

    err = best_match(schema_validator().iter_errors(data))
    while err is not None and err.validator == "oneOf" and err.context:
        alts: dict[Any, list[Any]] = {}  # a rule: judge it as the kind it names
        for e in err.context:
            alts.setdefault(e.relative_schema_path[0], []).append(e)
        mine = [es for es in alts.values() if all(e.validator != "const" for e in es)]
        if len(mine) != 1:
            break
        err = best_match(mine[0])
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path)
    rule = f"{err.validator} {json.dumps(err.validator_value)[:40]}"
    return f"{rule}: {type(err.instance).__name__} (at {where})"
