"""GeoJSON (RFC 7946): the scenario's places as Points and its routes as LineStrings, with
the plan's stages, transfers and route use in their properties. Needs the scenario (the
places' ``lat``/``lon``: approximate, for maps only, never used in planning).

Coordinates are [lon, lat] (WGS 84). Places without coordinates, and routes with an end
without them, are not drawn: they are listed in the collection's ``properties``
(``places_without_coordinates``, ``routes_without_coordinates``), never silently dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from planner.export.common import check_inputs, clean_text, iso, need_scenario
from planner.export.rows import plan_fields
from planner.plan import Plan
from planner.scenario import Scenario

Feature = dict[str, Any]
PLACE_FIELDS = ("id", "kind", "abroad", "description")  # as the scenario has them
COORDINATES_NOTE = "the scenario's, WGS 84 [lon, lat], for maps only (never used in planning)"
# a pair of numbers as json.dumps indents it (a JSON string holds no raw newline)
_PAIR = re.compile(r"\[\n\s+(-?[0-9.eE+-]+),\n\s+(-?[0-9.eE+-]+)\n\s*\]")


def _stage_use(plan: Plan, scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Handover site id -> the stages handed over there."""
    out: dict[str, list[dict[str, Any]]] = {}
    for st in plan.stages:
        if st.site is None:
            continue
        entry: dict[str, Any] = {
            "stage": st.index,
            "start_hour": st.start_hour,
            "handover_complete_hour": st.handover_complete_hour,
            "prisoner_release_hour": st.prisoner_release_hour,
            "hostages": dict(st.hostages),
            "hostages_total": sum(st.hostages.values()),
            "prisoners": dict(st.prisoners),
            "prisoners_total": sum(st.prisoners.values()),
        }
        if scenario.start_time is not None:
            entry["start_time"] = iso(scenario.start_time, st.start_hour)
        out.setdefault(st.site, []).append(entry)
    return out


def _transfer_use(plan: Plan) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Prison id -> transfers out; destination id -> transfers in."""
    out: dict[str, list[Any]] = {}
    into: dict[str, list[Any]] = {}
    for st in plan.stages:
        for k, tr in enumerate(st.transfers, start=1):
            entry = {
                "stage": st.index,
                "transfer": k,
                "prisoners": dict(tr.prisoners),
                "prisoners_total": sum(tr.prisoners.values()),
                "departure_hour": tr.arrival_hour - tr.travel_hours,
                **plan_fields(tr, ("arrival_hour", "buses")),
            }
            out.setdefault(tr.prison, []).append(entry | {"destination": tr.destination})
            into.setdefault(tr.destination, []).append(entry | {"prison": tr.prison})
    return out, into


def _route_use(plan: Plan) -> dict[frozenset[str], list[dict[str, Any]]]:
    """Route (its two ends) -> the handovers and transfers travelling over it."""
    out: dict[frozenset[str], list[dict[str, Any]]] = {}

    def walk(path: list[str], use: dict[str, Any]) -> None:
        for a, b in zip(path, path[1:], strict=False):
            out.setdefault(frozenset((a, b)), []).append(use)

    for st in plan.stages:
        if st.handover_route is not None:
            walk(st.handover_route.path, {"stage": st.index, "use": "handover"})
        for k, tr in enumerate(st.transfers, start=1):
            walk(tr.path, {"stage": st.index, "use": "transfer", "transfer": k})
    return out


def _place_features(plan: Plan, scenario: Scenario) -> tuple[list[Feature], list[str]]:
    stages = _stage_use(plan, scenario)
    out_of, into = _transfer_use(plan)
    features: list[Feature] = []
    missing: list[str] = []
    for place in scenario.places:
        if place.lat is None or place.lon is None:
            missing.append(place.id)
            continue
        props = plan_fields(place, PLACE_FIELDS)
        if place.id == scenario.reception:
            props["reception"] = True
        if place.kind == "handover_site":
            props["stages"] = stages.get(place.id, [])
        if place.id in out_of:
            props["transfers_out"] = out_of[place.id]
        if place.id in into:
            props["transfers_in"] = into[place.id]
        features.append(
            {
                "type": "Feature",
                "id": place.id,
                "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
                "properties": props,
            }
        )
    return features, missing


def _route_features(plan: Plan, scenario: Scenario) -> tuple[list[Feature], list[list[str]]]:
    where = {p.id: [p.lon, p.lat] for p in scenario.places if p.lat is not None}
    used = _route_use(plan)
    features: list[Feature] = []
    missing: list[list[str]] = []
    for i, route in enumerate(scenario.routes):
        a, b = route.between
        if a not in where or b not in where:
            missing.append([a, b])
            continue
        props: dict[str, Any] = {
            "kind": "route",
            "between": [a, b],
            "hours": route.hours,
            "description": route.description,
            "used_by": used.get(frozenset((a, b)), []),
        }
        if route.range_hours is not None:
            props["range_hours"] = list(route.range_hours)
        features.append(
            {
                "type": "Feature",
                "id": f"route-{i + 1}",
                "geometry": {"type": "LineString", "coordinates": [where[a], where[b]]},
                "properties": props,
            }
        )
    return features, missing


def _cleaned(value: Any) -> Any:
    """Every string of a JSON value (keys too) through clean_text: no control character, raw
    or JSON-escaped, in the file."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def export_geojson(plan: Plan, scenario: Scenario | None, source: str = "export") -> bytes:
    sc = need_scenario("GeoJSON", scenario, source)
    check_inputs(plan, sc, source)
    places, places_missing = _place_features(plan, sc)
    routes, routes_missing = _route_features(plan, sc)
    collection = {
        "type": "FeatureCollection",
        "properties": {
            "scenario": plan.scenario,
            "status": plan.status,
            "coordinates": COORDINATES_NOTE,
            "places_without_coordinates": places_missing,
            "routes_without_coordinates": routes_missing,
        },
        "features": places + routes,
    }
    text = json.dumps(_cleaned(collection), indent=2, ensure_ascii=False)
    return (_PAIR.sub(r"[\1, \2]", text) + "\n").encode("utf-8")
