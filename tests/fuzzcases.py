"""Mutation fuzzing of the CLI contract: cases, the in-process runner and the contract oracle.

Shared by ``tests/test_fuzz.py`` (hypothesis, bounded) and ``tools/fuzz_long.py`` (long run).
Mutations are plain functions of a ``random.Random``; hypothesis drives them through
``st.randoms()`` (whose choices it records and shrinks). Importing has no side effects.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import random
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fuzzschema import schema_rejection
from hypothesis import strategies as st

from planner.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
JsonPath = tuple[str | int, ...]
TRACEBACK = "Traceback (most recent call last)"

# Exits each command may return under the contract.
ALLOWED_EXITS: dict[str, set[int]] = {
    "validate": {0, 2}, "solve": {0, 2, 3, 4}, "replan": {0, 2, 3, 4}, "check": {0, 1, 2},
    "report": {0, 2}, "compare": {0, 2},
}  # fmt: skip

EXTREME_NUMBERS: list[Any] = [
    0, -1, 1, 2, 2**31 - 1, 2**31, 2**32, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63),
    10**30, -(10**30), 1e308, -1e308, -0.0, 0.5, 1.0, 3.0, 1e-300,
]  # fmt: skip


@dataclass(frozen=True)
class Raw:
    """A value written to the file as literal text (not valid or not representable JSON)."""

    text: str


RAW_TEXTS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 5000, "-0", "1E2"]
RAW_VALUES = [Raw(t) for t in [*RAW_TEXTS, "2.000000000000000000001"]]
NONSTANDARD = {"NaN", "Infinity", "-Infinity"}  # RFC 8259 forbids them; Python's json takes them


@cache
def source_texts() -> dict[str, str]:
    """Packaged seeds and examples, by short name (``seed:NAME`` / ``example:NAME``)."""
    seeds = sorted(ROOT.glob("seeds/*/scenario.json"))
    out = {f"seed:{p.parent.name}": p.read_text() for p in seeds}
    out |= {f"example:{p.stem}": p.read_text() for p in sorted(ROOT.glob("examples/*.json"))}
    return out


def source_names() -> list[str]:
    return list(source_texts())


def source_doc(name: str) -> Any:
    return json.loads(source_texts()[name])


def walk(doc: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every node below the root with its path (dict keys and list indices)."""
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in items:
        yield (*path, key), value
        yield from walk(value, (*path, key))


def path_text(path: JsonPath) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def get(doc: Any, path: JsonPath) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def put(doc: Any, path: JsonPath, value: Any) -> None:
    get(doc, path[:-1])[path[-1]] = value


def ids_of(doc: Any) -> list[str]:
    """Values of every ``id`` key, plus the scenario's name (plans refer to it)."""
    found = {v for p, v in walk(doc) if p and p[-1] == "id" and isinstance(v, str)}
    if isinstance(doc, dict) and isinstance(doc.get("name"), str):
        found.add(doc["name"])
    return sorted(found)


@cache
def values_by_key() -> dict[str, list[Any]]:
    """Scalar values seen under each key in all sources (for same-key swaps, e.g. rule kinds)."""
    seen: dict[str, set[str]] = {}
    for name in source_names():
        for p, v in walk(source_doc(name)):
            if isinstance(p[-1], str) and isinstance(v, str | int | float) and p[-1] != "id":
                seen.setdefault(p[-1], set()).add(json.dumps(v))
    return {k: [json.loads(t) for t in sorted(vs)] for k, vs in seen.items() if len(vs) > 1}


# ---------------------------------------------------------------- mutations


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _retyped(v: Any, rnd: random.Random) -> Any:
    if isinstance(v, bool):
        options: list[Any] = [int(v), str(v).lower(), None, [v], 1.0]
    elif isinstance(v, int):
        options = [str(v), True, False, float(v), v + 0.5, None, [v], {"value": v}, ""]
    elif isinstance(v, float):
        options = [str(v), int(v) if math.isfinite(v) else 0, None, [v], True]
    elif isinstance(v, str):
        num = [int(v)] if v.lstrip("-").isdigit() else []
        options = [*num, 2, 0, None, [v], {v: v}, "", True, v + " ", v.upper()]
    elif isinstance(v, list):
        options = [{str(i): x for i, x in enumerate(v)}, None, "", 0, [], *v[:1]]
    elif isinstance(v, dict):
        options = [list(v.values()), list(v), None, "", 0, {}]
    else:
        options = [0, "", [], {}, False, "null"]
    return rnd.choice(options)


Node = tuple[JsonPath, Any]


def _show(v: Any) -> str:
    """JSON of a value for a description; ``Raw`` text shown as is (long digits abridged)."""

    def raw(r: Raw) -> str:
        return f"<{r.text}>" if len(r.text) < 30 else f"<1 and {len(r.text) - 1} zeros>"

    return json.dumps(v, default=raw).replace('"<', "").replace('>"', "")


def _set(doc: Any, path: JsonPath, value: Any, tag: str) -> str:
    put(doc, path, value)
    return f"{path_text(path)} = {_show(value)} ({tag})"


def m_retype(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    return _set(doc, n[0], _retyped(n[1], rnd), "retype")


def m_delete_key(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    del get(doc, n[0][:-1])[n[0][-1]]
    return f"del {path_text(n[0])}"


def m_add_key(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    key = rnd.choice(["unknown", "zz_extra", "Count", "id ", "__proto__", "", "kind"])
    return _set(doc, (*n[0], key), rnd.choice([1, "x", None, [], {}, True]), "add key")


def m_extreme(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    return _set(doc, n[0], rnd.choice(EXTREME_NUMBERS), "extreme")


def m_tweak(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    """A plausible nearby number: likely still valid, so the case reaches the solver."""
    v = n[1]
    new = rnd.choice([v + 1, v - 1, v * 2, v // 2, 0, v * 10, v + rnd.randint(-50, 50)])
    return _set(doc, n[0], new, "tweak")


def m_raw(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    return _set(doc, n[0], rnd.choice(RAW_VALUES), "raw text")


def m_swap_id(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    path, old = n
    is_key = not isinstance(old, str)  # a key of a dict keyed by ids, e.g. per_hostage
    old = path[-1] if is_key else old
    new = rnd.choice([i for i in ids if i != old] + ["no-such-id", f"{old}-x"])
    if not is_key:
        return _set(doc, path, new, "swap id")
    parent = get(doc, path[:-1])
    parent[new] = parent.pop(old)
    return f"rename key {path_text(path)} -> {new!r} (swap id)"


def m_same_key(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    """Replace a value by another value seen under the same key (rule kinds, statuses, ...)."""
    return _set(doc, n[0], rnd.choice(values_by_key()[str(n[0][-1])]), "same-key swap")


def m_duplicate(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    i = rnd.randrange(len(n[1]))
    n[1].insert(rnd.randint(0, len(n[1])), copy.deepcopy(n[1][i]))
    return f"duplicate {path_text((*n[0], i))}"


def m_drop(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    i = rnd.randrange(len(n[1]))
    del n[1][i]
    return f"del {path_text((*n[0], i))}"


def m_shuffle(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    rnd.shuffle(n[1])
    return f"shuffle {path_text(n[0])} -> {_show(n[1])[:80]}"


def _swap_targets(doc: Any, ids: list[str]) -> list[Node]:
    """String values naming an id, and dict keys naming one (value replaced by None)."""
    out: list[Node] = [n for n in walk(doc) if isinstance(n[1], str) and n[1] in ids]
    return out + [(p, None) for p, _ in walk(doc) if isinstance(p[-1], str) and p[-1] in ids]


def _ranges(doc: Any, ids: list[str]) -> list[Node]:
    """A plan's ranges of generated ids: each ``[first, last]`` of a cohort in ``*_ranges``."""
    return [
        n for n in walk(doc)
        if len(n[0]) > 2 and str(n[0][-3]).endswith("_ranges") and isinstance(n[1], list)
        and len(n[1]) == 2 and all(_is_num(x) for x in n[1])
    ]  # fmt: skip


def m_range(doc: Any, rnd: random.Random, ids: list[str], n: Node) -> str:
    """A range reversed, stretched past its cohort (or the format's bounds), or moved onto
    another range of its cohort (same size, so the counts still agree)."""
    path, (first, last) = n
    others = [v for p, v in _ranges(doc, ids) if p[-2] == path[-2] and p != path]
    how = rnd.choice(["swap", "out of range"] + ["overlap"] * bool(others))
    if how == "overlap":
        at = rnd.choice(others)[0]
        new = [at, at + last - first]
    elif how == "swap":
        new = [last, first]
    else:
        new = [rnd.choice([first, 0]), last + rnd.choice([1, 1000, 10**9])]
    return _set(doc, path, new, f"range {how}")


Mutation = Callable[[Any, random.Random, list[str], Node], str]
Targets = Callable[[Any, list[str]], list[Node]]
_NUMS: Targets = lambda d, ids: [n for n in walk(d) if _is_num(n[1])]  # noqa: E731
_LISTS: Targets = lambda d, ids: [n for n in walk(d) if isinstance(n[1], list) and n[1]]  # noqa: E731
MUTATIONS: list[tuple[Mutation, Targets, int]] = [
    (m_retype, lambda d, ids: list(walk(d)), 4),
    (m_delete_key, lambda d, ids: [n for n in walk(d) if isinstance(n[0][-1], str)], 3),
    (m_add_key, lambda d, ids: [((), d), *(n for n in walk(d) if isinstance(n[1], dict))], 1),
    (m_extreme, _NUMS, 4),
    (m_tweak, lambda d, ids: [n for n in walk(d) if _is_num(n[1]) and isinstance(n[1], int)], 4),
    (m_raw, _NUMS, 1),
    (m_swap_id, _swap_targets, 3),
    (m_same_key, lambda d, ids: [n for n in walk(d) if n[0][-1] in values_by_key()], 3),
    (m_duplicate, _LISTS, 2),
    (m_drop, _LISTS, 2),
    (m_shuffle, lambda d, ids: [n for n in walk(d) if isinstance(n[1], list) and len(n[1]) > 1], 1),
    (m_range, _ranges, 3),
]
GENTLE = {m_tweak, m_swap_id, m_same_key, m_duplicate, m_drop, m_shuffle, m_range}


def mutate(doc: Any, rnd: random.Random, ids: list[str] | None = None) -> list[str]:
    """Apply 1-3 mutations to ``doc`` (a dict) in place; returns their descriptions. One case
    in three keeps to gentle mutations (types kept), so more cases get past validation."""
    ids = ids_of(doc) if ids is None else ids
    gentle = rnd.random() < 1 / 3
    pool = [m for m in MUTATIONS if not gentle or m[0] in GENTLE]
    done: list[str] = []
    for _ in range(rnd.randint(1, 3)):
        func, targets, _w = rnd.choices(pool, [m[2] for m in pool])[0]
        nodes = targets(doc, ids)
        if nodes:
            done.append(func(doc, rnd, ids, rnd.choice(nodes)))
    return done


def dumps(doc: Any) -> str:
    """JSON text; ``Raw`` values are spliced in as literal text."""
    raws: list[Raw] = []

    def enc(v: Raw) -> str:
        raws.append(v)
        return f"@@RAW{len(raws) - 1}@@"

    text = json.dumps(doc, indent=1, default=enc)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw.text, 1)
    return text + "\n"


@dataclass
class Case:
    source: str
    text: str
    mutations: list[str]
    nonstandard: bool = False  # holds NaN / Infinity literals


def make_case(
    source: str, rnd: random.Random, doc: Any = None, ids: list[str] | None = None
) -> Case:
    doc = source_doc(source) if doc is None else copy.deepcopy(doc)
    return case_of(source, doc, mutate(doc, rnd, ids))


def case_of(source: str, doc: Any, mutations: list[str]) -> Case:
    nonstandard = any(isinstance(v, Raw) and v.text in NONSTANDARD for _, v in walk(doc))
    return Case(source, dumps(doc), mutations, nonstandard)


def scenario_cases() -> st.SearchStrategy[Case]:
    return st.builds(make_case, st.sampled_from(source_names()), st.randoms(use_true_random=False))


def make_plan_case(source: str, plan_text: str, rnd: random.Random) -> Case:
    """A tampered plan (one in four in its every-id-listed form, ``solve --ids``); ids to swap
    come from the plan and its scenario."""
    plan = json.loads(plan_text)
    if rnd.random() < 0.25:
        plan = json.loads(Plan.model_validate(plan).with_listed_ids().to_json())
    return make_case(source, rnd, plan, sorted(set(ids_of(source_doc(source)) + ids_of(plan))))


def plan_cases(plans: dict[str, str]) -> st.SearchStrategy[Case]:
    """Tampered plans: ``plans`` maps a source name to a plan the tool wrote for it."""
    return st.sampled_from(sorted(plans)).flatmap(
        lambda s: st.builds(make_plan_case, st.just(s), st.just(plans[s]), st.randoms())
    )


# ---------------------------------------------------------------- running and judging


@dataclass
class Outcome:
    argv: list[str]
    code: int | None
    out: str
    err: str
    exception: str = ""  # formatted traceback of an exception escaping main()
    problems: list[str] = field(default_factory=list)  # contract breaches, "class: detail"


def run_cli(argv: list[str]) -> Outcome:
    """``planner.cli.main(argv)`` in-process with stdout/stderr captured; an exception escaping
    main() is what a real run would print as a traceback."""
    from planner.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    exc = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:  # noqa: BLE001 - any escaping exception is the finding
            exc = traceback.format_exc()
    return Outcome(list(argv), code, out.getvalue(), err.getvalue(), exc)


def traceback_key(text: str) -> str:
    """Last frame inside planner/ (file:function) and the exception's first line."""
    lines = text.rstrip().splitlines()
    last_frame = max((i for i, ln in enumerate(lines) if ln.startswith("  File ")), default=-1)
    header = [ln for ln in lines[last_frame + 1 :] if ln and not ln.startswith(" ")] or ["?"]
    frames = re.findall(r'File "([^"]*)", line \d+, in (\S+)', text)
    mine = [f for f in frames if "/planner/" in f[0]] or frames or [("?", "?")]
    where = mine[-1][0].split("/planner/")[-1] + ":" + mine[-1][1]
    return f"{where} | {header[0][:160]}"


# source: $.json.path: message (a key in the path may hold spaces or colons, so match loosely)
LINE_FORMAT = re.compile(r"^.+?: (\$.*|line \d+ column \d+): \S.*$")


def judge(o: Outcome, command: str, source_file: str | None, output: Path | None) -> list[str]:
    """Contract breaches of one run (empty: the run keeps the contract). Exit 2 must explain
    itself, one ``source: $.path: message`` line per problem."""
    bad: list[str] = []
    if o.exception:
        bad.append("traceback: " + traceback_key(o.exception))
    elif TRACEBACK in o.out or TRACEBACK in o.err:
        bad.append("traceback-printed: " + traceback_key(o.out + o.err))
    if o.code not in ALLOWED_EXITS[command] and not o.exception:
        first = (o.err.strip().splitlines() or [""])[0][:120]
        bad.append(f"exit-code: {command} exited {o.code}: {first}")
    if o.code == 2 and source_file is not None:
        lines = [ln for ln in o.err.splitlines() if ln.strip()]
        wrong = [ln for ln in lines if not LINE_FORMAT.match(ln)]
        if not lines or wrong:
            bad.append(f"stderr-format: {command}: {(wrong or ['<empty>'])[0][:120]!r}")
    if output is not None:
        leftovers = sorted(p.name for p in output.parent.glob(".*.tmp"))
        if leftovers:
            bad.append(f"partial-output: leftover temp file {leftovers[0]}")
        if o.code != 0 and output.exists():
            bad.append(f"partial-output: {command} exited {o.code} but wrote {output.name}")
        if o.code == 0 and not output.exists():
            bad.append(f"partial-output: {command} exited 0 without writing {output.name}")
    return bad


def judge_plan(scenario_file: str, plan_file: Path) -> list[str]:
    """A plan the tool wrote must be complete and pass ``planner check`` (in-process)."""
    try:
        json.loads(plan_file.read_text())
    except (OSError, ValueError) as exc:
        return [f"partial-output: plan is not complete JSON ({type(exc).__name__})"]
    o = run_cli(["check", scenario_file, str(plan_file)])
    if o.exception:
        return ["traceback: check of a written plan: " + traceback_key(o.exception)]
    if o.code != 0:
        first = (o.out.strip().splitlines() or [o.err.strip()])[0]
        return [f"verifier: check of the written plan exited {o.code}: {first[:140]}"]
    return []


def judge_accepted(case: Case, o: Outcome, command: str) -> list[str]:
    """Input the tool accepted (no exit 2) must be valid: standard JSON the schema accepts."""
    if o.code in (2, None) or o.exception or command not in ("validate", "solve"):
        return []
    if case.nonstandard:
        return [f"accepted-invalid: {command} exited {o.code} on NaN/Infinity (not JSON)"]
    why = schema_rejection(case.text)
    return [f"accepted-invalid: {command} exited {o.code}; schema says {why}"] if why else []


def run_scenario_case(
    case: Case,
    command: str,
    workdir: Path,
    time_limit: float = 1.0,
    runner: Callable[[list[str]], Outcome] = run_cli,
) -> Outcome:
    """Write the case, run ``validate`` or ``solve -o`` (in-process, or with another runner),
    and judge the whole contract."""
    workdir.mkdir(parents=True, exist_ok=True)
    scen = workdir / "scenario.json"
    scen.write_text(case.text)
    output: Path | None = None
    if command == "validate":
        argv = ["validate", str(scen)]
    else:
        (workdir / "out").mkdir(exist_ok=True)
        output = workdir / "out" / "plan.json"
        argv = ["solve", str(scen), "--time-limit", str(time_limit), "-o", str(output)]
    o = runner(argv)
    o.problems = judge(o, command, str(scen), output)
    o.problems += judge_accepted(case, o, command)
    if command == "solve" and o.code == 0 and output is not None and output.exists():
        o.problems += judge_plan(str(scen), output)
    return o


def run_plan_case(
    case: Case, command: str, workdir: Path, scenario_file: str, plan_file: str
) -> Outcome:
    """A tampered plan through ``check``, ``report -o`` (with and without the scenario) or
    ``compare`` against the untampered plan."""
    workdir.mkdir(parents=True, exist_ok=True)
    tampered = workdir / "plan.json"
    tampered.write_text(case.text)
    output: Path | None = None
    if command == "check":
        argv = ["check", scenario_file, str(tampered)]
    elif command == "report":
        (workdir / "out").mkdir(exist_ok=True)
        output = workdir / "out" / "report.html"
        argv = ["report", str(tampered), "-o", str(output)]
        argv += ["--scenario", scenario_file] if len(case.mutations) % 2 else []
    else:
        argv = ["compare", plan_file, str(tampered)]
    o = run_cli(argv)
    o.problems = judge(o, command, str(tampered), output)
    if output is not None and o.code == 0 and output.exists():
        text = output.read_text(errors="replace").rstrip().lower()
        if not text.endswith("</html>"):
            o.problems.append("partial-output: report is not a complete HTML file")
    return o
