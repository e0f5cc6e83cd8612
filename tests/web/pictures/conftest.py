"""Stores for the picture tests: the fixture article, and the project's own data once built."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflictkg.pipeline.accounts import triples_files
from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend
from tests.support import ROOT

DATA = Path(__file__).resolve().parent / "data"
FIXTURE_FILES = [DATA / "ontology_fixture.ttl", DATA / "triples_fixture.trig"]


def project_files() -> list[Path]:
    """The project's ontology and triples, when both exist (the data grows over time)."""
    ontology = ROOT / "ontology" / "conflictkg.ttl"
    triples = triples_files(ROOT / "triples")
    return [ontology, *triples] if ontology.is_file() and triples else []


# The project's data joins the cases as soon as it exists; until then only the fixture runs.
DATASETS = {"fixture": FIXTURE_FILES} | ({"project": project_files()} if project_files() else {})


@pytest.fixture(params=sorted(DATASETS))
def dataset(request: pytest.FixtureRequest) -> tuple[list[Path], OxigraphBackend]:
    files = DATASETS[request.param]
    return files, OxigraphBackend(load_files(files))


@pytest.fixture
def fixture_store() -> OxigraphBackend:
    """The fixture article behind the backend every picture queries through."""
    return OxigraphBackend(load_files(FIXTURE_FILES))


@pytest.fixture
def fixture_files() -> list[Path]:
    return list(FIXTURE_FILES)
