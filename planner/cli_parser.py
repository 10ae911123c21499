"""The command line's arguments (``planner.cli`` runs them)."""

from __future__ import annotations

import argparse


def _solver_options(p: argparse.ArgumentParser) -> None:
    """--time-limit, --seed, --workers: the scenario's solver settings, overridden."""
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds for the whole solve")
    p.add_argument("--seed", type=int, metavar="N", help="solver random seed")
    p.add_argument("--workers", type=int, metavar="N", help="solver threads (1 is repeatable)")


def parser() -> argparse.ArgumentParser:
    """Every command and option, with its help text."""
    p = argparse.ArgumentParser(
        prog="planner",
        description="Plan the logistics of a phased hostage-prisoner exchange.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("solve", help="find a verified staged release plan")
    s.add_argument("scenario", nargs="?", help="scenario JSON or seed name (default: seed case)")
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

    rp = sub.add_parser(
        "replan",
        help="freeze what has happened (an execution record) and plan the rest",
        description="Re-plan from an execution record: the record's stages and moves are "
        "fact and stay as they are; the rest is planned from its now_hour under the same "
        "rules and objective. Where the record departs from the scenario, each deviation "
        "is listed with its rule id (exit 0); exit 3 only when the rest cannot be planned.",
    )
    rp.add_argument("scenario", help="scenario JSON or seed name")
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

    c = sub.add_parser("check", help="verify a plan against a scenario's rules")
    c.add_argument("scenario")
    c.add_argument("plan")
    c.add_argument(
        "--record", metavar="RECORD.json", help="also check that the plan keeps this record"
    )

    v = sub.add_parser("validate", help="validate a scenario file")
    v.add_argument("scenario")

    sc_ = sub.add_parser("schema", help="print the scenario JSON Schema")
    sc_.add_argument(
        "--record", action="store_true", help="the execution record's JSON Schema instead"
    )

    e = sub.add_parser(
        "explain", help="why a scenario has no plan, the smallest fixes, or which rules bind"
    )
    e.add_argument("scenario", nargs="?")
    e.add_argument("--time-limit", type=float, default=120.0, metavar="S")
    e.add_argument("--top", type=int, default=10, metavar="N", help="binding rules to list")
    e.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes for the independent trial solves (default: every core; the answer is "
        "the same for any N)",
    )
    e.add_argument("--json", action="store_true", help="print the explanation as JSON")

    f = sub.add_parser(
        "frontier",
        help="the trade-off frontier between two or three objective terms",
        description="The Pareto frontier between objective terms, by epsilon constraints "
        "with CP-SAT: each point a verified plan, with the rules that bind there; the "
        "bounds no plan keeps are reported as infeasible corners.",
    )
    f.add_argument("scenario", nargs="?", help="scenario JSON or seed name (default: seed case)")
    f.add_argument(
        "--between",
        required=True,
        metavar="A,B[,C]",
        help="objective terms, e.g. living_released_hour,completion_hour",
    )
    f.add_argument("--time-limit", type=float, default=120.0, metavar="S", help="default 120")
    f.add_argument("--seed", type=int, metavar="N", help="solver random seed")
    f.add_argument("--no-binding", action="store_true", help="skip what binds at each point")
    f.add_argument("--json", action="store_true", help="print the frontier as JSON")

    rb = sub.add_parser(
        "robustness",
        help="how likely each rule holds over sampled futures of the uncertain numbers",
        description="Sample futures of the scenario's uncertain numbers (every range_hours), "
        "follow the plan through each (re-planning the rest where it breaks) and report, per "
        "rule, the share of futures in which it holds (95%% Wilson interval), percentiles of "
        "the living-released and completion hours, and what breaks the plan most. The same "
        "answer for a seed whatever --jobs or --dask.",
    )
    rb.add_argument("scenario", nargs="?", help="scenario JSON or seed name (default: seed case)")
    rb.add_argument(
        "--plan", metavar="PLAN.json", help="the plan to follow (default: the planner's)"
    )
    rb.add_argument("--samples", type=int, required=True, metavar="N", help="futures to sample")
    rb.add_argument("--seed", type=int, default=0, metavar="S", help="sampling seed (default 0)")
    rb.add_argument("--jobs", type=int, metavar="J", help="local processes (default: every core)")
    rb.add_argument(
        "--dask", metavar="ADDRESS", help="run the samples on this Dask scheduler instead"
    )
    rb.add_argument("--json", action="store_true", help="print the study as JSON")

    r = sub.add_parser("report", help="write a self-contained HTML report of a plan")
    r.add_argument("plan")
    r.add_argument("-o", "--output", required=True, metavar="FILE.html")
    r.add_argument(
        "--scenario", metavar="SCENARIO", help="add clock times, rules and the verifier's verdict"
    )
    r.add_argument(
        "--frontier",
        metavar="FRONTIER.json",
        help="add a trade-off frontier (planner frontier --json) as a chart and a table",
    )

    k = sub.add_parser("compare", help="stage-by-stage differences between two plans")
    k.add_argument("plan_a")
    k.add_argument("plan_b")
    return p
