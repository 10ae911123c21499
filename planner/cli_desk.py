"""The desk's commands: report, export, compare, init (``planner.cli`` dispatches to them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli_common import EXIT_OK, out, same_scenario
from planner.io import (
    InputError,
    check_output_path,
    load_model,
    load_plan,
    load_scenario,
    write_atomic,
    write_stdout,
)

if TYPE_CHECKING:
    from planner.explainer import Explanation


def _of_the_plan(path: str, found: str, scenario: str) -> None:
    """A study given beside a plan (an explanation, a frontier, a robustness study) is of the
    plan's scenario; else InputError."""
    if found != scenario:
        raise InputError(
            path, [("$.scenario", f"expected {scenario!r} (the plan's), found {found!r}")]
        )


def _explanation(path: str | None, scenario: str) -> Explanation | None:
    """An explanation (planner explain --json) of the plan's scenario, or None."""
    if path is None:
        return None
    from planner.explainer import Explanation

    found: Explanation = load_model(Explanation, path)
    _of_the_plan(path, found.scenario, scenario)
    return found


def cmd_report(args: argparse.Namespace) -> int:
    from planner.report.html import plan_html

    inputs = [args.plan, args.scenario or args.plan, args.frontier, args.explain, args.robustness]
    check_output_path(args.output, inputs=inputs)
    plan = load_plan(args.plan)
    sc = load_scenario(args.scenario) if args.scenario else None
    if sc is not None:
        same_scenario(args.plan, plan.scenario, sc)
    front = study = None
    if args.frontier:
        from planner.frontier import Frontier

        front = load_model(Frontier, args.frontier)
        _of_the_plan(args.frontier, front.scenario, plan.scenario)
    if args.robustness:
        from planner.robustness import Robustness

        study = load_model(Robustness, args.robustness)
        _of_the_plan(args.robustness, study.scenario, plan.scenario)
    page = plan_html(
        plan,
        sc,
        front,
        explanation=_explanation(args.explain, plan.scenario),
        robustness=study,
        interactive=args.interactive,
    )
    write_atomic(args.output, page)
    out(f"wrote {args.output} ({len(page.encode('utf-8')):,} bytes)")
    return EXIT_OK


def _format(args: argparse.Namespace) -> str:
    """--format, or the output file's suffix."""
    from planner.export import FORMATS, SUFFIXES

    if args.format:
        return str(args.format)
    by_suffix = {suffix: fmt for fmt, suffix in SUFFIXES.items()}
    suffix = Path(args.output).suffix.lower() if args.output else ""
    if suffix in by_suffix:
        return by_suffix[suffix]
    found = f"the output {args.output!r}" if args.output else "no --format and no -o FILE"
    raise InputError(
        "command line", [("--format", f"expected one of {', '.join(FORMATS)}; found {found}")]
    )


def cmd_export(args: argparse.Namespace) -> int:
    from planner.export import export_plan

    fmt = _format(args)
    if args.output:
        check_output_path(args.output, inputs=[args.plan, args.scenario, args.explain])
    elif fmt == "xlsx" and sys.stdout.isatty():
        raise InputError("command line", [("-o", "xlsx is binary: give -o FILE.xlsx")])
    plan = load_plan(args.plan)
    sc = load_scenario(args.scenario) if args.scenario else None
    if sc is not None:
        same_scenario(args.plan, plan.scenario, sc)
    explanation = _explanation(args.explain, plan.scenario)
    data = export_plan(plan, fmt, sc, explanation=explanation, source=args.plan)
    if args.output:
        write_atomic(args.output, data)
        print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
    elif fmt == "xlsx":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_stdout(data.decode("utf-8"))
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from planner.report.compare import compare_plans, comparison_text

    a, b = load_plan(args.plan_a), load_plan(args.plan_b)
    out(comparison_text(compare_plans(a, b), args.plan_a, args.plan_b))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from planner.starters import init_scenario

    written = init_scenario(args.name, args.directory)
    out("wrote " + ", ".join(str(p) for p in written))
    out(f"next: planner solve {written[0]}")
    return EXIT_OK
