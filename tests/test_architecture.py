"""The shape of the code: one rule catalogue, registries complete, imports one way, small modules.

A new rule kind is one catalogue class, one builder, one checker, docs and tests; these tests
fail when any of those is missing, and when the structure the code was reshaped into decays.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import networkx as nx
import pytest

from planner.io import load_scenario, seed_names
from planner.model.rules import BUILDERS
from planner.scenario import RULE_CLASSES, RULE_KINDS, Rule, RuleBase
from planner.verifier import CHECKERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planner"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_rule_kinds_are_derived_from_the_union() -> None:
    union = get_args(get_args(Rule)[0])
    assert set(union) == set(RULE_CLASSES)
    assert tuple(cls.kind_name() for cls in RULE_CLASSES) == RULE_KINDS
    assert len(set(RULE_KINDS)) == len(RULE_KINDS) == 25


@pytest.mark.parametrize("cls", RULE_CLASSES, ids=lambda c: c.kind_name())
def test_every_kind_is_complete(cls: type[RuleBase]) -> None:
    kind = cls.kind_name()
    assert cls in BUILDERS, f"{kind}: no model builder registered (planner/model/rules.py)"
    assert cls in CHECKERS, f"{kind}: no verifier checker registered (planner/verifier/)"
    assert cls.describe is not RuleBase.describe, f"{kind}: no sentence (describe)"
    for field, direction, step in cls.relaxable:
        assert field in cls.model_fields and direction in (-1, 1), (kind, field)
        assert step is None or step > 0, (kind, field)
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert f"| `{kind}` |" in docs, f"{kind}: no row in docs/rules.md"
    assert f"`{kind}`" in (ROOT / "docs" / "scenario-format.md").read_text()


def packaged_scenarios():  # type: ignore[no-untyped-def]
    out = [load_scenario(n) for n in seed_names()]
    return out + [load_scenario(p) for p in sorted((ROOT / "examples").glob("*.json"))]


def test_every_kind_has_an_example_and_a_sentence_in_its_own_numbers() -> None:
    seen: set[str] = set()
    for sc in packaged_scenarios():
        for r in sc.rules:
            seen.add(r.kind)
            sentence = r.describe(sc)
            assert sentence and sentence not in (r.kind, r.description), r.id
    assert seen == set(RULE_KINDS), f"kinds without an example: {set(RULE_KINDS) - seen}"


def _kind_constants(tree: ast.AST) -> set[str]:
    """String constants used as a kind would be: compared (``r.kind == "pairing"``, ``in``),
    as dict keys (a registry by kind string) or in a subscript (``Literal["pairing"]``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
        elif isinstance(node, ast.Dict):
            parts = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Subscript):
            parts = [node.slice]
        else:
            continue
        for part in parts:
            for sub in ast.walk(part):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    out.add(sub.value)
    return out


def _mentions(tree: ast.AST, cls: type[RuleBase]) -> bool:
    """Does the code name the class (a name, attribute or imported name) or use the kind
    string as a kind?"""
    for node in ast.walk(tree):
        ident = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(node, ast.alias):
            ident = node.name
        if ident == cls.__name__:
            return True
    return cls.kind_name() in _kind_constants(tree)


@pytest.mark.slow
def test_a_rule_kind_lives_in_three_modules_at_most() -> None:
    """Catalogue, builder, checker: nowhere else names a kind (by class or by kind string)."""
    trees = {module_name(p): ast.parse(p.read_text()) for p in MODULES}
    for cls in RULE_CLASSES:
        where = sorted(m for m, tree in trees.items() if _mentions(tree, cls))
        assert len(where) <= 3, f"{cls.kind_name()} is named in {where}"


def _imports(path: Path) -> set[str]:
    """Modules of planner imported by a file (at any depth: lazy imports count too)."""
    out: set[str] = set()
    names = {module_name(p) for p in MODULES}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("planner"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in names else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("planner"))
    return out


def test_imports_run_one_way() -> None:
    g = nx.DiGraph()
    for path in MODULES:
        me = module_name(path)
        for other in _imports(path):
            # a package's __init__ re-exporting its own modules is not a dependency cycle
            if other != me and other != "planner" and not other.startswith(me + "."):
                g.add_edge(me, other)
    cycles = list(nx.simple_cycles(g))
    assert cycles == [], cycles
    assert not nx.has_path(g, "planner.solver.solve", "planner.explainer")
    assert not any(e[0].startswith("planner.scenario") and "network" in e[1] for e in g.edges)


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("planner.verifier", ["ortools", "planner.model", "planner.solver", "planner.network"]),
        ("planner.scenario", ["ortools", "networkx", "planner.network"]),
        ("planner.solver", ["planner.explainer"]),
    ],
)
def test_importing_a_layer_does_not_load_the_layers_above(module: str, forbidden: list[str]):
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    for name in forbidden:
        assert not any(m == name or m.startswith(name + ".") for m in loaded), (module, name)


def test_no_module_over_500_lines() -> None:
    long = {module_name(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_library_functions_are_not_shadowed_by_modules() -> None:
    """``planner.solve``/``verify``/``explain`` stay functions even after their modules load
    (importing a submodule rebinds the package attribute of the same name)."""
    code = (
        "import planner\n"
        "import planner.explainer, planner.solver, planner.verifier, planner.report.compare\n"
        "import planner.frontier, planner.robustness, planner.export\n"
        "from planner.robustness import Robustness\n"
        "for name in ('solve', 'verify', 'explain', 'compare_plans', 'load_scenario',\n"
        "             'frontier', 'robustness', 'export_plan', 'init_scenario'):\n"
        "    assert callable(getattr(planner, name)), name\n"
        "    assert getattr(planner, name).__module__ in ('planner', 'planner.io'), name\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_function_above_radon_grade_c() -> None:
    """As ``radon cc -n D planner`` (functions, methods and classes)."""
    from radon.complexity import cc_rank, cc_visit

    heavy = []
    for path in MODULES:
        for block in cc_visit(path.read_text()):
            for item in [block, *getattr(block, "methods", [])]:
                if cc_rank(item.complexity) > "C":
                    heavy.append(f"{module_name(path)}.{item.name} ({item.complexity})")
    assert heavy == []
