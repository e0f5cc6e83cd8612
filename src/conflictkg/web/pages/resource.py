"""What the pages add to a resource's HTML page: its neighbourhood, a timeline or map where
it is an event or a place, and the sentences of the article it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from conflictkg.vocab import CKG
from conflictkg.web.pages import data as pagedata
from conflictkg.web.pictures import map_svg, neighbourhood_svg, timeline_svg
from conflictkg.web.pictures.neighbourhood import neighbours
from conflictkg.web.pictures.placemap import located_places
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
    # A place is shown among all the located places, an event by its locations among them:
    # a lone dot on a blank grid would say little.
    located = {p.iri for p in located_places(store)}
    if iri in located:
        map_ = Markup(map_svg(store, highlight={iri}))  # noqa: S704 (escaped SVG)
    else:
        where = {n.iri for n in linked if str(CKG.location) in n.outgoing and n.iri in located}
        if where:
            map_ = Markup(map_svg(store, highlight=where))  # noqa: S704
    return {
        "neighbourhood": Markup(neighbourhood_svg(store, iri)),  # noqa: S704
        "timeline": timeline,
        "map": map_,
        "attestations": pagedata.attestations(store, seeds_folder(), iri),
    }


def seeds_folder() -> Path | None:
    """The seed texts of the app's project, if it has one."""
    project = state().project
    return project.seeds if project is not None else None
