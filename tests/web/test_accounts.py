"""The endpoint over a build in the account layout (the mini fixture article, built here).

The default graph is the merge of every graph (backbone, accounts, outside, inferred,
ontology), each triple once; an account graph is dereferenced at its own IRI under /id/,
the inferred and outside graphs under /graph/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient

from conflictkg.pipeline import build, publish
from conflictkg.project import Project
from conflictkg.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"
BASE = "https://w3id.org/conflictkg/"
ACCOUNT = "id/claim/residents-drava-brigade-seized-bridge/assertion"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("accounts") / "project"
    shutil.copytree(ROOT / "ontology", root / "ontology")
    shutil.copytree(MINI / "seeds", root / "seeds")
    shutil.copytree(MINI / "triples", root / "triples")
    build.build(Project(root), root / "output")
    return publish.current_build(root / "output")


@pytest.fixture(scope="module")
def graphs(folder: Path) -> dict[str, set[pyoxigraph.Triple]]:
    """Each graph of the build's dataset.trig, as an Oxigraph store holds it."""
    store = pyoxigraph.Store()  # (it stores xsd:nonNegativeInteger values as xsd:integer)
    store.bulk_load(path=str(folder / "dataset.trig"), format=pyoxigraph.RdfFormat.TRIG)
    found: dict[str, set[pyoxigraph.Triple]] = {}
    for quad in store:
        found.setdefault(str(quad.graph_name.value), set()).add(quad.triple)
    return found


@pytest.fixture(scope="module")
def app(folder: Path) -> Flask:
    return create_app({"BUILD_DIR": folder, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def served(client: FlaskClient, path: str, accept: str = "text/turtle") -> set[pyoxigraph.Triple]:
    reply = client.get(path, headers={"Accept": accept})
    assert reply.status_code == 200, (path, reply.status_code)
    assert reply.headers["Content-Type"].startswith("text/turtle")
    return {q.triple for q in pyoxigraph.parse(reply.data, format=pyoxigraph.RdfFormat.TURTLE)}


def test_the_build_has_every_kind_of_graph(graphs: dict[str, set[pyoxigraph.Triple]]) -> None:
    assert {
        BASE + "graph/mini",
        BASE + ACCOUNT,
        BASE + "id/claim/author-people-and-roles/assertion",
        BASE + "graph/outside/wikidata-q1001",
        BASE + "graph/inferred",
        BASE + "graph/ontology",
    } == set(graphs)


def test_an_account_graph_is_served_at_its_iri(
    client: FlaskClient, graphs: dict[str, set[pyoxigraph.Triple]]
) -> None:
    assert served(client, "/" + ACCOUNT) == graphs[BASE + ACCOUNT]
    # a browser gets the graph too (as Turtle: graphs have no page), as under /graph/
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    assert served(client, "/" + ACCOUNT, browser) == graphs[BASE + ACCOUNT]
    missing = client.get("/id/claim/nobody/assertion", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404


@pytest.mark.parametrize("name", ["inferred", "outside/wikidata-q1001", "mini"])
def test_inferred_outside_and_backbone_graphs_are_served_under_graph(
    name: str, client: FlaskClient, graphs: dict[str, set[pyoxigraph.Triple]]
) -> None:
    assert graphs[BASE + "graph/" + name]
    assert served(client, "/graph/" + name) == graphs[BASE + "graph/" + name]


def test_the_claim_itself_is_still_a_resource(client: FlaskClient) -> None:
    claim = "/id/claim/residents-drava-brigade-seized-bridge"
    triples = served(client, claim)
    predicates = {t.predicate.value for t in triples}
    assert BASE + "ontology#assertionGraph" in predicates
    assert client.get(claim, headers={"Accept": "text/html"}).status_code == 200


def query(client: FlaskClient, text: str) -> list[dict]:
    reply = client.get(
        "/sparql", query_string={"query": text}, headers={"Accept": "application/json"}
    )
    assert reply.status_code == 200, reply.data
    bindings: list[dict] = reply.get_json()["results"]["bindings"]
    return bindings


def test_the_default_graph_is_the_merge_of_all_graphs_each_triple_once(
    client: FlaskClient, graphs: dict[str, set[pyoxigraph.Triple]]
) -> None:
    merged = set().union(*graphs.values())
    count = query(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"]
    assert int(count) == len(merged)
    # what an account asserts, an inferred type and an outside link, without GRAPH
    rows = query(
        client,
        "SELECT * WHERE { ?e <https://w3id.org/conflictkg/ontology#conductedBy> ?who ; "
        "a <https://w3id.org/conflictkg/ontology#Event> . "
        "?place <http://www.w3.org/2004/02/skos/core#exactMatch> ?item }",
    )
    assert len(rows) == 1
