"""Scaled scenarios derived from the packaged seed case (issue 9: speed).

    python benchmarks/scaled.py                 # list the cases and their sizes
    python benchmarks/scaled.py --write DIR     # one validated JSON file per case

Every case starts from the **core** variant of the seed case (``seed-core``): the seed's rules of
kinds release, exchange_ratio, line_window, line_before_handover, line_after_release, deadline,
order, pairing, availability, site_after_line and site_daily_limit, plus a ``stage_gap`` and a
``prison_processing`` rule per prison; without the logistics the comparison formulations do not
model (destinations, buses, hostage fleet, destination quota, named members and their abroad
rule). The handover sites keep their travel time to the reception point. Each case is a
function returning scenario data (a dict), deterministic, validated by
``planner.io.scenario_from_data``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

Data = dict[str, Any]

KEPT_KINDS = (
    "release",
    "exchange_ratio",
    "line_window",
    "line_before_handover",
    "line_after_release",
    "deadline",
    "order",
    "pairing",
    "availability",
    "site_after_line",
    "site_daily_limit",
)
CORE_KINDS = frozenset((*KEPT_KINDS, "stage_gap", "prison_processing"))
MAX_COUNT = 100_000  # people per cohort (the format's limit): larger cohorts are split
COHORT_LISTS = ("cohorts", "prisoners", "first", "then")  # rule fields that list cohort ids
# prison -> prisoners released per day in the core variant. Ketziot (1,700 detainees) and the
# remains (420) need more than one release day, so the limit shapes the plan.
PROCESSING = {"ofer": 250, "ketziot": 1000, "remains-holding": 200}
STAGE_GAP_HOURS = 12


@cache
def _seed() -> str:
    from planner.io import load_scenario

    return json.dumps(load_scenario().model_dump(mode="json"))


def seed_data() -> Data:
    """The packaged seed case (gaza-2025-phase1) as JSON data (a fresh copy)."""
    data: Data = json.loads(_seed())
    return data


def validated(data: Data) -> Any:
    """``scenario_from_data(data)``: the Scenario, or InputError naming every problem."""
    from planner.io import scenario_from_data

    return scenario_from_data(data, f"<{data.get('name', 'case')}>")


def _cohorts(data: Data) -> list[Data]:
    return [*data["hostage_cohorts"], *data["prisoner_cohorts"]]


def _cohort(data: Data, cid: str) -> Data:
    return next(c for c in _cohorts(data) if c["id"] == cid)


def _rule(data: Data, rid: str) -> Data:
    return next(r for r in data["rules"] if r["id"] == rid)


def _rename(data: Data, name: str, title: str) -> Data:
    data["name"] = name
    data["title"] = title
    data["description"] = (
        f"Benchmark case {name} (benchmarks/scaled.py), derived from the core variant of the "
        "gaza-2025-phase1 seed. Not a real scenario: generated ids and counts only."
    )
    return data


def core() -> Data:
    """The core variant of the seed case (case ``seed-core``)."""
    data = seed_data()
    destinations = {p["id"] for p in data["places"] if p["kind"] == "destination"}
    # holding areas (where hostages are held, for the preparation rule) are not core either
    gone = destinations | {p["id"] for p in data["places"] if p["kind"] == "holding_area"}
    data["places"] = [p for p in data["places"] if p["id"] not in gone]
    data["routes"] = [r for r in data["routes"] if not set(r["between"]) & gone]
    for c in _cohorts(data):
        c["members"] = []
        c.pop("held_in", None)
    for ln in data["withdrawal_lines"]:
        ln.pop("required", None)  # conditional lines are not core: every line is reached
    for c in data["prisoner_cohorts"]:
        c["destinations"] = None
    data["rules"] = [r for r in data["rules"] if r["kind"] in KEPT_KINDS]
    data["rules"].append(
        {
            "kind": "stage_gap",
            "id": "stages-12h-apart",
            "description": "Consecutive handovers start at least 12 h apart (benchmark).",
            "min_hours": STAGE_GAP_HOURS,
        }
    )
    data["rules"].append(
        {
            "kind": "exchange_ratio",
            "id": "prisoners-per-living",
            "description": "On running totals, the 1,950 life-sentence prisoners and detainees "
            "are owed at 97.5 per living hostage, never ahead and at most all of them behind "
            "(benchmark: gives peak_imbalance a value to agree on).",
            "prisoners": ["life-sentence", "gaza-detainees"],
            "per_hostage": {"living": 97.5},
            "scope": "cumulative",
            "max_prisoners_ahead": 0,
            "max_prisoners_behind": 1950,
        }
    )
    prisons = {c["prison"] for c in data["prisoner_cohorts"]}
    if prisons != set(PROCESSING):
        raise ValueError(f"the seed's prisons changed: {sorted(prisons)}")
    for prison, per_day in PROCESSING.items():
        data["rules"].append(
            {
                "kind": "prison_processing",
                "id": f"{prison}-per-day",
                "description": f"{prison} releases at most {per_day} per day (benchmark).",
                "prison": prison,
                "per_day": per_day,
            }
        )
    kinds = {r["kind"] for r in data["rules"]}
    if kinds != CORE_KINDS:
        raise ValueError(f"the seed's rule kinds changed: {sorted(kinds ^ CORE_KINDS)}")
    return _rename(data, "seed-core", "Core variant of the gaza-2025-phase1 seed")


# --------------------------------------------------------------------------- rewriting


def _parts(n: int, k: int) -> list[int]:
    """n people in k near-equal parts, larger parts first."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _rewrite_rule(rule: Data, mapping: dict[str, list[str]]) -> None:
    """Replace every cohort id of ``mapping`` in the rule by its list of new ids."""
    for key in COHORT_LISTS:
        if isinstance(rule.get(key), list):
            rule[key] = [new for old in rule[key] for new in mapping.get(old, [old])]
    if isinstance(rule.get("per_hostage"), dict):
        rule["per_hostage"] = {
            new: rate
            for old, rate in rule["per_hostage"].items()
            for new in mapping.get(old, [old])
        }


def split_cohorts(data: Data, counts: dict[str, list[int]]) -> Data:
    """Split each cohort ``c`` of ``counts`` into cohorts ``c.1``, ``c.2``, ... of the given
    sizes (same status, prison and other fields), and rewrite every rule over the parts."""
    mapping: dict[str, list[str]] = {}
    for side in ("hostage_cohorts", "prisoner_cohorts"):
        out = []
        for c in data[side]:
            sizes = counts.get(c["id"])
            if sizes is None or len(sizes) == 1:
                if sizes is not None:
                    c["count"] = sizes[0]
                out.append(c)
                continue
            mapping[c["id"]] = []
            for i, n in enumerate(sizes, start=1):
                part = {**copy.deepcopy(c), "id": f"{c['id']}.{i}", "count": n}
                mapping[c["id"]].append(part["id"])
                out.append(part)
        data[side] = out
    for rule in data["rules"]:
        _rewrite_rule(rule, mapping)
    return data


# --------------------------------------------------------------------------- cases


def people(k: int) -> Data:
    """Every cohort count x k; per-day limits and every count of a rule x k, so the terms stay
    feasible (ratios are per person and kept). Cohorts above the format's 100,000 are split
    into equal parts of at most 100,000 (same prison, rules over the parts)."""
    data = core()
    for rule in data["rules"]:
        for key in ("per_day", "min_count", "max_prisoners_ahead", "max_prisoners_behind"):
            if rule.get(key) is not None and rule["kind"] != "site_daily_limit":
                rule[key] *= k
    counts = {}
    for c in _cohorts(data):
        n = c["count"] * k
        counts[c["id"]] = _parts(n, -(-n // MAX_COUNT)) if n > MAX_COUNT else [n]
    split_cohorts(data, counts)
    return _rename(data, f"people-x{k}", f"Core variant with every cohort x{k}")


TINY = {
    "living": 2,
    "deceased-located": 1,
    "deceased-later": 1,
    "deceased-search": 1,
    "life-sentence": 25,
    "gaza-detainees": 170,
    "gaza-remains": 45,
}


def tiny() -> Data:
    """The core variant with about a tenth of the people (245), the ratios kept (15 remains per
    deceased hostage, 97.5 prisoners per living hostage) and the per-day limits cut so that
    they still shape the plan: small enough for the per-person model in the tests."""
    data = core()
    for c in _cohorts(data):
        c["count"] = TINY[c["id"]]
    limits = {"ofer": 25, "ketziot": 100, "remains-holding": 20}
    for rule in data["rules"]:
        if rule["kind"] == "prison_processing":
            rule["per_day"] = limits[rule["prison"]]
        if rule["id"] == "prisoners-per-living":
            rule["max_prisoners_behind"] = TINY["life-sentence"] + TINY["gaza-detainees"]
    return _rename(data, "tiny-core", "Core variant with a tenth of the people")


def cohorts(k: int) -> Data:
    """Each cohort split into k cohorts (into n cohorts of one when it has n < k people: no
    empty cohorts), every rule rewritten over the parts: the same problem in more cohorts."""
    data = core()
    split_cohorts(data, {c["id"]: _parts(c["count"], min(k, c["count"])) for c in _cohorts(data)})
    return _rename(data, f"cohorts-x{k}", f"Core variant with each cohort split into {k}")


def _waves(data: Data, waves: list[tuple[str, int, int, int]]) -> None:
    """Replace the deceased-later and deceased-search cohorts (and their availability rules) by
    ``waves``: (cohort id, people, available from hour, released by hour). The remains owed (15
    per deceased hostage) follow the new number of deceased."""
    ids = [w[0] for w in waves]
    half = len(ids) // 2
    mapping = {"deceased-later": ids[:half], "deceased-search": ids[half:]}
    for rule in data["rules"]:
        _rewrite_rule(rule, mapping)
    gone = {"remains-located-later", "remains-after-search"}
    data["rules"] = [r for r in data["rules"] if r["id"] not in gone]
    data["hostage_cohorts"] = [c for c in data["hostage_cohorts"] if c["id"] not in mapping]
    for cid, n, available, due in waves:
        data["hostage_cohorts"].append(
            {"id": cid, "count": n, "status": "deceased", "category": "deceased hostage"}
        )
        data["rules"].append(
            {"kind": "availability", "id": f"{cid}-from", "cohorts": [cid], "from_hour": available}
        )
        data["rules"].append(
            {"kind": "deadline", "id": f"{cid}-by", "cohorts": [cid], "within_hours": due}
        )
    deceased = sum(c["count"] for c in data["hostage_cohorts"] if c["status"] == "deceased")
    _cohort(data, "gaza-remains")["count"] = 15 * deceased


def slots(n: int) -> Data:
    """max_stages n, with n - 4 single deceased hostages located 12 h apart from hour 48, each
    to be returned within 12 h of being located: every one needs a stage of its own, so a plan
    uses n - 3 of the n slots."""
    data = core()
    data["max_stages"] = n
    step, first = 12, 48
    waves = [
        (f"deceased-wave-{i + 1:02d}", 1, first + step * i, first + step * (i + 1))
        for i in range(n - 4)
    ]
    _waves(data, waves)
    data["horizon_hours"] = max(720, waves[-1][3] + 72 + 24)  # line-40 moves after the last
    return _rename(data, f"slots-{n}", f"Core variant needing {n - 3} of {n} stages")


def horizon_year() -> Data:
    """horizon_hours 8760: the 20 deceased hostages not located at t=0 come in 10 monthly
    pairs (from hour 720 k), each to be returned within 14 days of being located."""
    data = core()
    data["horizon_hours"] = 8760
    month, fortnight = 720, 336
    waves = [(f"deceased-month-{k:02d}", 2, month * k, month * k + fortnight) for k in range(1, 11)]
    _waves(data, waves)
    return _rename(data, "horizon-year", "Core variant over a year, remains located monthly")


def named(n: int, base: Callable[[], Data] = core, name: str = "named") -> Data:
    """n named members with individual rules: deceased hostages located from an hour
    (``located_from``), life-sentence prisoners vetoed (``veto``, the life cohort's release
    rule then needs a min_count) or not before an hour, detainees not before an hour
    (``person_not_before``). Rules are grouped by hour. Every hour keeps the plan feasible."""
    data = base()
    later = _cohort(data, "deceased-later")["count"]
    n_host = min(n // 5, later + _cohort(data, "deceased-search")["count"])
    n_life = max(2, n // 10)
    n_veto = max(1, n // 20)
    n_det = n - n_host - n_life
    by_rule: dict[tuple[str, int], list[str]] = {}

    def member(cid: str, j: int, kind: str, hour: int) -> None:
        pid = f"{cid}-m{j:04d}"
        _cohort(data, cid)["members"].append({"id": pid})
        by_rule.setdefault((kind, hour), []).append(pid)

    for j in range(n_host):  # located later (hours 120..300), then after a search
        if j < later:
            member("deceased-later", j, "located_from", 120 + 15 * j)
        else:
            member("deceased-search", j, "located_from", 336 + j % 3)
    for j in range(n_life):
        if j < n_veto:
            member("life-sentence", j, "veto", 0)
        else:
            member("life-sentence", j, "person_not_before", 27 + 24 * (j % 14))
    for j in range(n_det):
        member("gaza-detainees", j, "person_not_before", 27 + 12 * (j * 7 % 27))
    rules = data["rules"]
    release = _rule(data, "release-all-prisoners")
    release["cohorts"].remove("life-sentence")
    rules.append(
        {
            "kind": "release",
            "id": "release-life-but-vetoed",
            "cohorts": ["life-sentence"],
            "min_count": _cohort(data, "life-sentence")["count"] - n_veto,
        }
    )
    for (kind, hour), people_ in sorted(by_rule.items()):
        rule: Data = {"kind": kind, "id": f"{kind.replace('_', '-')}-{hour}", "people": people_}
        if kind != "veto":
            rule["hour"] = hour
        else:
            rule["id"] = "vetoed"
        rules.append(rule)
    return _rename(data, f"{name}-{n}", f"{data['title']}, {n} named members")


CASES: dict[str, Callable[[], Data]] = {
    "tiny-core": tiny,
    "seed-core": core,
    "people-x10": lambda: people(10),
    "people-x100": lambda: people(100),
    "people-x1000": lambda: people(1000),
    "cohorts-x5": lambda: cohorts(5),
    "cohorts-x20": lambda: cohorts(20),
    "cohorts-x50": lambda: cohorts(50),
    "slots-24": lambda: slots(24),
    "slots-36": lambda: slots(36),
    "slots-60": lambda: slots(60),
    "horizon-year": horizon_year,
    "named-10": lambda: named(10),
    "named-100": lambda: named(100),
    "named-1000": lambda: named(1000),
    "tiny-named-10": lambda: named(10, tiny, "tiny-named"),
}


def case(name: str) -> Data:
    """Scenario data of one case (KeyError for an unknown name)."""
    return CASES[name]()


def size(data: Data) -> dict[str, int]:
    """People, cohorts, stage slots, horizon, named members and rules of a case."""
    everyone = _cohorts(data)
    return {
        "people": sum(c["count"] for c in everyone),
        "cohorts": len(everyone),
        "slots": data["max_stages"],
        "horizon": data["horizon_hours"],
        "named": sum(len(c.get("members", [])) for c in everyone),
        "rules": len(data["rules"]),
    }


def write(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        data = case(name)
        validated(data)
        path = folder / f"{name}.json"
        path.write_text(json.dumps(data, indent=2) + "\n")
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, metavar="DIR", help="write <case>.json files")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    args = parser.parse_args(argv)
    names = args.cases.split(",") if args.cases else list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    if args.write:
        for path in write(args.write, names):
            print(path)
        return 0
    print(
        f"{'case':14s} {'people':>9s} {'cohorts':>7s} {'slots':>5s} {'horizon':>7s} "
        f"{'named':>5s} {'rules':>5s}"
    )
    for name in names:
        data = case(name)
        validated(data)
        s = size(data)
        print(
            f"{name:14s} {s['people']:9d} {s['cohorts']:7d} {s['slots']:5d} {s['horizon']:7d} "
            f"{s['named']:5d} {s['rules']:5d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
