"""What the pages add to a resource's HTML page: its neighbourhood, a timeline or map where
it is an event or a place, and the sentences of the article it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from conflictkg.vocab import CKG
from conflictkg.web.assets import AssetsMissing, load_region
from conflictkg.web.pages import data as pagedata
from conflictkg.web.pictures import neighbourhood_svg, place_map, timeline_svg
from conflictkg.web.pictures.neighbourhood import neighbours
from conflictkg.web.pictures.placemap import map_places
from conflictkg.web.pictures.timeline import dated_events
from conflictkg.web.state import state


def resource_extras(iri: str) -> dict[str, Any]:
    """The context of ``pages/_resource_extras.html`` for the resource ``iri``."""
    served = state()
    store = served.backend
    linked = neighbours(store, iri)
    timeline = map_ = None
    if any(event.iri == iri for event in dated_events(store)):
        timeline = Markup(timeline_svg(store, highlight=iri))  # noqa: S704 (escaped SVG)
    map_ = _map(store, iri, linked)
    return {
        "neighbourhood": Markup(neighbourhood_svg(store, iri)),  # noqa: S704
        "timeline": timeline,
        "map": map_,
        "attestations": pagedata.attestations(store, seeds_folder(), iri),
    }


def _map(store: Any, iri: str, linked: list[Any]) -> Markup | None:
    """The region map with the place ``iri`` highlighted, or, for an event, the places it
    happened at; None when neither is drawn (or the map's outlines are not built)."""
    try:
        region = load_region()
    except AssetsMissing:
        return None
    drawn = {p.iri for p in map_places(store, region)}
    where = {iri} & drawn or {
        n.iri for n in linked if str(CKG.location) in n.outgoing and n.iri in drawn
    }
    if not where:
        return None
    svg = place_map(store, region, highlight=where, title="Where it is on the map").svg
    return Markup(svg)  # noqa: S704 (the renderer escapes every text)


def seeds_folder() -> Path | None:
    """The seed texts of the app's project, if it has one."""
    project = state().project
    return project.seeds if project is not None else None
