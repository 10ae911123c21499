"""Command line: parses arguments, calls the library, prints. No planning logic lives here.

Exit codes: 0 solved / all rules hold / valid, 1 a plan breaks rules, 2 bad input,
3 infeasible, 4 no answer within the time limit (explain: not finished), 74 an output could
not be written (full disk), 130 interrupted (Ctrl-C: the search is stopped, nothing is
written), 141 the reader of standard output went away.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from planner import progress
from planner.cli_common import (
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_PIPE,
    EXIT_TIMEOUT,
    EXIT_VIOLATIONS,
    STOP,
    err,
    out,
    same_scenario,
)
from planner.cli_desk import cmd_compare, cmd_export, cmd_init, cmd_report
from planner.cli_parser import parser
from planner.errors import Interrupted, ModelInvalid
from planner.io import (
    STDIN,
    InputError,
    OutputError,
    check_output_path,
    load_plan,
    load_scenario,
    plan_text_checked,
    write_atomic,
    write_stdout,
)
from planner.report.text import conflict_text, explanation_text, plan_table
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.solver import SolveResult

MAX_TOP = 1000
_out, _err = out, err


def _params(items: list[str]) -> dict[str, object]:
    """``--param NAME=VALUE`` pairs; VALUE is read as JSON (a number, true, false), else text."""
    from planner.solver.run import check_params

    out: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise InputError("command line", [("--param", f"expected NAME=VALUE, found {item!r}")])
        try:
            out[name] = json.loads(text)
        except json.JSONDecodeError:
            out[name] = text
    try:
        check_params(out)
    except ValueError as exc:
        raise InputError("command line", [("--param", str(exc))]) from None
    return out


def _check_options(args: argparse.Namespace) -> None:
    """Solver options within the ranges of the scenario's ``solver`` section (one declaration:
    ``SolverSettings``), and the counts within their caps; else InputError naming the option."""
    from pydantic import ValidationError

    from planner.scenario import SolverSettings
    from planner.solver import MAX_ALTERNATIVES
    from planner.solver.parallel import MAX_JOBS

    options = {"time_limit": "time_limit_seconds", "seed": "seed", "workers": "workers"}
    given = {
        field: getattr(args, opt)
        for opt, field in options.items()
        if getattr(args, opt, None) is not None
    }
    problems: list[tuple[str, str]] = []
    limit = given.get("time_limit_seconds")
    if limit is not None and not math.isfinite(limit):
        problems.append(("--time-limit", f"expected a finite number of seconds, found {limit}"))
        del given["time_limit_seconds"]
    try:
        SolverSettings(**given)
    except ValidationError as err:
        by_field = {field: opt for opt, field in options.items()}
        for e in err.errors(include_url=False):
            opt = "--" + by_field[str(e["loc"][0])].replace("_", "-")
            problems.append((opt, f"expected: {e['msg']}; found {e['input']!r}"))
    caps = {"alternatives": MAX_ALTERNATIVES, "top": MAX_TOP, "jobs": MAX_JOBS}
    for opt, cap in caps.items():
        value = getattr(args, opt, None)
        if value is not None and not 1 <= value <= cap:
            problems.append((f"--{opt}", f"expected 1..{cap}, found {value}"))
    if problems:
        raise InputError("command line", problems)


def cmd_solve(args: argparse.Namespace) -> int:
    from planner.solver import solve

    _check_options(args)
    params = _params(args.param)
    if args.output:
        check_output_path(args.output, inputs=[args.scenario])
    sc = load_scenario(args.scenario)
    result = solve(
        sc,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        alternatives=args.alternatives,
        params=params,
        log=args.log,
        stop=STOP,
    )
    return _finish(args, sc, result, plan_table)


def cmd_replan(args: argparse.Namespace) -> int:
    from planner.record import load_record
    from planner.solver.rest import replan

    _check_options(args)
    if args.output:
        check_output_path(args.output, inputs=[args.scenario, args.record, args.previous])
    sc = load_scenario(args.scenario)
    record = load_record(args.record, sc)
    previous = load_plan(args.previous) if args.previous else None
    if previous is not None:
        same_scenario(args.previous, previous.scenario, sc)
    result = replan(
        sc,
        record,
        previous=previous,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        stop=STOP,
    )
    return _finish(args, sc, result, plan_table)


def _finish(args: argparse.Namespace, sc: Scenario, result: SolveResult, table: Any) -> int:
    """Report a solve's outcome (solve, replan): the conflict, no plan in time, or the plan
    (verified) printed and written."""
    if result.plan is None and args.json:
        write_stdout(result.summary_json())
    if result.status == "infeasible":
        if not args.json:
            replanned = args.command == "replan"
            found, minimal = result.conflict_found, result.conflict_minimal
            _out(conflict_text(sc, result.conflict, minimal, found, replan=replanned))
        return EXIT_INFEASIBLE
    if result.plan is None:
        _err(
            f"no plan found within the time limit of {result.time_limit_seconds:g} s "
            "(raise --time-limit)"
        )
        return EXIT_TIMEOUT
    if result.verification is not None and not result.verification.ok:
        _err("internal error: the verifier rejected the solver's plan:")
        for line in result.verification.lines():
            _err("  " + line)
        return EXIT_VIOLATIONS
    if STOP.is_set():  # Ctrl-C after the search: the user asked for nothing to be written
        raise Interrupted("stopped on request")
    plan = result.plan.with_listed_ids() if getattr(args, "ids", False) else result.plan
    text = plan_text_checked(plan.to_json())
    if args.output:
        write_atomic(args.output, text)
    if args.json:
        write_stdout(text)
    else:
        _out(table(sc, result.plan, wall_seconds=result.wall_seconds))
        for i, alt in enumerate(result.plan.alternatives, start=2):
            _out(f"\n--- alternative {i} of {len(result.plan.alternatives) + 1} ---")
            _out(table(sc, alt))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from planner.record import load_record
    from planner.verifier import verify

    sc = load_scenario(args.scenario)
    plan = load_plan(args.plan)
    record = load_record(args.record, sc) if args.record else None
    report = verify(sc, plan, record)
    lines = report.lines()
    if report.deviations:
        _out(f"the plan's record departs from the scenario ({len(report.deviations)}):")
        for line in report.lines("deviations"):
            _out("  deviation: " + line)
    summaries = [report.summary()] if report.violations else []
    for i, alt in enumerate(plan.alternatives, start=2):
        alt_report = verify(sc, alt)
        lines += [f"alternative {i}: {line}" for line in alt_report.lines()]
        if alt_report.violations:
            summaries.append(f"alternative {i}: {alt_report.summary()}")
    if plan.record is not None and record is None:
        _err(
            f"note: the plan says its first {plan.record.stages} stage(s) are an execution "
            "record; give --record RECORD.json to check them against it"
        )
    if not lines:
        also = f" (and {len(plan.alternatives)} alternatives)" if plan.alternatives else ""
        _out(f"plan holds{also}: {len(sc.rules)} rules of {sc.name} checked, no violation")
        return EXIT_OK
    for line in lines:
        _out(line)
    _err("; ".join(summaries))
    return EXIT_VIOLATIONS


def _summary(sc: Scenario) -> str:
    h = sum(c.count for c in sc.hostage_cohorts)
    p = sum(c.count for c in sc.prisoner_cohorts)
    return (
        f"{sc.name}: valid; {h} hostages in {len(sc.hostage_cohorts)} cohorts, {p} prisoners "
        f"in {len(sc.prisoner_cohorts)} cohorts, {len(sc.withdrawal_lines)} withdrawal lines, "
        f"{len(sc.rules)} rules, horizon {sc.horizon_hours} h"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    _out(_summary(load_scenario(args.scenario)))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from planner import record_json_schema, scenario_json_schema

    schema = record_json_schema() if args.record else scenario_json_schema()
    _out(json.dumps(schema, indent=2))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from planner.explainer import explain

    _check_options(args)
    sc = load_scenario(args.scenario)
    result = explain(sc, time_limit=args.time_limit, top=args.top, jobs=args.jobs, stop=STOP)
    if args.json:
        _out(result.model_dump_json(indent=2))
    else:
        _out(explanation_text(sc, result))
    if not result.complete or result.feasible is None:
        return EXIT_TIMEOUT
    return EXIT_OK if result.feasible else EXIT_INFEASIBLE


def cmd_frontier(args: argparse.Namespace) -> int:
    from planner.frontier import check_between, frontier
    from planner.report.text import frontier_text

    _check_options(args)
    sc = load_scenario(args.scenario)
    between = [t.strip() for t in args.between.split(",") if t.strip()]
    try:
        check_between(sc, between)
    except ValueError as exc:
        problem = ("--between", str(exc).removeprefix("between: "))
        raise InputError("command line", [problem]) from None
    result = frontier(
        sc,
        between,
        time_limit=args.time_limit,
        seed=args.seed,
        binding=not args.no_binding,
        stop=STOP,
    )
    _out(result.model_dump_json(indent=2) if args.json else frontier_text(sc, result))
    if not result.points:
        return EXIT_INFEASIBLE if result.complete else EXIT_TIMEOUT
    return EXIT_OK if result.complete else EXIT_TIMEOUT


def cmd_robustness(args: argparse.Namespace) -> int:
    from planner.report.text import robustness_text
    from planner.robustness import MAX_SAMPLES, robustness
    from planner.solver.parallel import default_jobs

    _check_options(args)
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise InputError(
            "command line", [("--samples", f"expected 1..{MAX_SAMPLES}, found {args.samples}")]
        )
    sc = load_scenario(args.scenario)
    plan = load_plan(args.plan) if args.plan else None
    if plan is not None:
        same_scenario(args.plan, plan.scenario, sc)
    study = robustness(
        sc,
        samples=args.samples,
        plan=plan,
        seed=args.seed,
        jobs=args.jobs or default_jobs(),
        dask=args.dask,
        progress=True,
        stop=STOP,
    )
    _out(study.model_dump_json(indent=2) if args.json else robustness_text(study))
    return EXIT_OK


COMMANDS = {
    "solve": cmd_solve,
    "replan": cmd_replan,
    "check": cmd_check,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "explain": cmd_explain,
    "compare": cmd_compare,
    "frontier": cmd_frontier,
    "robustness": cmd_robustness,
    "report": cmd_report,
    "export": cmd_export,
    "init": cmd_init,
}


@contextlib.contextmanager
def _ctrl_c_stops() -> Iterator[None]:
    """While a command runs, Ctrl-C sets the stop hook (``STOP``): the running search stops
    and the command ends with "interrupted" (exit 130). A second Ctrl-C raises at once."""

    def first(signum: int, frame: object) -> None:
        STOP.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    STOP.clear()
    try:
        old = signal.signal(signal.SIGINT, first)
    except ValueError:  # not the main thread: the caller handles signals
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


SEARCHING = {
    "solve",
    "replan",
    "explain",
    "frontier",
    "robustness",
}  # commands whose Ctrl-C stops a CP-SAT search


def _one_stdin(args: argparse.Namespace) -> None:
    """Standard input can be read once: at most one input given as ``-``."""
    names = ("scenario", "plan", "record", "previous", "plan_a", "plan_b", "explain")
    given = [f for f in names if getattr(args, f, None) == STDIN]
    if len(given) > 1:
        msg = f"standard input can be read once; {' and '.join(given)} are both given as -"
        raise InputError("command line", [("-", msg)])


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        _one_stdin(args)
        if args.command not in SEARCHING:  # Ctrl-C raises KeyboardInterrupt at once
            return COMMANDS[args.command](args)
        with _ctrl_c_stops(), progress.shown():
            return COMMANDS[args.command](args)
    except InputError as exc:
        _err(exc.render())
        return EXIT_INPUT
    except ModelInvalid as exc:  # a number out of range for CP-SAT: named, never "no time"
        source = getattr(args, "scenario", None) or "scenario"
        _err(f"{source}: {exc.path}: {exc.message}")
        return EXIT_INPUT
    except (KeyboardInterrupt, Interrupted):
        _err("interrupted: the search was stopped; nothing was written")
        return EXIT_INTERRUPTED
    except OutputError as exc:  # a full disk, a closed pipe: one line, said once
        if not exc.reported:
            _err(exc.message)
        return EXIT_PIPE if exc.broken_pipe else EXIT_OUTPUT


if __name__ == "__main__":
    raise SystemExit(main())
