"""SVG pictures of a knowledge graph: timeline, map, neighbourhood and class diagram.

Each renderer is a pure function of a store (a pyoxigraph Store or an endpoint backend) and
its parameters, returning an SVG string; the same data always gives byte-identical output.
"""

from conflictkg.web.pictures.classdiagram import class_diagram_svg
from conflictkg.web.pictures.neighbourhood import neighbourhood_svg
from conflictkg.web.pictures.placemap import map_svg
from conflictkg.web.pictures.timeline import timeline_svg

__all__ = ["class_diagram_svg", "map_svg", "neighbourhood_svg", "timeline_svg"]
