"""The pages inside the real endpoint app (``create_app``): the data comes from its backend,
the seeds and examples from the project, the ontology docs from the ontology graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from flask.testing import FlaskClient

from conflictkg.vocab import GRAPH, ONTOLOGY_GRAPH
from conflictkg.web.app import create_app


@pytest.fixture
def endpoint(project: Path, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """The endpoint serving a TriG of the fixture: ontology, article and accounts in graphs."""
    monkeypatch.delenv("CONFLICTKG_OUTPUT", raising=False)
    monkeypatch.delenv("CONFLICTKG_ROOT", raising=False)
    store = pyoxigraph.Store()
    store.bulk_load(
        path=str(project / "ontology" / "fixture.ttl"),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=pyoxigraph.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    # the file's default graph is published as graph/seed_fixture; its account and
    # outside graphs keep their names, as the build does
    backbone = pyoxigraph.NamedNode(str(GRAPH["seed_fixture"]))
    for quad in pyoxigraph.parse(
        path=str(project / "triples" / "seed_fixture.trig"), format=pyoxigraph.RdfFormat.TRIG
    ):
        graph = backbone if quad.graph_name == pyoxigraph.DefaultGraph() else quad.graph_name
        store.add(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph))
    dataset = project / "dataset.trig"
    store.dump(output=str(dataset), format=pyoxigraph.RdfFormat.TRIG)
    app = create_app({"DATASET": dataset, "PROJECT_ROOT": project, "TESTING": True})
    return app.test_client()


def get_html(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_home_replaces_the_placeholder_and_lists_the_served_downloads(endpoint) -> None:
    body = get_html(endpoint, "/")
    assert "Fighting near &lt;Riverton&gt; &amp; beyond" in body
    assert 'href="/download/dataset.ttl"' in body
    assert "Which places lie in &lt;Northland&gt; &amp; where?" in body


def test_resource_page_carries_sentence_and_pictures(endpoint) -> None:
    body = get_html(endpoint, "/id/place/riverton")
    assert "<mark>Riverton</mark>" in body
    assert 'class="ckg-picture ckg-neighbourhood"' in body
    assert 'class="ckg-picture ckg-region-map"' in body
    event = get_html(endpoint, "/id/event/2016-05-31-riverton-takeover")
    assert 'class="ckg-picture ckg-timeline"' in event


def test_ontology_html_without_a_build_is_the_list_of_terms(endpoint, project) -> None:
    # The pyLODE page is an artefact of the build; a served file has none.
    body = get_html(endpoint, "/ontology")
    assert "Table of Contents" not in body and 'id="MilitaryUnit"' in body
    assert not (project / "output" / "cache").exists()
    turtle = endpoint.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle", "only the HTML branch is the documentation"


def test_article_and_pictures_work_inside_the_endpoint(endpoint) -> None:
    assert "span-93-101" in get_html(endpoint, "/article/seed_fixture")
    for url in ("/timeline", "/map", "/ontology/diagram", "/query", "/favicon.ico"):
        response = endpoint.get(url)
        assert response.status_code == 200, url
        response.close()
