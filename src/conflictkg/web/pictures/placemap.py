"""Map of the places that have WGS84 coordinates: an equirectangular projection fitted to
the points, a graticule and a scale in degrees; no tiles, no outlines fetched from anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from conflictkg.pipeline.iris import local_name
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.web.links import href_for
from conflictkg.web.pictures.svg import document, el, link, num, text, text_width, truncate

WIDTH = 800.0
MARGIN = 48.0
MIN_HEIGHT = 320.0
MAX_HEIGHT = 720.0
FONT_SIZE = 13.0
LABEL_CHARS = 32
KM_PER_DEGREE = 111.2
NICE_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 45, 90)


@dataclass(frozen=True)
class Place:
    iri: str
    label: str
    lat: float
    long: float


def located_places(store: QueryBackend, only: Collection[str] | None = None) -> list[Place]:
    """The places with a valid point (among ``only`` when given), sorted by label and IRI."""
    found: dict[str, Place] = {}
    for row in queries.select(store, queries.PLACES):
        iri = row["place"].value
        if iri in found or (only is not None and iri not in only):
            continue
        try:
            lat, long = float(row["lat"].value), float(row["long"].value)
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= long <= 180):
            continue
        label = row["label"].value if "label" in row else local_name(iri)
        found[iri] = Place(iri, label, lat, long)
    return sorted(found.values(), key=lambda p: (p.label.casefold(), p.iri))


def _nice_step(span: float, max_lines: int) -> float:
    return next((s for s in NICE_STEPS if span / s <= max_lines), NICE_STEPS[-1])


def _degrees(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    return f"{num(abs(value))}°{hemisphere}"


Box = tuple[float, float, float, float]


def _overlap(a: Box, b: Box) -> float:
    dx = min(a[2], b[2]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[1], b[1])
    return dx * dy if dx > 0 and dy > 0 else 0.0


@dataclass(frozen=True)
class _Frame:
    """The map's frame and its equirectangular projection, fitted to the places."""

    west: float
    north: float
    k: float  # cos of the standard parallel (the middle latitude)
    scale: float  # user units per degree of latitude
    off_x: float
    off_y: float
    height: float
    left: float = MARGIN
    top: float = MARGIN
    right: float = WIDTH - MARGIN

    @property
    def bottom(self) -> float:
        return self.height - MARGIN

    def project(self, lat: float, long: float) -> tuple[float, float]:
        return (
            self.off_x + (long - self.west) * self.k * self.scale,
            self.off_y + (self.north - lat) * self.scale,
        )


def _fit(places: list[Place]) -> tuple[_Frame, float]:
    """The frame that shows every place with a margin, and the graticule's step."""
    lats = [p.lat for p in places]
    longs = [p.long for p in places]
    pad_lat = max((max(lats) - min(lats)) * 0.15, 0.5)
    pad_long = max((max(longs) - min(longs)) * 0.15, 0.5)
    south, north = max(min(lats) - pad_lat, -90.0), min(max(lats) + pad_lat, 90.0)
    west, east = max(min(longs) - pad_long, -180.0), min(max(longs) + pad_long, 180.0)
    # Equirectangular with the standard parallel at the middle latitude: true to scale
    # along that parallel, which is plenty for a region the size of a country.
    k = math.cos(math.radians((south + north) / 2))
    inner_w = WIDTH - 2 * MARGIN
    scale = inner_w / ((east - west) * k)
    height = (north - south) * scale + 2 * MARGIN
    if height > MAX_HEIGHT:
        scale *= (MAX_HEIGHT - 2 * MARGIN) / (height - 2 * MARGIN)
        height = MAX_HEIGHT
    height = max(height, MIN_HEIGHT)
    # Centre the fitted region in the frame.
    off_x = MARGIN + (inner_w - (east - west) * k * scale) / 2
    off_y = MARGIN + ((height - 2 * MARGIN) - (north - south) * scale) / 2
    step = _nice_step(max(east - west, north - south), 6)
    return _Frame(west, north, k, scale, off_x, off_y, height), step


def _graticule(frame: _Frame, step: float) -> list[str]:
    """The degree lines that fall inside the frame, labelled on its edges."""
    f = frame
    # The frame may show more than the fitted bounds on one axis; draw lines over all of it.
    vis_north = f.north + (f.off_y - f.top) / f.scale
    vis_south = vis_north - (f.bottom - f.top) / f.scale
    vis_west = f.west - (f.off_x - f.left) / (f.k * f.scale)
    vis_east = vis_west + (f.right - f.left) / (f.k * f.scale)
    dashed = {"stroke": "#94a3b8", "stroke_dasharray": "3 4"}
    body = []
    # Whole multiples of the step, counted as integers so that no rounding error adds up.
    for i in range(math.ceil(vis_south / step - 1e-9), math.floor(vis_north / step + 1e-9) + 1):
        lat_line = round(i * step, 6)
        _, y = f.project(lat_line, f.west)
        body.append(
            el("line", x1=f.left, y1=y, x2=f.right, y2=y, **dashed)
            + el(
                "text",
                text(_degrees(lat_line, "N", "S")),
                x=f.left - 4,
                y=y + 4,
                font_size=10,
                text_anchor="end",
                fill="#475569",
            )
        )
    for i in range(math.ceil(vis_west / step - 1e-9), math.floor(vis_east / step + 1e-9) + 1):
        long_line = round(i * step, 6)
        x, _ = f.project(f.north, long_line)
        body.append(
            el("line", x1=x, y1=f.top, x2=x, y2=f.bottom, **dashed)
            + el(
                "text",
                text(_degrees(long_line, "E", "W")),
                x=x,
                y=f.bottom + 14,
                font_size=10,
                text_anchor="middle",
                fill="#475569",
            )
        )
    return body


def _scale_bar(frame: _Frame) -> tuple[str, Box]:
    """A scale bar in degrees of latitude (the same length everywhere on this projection),
    and the box it covers."""
    bar_deg = _nice_step((frame.right - frame.left) / frame.scale / 4, 1)
    bar_len = bar_deg * frame.scale
    bx, by = frame.right - bar_len - 12, frame.bottom - 14
    svg = (
        el(
            "rect",
            x=bx - 6,
            y=by - 18,
            width=bar_len + 12,
            height=26,
            fill="#ffffff",
            fill_opacity=0.8,
        )
        + el(
            "path",
            d=f"M{num(bx)} {num(by - 4)}v4h{num(bar_len)}v-4",
            stroke="#0f172a",
            fill="none",
            stroke_width=1.5,
        )
        + el(
            "text",
            text(f"{num(bar_deg)}° ≈ {num(bar_deg * KM_PER_DEGREE)} km"),
            x=bx + bar_len / 2,
            y=by - 7,
            font_size=10,
            text_anchor="middle",
            fill="#0f172a",
            class_="scale",
        )
    )
    return svg, (bx - 6, by - 18, bx + bar_len + 6, by + 8)


def _label_position(
    x: float, y: float, label: str, frame: _Frame, occupied: list[Box]
) -> tuple[float, float, str, Box]:
    """Where a place's label overlaps least with what is drawn (right, left, above, below)."""
    w, h = text_width(label, FONT_SIZE), FONT_SIZE + 2
    candidates = [
        (x + 9, y + 4, "start", (x + 8, y - h / 2, x + 8 + w, y + h / 2)),
        (x - 9, y + 4, "end", (x - 8 - w, y - h / 2, x - 8, y + h / 2)),
        (x, y - 10, "middle", (x - w / 2, y - 10 - h + 3, x + w / 2, y - 7)),
        (x, y + 20, "middle", (x - w / 2, y + 7, x + w / 2, y + 7 + h)),
    ]

    def cost(c: tuple[float, float, str, Box]) -> float:
        box = c[3]
        outside = max(0.0, frame.left - box[0]) + max(0.0, box[2] - frame.right)
        return sum(_overlap(box, o) for o in occupied) + outside * 100

    return min(candidates, key=cost)


def _place_mark(
    place: Place, x: float, y: float, where: tuple[float, float, str], big: bool
) -> str:
    """A place's dot and label, linked to its page."""
    tx, ty, anchor = where
    dot = el(
        "circle",
        cx=x,
        cy=y,
        r=8 if big else 5,
        fill="#dc2626" if big else "#2563eb",
        stroke="#ffffff",
        stroke_width=1.5,
    )
    caption = el(
        "text",
        text(truncate(place.label, LABEL_CHARS)),
        x=tx,
        y=ty,
        font_size=FONT_SIZE,
        text_anchor=anchor,
        fill="#0f172a",
        stroke="#ffffff",
        stroke_width=3,
        paint_order="stroke",
        font_weight="bold" if big else None,
    )
    tip = f"{place.label} ({_degrees(place.lat, 'N', 'S')}, {_degrees(place.long, 'E', 'W')})"
    return link(href_for(place.iri), dot + caption, title=tip, class_="place")


def map_svg(
    store: QueryBackend, only: Collection[str] | None = None, highlight: Collection[str] = ()
) -> str:
    """SVG map of the located places (restricted to the IRIs in ``only`` when given).

    Each place is a link (class ``place``) to its resource page; the places in
    ``highlight`` are drawn larger, for the page of a place or of an event.
    """
    places = located_places(store, only)
    title = "Map of places"
    if not places:
        empty = [
            el("text", "No places with coordinates.", x=20, y=34, font_size=FONT_SIZE, fill="#444")
        ]
        return document("map", WIDTH, 56, title, empty)
    frame, step = _fit(places)
    body: list[str] = [
        el(
            "rect",
            x=frame.left,
            y=frame.top,
            width=frame.right - frame.left,
            height=frame.bottom - frame.top,
            fill="#eef6fb",
            stroke="#334155",
            stroke_width=1.5,
        ),
        *_graticule(frame, step),
    ]
    bar, bar_box = _scale_bar(frame)
    body.append(bar)
    # Points first, so that labels can avoid them; then labels placed greedily in order.
    points = [(place, *frame.project(place.lat, place.long)) for place in places]
    occupied: list[Box] = [(x - 6, y - 6, x + 6, y + 6) for _, x, y in points]
    occupied.append(bar_box)
    for place, x, y in points:
        tx, ty, anchor, box = _label_position(
            x, y, truncate(place.label, LABEL_CHARS), frame, occupied
        )
        occupied.append(box)
        body.append(_place_mark(place, x, y, (tx, ty, anchor), place.iri in highlight))
    return document("map", WIDTH, frame.height, title, body)
