"""The embedded store: files loaded with their graphs, the default graph as their merge."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from conflictkg.errors import ConflictKGError
from conflictkg.store.files import load_files, load_merged
from conflictkg.store.local import OxigraphBackend

# Two article graphs that share a triple (an entity both mention), plus a triple of the
# file's own default graph.
TRIG = """\
@prefix ex: <https://example.org/> .
ex:d ex:p ex:e .
<https://example.org/g1> { ex:shared ex:label "shared" . ex:a ex:p ex:b . }
<https://example.org/g2> { ex:shared ex:label "shared" . ex:c ex:p ex:d . }
"""


@pytest.fixture()
def trig(tmp_path: Path) -> Path:
    path = tmp_path / "two.trig"
    path.write_text(TRIG, encoding="utf-8")
    return path


def _rows(store: pyoxigraph.Store, query: str) -> list[tuple[str, ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [tuple(str(s[n]) for n in names) for s in solutions]


def test_default_graph_is_the_merge_with_each_triple_once(trig: Path) -> None:
    store = load_merged([trig])
    assert _rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [
        ('"4"^^<http://www.w3.org/2001/XMLSchema#integer>',)
    ]
    assert len(_rows(store, 'SELECT ?s WHERE { ?s ?p "shared" }')) == 1
    # The union Oxigraph offers counts a shared triple once per graph: what the merge avoids.
    union = load_files([trig]).query(
        'SELECT ?s WHERE { ?s ?p "shared" }', use_default_graph_as_union=True
    )
    assert len(list(union)) == 2
    # Named graphs are untouched and FROM still picks one graph.
    assert len(_rows(store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")) == 4
    assert len(_rows(store, "SELECT * FROM <https://example.org/g1> WHERE { ?s ?p ?o }")) == 2


def test_backend_dumps_give_back_the_loaded_quads(trig: Path) -> None:
    backend = OxigraphBackend.from_files([trig])
    loaded = set(pyoxigraph.parse(path=str(trig)))
    assert backend.triple_count() == len(loaded) == 5
    for fmt in (pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.N_QUADS):
        assert set(pyoxigraph.parse(backend.dump(fmt), format=fmt)) == loaded
    triples = set(
        pyoxigraph.parse(
            backend.dump(pyoxigraph.RdfFormat.N_TRIPLES), format=pyoxigraph.RdfFormat.N_TRIPLES
        )
    )
    assert len(triples) == 4  # the merge: each triple once


def test_a_file_that_does_not_parse_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.trig"
    bad.write_text("<https://example.org/g> { <a> <b> ", encoding="utf-8")
    with pytest.raises(ConflictKGError, match="bad.trig"):
        load_merged([bad])


def test_a_ttl_triples_file_is_read_as_trig_keeping_its_named_graphs(tmp_path: Path) -> None:
    # Turtle is TriG with a default graph only; a triples file named .ttl may hold accounts
    path = tmp_path / "article.ttl"
    path.write_text(TRIG, encoding="utf-8")
    store = load_files([path])
    assert len(_rows(store, "SELECT * WHERE { GRAPH <https://example.org/g2> { ?s ?p ?o } }")) == 2
    assert len(list(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))) == 1
