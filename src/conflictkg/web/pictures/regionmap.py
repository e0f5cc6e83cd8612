"""Server-side SVG map of a region: country outlines, borders, coasts, rivers and lakes from
the GeoJSON that ``frontend/`` builds (Natural Earth), with the graph's places (points,
lines, areas) and events drawn on top, each a link with a title that states its precision.

Projection: equirectangular with the standard parallel at the middle latitude of the view
(x = longitude × cos φ₀, y = latitude). Over a region the size of Iraq and its neighbours the
scale error stays within a few per cent, degree lines stay straight (so the graticule
labels are exact) and the inverse is trivial; Web Mercator would enlarge the north of the
view for no gain at this size. The SVG has a viewBox and no fixed size, so it scales to a
375 px screen; it carries no ``style`` attribute, so a Content-Security-Policy without
'unsafe-inline' leaves it intact.

The input is plain data: the GeoJSON as a ``dict``, places and events as the dataclasses
below. No query, no file and no network access happen here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from conflictkg.web.pictures.svg import FONT, SVG_NS, attrs, el, num, text, text_width, truncate

Point = tuple[float, float]
"""(longitude, latitude) in degrees, the GeoJSON order."""
Line = Sequence[Point]
Box = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""

WIDTH = 520.0
MARGIN = 24.0
"""Above and right of the frame."""
LEFT = 46.0
"""Left of the frame: the latitude labels."""
BOTTOM = 52.0
"""Below the frame: the longitude labels, then the legend."""
FONT_SIZE = 15.0
SMALL_FONT = 12.0
LABEL_CHARS = 28
KM_PER_DEGREE = 111.2
MIN_SPAN = 0.6
NICE_STEPS = (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30)

SEA = "#d6e6f5"
LAND = "#f7f5ef"
WATER = "#4a90c8"
BORDER = "#6b7280"
COAST = "#4b5563"
INK = "#111827"
MUTED = "#4b5563"
PLACE = "#1d4ed8"
HIGHLIGHT = "#b91c1c"
EVENT = "#92400e"
# How each line layer of the region is drawn (attribute order is the SVG's); a named river
# is drawn wider.
_LINE_STYLES: dict[str, dict[str, str | float]] = {
    "river": {
        "fill": "none",
        "stroke": WATER,
        "stroke_width": 1.2,
        "stroke_linejoin": "round",
        "class_": "river",
    },
    "border": {
        "fill": "none",
        "stroke": BORDER,
        "stroke_width": 1.2,
        "stroke_dasharray": "6 3",
        "class_": "border",
    },
    "coast": {"fill": "none", "stroke": COAST, "stroke_width": 0.8},
}
_COLOUR = "colour"
"""In :data:`_PLACE_STYLES`, the place's colour (highlighted or not)."""
# How each part of a place's mark is drawn (attribute order is the SVG's).
_PLACE_STYLES: dict[str, dict[str, str | float]] = {
    "halo": {"fill": "none", "stroke": "#ffffff", "stroke_width": 7, "stroke_opacity": 0.7},
    "line": {
        "fill": "none",
        "stroke": _COLOUR,
        "stroke_width": 3.5,
        "stroke_linecap": "round",
        "class_": "shape",
    },
    "area": {
        "fill": _COLOUR,
        "fill_opacity": 0.18,
        "stroke": _COLOUR,
        "stroke_width": 2,
        "fill_rule": "evenodd",
        "class_": "shape",
    },
    "precision": {
        "fill": _COLOUR,
        "fill_opacity": 0.08,
        "stroke": _COLOUR,
        "stroke_width": 1.2,
        "stroke_dasharray": "4 3",
        "class_": "precision",
    },
    "target": {"fill": "#ffffff", "fill_opacity": 0},
    "dot": {"fill": _COLOUR, "stroke": "#ffffff", "stroke_width": 2, "class_": "dot"},
}


@dataclass(frozen=True)
class Precision:
    """How exactly a place is known, as people say it (``label``: "exact point",
    "within 25 km", "district") and, when it is a distance, the radius drawn around it."""

    label: str
    radius_km: float | None = None


@dataclass(frozen=True)
class MapPlace:
    """A place to draw. ``geometry`` holds, by ``kind``: a point ``(lon, lat)``; a line as a
    list of lines, each a list of points; an area as a list of rings (the first one outer)."""

    iri: str
    label: str
    href: str
    kind: Literal["point", "line", "area"]
    geometry: Any
    precision: Precision


@dataclass(frozen=True)
class MapEvent:
    """An event drawn beside the place it happened at (``place`` is that place's IRI)."""

    iri: str
    label: str
    href: str
    place: str
    when: str = ""


@dataclass
class _Frame:
    """The view box and the projection onto the picture."""

    view: Box
    width: float
    height: float
    scale: float = field(init=False)
    k: float = field(init=False)

    def __post_init__(self) -> None:
        west, south, east, north = self.view
        self.k = math.cos(math.radians((south + north) / 2))
        self.scale = (self.width - LEFT - MARGIN) / ((east - west) * self.k)

    def xy(self, point: Point) -> tuple[float, float]:
        west, _, _, north = self.view
        lon, lat = point
        return LEFT + (lon - west) * self.k * self.scale, MARGIN + (north - lat) * self.scale

    @property
    def bottom(self) -> float:
        return self.height - BOTTOM

    def km(self, distance: float) -> float:
        """``distance`` km as picture units (a degree of latitude is 111.2 km)."""
        return distance / KM_PER_DEGREE * self.scale


# ---- geometry ----


def _clip_ring(ring: Line, box: Box) -> list[Point]:
    """``ring`` cut to ``box`` (Sutherland–Hodgman; exact for a rectangle)."""
    points: list[Point] = [(float(p[0]), float(p[1])) for p in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    # Each edge of the box: the axis it limits, its value, and which side is kept.
    edges = ((0, box[0], 1.0), (1, box[1], 1.0), (0, box[2], -1.0), (1, box[3], -1.0))
    for axis, value, side in edges:
        if not points:
            break

        def inside(p: Point, a: int = axis, v: float = value, s: float = side) -> bool:
            return (p[a] - v) * s >= 0

        def cross(p: Point, q: Point, a: int = axis, v: float = value) -> Point:
            t = (v - p[a]) / (q[a] - p[a])
            x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
            return (v, y) if a == 0 else (x, v)

        out: list[Point] = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
        points = out
    return points if len(points) >= 3 else []


def _clip_line(line: Line, box: Box) -> list[list[Point]]:
    """The pieces of ``line`` inside ``box`` (Liang–Barsky on each segment)."""
    west, south, east, north = box
    pieces: list[list[Point]] = []
    current: list[Point] | None = None
    for (x0, y0), (x1, y1) in zip(line, line[1:], strict=False):
        dx, dy = x1 - x0, y1 - y0
        t0, t1, visible = 0.0, 1.0, True
        for p, q in ((-dx, x0 - west), (dx, east - x0), (-dy, y0 - south), (dy, north - y0)):
            if p == 0:
                visible = visible and q >= 0
            elif p < 0:
                t0 = max(t0, q / p)
            else:
                t1 = min(t1, q / p)
        if not visible or t0 > t1:
            current = None
            continue
        if current is None or t0 > 0:
            current = [(x0 + t0 * dx, y0 + t0 * dy)]
            pieces.append(current)
        current.append((x0 + t1 * dx, y0 + t1 * dy))
        if t1 < 1:
            current = None
    return [piece for piece in pieces if len(piece) >= 2]


def _polygons(geometry: Mapping[str, Any]) -> list[list[Line]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _lines(geometry: Mapping[str, Any]) -> list[Line]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def _ring_area_centroid(ring: Line) -> tuple[float, Point]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def _anchor(place: MapPlace) -> Point:
    """Where a place's dot, label and events go: the point, the middle vertex of the longest
    line, or the centroid of the outer ring."""
    if place.kind == "point":
        return (float(place.geometry[0]), float(place.geometry[1]))
    if place.kind == "line":
        longest = max(place.geometry, key=len)
        return tuple(longest[len(longest) // 2])  # type: ignore[return-value]
    return _ring_area_centroid(place.geometry[0])[1]


def _vertices(place: MapPlace) -> Iterable[Point]:
    if place.kind == "point":
        yield _anchor(place)
    else:
        for line in place.geometry:
            yield from ((float(x), float(y)) for x, y in line)


def region_shape(region: Mapping[str, Any], name: str) -> tuple[Literal["line", "area"], Any]:
    """The kind and geometry of the region's feature called ``name`` ("Iraq–Syria border",
    "Tigris", "Iraq"), for a place the graph knows without coordinates: ``("line", lines)``
    or ``("area", rings)``, ready for :class:`MapPlace`. ``KeyError`` naming the known
    features when there is none by that name."""
    for feature in region.get("features", []):
        if feature.get("properties", {}).get("name") != name:
            continue
        geometry = feature["geometry"]
        lines = _lines(geometry)
        if lines:
            return "line", [[(x, y) for x, y in line] for line in lines]
        rings = [ring for polygon in _polygons(geometry) for ring in polygon]
        return "area", [[(x, y) for x, y in ring] for ring in rings]
    names = sorted(
        {f["properties"]["name"] for f in region.get("features", []) if "name" in f["properties"]}
    )
    raise KeyError(f"no feature named {name!r} in the region; known: {', '.join(names)}")


def fit_view(places: Sequence[MapPlace], region: Mapping[str, Any]) -> Box:
    """A view around the places (their precision circles included), padded, at least
    ``MIN_SPAN`` degrees across; the region's bounding box when there are no places."""
    if not places:
        west, south, east, north = region.get("bbox", (34.0, 28.0, 50.0, 39.0))
        return (west, south, east, north)
    xs: list[float] = []
    ys: list[float] = []
    for place in places:
        reach = (place.precision.radius_km or 0) / KM_PER_DEGREE
        for lon, lat in _vertices(place):
            xs += [lon - reach / max(math.cos(math.radians(lat)), 0.1), lon]
            ys += [lat - reach, lat + reach]
            xs.append(lon + reach / max(math.cos(math.radians(lat)), 0.1))
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    pad_x = max((east - west) * 0.12, (MIN_SPAN - (east - west)) / 2, 0.05)
    pad_y = max((north - south) * 0.12, (MIN_SPAN - (north - south)) / 2, 0.05)
    west, east = max(west - pad_x, -180.0), min(east + pad_x, 180.0)
    south, north = max(south - pad_y, -85.0), min(north + pad_y, 85.0)
    # Keep the picture between 2:1 landscape and 4:5 portrait: widen the short side.
    k = math.cos(math.radians((south + north) / 2))
    ratio = (north - south) / ((east - west) * k)
    if ratio > 1.25:
        grow = ((north - south) / 1.25 / k - (east - west)) / 2
        west, east = west - grow, east + grow
    elif ratio < 0.5:
        grow = ((east - west) * k * 0.5 - (north - south)) / 2
        south, north = south - grow, north + grow
    return (west, south, east, north)


# ---- drawing ----


def _path(frame: _Frame, lines: Iterable[Line], closed: bool) -> str:
    parts = []
    for line in lines:
        points = [frame.xy(p) for p in line]
        if len(points) < 2:
            continue
        head, *rest = points
        parts.append(
            f"M{num(head[0])} {num(head[1])}"
            + "".join(f"L{num(x)} {num(y)}" for x, y in rest)
            + ("Z" if closed else "")
        )
    return "".join(parts)


def _country_label(frame: _Frame, name: str, rings: Sequence[Line]) -> str:
    """The country's name in capitals at the centre of its largest piece in view, when
    the piece is wide enough to hold it."""
    area, centre = max(_ring_area_centroid(r) for r in rings)
    if not name or text_width(name.upper(), SMALL_FONT) > math.sqrt(area) * frame.scale * frame.k:
        return ""
    x, y = frame.xy(centre)
    return el(
        "text",
        text(name.upper()),
        x=x,
        y=y,
        font_size=SMALL_FONT,
        letter_spacing=1,
        text_anchor="middle",
        fill=MUTED,
        class_="country",
    )


def _backdrop(frame: _Frame, region: Mapping[str, Any]) -> list[str]:
    """Land, lakes, rivers, borders and coasts of the region, cut to the view."""
    box = frame.view
    land: list[str] = []
    lakes: list[str] = []
    rivers: list[str] = []
    borders: list[str] = []
    labels: list[str] = []
    for feature in region.get("features", []):
        props = feature.get("properties", {})
        layer = props.get("layer")
        geometry = feature.get("geometry") or {}
        if layer in ("country", "lake"):
            rings = [
                clipped
                for polygon in _polygons(geometry)
                for clipped in (_clip_ring(ring, box) for ring in polygon)
                if clipped
            ]
            d = _path(frame, rings, closed=True)
            if not d:
                continue
            if layer == "lake":
                lakes.append(el("path", d=d, fill=SEA, stroke=WATER, stroke_width=0.6))
                continue
            land.append(el("path", d=d, fill=LAND, fill_rule="evenodd"))
            labels.append(_country_label(frame, str(props.get("name", "")), rings))
        elif layer in ("river", "border", "coast"):
            pieces = [piece for line in _lines(geometry) for piece in _clip_line(line, box)]
            d = _path(frame, pieces, closed=False)
            if not d:
                continue
            style = dict(_LINE_STYLES[layer])
            title: str | None = None  # no title: a self-closing path
            if layer == "river":
                title = ""
                if "name" in props:
                    title = el("title", text(str(props["name"])))
                    style["stroke_width"] = 2.2
            elif layer == "border":
                title = el("title", text(str(props.get("name", "border"))))
            (rivers if layer == "river" else borders).append(el("path", title, d=d, **style))
    return [*land, *lakes, *rivers, *borders, *labels]


def _nice_step(span: float, max_lines: int) -> float:
    return next((s for s in NICE_STEPS if span / s <= max_lines), NICE_STEPS[-1])


def _degrees(value: float, positive: str, negative: str) -> str:
    return f"{num(abs(value))}°{positive if value >= 0 else negative}"


def _graticule(frame: _Frame) -> list[str]:
    """Parallels labelled on the left, meridians labelled under the frame."""
    west, south, east, north = frame.view
    step = _nice_step(max(east - west, north - south), 5)
    right, bottom = frame.width - MARGIN, frame.bottom
    out = []
    for low, high, hemispheres in ((south, north, "NS"), (west, east, "EW")):
        for i in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1):
            value = round(i * step, 6)
            line: dict[str, float | str]
            label: dict[str, float | str]
            if hemispheres == "NS":
                _, y = frame.xy((west, value))
                line = {"x1": LEFT, "y1": y, "x2": right, "y2": y}
                label = {"x": LEFT - 3, "y": y + 4, "text_anchor": "end"}
            else:
                x, _ = frame.xy((value, north))
                line = {"x1": x, "y1": MARGIN, "x2": x, "y2": bottom}
                label = {"x": x, "y": bottom + 13, "text_anchor": "middle"}
            out.append(
                f"<line{attrs(**line, stroke='#9ca3af', stroke_width=0.5)}/>"
                + f"<text{attrs(**label, font_size=10, fill=MUTED)}>"
                + f"{text(_degrees(value, *hemispheres))}</text>"
            )
    return out


def _scale_bar(frame: _Frame) -> tuple[str, Box]:
    km_across = (frame.width - LEFT - MARGIN) / frame.scale * KM_PER_DEGREE
    steps = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
    km = next((s for s in reversed(steps) if s <= km_across / 4), 1)
    length = frame.km(km)
    x, y = frame.width - MARGIN - length - 8, frame.bottom - 10
    body = el(
        "rect", x=x - 6, y=y - 17, width=length + 12, height=24, fill="#ffffff", fill_opacity=0.85
    )
    body += el(
        "path",
        d=f"M{num(x)} {num(y - 4)}v4h{num(length)}v-4",
        fill="none",
        stroke=INK,
        stroke_width=1.5,
    )
    body += el(
        "text",
        text(f"{km} km"),
        x=x + length / 2,
        y=y - 7,
        font_size=11,
        text_anchor="middle",
        fill=INK,
        class_="scale",
    )
    return body, (x - 6, y - 17, x + length + 6, y + 7)


def _overlap(a: Box, b: Box) -> float:
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def _precision_note(place: MapPlace) -> str:
    return f"precision: {place.precision.label}"


def _place_style(part: str, colour: str) -> dict[str, str | float]:
    """The attributes of one part of a place's mark, in ``colour``."""
    return {k: colour if v == _COLOUR else v for k, v in _PLACE_STYLES[part].items()}


def _place_shape(frame: _Frame, place: MapPlace, big: bool) -> str:
    colour = HIGHLIGHT if big else PLACE
    x, y = frame.xy(_anchor(place))
    shape = ""
    if place.kind == "line":
        pieces = [piece for line in place.geometry for piece in _clip_line(line, frame.view)]
        d = _path(frame, pieces, closed=False)
        shape += el("path", None, d=d, **_place_style("halo", colour))
        shape += el("path", None, d=d, **_place_style("line", colour))
    elif place.kind == "area":
        rings = [r for r in (_clip_ring(ring, frame.view) for ring in place.geometry) if r]
        shape += el("path", None, d=_path(frame, rings, True), **_place_style("area", colour))
    radius = place.precision.radius_km
    if radius and frame.km(radius) >= 3:
        shape += el(
            "circle", None, cx=x, cy=y, r=frame.km(radius), **_place_style("precision", colour)
        )
    # A transparent disc: a finger-sized target on a phone, whatever the dot's size.
    shape += el("circle", None, cx=x, cy=y, r=16, **_place_style("target", colour))
    shape += el("circle", None, cx=x, cy=y, r=8 if big else 6, **_place_style("dot", colour))
    return shape


def _events(frame: _Frame, place: MapPlace, events: Sequence[MapEvent]) -> str:
    """The events at one place, as diamonds on rings around its dot."""
    x, y = frame.xy(_anchor(place))
    out = []
    per_ring = 8
    for i, event in enumerate(sorted(events, key=lambda e: (e.when, e.label, e.iri))):
        ring, slot = divmod(i, per_ring)
        count = min(per_ring, len(events) - ring * per_ring)
        angle = -math.pi / 2 + 2 * math.pi * slot / count
        r = 20 + ring * 12
        ex, ey = x + r * math.cos(angle), y + r * math.sin(angle)
        s = 5.5
        d = f"M{num(ex)} {num(ey - s)}l{num(s)} {num(s)}l{num(-s)} {num(s)}l{num(-s)} {num(-s)}Z"
        diamond = el("path", d=d, fill=EVENT, stroke="#ffffff", stroke_width=1.5)
        when = f", {event.when}" if event.when else ""
        tip = f"{event.label}{when} — at {place.label} ({_precision_note(place)})"
        out.append(
            f"<a{attrs(href=event.href, class_='event', data_place=place.iri)}>"
            f"<title>{text(tip)}</title>{diamond}</a>"
        )
    return "".join(out)


def events_without_place(places: Sequence[MapPlace], events: Sequence[MapEvent]) -> list[MapEvent]:
    """The events whose place is not drawn, for a list beside the map."""
    drawn = {place.iri for place in places}
    return [event for event in events if event.place not in drawn]


def _labels(
    frame: _Frame, ordered: Sequence[MapPlace], highlight: Collection[str], taken: list[Box]
) -> dict[str, str]:
    """Each place's label, placed greedily beside its dot: highlighted places first (always
    labelled), then the others, whose label is left out where it would cover another (the
    place keeps its title and link)."""
    labelled: dict[str, str] = {}
    for place in sorted(ordered, key=lambda p: (p.iri not in highlight, p.label, p.iri)):
        big = place.iri in highlight
        x, y = frame.xy(_anchor(place))
        label = truncate(place.label, LABEL_CHARS)
        w, h = text_width(label, FONT_SIZE, bold=big), FONT_SIZE + 2
        candidates = [
            (x + 11, y + 5, "start", (x + 10, y - h / 2, x + 10 + w, y + h / 2)),
            (x - 11, y + 5, "end", (x - 10 - w, y - h / 2, x - 10, y + h / 2)),
            (x, y - 13, "middle", (x - w / 2, y - 12 - h, x + w / 2, y - 10)),
            (x, y + 24, "middle", (x - w / 2, y + 10, x + w / 2, y + 10 + h)),
        ]

        def cost(c: tuple[float, float, str, Box]) -> float:
            b = c[3]
            outside = max(0.0, LEFT - b[0]) + max(0.0, b[2] - (frame.width - MARGIN))
            outside += max(0.0, MARGIN - b[1]) + max(0.0, b[3] - frame.bottom)
            return sum(_overlap(b, o) for o in taken) + outside * 100

        best = min(candidates, key=cost)
        if cost(best) > 0 and not big:
            continue
        tx, ty, anchor, box = best
        taken.append(box)
        labelled[place.iri] = el(
            "text",
            text(label),
            x=tx,
            y=ty,
            font_size=FONT_SIZE,
            text_anchor=anchor,
            fill=INK,
            class_="label",
            stroke="#ffffff",
            stroke_width=3.5,
            paint_order="stroke",
            font_weight="bold" if big else None,
        )
    return labelled


def _place_link(frame: _Frame, place: MapPlace, big: bool, label: str) -> str:
    lon, lat = _anchor(place)
    where = f"{_degrees(lat, 'N', 'S')}, {_degrees(lon, 'E', 'W')}"
    tip = f"{place.label} ({where}; {_precision_note(place)})"
    link = attrs(
        href=place.href,
        class_="place",
        data_kind=place.kind,
        data_precision=place.precision.label,
    )
    return f"<a{link}><title>{text(tip)}</title>{_place_shape(frame, place, big)}{label}</a>"


def _chrome(frame: _Frame, region: Mapping[str, Any], ids: str) -> tuple[list[str], Box]:
    """Sea, the region's shapes clipped to the frame, graticule, frame line and scale bar;
    also the box the scale bar covers, which labels avoid."""
    frame_box = attrs(
        x=LEFT, y=MARGIN, width=frame.width - LEFT - MARGIN, height=frame.bottom - MARGIN
    )
    bar, bar_box = _scale_bar(frame)
    parts = [
        f'<clipPath id="{ids}-frame"><rect{frame_box}/></clipPath>',
        f"<rect{frame_box}{attrs(fill=SEA)}/>",
        f'<g clip-path="url(#{ids}-frame)">{"".join(_backdrop(frame, region))}</g>',
        *_graticule(frame),
        f"<rect{frame_box}{attrs(fill='none', stroke=COAST, stroke_width=1)}/>",
        bar,
    ]
    return parts, bar_box


def render_map(
    region: Mapping[str, Any],
    places: Sequence[MapPlace],
    events: Sequence[MapEvent] = (),
    *,
    view: Box | None = None,
    highlight: Collection[str] = (),
    title: str = "Map of places",
    ids: str = "ckg-map",
) -> str:
    """The SVG map of ``places`` and ``events`` over the ``region`` GeoJSON.

    ``view`` (west, south, east, north) defaults to a box fitted around the places; places
    in ``highlight`` are drawn larger and in red and always labelled. Every place and
    event is an ``<a>`` (classes ``place`` and ``event``) whose ``<title>`` names it and
    its precision; ``data-precision`` carries the precision for scripts and tests. ``ids``
    prefixes the element ids, for pages that show two maps.
    """
    box = view or fit_view(places, region)
    west, south, east, north = box
    if not (west < east and south < north):
        raise ValueError(f"view {box} is empty: west < east and south < north are needed")
    k = math.cos(math.radians((south + north) / 2))
    height = (north - south) / ((east - west) * k) * (WIDTH - LEFT - MARGIN) + MARGIN + BOTTOM
    frame = _Frame(box, WIDTH, height)
    body, bar_box = _chrome(frame, region, ids)

    # Areas and lines under points; highlighted places last, so they are drawn on top.
    order = {"area": 0, "line": 1, "point": 2}
    ordered = sorted(places, key=lambda p: (p.iri in highlight, order[p.kind], p.label, p.iri))
    taken: list[Box] = [bar_box]
    for place in ordered:
        x, y = frame.xy(_anchor(place))
        taken.append((x - 7, y - 7, x + 7, y + 7))
    labels = _labels(frame, ordered, highlight, taken)
    body += [_place_link(frame, p, p.iri in highlight, labels.get(p.iri, "")) for p in ordered]
    by_place: dict[str, list[MapEvent]] = {}
    for event in events:
        by_place.setdefault(event.place, []).append(event)
    body += [_events(frame, p, by_place[p.iri]) for p in ordered if p.iri in by_place]
    body.append(_legend(height))
    root = attrs(
        class_="ckg-picture ckg-region-map",
        viewBox=f"0 0 {num(WIDTH)} {num(height)}",
        width="100%",
        role="group",
        aria_labelledby=f"{ids}-title",
        font_family=FONT,
    )
    return (
        f'<svg xmlns="{SVG_NS}"{root}><title id="{ids}-title">{text(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _legend(height: float) -> str:
    """Symbols explained, at the bottom left, under the frame."""
    y = height - 8
    x = LEFT - 30
    parts = [
        el("circle", cx=x + 5, cy=y - 4, r=4.5, fill=PLACE),
        el("text", "place", x=x + 13, y=y, font_size=11, fill=INK),
        el("path", d=f"M{num(x + 60)} {num(y - 9)}l5 5l-5 5l-5 -5Z", fill=EVENT),
        el("text", "event", x=x + 69, y=y, font_size=11, fill=INK),
        el("circle", cx=x + 117, cy=y - 4, r=5, fill="none", stroke=PLACE, stroke_dasharray="3 2"),
        el("text", "precision radius", x=x + 126, y=y, font_size=11, fill=INK),
        el(
            "path",
            d=f"M{num(x + 225)} {num(y - 4)}h18",
            stroke=BORDER,
            stroke_width=1.2,
            stroke_dasharray="6 3",
        ),
        el("text", "border", x=x + 247, y=y, font_size=11, fill=INK),
        el("path", d=f"M{num(x + 290)} {num(y - 4)}h18", stroke=WATER, stroke_width=2.2),
        el("text", "river", x=x + 312, y=y, font_size=11, fill=INK),
    ]
    return f'<g class="legend">{"".join(parts)}</g>'
