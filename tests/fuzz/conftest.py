"""A real `conflictkg serve` on loopback over a small synthetic corpus, for fuzzing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from conflictkg.synthetic import generate, graph_iri

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402  (bench/ is not a package)


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[benchlib.Server]:
    dataset = Dataset()
    for stem, _, graph in generate(3, 5):
        named = dataset.graph(graph_iri(stem))
        for triple in graph:
            named.add(triple)
    path = tmp_path_factory.mktemp("fuzz") / "corpus.trig"
    path.write_text(dataset.serialize(format="trig"), encoding="utf-8")
    args = ["serve", "--dataset", str(path), "--timeout", "2", "--workers", "2"]
    with benchlib.conflictkg_server(args, start_seconds=120) as live:
        yield live
