"""The SVG pictures: well-formed, escaped, deterministic, one mark per item of the data.

Expected counts come from rdflib reading the same files, not from the queries under test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from conflictkg.pipeline.rdfio import parse_dataset
from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend
from conflictkg.vocab import CKG, CKR, WGS
from conflictkg.web.assets import load_region
from conflictkg.web.links import href_for
from conflictkg.web.pictures import class_diagram_svg, neighbourhood_svg, place_map, timeline_svg
from conflictkg.web.pictures.placemap import map_places
from tests.web.pictures.conftest import project_files

SVG = "{http://www.w3.org/2000/svg}"
RIVERTON = str(CKR["place/riverton"])
NASTY = "Riverton <script>alert(1)</script> & Co"


def map_svg(store: OxigraphBackend, highlight: set[str] | frozenset[str] = frozenset()) -> str:
    return place_map(store, load_region(), highlight=highlight).svg


def dot(a: ET.Element) -> ET.Element:
    (found,) = [c for c in a.iter(f"{SVG}circle") if c.get("class") == "dot"]
    return found


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox"), "a picture must scale through its viewBox"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text
    return root


def links(root: ET.Element, kind: str) -> list[ET.Element]:
    return [a for a in root.iter(f"{SVG}a") if a.get("class") == kind]


def texts(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def graph_of(files: list[Path]) -> Graph:
    """Every graph of the files merged (a triples file's accounts and outside graphs too)."""
    graph = Graph()
    for path in files:
        parsed = parse_dataset(path)
        for part in (parsed.default, *parsed.named.values()):
            graph += part
    return graph


def dated_events(graph: Graph) -> set[str]:
    event_classes = set(graph.transitive_subjects(RDFS.subClassOf, CKG.Event))
    return {
        str(s)
        for s in graph.subjects(CKG.startDate, None)
        if any(t in event_classes for t in graph.objects(s, RDF.type))
    }


def test_href_maps_base_iris_onto_server_paths() -> None:
    assert href_for(RIVERTON) == "/id/place/riverton"
    assert href_for(str(CKG.Person)) == "/ontology#Person"
    assert href_for("https://w3id.org/conflictkg/ontology") == "/ontology"
    assert href_for("http://www.wikidata.org/entity/Q1") == "http://www.wikidata.org/entity/Q1"


def test_timeline_has_one_linked_mark_per_dated_event(dataset) -> None:
    files, store = dataset
    expected = dated_events(graph_of(files))
    root = parse(timeline_svg(store))
    events = links(root, "event")
    assert len(events) == len(expected) > 0
    assert {a.get("href") for a in events} == {href_for(iri) for iri in expected}
    for a in events:
        assert a.find(f"{SVG}title").text, "each event carries its dates as a tooltip"


def test_timeline_runs_from_first_year_to_article_date(fixture_store) -> None:
    root = parse(timeline_svg(fixture_store))
    labels = texts(root)
    assert "2003" in labels
    assert "article 2016-06-02" in labels
    assert "Takeover of Riverton" in labels
    # Events are rows sorted by start date: the 2003 war comes first.
    first = links(root, "event")[0]
    assert first.get("href") == "/id/event/2003-northland-war"


def test_timeline_of_one_article_only_shows_its_events(fixture_store) -> None:
    article = str(CKR["article/fighting-near-riverton"])
    assert len(links(parse(timeline_svg(fixture_store, article)), "event")) == 3
    assert links(parse(timeline_svg(fixture_store, "https://example.org/none")), "event") == []


def test_map_has_one_linked_point_per_located_place(dataset) -> None:
    files, store = dataset
    graph = graph_of(files)
    expected = {str(s) for s in graph.subjects(WGS.lat, None) if (s, WGS.long, None) in graph}
    root = parse(map_svg(store))
    points = {a.get("href") for a in links(root, "place") if a.get("data-kind") == "point"}
    assert {href_for(iri) for iri in expected} <= points and expected
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    for a in links(root, "place"):
        circle = dot(a)
        assert 0 <= float(circle.get("cx")) <= width and 0 <= float(circle.get("cy")) <= height
        assert a.get("data-precision"), "every place states its precision"
        assert "precision: " in a.find(f"{SVG}title").text
    assert any("km" in t for t in texts(root)), "the map shows a scale bar in km"
    assert any(t.endswith("°N") for t in texts(root)) and any(t.endswith("°E") for t in texts(root))


def test_map_draws_the_articles_places_river_border_district_and_bases() -> None:
    files = project_files()
    assert files, "the project has its ontology and triples"
    store = OxigraphBackend(load_files(files))
    drawn = {p.href: p for p in map_places(store, load_region())}
    assert drawn["/id/place/tigris"].kind == "line"
    assert drawn["/id/place/iraqi-syrian-border"].kind == "line"
    assert drawn["/id/place/iraq"].kind == "area"
    assert drawn["/id/place/mosul"].kind == "point"
    struck = drawn["/id/place/unnamed-district-of-western-mosul"]
    assert (struck.kind, struck.precision.radius_km) == ("point", 5.0)
    assert struck.geometry == drawn["/id/place/mosul"].geometry
    assert "Western Mosul" in struck.precision.label
    bases = drawn["/id/place/us-bases-around-mosul"]
    assert bases.precision.radius_km == 25.0 and bases.precision.label.startswith("near Mosul")
    on_border = drawn["/id/place/us-bases-on-the-iraqi-syrian-border"]
    assert on_border.kind == "line" and "along" in on_border.precision.label
    root = parse(map_svg(store))
    events = {a.get("href") for a in root.iter(f"{SVG}a") if a.get("class") == "event"}
    assert "/id/event/2017-05-04-western-mosul-airstrike" in events
    assert "/id/place/united-states" not in drawn, "outside the region: not drawn"
    # a country is an outline of the backdrop: a place of the map only when highlighted
    whole = place_map(store, load_region())
    assert "/id/place/iraq" not in {p.href for p in whole.places}
    unplaced = {e.href for e in whole.unplaced}
    assert "/id/event/2003-us-invasion-of-iraq" in unplaced
    assert "/id/event/2014-isis-takeover-of-mosul" not in unplaced, "also at Mosul: drawn"
    assert len(unplaced) == len(whole.unplaced), "each listed once"
    iraq = place_map(store, load_region(), highlight={str(CKR["place/iraq"])})
    assert "/id/place/iraq" in {p.href for p in iraq.places}


def test_map_puts_points_where_their_coordinates_say(fixture_store) -> None:
    root = parse(map_svg(fixture_store))
    spots = {a.get("href"): dot(a) for a in links(root, "place")}
    riverton, hillport = spots["/id/place/riverton"], spots["/id/place/hillport"]
    # Riverton is north-west of Hillport: further left and higher up.
    assert float(riverton.get("cx")) < float(hillport.get("cx"))
    assert float(riverton.get("cy")) < float(hillport.get("cy"))


def test_map_highlights(fixture_store) -> None:
    sizes = {
        a.get("href"): dot(a).get("r")
        for a in links(parse(map_svg(fixture_store, highlight={RIVERTON})), "place")
    }
    assert sizes == {
        "/id/place/riverton": "8",
        "/id/place/hillport": "6",
        "/id/place/northland": "6",
    }


def test_labels_are_escaped_everywhere(fixture_store) -> None:
    for svg in (
        map_svg(fixture_store),
        neighbourhood_svg(fixture_store, RIVERTON),
        timeline_svg(fixture_store),
    ):
        assert "<script>" not in svg and "<b>" not in svg
        root = parse(svg)
        text = "".join(root.itertext())
        assert "<script>" in text or "<b>" in text, "escaped text reads back as written"
    raw = neighbourhood_svg(fixture_store, RIVERTON)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in raw
    assert NASTY in texts(parse(raw))


def test_neighbourhood_shows_every_neighbour_with_property_names(
    fixture_store, fixture_files
) -> None:
    graph = graph_of(fixture_files)
    node = URIRef(RIVERTON)
    expected = {
        str(o)
        for p, o in graph.predicate_objects(node)
        if p != CKG.attestedBy and isinstance(o, URIRef)
    } | {str(s) for s in graph.subjects(None, node)}
    root = parse(neighbourhood_svg(fixture_store, RIVERTON))
    shown = links(root, "neighbour")
    assert {a.get("href") for a in shown} == {href_for(iri) for iri in expected}
    edges = [t for t in texts(root)]
    for name in ("locatedIn", "exactMatch", "type", "location (in), target (in)"):
        assert name in edges
    assert "/id/article/fighting-near-riverton/span/93-101" not in {a.get("href") for a in shown}


def test_neighbourhood_counts_what_it_leaves_out(fixture_store) -> None:
    article = str(CKR["article/fighting-near-riverton"])
    full = links(parse(neighbourhood_svg(fixture_store, article)), "neighbour")
    root = parse(neighbourhood_svg(fixture_store, article, max_neighbours=3))
    assert len(links(root, "neighbour")) == 3
    assert f"{len(full) - 3} more neighbours not shown" in texts(root)


def test_neighbourhood_of_a_lonely_resource(fixture_store) -> None:
    root = parse(neighbourhood_svg(fixture_store, "https://example.org/nothing"))
    assert links(root, "neighbour") == []
    assert "no linked resources" in texts(root)


def test_class_diagram_links_every_class_and_object_property(dataset) -> None:
    files, store = dataset
    graph = graph_of(files)
    ns = str(CKG._NS)
    classes = {str(c) for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(ns)}
    properties = {
        str(p) for p in graph.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(ns)
    }
    root = parse(class_diagram_svg(store))
    assert {a.get("href") for a in links(root, "class")} == {href_for(c) for c in classes}
    assert len(links(root, "class")) >= len(classes)
    assert {a.get("href") for a in links(root, "property")} == {href_for(p) for p in properties}


def test_class_diagram_is_a_tree_of_subclasses(fixture_store) -> None:
    root = parse(class_diagram_svg(fixture_store))
    x_of = {a.get("href"): float(a.find(f"{SVG}rect").get("x")) for a in links(root, "class")}
    assert x_of["/ontology#MilitaryUnit"] > x_of["/ontology#Organization"] > x_of["/ontology#Actor"]
    assert "⊑ prov:Agent" in texts(root)
    target = [t for t in texts(root) if "—target→" in t]
    assert target and target[0].startswith("Event") and target[0].endswith("Actor | Location")


def test_pictures_are_deterministic(fixture_files) -> None:
    first = OxigraphBackend(load_files(fixture_files))
    second = OxigraphBackend(load_files(list(fixture_files)))
    for render in (
        timeline_svg,
        map_svg,
        class_diagram_svg,
        lambda s: neighbourhood_svg(s, RIVERTON),
    ):
        assert render(first) == render(second)


@pytest.mark.parametrize("render", [timeline_svg, map_svg, class_diagram_svg])
def test_empty_store_gives_a_valid_picture(render) -> None:
    root = parse(render(OxigraphBackend(pyoxigraph.Store())))
    assert root.get("width")


class Recording:
    """A backend that passes every query on and remembers its text."""

    version = None

    def __init__(self, backend: OxigraphBackend) -> None:
        self.backend = backend
        self.seen: list[str] = []

    def query(self, sparql: str, *args: object, **options: object) -> object:
        self.seen.append(sparql)
        return self.backend.query(sparql, *args, **options)  # type: ignore[arg-type]


def test_pictures_query_the_backend_with_bound_iris(fixture_store) -> None:
    recording = Recording(fixture_store)
    assert neighbourhood_svg(recording, RIVERTON) == neighbourhood_svg(fixture_store, RIVERTON)
    assert timeline_svg(recording) == timeline_svg(fixture_store)
    assert any(f"VALUES ?resource {{ <{RIVERTON}> }}" in q for q in recording.seen)


def test_bound_iris_cannot_change_the_query() -> None:
    with pytest.raises(ValueError):
        pyoxigraph.NamedNode("https://example.org/x> } UNION { ?s ?p ?o")
