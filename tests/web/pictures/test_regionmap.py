"""The region map renderer: projection, clipping, places with links, titles and precision,
events around their place, and a picture that scales and carries no inline style."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from conflictkg.web.assets import load_region
from conflictkg.web.pictures.regionmap import (
    BOTTOM,
    KM_PER_DEGREE,
    LEFT,
    MARGIN,
    WIDTH,
    MapEvent,
    MapPlace,
    Precision,
    _clip_line,
    _clip_ring,
    events_without_place,
    fit_view,
    region_shape,
    render_map,
)

SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://w3id.org/conflictkg/id/"


def square(west: float, south: float, size: float) -> list[list[float]]:
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


# Two countries side by side, the border between them, a river and a lake: small enough to
# reason about, shaped like the file the front-end build writes.
REGION = {
    "type": "FeatureCollection",
    "bbox": [40, 30, 50, 38],
    "features": [
        {
            "type": "Feature",
            "properties": {"layer": "country", "name": "Westland"},
            "geometry": {"type": "Polygon", "coordinates": [square(40, 30, 5)]},
        },
        {
            "type": "Feature",
            "properties": {"layer": "country", "name": "Eastland"},
            "geometry": {"type": "Polygon", "coordinates": [square(45, 30, 5)]},
        },
        {
            "type": "Feature",
            "properties": {"layer": "border", "name": "Eastland–Westland border"},
            "geometry": {"type": "LineString", "coordinates": [[45, 30], [45, 35]]},
        },
        {
            "type": "Feature",
            "properties": {"layer": "river", "name": "Long river"},
            "geometry": {"type": "LineString", "coordinates": [[41, 34], [44, 32], [49, 31]]},
        },
        {
            "type": "Feature",
            "properties": {"layer": "lake"},
            "geometry": {"type": "Polygon", "coordinates": [square(47, 33, 0.5)]},
        },
    ],
}


def city(name: str, lon: float, lat: float, precision: Precision | None = None) -> MapPlace:
    return MapPlace(
        BASE + f"place/{name}",
        name.title(),
        f"/place/{name}",
        "point",
        (lon, lat),
        precision or Precision("exact point"),
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def links(root: ET.Element, kind: str) -> list[ET.Element]:
    return [a for a in root.iter(f"{SVG}a") if a.get("class") == kind]


def viewbox(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    return x, y, w, h


def test_each_place_is_a_link_with_a_title_naming_its_precision() -> None:
    places = [
        city("alpha", 42, 33, Precision("within 25 km", 25)),
        city("beta", 47, 34, Precision("city centre")),
    ]
    root = parse(render_map(REGION, places))
    found = {a.get("href"): a for a in links(root, "place")}
    assert set(found) == {"/place/alpha", "/place/beta"}
    alpha = found["/place/alpha"]
    assert alpha.get("data-precision") == "within 25 km"
    title = alpha.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert "Alpha" in title.text and "precision: within 25 km" in title.text
    assert "33°N, 42°E" in title.text


def test_a_precision_radius_is_drawn_to_scale_and_only_when_given() -> None:
    places = [
        city("alpha", 42, 33, Precision("within 25 km", 25)),
        city("beta", 47, 34, Precision("city centre")),
    ]
    view = (40.0, 30.0, 50.0, 38.0)
    root = parse(render_map(REGION, places, view=view))
    found = {a.get("href"): a for a in links(root, "place")}
    circles = [
        c for c in found["/place/alpha"].iter(f"{SVG}circle") if c.get("class") == "precision"
    ]
    assert len(circles) == 1
    # One degree of latitude spans the frame's height / 8 degrees.
    _, _, _, height = viewbox(root)
    per_degree = (height - MARGIN - BOTTOM) / 8
    assert float(circles[0].get("r", "0")) == pytest.approx(
        25 / KM_PER_DEGREE * per_degree, rel=0.02
    )
    assert not [
        c for c in found["/place/beta"].iter(f"{SVG}circle") if c.get("class") == "precision"
    ]


def test_projection_is_equirectangular_scaled_by_the_middle_latitude() -> None:
    view = (40.0, 30.0, 50.0, 38.0)
    places = [city("west", 40, 30), city("east", 50, 38)]
    root = parse(render_map(REGION, places, view=view))
    _, _, width, height = viewbox(root)
    assert width == WIDTH
    k = math.cos(math.radians(34))
    expected = (38 - 30) / ((50 - 40) * k) * (WIDTH - LEFT - MARGIN) + MARGIN + BOTTOM
    assert height == pytest.approx(expected, abs=0.01)
    dots = {
        a.get("href"): next(c for c in a.iter(f"{SVG}circle") if c.get("class") == "dot")
        for a in links(root, "place")
    }
    sw, ne = dots["/place/west"], dots["/place/east"]
    assert float(sw.get("cx", "")) == pytest.approx(LEFT, abs=0.01)
    assert float(sw.get("cy", "")) == pytest.approx(height - BOTTOM, abs=0.01)
    assert float(ne.get("cx", "")) == pytest.approx(WIDTH - MARGIN, abs=0.01)
    assert float(ne.get("cy", "")) == pytest.approx(MARGIN, abs=0.01)


def test_lines_and_areas_are_drawn_as_shapes_inside_their_link() -> None:
    kind, geometry = region_shape(REGION, "Eastland–Westland border")
    assert kind == "line"
    border = MapPlace(
        BASE + "place/border",
        "The border",
        "/place/border",
        kind,
        geometry,
        Precision("as the map draws it"),
    )
    district = MapPlace(
        BASE + "place/district",
        "A district",
        "/place/district",
        "area",
        [[(42, 31), (43, 31), (43, 32), (42, 32), (42, 31)]],
        Precision("outline approximate"),
    )
    root = parse(render_map(REGION, [border, district]))
    found = {a.get("href"): a for a in links(root, "place")}
    assert found["/place/border"].get("data-kind") == "line"
    line_shape = [p for p in found["/place/border"].iter(f"{SVG}path") if p.get("class") == "shape"]
    assert len(line_shape) == 1 and "Z" not in line_shape[0].get("d", "")
    area_shape = [
        p for p in found["/place/district"].iter(f"{SVG}path") if p.get("class") == "shape"
    ]
    assert len(area_shape) == 1 and area_shape[0].get("d", "").endswith("Z")


def test_events_sit_around_their_place_and_unplaced_ones_are_reported() -> None:
    alpha = city("alpha", 42, 33)
    events = [
        MapEvent(BASE + "event/1", "First strike", "/event/1", alpha.iri, "2017-03-17"),
        MapEvent(BASE + "event/2", "Second strike", "/event/2", alpha.iri, "2017-05-04"),
        MapEvent(BASE + "event/3", "Somewhere", "/event/3", BASE + "place/unknown"),
    ]
    root = parse(render_map(REGION, [alpha], events))
    drawn = links(root, "event")
    assert [a.get("href") for a in drawn] == ["/event/1", "/event/2"]
    titles = [a.findtext(f"{SVG}title") or "" for a in drawn]
    assert "First strike, 2017-03-17 — at Alpha" in titles[0]
    assert events_without_place([alpha], events) == [events[2]]


def test_backdrop_is_clipped_to_the_view() -> None:
    # A view over Westland only: Eastland's square lies outside and is not drawn.
    root = parse(render_map(REGION, [], view=(40.5, 30.5, 44.5, 34.5)))
    countries = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "country"]
    assert countries == ["WESTLAND"]
    rivers = [p for p in root.iter(f"{SVG}path") if p.get("class") == "river"]
    assert len(rivers) == 1 and rivers[0].findtext(f"{SVG}title") == "Long river"
    assert not [p for p in root.iter(f"{SVG}path") if p.get("class") == "border"]


def test_clipping_keeps_what_is_inside() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    assert _clip_ring(square(-5, -5, 10), box) == [(0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 5.0)]
    assert _clip_ring(square(20, 20, 1), box) == []
    assert _clip_line([(-5, 5), (15, 5)], box) == [[(0.0, 5.0), (10.0, 5.0)]]
    # Leaving and coming back makes two pieces.
    pieces = _clip_line([(5, 5), (5, 15), (8, 15), (8, 5)], box)
    assert pieces == [[(5.0, 5.0), (5.0, 10.0)], [(8.0, 10.0), (8.0, 5.0)]]


def test_fitted_view_holds_every_place_and_its_radius() -> None:
    places = [city("alpha", 42, 33, Precision("within 50 km", 50)), city("beta", 43, 33.5)]
    west, south, east, north = fit_view(places, REGION)
    reach = 50 / KM_PER_DEGREE
    assert west < 42 - reach and east > 43 and south < 33 - reach and north > 33.5
    assert fit_view([], REGION) == (40, 30, 50, 38)


def test_labels_are_escaped_and_the_picture_has_no_inline_style() -> None:
    hostile = MapPlace(
        BASE + "place/x",
        "<script>alert(1)</script>",
        "/place/x?a=1&b=2",
        "point",
        (42, 33),
        Precision('"quoted" & <b>'),
    )
    svg = render_map(REGION, [hostile], title="A <map>")
    root = parse(svg)
    assert "<script>" not in svg
    assert [a.get("href") for a in links(root, "place")] == ["/place/x?a=1&b=2"]
    assert not [e for e in root.iter() if e.get("style") is not None]
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("role") == "group"
    assert root.findtext(f"{SVG}title") == "A <map>"


def test_highlighted_place_is_labelled_and_drawn_last() -> None:
    crowd = [city(f"p{i}", 42 + i * 0.01, 33) for i in range(5)]
    root = parse(render_map(REGION, crowd, highlight={crowd[2].iri}))
    placed = links(root, "place")
    assert placed[-1].get("href") == "/place/p2"
    label = [t for t in placed[-1].iter(f"{SVG}text") if t.get("class") == "label"]
    assert label and label[0].get("font-weight") == "bold"


def test_region_shape_gives_lines_and_areas_and_names_what_it_knows() -> None:
    kind, rings = region_shape(REGION, "Eastland")
    assert kind == "area" and rings == [[tuple(p) for p in square(45, 30, 5)]]
    with pytest.raises(KeyError, match="Long river"):
        region_shape(REGION, "Tigris")


def test_the_built_region_has_the_shapes_the_map_needs() -> None:
    """The file ``make frontend`` writes: Iraq, its borders, the Tigris."""
    region = load_region()
    names = {f["properties"].get("name") for f in region["features"]}
    assert {"Iraq", "Syria", "Turkey", "Iran", "Iraq–Syria border", "Tigris"} <= names
    kind, tigris = region_shape(region, "Tigris")
    assert kind == "line"
    mosul = (43.13, 36.34)
    nearest = min(math.dist(p, mosul) for line in tigris for p in line)
    assert nearest < 0.15, "the Tigris drawn should pass by Mosul"
    svg = render_map(region, [city("mosul", *mosul, Precision("city centre", 8))])
    assert 'href="/place/mosul"' in svg
