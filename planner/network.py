"""The transport graph: places as nodes, routes as undirected edges weighted by travel hours.

Used to validate scenarios (every site reaches the reception point, every prison reaches the
destinations its cohorts may go to) and to give the model its travel times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

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
