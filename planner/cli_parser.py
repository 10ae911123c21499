"""The command line's arguments (``planner.cli`` runs them)."""

from __future__ import annotations

import argparse

from planner import __version__

SCENARIO_HELP = "scenario JSON file, a packaged seed's name, or - to read it from stdin"
SEED_DEFAULT = SCENARIO_HELP + " (default: the seed case gaza-2025-phase1)"
EXIT_CODES = """exit codes:
  0    done: solved, every rule holds, valid, written
  1    a plan breaks rules (check)
  2    bad input: a file, a record or an option (the problem and where it is on stderr)
  3    infeasible: proved that no plan exists
  4    no answer within the time limit (never a verdict), or explain not finished
  74   an output could not be written (full disk, no permission)
  130  interrupted (Ctrl-C): the search was stopped, nothing was written
  141  the reader of standard output went away
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help texts keep their line breaks (the exit codes) and show each option's default
    where it has one and the text does not already say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default is None
            or isinstance(default, bool)
            or default in (argparse.SUPPRESS, [])
            or not (action.option_strings or action.nargs in ("?", "*"))
        ):
            return text
        return text + " (default: %(default)s)"


def _command(sub: argparse._SubParsersAction, name: str, **kw: object) -> argparse.ArgumentParser:
    """A subcommand whose --help shows the defaults and the exit codes."""
    return sub.add_parser(name, formatter_class=HelpFormatter, epilog=EXIT_CODES, **kw)


def _solver_options(p: argparse.ArgumentParser) -> None:
    """--time-limit, --seed, --workers: the scenario's solver settings, overridden."""
    p.add_argument(
        "--time-limit",
        type=float,
        metavar="S",
        help="seconds for the whole solve (default: the scenario's solver.time_limit_seconds)",
    )
    p.add_argument(
        "--seed", type=int, metavar="N", help="solver random seed (default: the scenario's)"
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="solver threads; 1 gives byte-identical plans (default: the scenario's)",
    )


def parser() -> argparse.ArgumentParser:
    """Every command and option, with its help text."""
    p = argparse.ArgumentParser(
        prog="planner",
        description="Plan the logistics of a phased hostage-prisoner exchange.",
        epilog="Start from a packaged seed: planner init gaza-2025-phase1 my-case\n\n" + EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = _command(sub, "solve", help="find a verified staged release plan")
    s.add_argument("scenario", nargs="?", help=SEED_DEFAULT)
    s.add_argument("-o", "--output", metavar="PLAN.json", help="write the plan JSON here")
    s.add_argument("--json", action="store_true", help="print the plan JSON instead of a table")
    s.add_argument(
        "--ids",
        action="store_true",
        help="list every person's id instead of ranges of generated ids",
    )
    _solver_options(s)
    s.add_argument(
        "--alternatives",
        "-n",
        type=int,
        default=1,
        metavar="K",
        help="up to K plans with different structures, best first (in the plan's alternatives)",
    )
    s.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a CP-SAT parameter passed through (repeatable), e.g. linearization_level=2",
    )
    s.add_argument("--log", action="store_true", help="print CP-SAT's search log to stderr")

    rp = _command(
        sub,
        "replan",
        help="freeze what has happened (an execution record) and plan the rest",
        description="Re-plan from an execution record: the record's stages and moves are "
        "fact and stay as they are; the rest is planned from its now_hour under the same "
        "rules and objective. Where the record departs from the scenario, each deviation "
        "is listed with its rule id (exit 0); exit 3 only when the rest cannot be planned.",
    )
    rp.add_argument("scenario", help=SCENARIO_HELP)
    rp.add_argument("--record", required=True, metavar="RECORD.json", help="what has happened")
    rp.add_argument("-o", "--output", metavar="PLAN.json", help="write the full plan JSON here")
    rp.add_argument("--json", action="store_true", help="print the plan JSON instead of a table")
    rp.add_argument(
        "--previous",
        metavar="PLAN.json",
        help="the plan being remade: its stages still ahead stay as they were where the rules "
        "and the objective allow",
    )
    _solver_options(rp)

    c = _command(sub, "check", help="verify a plan against a scenario's rules")
    c.add_argument("scenario", help=SCENARIO_HELP)
    c.add_argument("plan", help="plan JSON (planner solve -o or --json)")
    c.add_argument(
        "--record", metavar="RECORD.json", help="also check that the plan keeps this record"
    )

    v = _command(sub, "validate", help="validate a scenario file")
    v.add_argument("scenario", help=SCENARIO_HELP)

    sc_ = _command(sub, "schema", help="print the scenario JSON Schema")
    sc_.add_argument(
        "--record", action="store_true", help="the execution record's JSON Schema instead"
    )

    e = _command(
        sub, "explain", help="why a scenario has no plan, the smallest fixes, or which rules bind"
    )
    e.add_argument("scenario", nargs="?", help=SEED_DEFAULT)
    e.add_argument(
        "--time-limit", type=float, default=120.0, metavar="S", help="seconds for all of explain"
    )
    e.add_argument("--top", type=int, default=10, metavar="N", help="binding rules to list")
    e.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes for the independent trial solves (default: every core; the answer is "
        "the same for any N)",
    )
    e.add_argument("--json", action="store_true", help="print the explanation as JSON")

    f = _command(
        sub,
        "frontier",
        help="the trade-off frontier between two or three objective terms",
        description="The Pareto frontier between objective terms, by epsilon constraints "
        "with CP-SAT: each point a verified plan, with the rules that bind there; the "
        "bounds no plan keeps are reported as infeasible corners.",
    )
    f.add_argument("scenario", nargs="?", help=SEED_DEFAULT)
    f.add_argument(
        "--between",
        required=True,
        metavar="A,B[,C]",
        help="objective terms, e.g. living_released_hour,completion_hour",
    )
    f.add_argument(
        "--time-limit", type=float, default=120.0, metavar="S", help="seconds for the frontier"
    )
    f.add_argument("--seed", type=int, metavar="N", help="solver random seed")
    f.add_argument("--no-binding", action="store_true", help="skip what binds at each point")
    f.add_argument("--json", action="store_true", help="print the frontier as JSON")

    rb = _command(
        sub,
        "robustness",
        help="how likely each rule holds over sampled futures of the uncertain numbers",
        description="Sample futures of the scenario's uncertain numbers (every range_hours), "
        "follow the plan through each (re-planning the rest where it breaks) and report, per "
        "rule, the share of futures in which it holds (95%% Wilson interval), percentiles of "
        "the living-released and completion hours, and what breaks the plan most. The same "
        "answer for a seed whatever --jobs or --dask.",
    )
    rb.add_argument("scenario", nargs="?", help=SEED_DEFAULT)
    rb.add_argument(
        "--plan", metavar="PLAN.json", help="the plan to follow (default: the planner's)"
    )
    rb.add_argument("--samples", type=int, required=True, metavar="N", help="futures to sample")
    rb.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed")
    rb.add_argument("--jobs", type=int, metavar="J", help="local processes (default: every core)")
    rb.add_argument(
        "--dask", metavar="ADDRESS", help="run the samples on this Dask scheduler instead"
    )
    rb.add_argument("--json", action="store_true", help="print the study as JSON")

    r = _command(sub, "report", help="write a self-contained HTML report of a plan")
    r.add_argument("plan", help="plan JSON (planner solve -o or --json)")
    r.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page written")
    r.add_argument(
        "--scenario", metavar="SCENARIO", help="add clock times, rules and the verifier's verdict"
    )
    r.add_argument(
        "--frontier",
        metavar="FRONTIER.json",
        help="add a trade-off frontier (planner frontier --json) as a chart and a table",
    )
    r.add_argument(
        "--explain",
        metavar="EXPLAIN.json",
        help="add what binds (planner explain --json of the plan's scenario) as a table",
    )
    r.add_argument(
        "--robustness",
        metavar="STUDY.json",
        help="add a robustness study (planner robustness --json): shares and percentiles",
    )
    r.add_argument(
        "--interactive",
        action="store_true",
        help="interactive charts (plotly, embedded in the page; needs the interactive extra)",
    )

    x = _command(
        sub,
        "export",
        help="a plan as CSV, Excel, iCalendar, GeoJSON or a Markdown briefing",
        description="Export a plan for spreadsheets (csv, xlsx), calendars (ics), maps "
        "(geojson) or a briefing memo (md). Clock times, places, rules and their status "
        "come from --scenario; ics needs a scenario with start_time, geojson one with "
        "coordinates. See docs/exports.md.",
    )
    x.add_argument("plan", help="plan JSON (planner solve -o or --json)")
    x.add_argument(
        "--format",
        "-f",
        choices=["csv", "xlsx", "ics", "geojson", "md"],
        help="the format (default: from the -o file's suffix)",
    )
    x.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    x.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="the plan's scenario: clock times, places, rules and the verifier's verdict",
    )
    x.add_argument(
        "--explain",
        metavar="EXPLAIN.json",
        help="add what binds (planner explain --json) to the md briefing",
    )

    i = _command(
        sub,
        "init",
        help="copy a packaged seed or example into a folder to start from",
        description="Copy a packaged seed (gaza-2025-phase1, jan-2025-phase1, "
        "nov-2023-truce) or example (minimal, withdrawal-first, order-and-capacity, "
        "logistics) into DIR as scenario.json, with its README and the scenario JSON "
        "Schema beside it (the file's $schema key names it, for editor completion). "
        "Nothing existing is overwritten.",
    )
    i.add_argument("name", metavar="NAME", help="a seed's or an example's name")
    i.add_argument("directory", metavar="DIR", help="folder to write to (made if missing)")

    k = _command(sub, "compare", help="stage-by-stage differences between two plans")
    k.add_argument("plan_a", help="plan JSON, the first")
    k.add_argument("plan_b", help="plan JSON, compared with the first")
    return p
