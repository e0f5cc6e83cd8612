"""SVG pictures of a knowledge graph: timeline, map (over the region's Natural Earth
outlines, :mod:`.regionmap`), neighbourhood and class diagram.

Each renderer is a pure function of a store (a pyoxigraph Store or an endpoint backend) and
its parameters, returning an SVG string; the same data always gives byte-identical output.
"""

from conflictkg.web.pictures.classdiagram import class_diagram_svg
from conflictkg.web.pictures.neighbourhood import neighbourhood_svg
from conflictkg.web.pictures.placemap import PlaceMap, place_map
from conflictkg.web.pictures.timeline import timeline_svg

__all__ = ["PlaceMap", "class_diagram_svg", "neighbourhood_svg", "place_map", "timeline_svg"]
