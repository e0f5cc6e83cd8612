"""pyLODE documentation of the ontology: every class documented, anchors that match the
``/ontology#Term`` links, concept schemes included, cached by content."""

from __future__ import annotations

import html
import logging
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import DCTERMS, OWL, RDF, RDFS, Graph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import ontodocs
from conflictkg.vocab import ONTOLOGY_GRAPH
from conflictkg.web.app import create_app
from conflictkg.web.pages.views import ontology_docs
from tests.support import ROOT

FIXTURE = ROOT / "tests" / "web" / "pictures" / "data" / "ontology_fixture.ttl"
PROJECT = ROOT / "ontology" / "conflictkg.ttl"
ONTOLOGIES = {"fixture": FIXTURE} | ({"project": PROJECT} if PROJECT.is_file() else {})
CKG_NS = "https://w3id.org/conflictkg/ontology#"


@pytest.fixture(scope="module", params=sorted(ONTOLOGIES))
def documented(request: pytest.FixtureRequest) -> tuple[Graph, str]:
    path = ONTOLOGIES[request.param]
    graph = Graph().parse(path, format="turtle")
    return graph, ontodocs.render_html([path])


def test_docs_mention_every_class_label(documented) -> None:
    graph, page = documented
    labels = [
        str(label)
        for cls in graph.subjects(RDF.type, OWL.Class)
        if str(cls).startswith(CKG_NS)
        for label in graph.objects(cls, RDFS.label)
    ]
    assert labels
    missing = [label for label in labels if html.escape(label, quote=False) not in page]
    assert missing == []


def test_every_term_anchor_is_its_local_name(documented) -> None:
    graph, page = documented
    terms = {
        str(s)[len(CKG_NS) :]
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(CKG_NS)
    }
    missing = sorted(t for t in terms if f'id="{t}"' not in page)
    assert missing == []


def test_header_is_the_ontology_alone_and_schemes_have_a_section(documented) -> None:
    graph, page = documented
    title = next(graph.objects(next(graph.subjects(RDF.type, OWL.Ontology)), DCTERMS.title))
    assert f"<h1>{html.escape(str(title))}</h1>" in page
    assert 'id="conceptschemes"' in page and 'href="#conceptschemes"' in page
    assert 'id="EventStatusScheme"' in page and 'id="Occurred"' in page


def test_docs_are_self_contained(documented) -> None:
    _, page = documented
    assert "<script src" not in page and 'rel="stylesheet"' not in page
    assert "<style>" in page


def test_rendering_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    ontodocs.render_html([FIXTURE])
    assert (root.level, list(root.handlers)) == before


def test_cache_is_reused_until_the_source_changes(tmp_path, monkeypatch) -> None:
    source = tmp_path / "onto.ttl"
    shutil.copy(FIXTURE, source)
    cache = tmp_path / "cache"
    first = ontodocs.cached_html([source], cache)
    (cached,) = cache.glob("ontology-docs-*.html")

    def fail(files):  # a second call must not render again
        raise AssertionError("rendered twice")

    monkeypatch.setattr(ontodocs, "render_html", fail)
    assert ontodocs.cached_html([source], cache) == first
    monkeypatch.undo()

    source.write_text(
        source.read_text(encoding="utf-8").replace("Fixture conflict ontology", "Renamed"),
        encoding="utf-8",
    )
    second = ontodocs.cached_html([source], cache)
    assert "Renamed" in second
    assert [p.name for p in cache.glob("ontology-docs-*.html")] != [cached.name]
    assert len(list(cache.glob("ontology-docs-*.html"))) == 1


def test_cached_page_is_made_again_for_another_pylode(tmp_path, monkeypatch) -> None:
    """A page kept by an older pyLODE (or older code here) is not served by a newer one."""
    cache = tmp_path / "cache"
    ontodocs.cached_html([FIXTURE], cache)
    (kept,) = cache.glob("ontology-docs-*.html")
    rendered: list[int] = []
    render = ontodocs.render_html
    monkeypatch.setattr(ontodocs, "render_html", lambda files: rendered.append(1) or render(files))
    monkeypatch.setattr(ontodocs.importlib.metadata, "version", lambda name: "99.0")
    ontodocs.cached_html([FIXTURE], cache)
    assert rendered == [1]
    assert [p.name for p in cache.glob("ontology-docs-*.html")] != [kept.name]


def test_unparsable_ontology_names_the_file(tmp_path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <x> .\n:a :b ", encoding="utf-8")
    with pytest.raises(ConflictKGError, match="broken.ttl"):
        ontodocs.render_html([broken])


def test_missing_title_is_a_readable_error(tmp_path) -> None:
    untitled = tmp_path / "untitled.ttl"
    untitled.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/o> a owl:Ontology .\n",
        encoding="utf-8",
    )
    with pytest.raises(ConflictKGError, match="untitled.ttl: pyLODE cannot document"):
        ontodocs.render_html([untitled])


def test_graph_digest_ignores_blank_node_labels() -> None:
    first = Graph().parse(FIXTURE, format="turtle")
    second = Graph().parse(FIXTURE, format="turtle")
    assert ontodocs.graph_digest(first) == ontodocs.graph_digest(second)
    second.add((second.identifier, RDFS.label, second.identifier))
    assert ontodocs.graph_digest(first) != ontodocs.graph_digest(second)


def test_the_server_serves_the_build_s_page_and_never_runs_pylode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = tmp_path / "build"
    build.mkdir()
    store = pyoxigraph.Store()
    store.bulk_load(
        path=str(FIXTURE),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=pyoxigraph.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    store.dump(output=str(build / "dataset.trig"), format=pyoxigraph.RdfFormat.TRIG)
    app = create_app({"BUILD_DIR": build, "TESTING": True})
    with app.test_request_context():
        assert ontology_docs() is None, "no ontology.html in the build: the list of terms"
    (build / "ontology.html").write_text(ontodocs.render_html([FIXTURE]), encoding="utf-8")

    def refuse(*_: object) -> str:
        raise AssertionError("pyLODE ran inside the server")

    monkeypatch.setattr(ontodocs, "render_graph_html", refuse)
    with app.test_request_context():
        page = ontology_docs()
    assert page is not None and 'id="MilitaryUnit"' in page
    assert '<a href="/">conflictkg home</a>' in page
