"""Solve the scaled cases with the planner and, side by side, with the comparison formulations.

    python benchmarks/run_scaled.py                          # every case, 3 runs, 60 s each
    python benchmarks/run_scaled.py --cases seed-core,slots-24 --runs 1 --time-limit 30
    python benchmarks/run_scaled.py --json last-run.json

Every solve runs in a fresh subprocess (``--worker``), so that its peak RSS is its own
(``os.wait4``). The planner is timed as one library call, ``planner.solver.solve`` (build +
solve + decode + verify); the comparison formulations as build + lexicographic solve. The
table shows the median of the runs; "agree" compares the objective with the planner's where
both proved optimal; "x bare" is the median time over the bare model's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(ROOT))

from benchmarks.scaled import CASES, case, size, validated  # noqa: E402

FORMULATIONS = ("planner", "bare", "per_person", "milp")
PER_PERSON_MAX_PEOPLE = 24_180  # people-x10; above it the per-person model is skipped
MARK = "RESULT "


# --------------------------------------------------------------------------- worker


def run_one(name: str, formulation: str, time_limit: float) -> dict[str, Any]:
    """One solve in this process (the worker side)."""
    sc = validated(case(name))
    if formulation == "planner":
        from planner.solver import solve

        t0 = time.monotonic()
        result = solve(sc, time_limit=time_limit, seed=0)
        seconds = time.monotonic() - t0
        plan = result.plan
        return {
            "status": result.status,
            "objective": dict(plan.objective) if plan is not None else {},
            "seconds": seconds,
            "search_seconds": sum(s.seconds for s in result.steps),
            "steps": [s.model_dump(mode="json") for s in result.steps],
            "size": result.model_size,
            "plan_bytes": len(result.to_json().encode()) if plan is not None else None,
            "verified": result.verification.ok if result.verification is not None else None,
        }
    if formulation == "bare":
        from benchmarks.bare import solve as solve_bare

        outcome = solve_bare(sc, time_limit=time_limit, seed=0)
    elif formulation == "per_person":
        from benchmarks.per_person import solve as solve_pp

        outcome = solve_pp(sc, time_limit=time_limit, seed=0)
    elif formulation == "milp":
        from benchmarks.milp import solve as solve_milp

        outcome = solve_milp(sc, time_limit=time_limit, seed=0)
    else:
        raise ValueError(f"unknown formulation {formulation!r}")
    return outcome.as_dict()


def worker(args: list[str]) -> int:
    name, formulation, limit = args
    print(MARK + json.dumps(run_one(name, formulation, float(limit))), flush=True)
    return 0


# --------------------------------------------------------------------------- parent


def spawn(name: str, formulation: str, time_limit: float) -> dict[str, Any]:
    """Run one solve in a fresh subprocess: its result, its own peak RSS in MiB (``os.wait4``
    on that child) and the wall seconds of the whole subprocess."""
    cmd = [sys.executable, "-m", "benchmarks.run_scaled", "--worker", name, formulation]
    cmd.append(str(time_limit))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    guard = 3 * time_limit + 120  # decode and verify come after the solver's time limit
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        killed = False
        while True:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() - t0 > guard and not killed:
                proc.kill()  # our own child, by its pid
                killed = True
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(code)  # reaped here, not by Popen
        wall = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    lines = [ln for ln in stdout.splitlines() if ln.startswith(MARK)]
    if killed or proc.returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        status = "killed" if killed else "error"
        note = f"after {wall:.0f} s: {tail[:200]}"
        return {"status": status, "objective": {}, "seconds": wall, "peak_mib": peak, "note": note}
    result: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    result["wall"] = wall
    result["peak_mib"] = peak
    return result


def agree(planner: dict[str, Any] | None, other: dict[str, Any]) -> str:
    if planner is None:
        return "n/a"
    if planner["status"] != "optimal" or other["status"] != "optimal":
        return "n/a"
    if set(planner["objective"]) != set(other["objective"]):
        return "n/a"  # e.g. a plan whose objective the planner left out (a tie-break timed out)
    return "yes" if planner["objective"] == other["objective"] else "NO"


def summarise(name: str, formulation: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = [r["status"] for r in runs]
    first = next((r for r in runs if r["status"] == "optimal"), runs[0])
    peaks = [r["peak_mib"] for r in runs if r.get("peak_mib") is not None]
    row = {
        "case": name,
        "formulation": formulation,
        "status": max(set(statuses), key=statuses.count) if len(set(statuses)) > 1 else statuses[0],
        "statuses": statuses,
        "seconds": [round(r["seconds"], 3) for r in runs],
        "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "peak_mib": [round(p, 1) for p in peaks],
        "median_peak_mib": round(statistics.median(peaks), 1) if peaks else None,
        "objective": first.get("objective", {}),
        "size": first.get("size", {}),
        "steps": first.get("steps", []),
        "note": first.get("note", ""),
    }
    for key in ("search_seconds", "plan_bytes", "verified"):
        if key in first:
            row[key] = first[key]
    return row


def measure(name: str, formulation: str, time_limit: float, runs: int) -> dict[str, Any]:
    data = case(name)
    if formulation == "per_person" and size(data)["people"] > PER_PERSON_MAX_PEOPLE:
        return {
            "case": name,
            "formulation": formulation,
            "status": "skipped (size)",
            "statuses": [],
            "seconds": [],
            "median_seconds": None,
            "peak_mib": [],
            "median_peak_mib": None,
            "objective": {},
            "note": f"more than {PER_PERSON_MAX_PEOPLE} people",
        }
    results = [spawn(name, formulation, time_limit) for _ in range(runs)]
    return summarise(name, formulation, results)


def machine() -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        except OSError:
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "planner_changed": bool(git("status", "--porcelain", "planner")),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "ortools": version("ortools"),
        "highspy": version("highspy"),
    }


def add_comparisons(rows: list[dict[str, Any]]) -> None:
    """Fill in "agree" (with the planner) and "ratio_to_bare" for every row of one case."""
    by = {r["formulation"]: r for r in rows}
    planner, bare = by.get("planner"), by.get("bare")
    for row in rows:
        row["agree"] = "-" if row["formulation"] == "planner" else agree(planner, row)
        base = bare["median_seconds"] if bare is not None else None
        mine = row["median_seconds"]
        row["ratio_to_bare"] = round(mine / base, 1) if base and mine is not None else None


def table(rows: list[dict[str, Any]]) -> str:
    head = f"{'case':14s} {'formulation':11s} {'status':15s} {'median s':>9s} {'peak MiB':>9s} "
    head += f"{'agree':>5s} {'x bare':>7s}  note"
    out = [head, "-" * len(head)]
    for r in rows:
        secs = f"{r['median_seconds']:9.2f}" if r["median_seconds"] is not None else f"{'-':>9s}"
        peak = f"{r['median_peak_mib']:9.0f}" if r["median_peak_mib"] is not None else f"{'-':>9s}"
        ratio = f"{r['ratio_to_bare']:7.1f}" if r.get("ratio_to_bare") is not None else f"{'-':>7s}"
        note = r.get("note", "")
        if r["formulation"] == "planner" and r.get("plan_bytes") is not None:
            note = f"search {r['search_seconds']:.2f} s, plan {r['plan_bytes']:,} B"
        status = r["status"] if len(set(r["statuses"])) <= 1 else "/".join(r["statuses"])
        out.append(
            f"{r['case']:14s} {r['formulation']:11s} {status:15s} {secs} {peak} "
            f"{r.get('agree', '-'):>5s} {ratio}  {note}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--formulations", default=",".join(FORMULATIONS))
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--runs", type=int, default=3, help="runs per solve (median reported)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    args = parser.parse_args(argv)
    names = args.cases.split(",") if args.cases else list(CASES)
    forms = args.formulations.split(",")
    bad = [n for n in names if n not in CASES] + [f for f in forms if f not in FORMULATIONS]
    if bad:
        parser.error(f"unknown {bad}; cases: {', '.join(CASES)}; formulations: {FORMULATIONS}")
    if args.runs < 1 or not 0 < args.time_limit <= 3600:
        parser.error("--runs must be >= 1 and --time-limit in (0, 3600]")
    began = datetime.datetime.now(datetime.UTC)
    rows: list[dict[str, Any]] = []
    sizes = {}
    for name in names:
        sizes[name] = size(case(name))
        mine = []
        for formulation in forms:
            row = measure(name, formulation, args.time_limit, args.runs)
            mine.append(row)
            print(f"{name} {formulation}: {row['status']} {row['median_seconds']}", file=sys.stderr)
        add_comparisons(mine)
        rows += mine
    print(table(rows))
    disagree = [f"{r['case']}/{r['formulation']}" for r in rows if r.get("agree") == "NO"]
    if disagree:
        print(f"objective disagrees with the planner: {', '.join(disagree)}")
    if args.json:
        report = {
            "date": began.isoformat(timespec="seconds"),
            "machine": machine(),
            "time_limit": args.time_limit,
            "runs": args.runs,
            "cases": sizes,
            "results": rows,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
