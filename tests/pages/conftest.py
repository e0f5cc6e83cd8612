"""A Flask app with only the pages attached, over the fixture article of tests/pictures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from conflictkg import pages
from conflictkg.store import load_files

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


@pytest.fixture
def app(project: Path) -> Flask:
    app = Flask("conflictkg_pages_test")
    app.config["TESTING"] = True
    store = load_files(
        [project / "ontology" / "fixture.ttl", project / "triples" / "seed_fixture.trig"]
    )
    pages.init_app(
        app,
        pages.PagesData(
            store=store,
            seeds=project / "seeds",
            queries=project / "queries",
            ontology_files=[project / "ontology" / "fixture.ttl"],
            cache_dir=project / "cache",
            downloads=[("dataset.ttl", "text/turtle"), ("extra.bin", "application/x-test")],
        ),
    )
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
