"""The app over a build of the fixture article of tests/web/pictures, with its project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient

from conflictkg.vocab import GRAPH, ONTOLOGY_GRAPH
from conflictkg.web.app import create_app

HERE = Path(__file__).resolve().parent
PICTURES = HERE.parent / "pictures" / "data"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder: the fixture seed, ontology, triples and example queries."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "ontology").mkdir()
    (tmp_path / "triples").mkdir()
    shutil.copy(PICTURES / "seed_fixture.txt", tmp_path / "seeds" / "seed_fixture.txt")
    shutil.copy(PICTURES / "ontology_fixture.ttl", tmp_path / "ontology" / "fixture.ttl")
    shutil.copy(PICTURES / "triples_fixture.trig", tmp_path / "triples" / "seed_fixture.trig")
    shutil.copytree(HERE / "data" / "queries", tmp_path / "queries")
    return tmp_path


def write_build(project: Path) -> Path:
    """A build folder of the fixture: the dataset as TriG (ontology and article each in its
    named graph) and Turtle, and the ontology."""
    store = pyoxigraph.Store()
    store.bulk_load(
        path=str(project / "ontology" / "fixture.ttl"),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=pyoxigraph.NamedNode(ONTOLOGY_GRAPH),
    )
    # the file's default graph is published as graph/seed_fixture; its account and
    # outside graphs keep their names, as the build does
    backbone = pyoxigraph.NamedNode(GRAPH["seed_fixture"])
    for quad in pyoxigraph.parse(
        path=str(project / "triples" / "seed_fixture.trig"), format=pyoxigraph.RdfFormat.TRIG
    ):
        graph = backbone if quad.graph_name == pyoxigraph.DefaultGraph() else quad.graph_name
        store.add(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph))
    folder = project / "output" / "build-test"
    folder.mkdir(parents=True)
    store.dump(output=str(folder / "dataset.trig"), format=pyoxigraph.RdfFormat.TRIG)
    store.dump(
        output=str(folder / "dataset.ttl"), format=pyoxigraph.RdfFormat.TURTLE, from_graph=backbone
    )
    shutil.copy(project / "ontology" / "fixture.ttl", folder / "ontology.ttl")
    return folder


@pytest.fixture
def app(project: Path) -> Flask:
    """The app serving a build of the fixture, with the project's seeds and examples."""
    config = {"BUILD_DIR": write_build(project), "PROJECT_ROOT": project, "TESTING": True}
    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
