"""The transport graph: places as nodes, routes as undirected edges weighted by travel hours.

Used to validate scenarios (``route_problems``: every site reaches the reception point, every
prison reaches the destinations its cohorts may go to) and to give the model its travel times.
The scenario schema does not import this module; ``planner.io`` runs ``route_problems`` after
the schema's own checks, and ``check_routes`` guards every solve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from planner.jsonpos import key_part
from planner.scenario import Problem, ScenarioProblems

if TYPE_CHECKING:
    from planner.scenario import Scenario


def build_graph(sc: Scenario) -> nx.Graph:
    g = nx.Graph()
    for p in sc.places:
        g.add_node(p.id, kind=p.kind, abroad=p.abroad)
    for r in sc.routes:
        a, b = r.between
        if g.has_edge(a, b) and g.edges[a, b]["hours"] <= r.hours:
            continue  # keep the fastest of parallel routes
        g.add_edge(a, b, hours=r.hours)
    return g


def leg(g: nx.Graph, source: str, target: str) -> tuple[int, list[str]] | None:
    """Shortest travel (hours, path) from source to target, or None if unreachable."""
    if source not in g or target not in g:
        return None
    try:
        hours, path = nx.single_source_dijkstra(g, source, target, weight="hours")
    except nx.NetworkXNoPath:
        return None
    return int(hours), list(path)


def handover_legs(sc: Scenario, g: nx.Graph | None = None) -> dict[str, tuple[int, list[str]]]:
    """Handover site -> (hours, path) to the reception point."""
    g = g if g is not None else build_graph(sc)
    out = {}
    for site in sc.sites:
        found = leg(g, site, sc.reception) if sc.reception else None
        if found is not None:
            out[site] = found
    return out


def transfer_legs(
    sc: Scenario, g: nx.Graph | None = None
) -> dict[tuple[str, str], tuple[int, list[str]]]:
    """(prison, destination) -> (hours, path) for every route a prisoner cohort may take."""
    g = g if g is not None else build_graph(sc)
    out = {}
    for c in sc.prisoner_cohorts:
        for d in sc.allowed_destinations(c.id):
            assert c.prison is not None
            found = leg(g, c.prison, d)
            if found is not None:
                out[c.prison, d] = found
    return out


def holding_legs(sc: Scenario, g: nx.Graph | None = None) -> dict[tuple[str, str], int]:
    """(holding area, handover site) -> travel hours, for every area a hostage cohort is held
    in and every site it can reach."""
    g = g if g is not None else build_graph(sc)
    out: dict[tuple[str, str], int] = {}
    for c in sc.hostage_cohorts:
        for area in c.held_in or {}:
            for site in sc.sites:
                found = leg(g, area, site)
                if found is not None:
                    out[area, site] = found[0]
    return out


def route_problems(sc: Scenario, g: nx.Graph | None = None) -> list[Problem]:
    """Handover sites that cannot reach the reception point, and prisons that cannot reach a
    destination their cohorts may go to (JSON path, message)."""
    g = g if g is not None else build_graph(sc)
    problems: list[Problem] = []
    if sc.reception is not None and sc.place(sc.reception) is not None:
        for site in sc.sites:
            if leg(g, site, sc.reception) is None:
                problems.append(
                    (
                        "$.routes",
                        f"no route from handover site {site!r} to reception {sc.reception!r}",
                    )
                )
    for i, h in enumerate(sc.hostage_cohorts):
        for area in h.held_in or {}:
            if sc.place(area) is not None and not any(leg(g, area, s) for s in sc.sites):
                problems.append(
                    (
                        f"$.hostage_cohorts[{i}].held_in{key_part(area)}",
                        f"no route from holding area {area!r} to any handover site",
                    )
                )
    destinations = set(sc.places_of("destination"))
    for i, c in enumerate(sc.prisoner_cohorts):
        if c.prison is None or sc.place(c.prison) is None:
            continue
        for d in sc.allowed_destinations(c.id):
            if d in destinations and leg(g, c.prison, d) is None:
                problems.append(
                    (
                        f"$.prisoner_cohorts[{i}].destinations",
                        f"no route from prison {c.prison!r} to destination {d!r}",
                    )
                )
    return problems


def check_routes(sc: Scenario) -> None:
    """Raise ScenarioProblems when a route the plan needs does not exist."""
    problems = route_problems(sc)
    if problems:
        raise ScenarioProblems(problems)
