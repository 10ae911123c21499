"""Long mutation-fuzzing run of the CLI contract (see tests/fuzzcases.py and tests/test_fuzz.py).

    python tools/fuzz_long.py --cases 10000 --seed 1 --jobs 2 --failures fuzz-failures

Case i is drawn from ``random.Random(f"{seed}:{i}")``: a source (packaged seed or example), a
command (validate, solve, check, report, compare) and 1-3 mutations of the scenario, or of a plan
the tool wrote for it. Cases run in-process (``planner.cli.main``) in worker processes; a case
over ``--timeout`` seconds is killed and counted as a hang, a worker that dies is counted as a
crash. Prints a summary; writes each failing case to ``--failures`` (input, command, output).
Exit status: 0 no breach, 1 some breach.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMAND_WEIGHTS = {"validate": 3, "solve": 3, "check": 2, "report": 1, "compare": 1}
PLAN_COMMANDS = ("check", "report", "compare")


def fuzzcases() -> ModuleType:
    """Import tests/fuzzcases.py (adds tests/ to sys.path on first use, not at import)."""
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    import fuzzcases as fc

    return fc


def base_plans(folder: Path, time_limit: float) -> dict[str, tuple[str, str]]:
    """Solve every source once, unmutated: source -> (scenario file, plan file)."""
    fc = fuzzcases()
    out: dict[str, tuple[str, str]] = {}
    for name, text in fc.source_texts().items():
        scen = folder / (name.replace(":", "-") + ".json")
        plan = folder / (name.replace(":", "-") + ".plan.json")
        scen.write_text(text)
        argv = ["solve", str(scen), "--time-limit", str(time_limit), "--workers", "1"]
        o = fc.run_cli([*argv, "-o", str(plan)])
        if o.code == 0:
            out[name] = (str(scen), str(plan))
        else:
            print(f"note: {name} did not solve (exit {o.code}); no plan cases for it")
    return out


def make_task(
    i: int, seed: int, plans: dict[str, tuple[str, str]], weights: dict[str, int]
) -> dict[str, Any]:
    fc = fuzzcases()
    rnd = random.Random(f"{seed}:{i}")
    names = [n for n in weights if plans or n not in PLAN_COMMANDS]
    command = rnd.choices(names, [weights[n] for n in names])[0]
    if command in PLAN_COMMANDS:
        source = rnd.choice(sorted(plans))
        case = fc.make_plan_case(source, Path(plans[source][1]).read_text(), rnd)
    else:
        case = fc.make_case(rnd.choice(fc.source_names()), rnd)
    return {"i": i, "command": command, "case": case}


def run_task(task: dict[str, Any], plans: dict[str, tuple[str, str]], args: Any) -> dict[str, Any]:
    fc = fuzzcases()
    work = Path(tempfile.mkdtemp(prefix=f"case{task['i']}-", dir=args.tmp))
    start = time.perf_counter()
    try:
        if task["command"] in PLAN_COMMANDS:
            scen, plan = plans[task["case"].source]
            o = fc.run_plan_case(task["case"], task["command"], work, scen, plan)
        else:
            o = fc.run_scenario_case(task["case"], task["command"], work, args.time_limit)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "i": task["i"],
        "code": o.code,
        "problems": o.problems,
        "argv": o.argv,
        "out": o.out[-4000:],
        "err": o.err[-4000:],
        "exception": o.exception,
        "seconds": time.perf_counter() - start,
    }


def worker(conn: Connection, plans: dict[str, tuple[str, str]], args: Any) -> None:
    fuzzcases()  # tasks hold fuzzcases.Case objects: the module must import before recv()
    import planner.cli  # noqa: F401 - imported before the first case's clock starts

    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(run_task(task, plans, args))


class Pool:
    """Worker processes, one task each at a time, killed and replaced past the timeout."""

    def __init__(self, jobs: int, plans: dict[str, tuple[str, str]], args: Any):
        self.ctx = mp.get_context("spawn")  # no solver state inherited from the parent
        self.plans, self.args = plans, args
        self.slots: list[list[Any]] = [self._spawn() for _ in range(jobs)]

    def _spawn(self) -> list[Any]:
        here, there = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker, args=(there, self.plans, self.args), daemon=True)
        proc.start()
        if not here.poll(120) or here.recv() != "ready":
            raise RuntimeError("a worker process did not start")
        return [proc, here, None, 0.0]  # process, connection, task, started

    def _replace(self, k: int) -> None:
        proc: BaseProcess = self.slots[k][0]
        proc.kill()
        proc.join()
        self.slots[k] = self._spawn()

    def run(self, tasks: Any, on_result: Any) -> None:
        pending = iter(tasks)
        busy = 0
        exhausted = False
        while True:
            for slot in self.slots:
                if slot[2] is None and not exhausted:
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                        break
                    slot[1].send(task)
                    slot[2], slot[3] = task, time.perf_counter()
                    busy += 1
            if busy == 0 and exhausted:
                break
            ready = wait([s[1] for s in self.slots if s[2] is not None], timeout=0.5)
            for k, slot in enumerate(self.slots):
                task, started = slot[2], slot[3]
                if task is None:
                    continue
                if slot[1] in ready:
                    try:
                        on_result(task, slot[1].recv())
                    except (EOFError, OSError):
                        code = slot[0].exitcode
                        on_result(task, dead(task, f"crash: worker died (exit code {code})"))
                        self._replace(k)
                elif time.perf_counter() - started > self.args.timeout:
                    on_result(task, dead(task, f"hang: no answer in {self.args.timeout:g} s"))
                    self._replace(k)
                else:
                    continue
                self.slots[k][2] = None
                busy -= 1
        for slot in self.slots:
            slot[1].send(None)
            slot[0].join(timeout=5)
            if slot[0].is_alive():
                slot[0].kill()


def dead(task: dict[str, Any], problem: str) -> dict[str, Any]:
    return {"i": task["i"], "code": None, "problems": [problem], "argv": [task["command"]],
            "out": "", "err": "", "exception": "", "seconds": None}  # fmt: skip


def class_of(problem: str) -> str:
    """Group breaches: numbers, temp paths, the failing field and long messages do not make a
    new class (the failing cases keep the details)."""
    text = re.sub(r"/tmp/\S+", "<file>", problem)
    text = re.sub(r" \(at [^)]*\)$", "", text)  # accepted-invalid: the field
    return re.sub(r"\d+", "N", text)[:110]


def save_failure(folder: Path, task: dict[str, Any], res: dict[str, Any], plans: Any) -> None:
    case = task["case"]
    d = folder / f"case-{task['i']:06d}-{task['command']}"
    d.mkdir(parents=True, exist_ok=True)
    plan_case = task["command"] in PLAN_COMMANDS
    (d / ("plan.json" if plan_case else "scenario.json")).write_text(case.text)
    if plan_case:
        shutil.copy(plans[case.source][0], d / "base-scenario.json")
        shutil.copy(plans[case.source][1], d / "base-plan.json")
    info = {k: res[k] for k in ("code", "problems", "argv", "seconds")}
    info |= {"source": case.source, "mutations": case.mutations, "command": task["command"]}
    (d / "case.json").write_text(json.dumps(info, indent=2) + "\n")
    (d / "output.txt").write_text(
        f"exit {res['code']}\n--- stdout\n{res['out']}\n--- stderr\n{res['err']}\n"
        f"--- exception\n{res['exception']}\n"
    )


def summary(results: list[tuple[dict[str, Any], dict[str, Any]]], elapsed: float) -> str:
    exits: Counter[tuple[str, Any]] = Counter()
    kinds: Counter[str] = Counter()
    classes: dict[str, list[int]] = {}
    for task, res in results:
        exits[(task["command"], res["code"])] += 1
        for p in res["problems"]:
            kinds[p.split(":", 1)[0]] += 1
            classes.setdefault(class_of(p), []).append(task["i"])
    n = len(results)
    lines = [f"cases: {n} in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.1f} cases/s)", "exits:"]
    for command in COMMAND_WEIGHTS:
        row = {c: k for (cmd, c), k in exits.items() if cmd == command}
        shown = ", ".join(f"{c}: {k}" for c, k in sorted(row.items(), key=lambda x: str(x[0])))
        lines.append(f"  {command:9} {sum(row.values()):6}  ({shown})")
    failing = sum(1 for _, r in results if r["problems"])
    lines.append(f"failing cases: {failing}")
    for kind in ("traceback", "traceback-printed", "exit-code", "stderr-format",
                 "partial-output", "verifier", "accepted-invalid", "hang", "crash"):  # fmt: skip
        lines.append(f"  {kind:18} {kinds.get(kind, 0)}")
    lines.append(f"distinct failure classes: {len(classes)}")
    for key, cases in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {len(cases):5}x  {key[:220]}  (e.g. case {cases[0]})")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=int, default=0, help="first case number (resume a run)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per case before a hang")
    p.add_argument("--time-limit", type=float, default=1.0, help="solve --time-limit")
    p.add_argument("--failures", type=Path, help="write each failing case here")
    p.add_argument("--only", help="comma-separated commands to run (default: all)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-long-") as tmp:
        args.tmp = tmp
        plans = base_plans(Path(tmp), time_limit=10.0)
        keep = set(args.only.split(",")) if args.only else set(COMMAND_WEIGHTS)
        weights = {k: w for k, w in COMMAND_WEIGHTS.items() if k in keep}
        numbers = range(args.start, args.start + args.cases)
        tasks = (make_task(i, args.seed, plans, weights) for i in numbers)
        results: list[tuple[dict[str, Any], dict[str, Any]]] = []

        def on_result(task: dict[str, Any], res: dict[str, Any]) -> None:
            results.append((task, res))
            if res["problems"] and args.failures:
                save_failure(args.failures, task, res, plans)
            if len(results) % 100 == 0:
                print(f"... {len(results)} cases, {time.perf_counter() - start:.0f} s", flush=True)

        Pool(max(1, args.jobs), plans, args).run(tasks, on_result)
    text = summary(sorted(results, key=lambda r: r[0]["i"]), time.perf_counter() - start)
    print(text)
    if args.failures:
        args.failures.mkdir(parents=True, exist_ok=True)
        (args.failures / "summary.txt").write_text(text + "\n")
    return 1 if any(r["problems"] for _, r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
