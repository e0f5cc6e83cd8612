"""The graph's places and events, ready for the region map (:mod:`.regionmap`).

Which place is drawn, and how (the rule; the README's Pages section says it for readers):

1. A place with a WGS84 point (the cities, from the outside-knowledge graphs) is a point,
   precision "recorded point".
2. A place the graph knows without coordinates but Natural Earth draws (:data:`FROM_REGION`:
   the Tigris, the Iraqi–Syrian border, and every country of the region) takes that
   shape, precision "Natural Earth 1:50m …".
3. Any other place (a district, a building, a group of bases) is drawn where the most
   specific place it is ``ckg:locatedIn`` is drawn — a point gets a dashed circle of the
   radius it may lie within (:data:`WITHIN_KM` by type), a line is followed — or, failing
   that, around the place it is ``ckg:near`` (within :data:`NEAR_KM`). Its precision says
   so: "in Western Mosul: within about 5 km of the point of Mosul".
4. Places that none of these place (the United States, outside the region) are not drawn;
   events at them are listed beside the map.

Countries are outlines of the backdrop already: they are drawn as places (filled, with
their events) only when highlighted, on the page of the country or of an event in it;
on /map, events known only by their country are listed beside the map. The map is fitted
to the places that are not countries, so the cities, districts, bases, the border and the
river fill the picture.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.web.links import href_for
from conflictkg.web.pictures.regionmap import (
    MapEvent,
    MapPlace,
    Precision,
    events_without_place,
    fit_view,
    region_shape,
    render_map,
)

BASE = "https://w3id.org/conflictkg/id/"

FROM_REGION = {
    BASE + "place/tigris": ("Tigris", "Natural Earth 1:50m river centre line"),
    BASE + "place/iraqi-syrian-border": ("Iraq–Syria border", "Natural Earth 1:50m border line"),
}
"""Places drawn with a Natural Earth shape of the region, by IRI: (feature name, precision)."""

WITHIN_KM = {"District": 5.0, "Building": 5.0, "MilitaryBase": 15.0, "MilitaryBaseGroup": 25.0}
"""How far from the point of the place it lies in a place of each type may be drawn."""
DEFAULT_WITHIN_KM = 10.0
NEAR_KM = 25.0


@dataclass
class _Location:
    iri: str
    label: str = ""
    types: set[str] = field(default_factory=set)
    point: tuple[float, float] | None = None
    parents: set[str] = field(default_factory=set)
    near: set[str] = field(default_factory=set)


def _locations(store: QueryBackend) -> dict[str, _Location]:
    found: dict[str, _Location] = {}
    for row in queries.select(store, queries.MAP_LOCATIONS):
        iri = row["place"].value
        place = found.setdefault(iri, _Location(iri))
        if "label" in row and not place.label:
            place.label = row["label"].value
        if "type" in row:
            place.types.add(row["type"].value.rsplit("#", 1)[-1])
        if "lat" in row and "long" in row and place.point is None:
            try:
                lat, lon = float(row["lat"].value), float(row["long"].value)
            except ValueError:
                lat, lon = 999.0, 999.0
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                place.point = (lon, lat)
        if "parent" in row:
            place.parents.add(row["parent"].value)
        if "near" in row:
            place.near.add(row["near"].value)
    for place in found.values():
        place.label = place.label or place.iri.rsplit("/", 1)[-1]
    return found


def _own_shape(place: _Location, region: dict[str, Any]) -> tuple[str, Any, Precision] | None:
    """The place's own geometry: its point, or a shape of the region by name."""
    if place.point is not None:
        return "point", place.point, Precision("recorded point (coordinates in the graph)")
    name, note = FROM_REGION.get(place.iri, ("", ""))
    if not name and "Country" in place.types:
        name, note = place.label, "Natural Earth 1:50m country outline"
    if not name:
        return None
    try:
        kind, geometry = region_shape(region, name)
    except KeyError:
        return None
    return kind, geometry, Precision(note)


def _specific_first(parents: Collection[str], places: dict[str, _Location]) -> list[str]:
    """``parents`` with the ones inside another of them first (Western Mosul before Mosul
    before Iraq), countries last."""

    def depth(iri: str) -> tuple[int, int, str]:
        inside = len(places[iri].parents & set(parents)) if iri in places else 0
        country = 1 if iri in places and "Country" in places[iri].types else 0
        return (country, -inside, iri)

    return sorted(parents, key=depth)


def _shape(
    iri: str, places: dict[str, _Location], region: dict[str, Any], seen: frozenset[str]
) -> tuple[str, Any, Precision] | None:
    """How the place ``iri`` is drawn (rules 1–3 of the module), or None."""
    place = places[iri]
    own = _own_shape(place, region)
    if own is not None:
        return own
    kind_name = next((t for t in sorted(place.types) if t in WITHIN_KM), "")
    within = WITHIN_KM.get(kind_name, DEFAULT_WITHIN_KM)
    for relation, others, radius in (
        ("in", place.parents, within),
        ("near", place.near, NEAR_KM),
    ):
        for other in _specific_first(others, places):
            if other not in places or other in seen or "Country" in places[other].types:
                continue
            shape = _shape(other, places, region, seen | {iri})
            if shape is None:
                continue
            kind, geometry, precision = shape
            where = places[other].label
            if kind == "point":
                reach = max(radius, precision.radius_km or 0)
                note = f"{relation} {where}: within about {reach:g} km of the point drawn"
                return "point", geometry, Precision(note, reach)
            on = "on" if relation == "in" else relation
            return kind, geometry, Precision(f"{on} {where}: somewhere along the line")
    return None


def map_places(store: QueryBackend, region: dict[str, Any]) -> list[MapPlace]:
    """Every place the map can draw, by label."""
    places = _locations(store)
    drawn = []
    for iri, place in places.items():
        shape = _shape(iri, places, region, frozenset())
        if shape is None:
            continue
        kind, geometry, precision = shape
        drawn.append(MapPlace(iri, place.label, href_for(iri), kind, geometry, precision))  # type: ignore[arg-type]
    return sorted(drawn, key=lambda p: (p.label.casefold(), p.iri))


def map_events(store: QueryBackend) -> list[MapEvent]:
    """Every event at a place, once per place."""
    return [
        MapEvent(
            row["event"].value,
            row["label"].value if "label" in row else row["event"].value.rsplit("/", 1)[-1],
            href_for(row["event"].value),
            row["place"].value,
            row["start"].value[:10] if "start" in row else "",
        )
        for row in queries.select(store, queries.MAP_EVENTS)
    ]


@dataclass(frozen=True)
class PlaceMap:
    """The map's SVG, its places, every placement of an event, and the events it cannot
    show at any of their places (each once)."""

    svg: str
    places: list[MapPlace]
    events: list[MapEvent]
    unplaced: list[MapEvent]


def place_map(
    store: QueryBackend,
    region: dict[str, Any],
    highlight: Collection[str] = (),
    title: str = "Map of the places and events of the graph",
) -> PlaceMap:
    """The region map of every drawable place and its events, ``highlight`` in red; fitted
    to the places that are not countries."""
    # A country is already an outline of the backdrop: drawn as a place (and its events
    # with it) only when it is the one shown, on its page or an event's.
    places = [p for p in map_places(store, region) if p.kind != "area" or p.iri in highlight]
    events = map_events(store)
    focus = [p for p in places if p.kind != "area"] or places
    svg = render_map(
        region, places, events, view=fit_view(focus, region), highlight=highlight, title=title
    )
    # An event at a drawn place and at a country too is on the map; list each other once.
    missing = events_without_place(places, events)
    drawn = {p.iri for p in places}
    on_map = {e.iri for e in events if e.place in drawn}
    unplaced = list({e.iri: e for e in missing if e.iri not in on_map}.values())
    return PlaceMap(svg, places, events, unplaced)
