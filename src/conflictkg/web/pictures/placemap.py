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

    def project(lat: float, long: float) -> tuple[float, float]:
        return off_x + (long - west) * k * scale, off_y + (north - lat) * scale

    left, top = MARGIN, MARGIN
    right, bottom = WIDTH - MARGIN, height - MARGIN
    body: list[str] = [
        el(
            "rect",
            x=left,
            y=top,
            width=right - left,
            height=bottom - top,
            fill="#eef6fb",
            stroke="#334155",
            stroke_width=1.5,
        )
    ]
    # Graticule: the degree lines that fall inside the frame, labelled on the edges.
    step = _nice_step(max(east - west, north - south), 6)
    # The frame may show more than the fitted bounds on one axis; draw lines over all of it.
    vis_north = north + (off_y - top) / scale
    vis_south = vis_north - (bottom - top) / scale
    vis_west = west - (off_x - left) / (k * scale)
    vis_east = vis_west + (right - left) / (k * scale)
    # Whole multiples of the step, counted as integers so that no rounding error adds up.
    for i in range(math.ceil(vis_south / step - 1e-9), math.floor(vis_north / step + 1e-9) + 1):
        lat_line = round(i * step, 6)
        _, y = project(lat_line, west)
        body.append(
            el("line", x1=left, y1=y, x2=right, y2=y, stroke="#94a3b8", stroke_dasharray="3 4")
            + el(
                "text",
                text(_degrees(lat_line, "N", "S")),
                x=left - 4,
                y=y + 4,
                font_size=10,
                text_anchor="end",
                fill="#475569",
            )
        )
    for i in range(math.ceil(vis_west / step - 1e-9), math.floor(vis_east / step + 1e-9) + 1):
        long_line = round(i * step, 6)
        x, _ = project(north, long_line)
        body.append(
            el("line", x1=x, y1=top, x2=x, y2=bottom, stroke="#94a3b8", stroke_dasharray="3 4")
            + el(
                "text",
                text(_degrees(long_line, "E", "W")),
                x=x,
                y=bottom + 14,
                font_size=10,
                text_anchor="middle",
                fill="#475569",
            )
        )

    # Scale bar in degrees of latitude (the same length everywhere on this projection).
    bar_deg = _nice_step((right - left) / scale / 4, 1)
    bar_len = bar_deg * scale
    bx, by = right - bar_len - 12, bottom - 14
    body.append(
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

    # Points first, so that labels can avoid them; then labels placed greedily in order.
    points = [(place, *project(place.lat, place.long)) for place in places]
    occupied: list[Box] = [(x - 6, y - 6, x + 6, y + 6) for _, x, y in points]
    occupied.append((bx - 6, by - 18, bx + bar_len + 6, by + 8))
    for place, x, y in points:
        label = truncate(place.label, LABEL_CHARS)
        w, h = text_width(label, FONT_SIZE), FONT_SIZE + 2
        candidates = [
            (x + 9, y + 4, "start", (x + 8, y - h / 2, x + 8 + w, y + h / 2)),
            (x - 9, y + 4, "end", (x - 8 - w, y - h / 2, x - 8, y + h / 2)),
            (x, y - 10, "middle", (x - w / 2, y - 10 - h + 3, x + w / 2, y - 7)),
            (x, y + 20, "middle", (x - w / 2, y + 7, x + w / 2, y + 7 + h)),
        ]

        def cost(c: tuple[float, float, str, Box]) -> float:
            box = c[3]
            outside = max(0.0, left - box[0]) + max(0.0, box[2] - right)
            return sum(_overlap(box, o) for o in occupied) + outside * 100

        tx, ty, anchor, box = min(candidates, key=cost)
        occupied.append(box)
        big = place.iri in highlight
        radius = 8 if big else 5
        dot = el(
            "circle",
            cx=x,
            cy=y,
            r=radius,
            fill="#dc2626" if big else "#2563eb",
            stroke="#ffffff",
            stroke_width=1.5,
        )
        caption = el(
            "text",
            text(label),
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
        body.append(link(href_for(place.iri), dot + caption, title=tip, class_="place"))
    return document("map", WIDTH, height, title, body)
