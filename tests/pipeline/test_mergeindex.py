"""The merge as sorted numbers answers every call a rebuild makes as the rdflib merge does."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from conflictkg.pipeline import accounts, inputs, rdfio
from conflictkg.pipeline.mergeindex import MergeIndex
from conflictkg.project import Project
from conflictkg.synth.corpus import write_corpus
from conflictkg.vocab import CKG
from tests.support import ROOT

EX = "https://example.org/"


def _files(folder: Path) -> list[accounts.TriplesFile]:
    return [accounts.read_triples_file(p) for p in accounts.triples_files(folder)]


def _merge(files: list[accounts.TriplesFile]) -> Graph:
    merged = rdfio.new_graph()
    for file in files:
        for _, graph in file.graphs():
            merged += graph
    return merged


@pytest.fixture(scope="module", params=["article", "synthetic"])
def both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The project's own triples, or a synthetic corpus: the rdflib merge and the index."""
    if request.param == "article":
        folder = Project.at(ROOT).triples
    else:
        root = tmp_path_factory.mktemp("corpus")
        write_corpus(root, 4, seed=7, ontology=ROOT / "ontology")
        folder = root / "triples"
    files = _files(folder)
    return _merge(files), MergeIndex.of(f.packed() for f in files)


def test_the_index_holds_each_triple_of_the_merge_once(both) -> None:
    graph, index = both
    assert len(index) == len(graph)
    assert set(index) == set(graph)


def test_every_node_has_the_same_triples_both_ways(both) -> None:
    graph, index = both
    nodes = set(graph.subjects()) | {o for o in graph.objects() if not isinstance(o, Literal)}
    for node in nodes:
        assert sorted(index.predicate_objects(node)) == sorted(graph.predicate_objects(node))
        assert sorted(index.subject_predicates(node)) == sorted(graph.subject_predicates(node))
    for s, p, o in graph:
        assert set(index.objects(s, p)) == set(graph.objects(s, p))
        assert set(index.subjects(p, o)) == set(graph.subjects(p, o))


def test_the_referrers_of_many_nodes_at_once_are_each_nodes(both) -> None:
    graph, index = both
    nodes = [o for o in set(graph.objects()) if not isinstance(o, Literal)]
    nodes += [Literal("no triple points at this"), URIRef("urn:x:absent")]
    found = index.referrers(nodes)
    assert set(found) == {node for node in nodes if (None, None, node) in graph}
    for node in nodes:
        assert found.get(node, []) == index.subject_predicates(node)
        assert sorted(found.get(node, [])) == sorted(graph.subject_predicates(node))


def test_typings_links_and_descriptions_are_the_merges(both) -> None:
    graph, index = both
    assert index.typings() == Counter(o for _, _, o in graph.triples((None, RDF.type, None)))
    wanted = [RDF.type, SKOS.exactMatch]
    assert sorted(index.with_predicates(wanted)) == sorted(rdfio.with_predicates(graph, wanted))
    articles = list(graph.subjects(RDF.type, CKG.Article))
    assert articles, "the data describes its articles"
    described = index.described(articles)
    assert set(described) == {t for a in articles for t in graph.triples((a, None, None))}


def test_terms_are_told_apart_as_rdflib_tells_them(tmp_path: Path) -> None:
    # equal lexical forms with other datatypes or languages, a blank node, a repeated triple
    s, p = URIRef(EX + "s"), URIRef(EX + "p")
    values = [
        Literal("1", datatype=XSD.integer),
        Literal("01", datatype=XSD.integer),
        Literal("1"),
        Literal("1", lang="en"),
        Literal("1", datatype=XSD.string),
        BNode(),
        URIRef("1"),
    ]
    first, second = rdfio.new_graph(), rdfio.new_graph()
    for value in values:
        first.add((s, p, value))
    second.add((s, p, values[0]))
    second.add((s, RDFS.label, Literal("s", lang="en")))
    index = MergeIndex.of([rdfio.pack([first]), rdfio.pack([second])])
    merged = first + second
    assert len(index) == len(merged) and set(index) == set(merged)
    assert set(index.objects(s, p)) == set(merged.objects(s, p))
    assert index.subjects(p, Literal("01", datatype=XSD.integer)) == [s]
    assert index.objects(URIRef(EX + "unknown"), p) == []
    assert index.subject_predicates(Literal("2")) == []


def test_an_empty_merge_answers_nothing() -> None:
    index = MergeIndex.of([])
    assert len(index) == 0 and list(index) == []
    assert index.typings() == Counter() and index.with_predicates([RDF.type]) == []


def test_the_build_reads_the_merge_as_numbers_only_when_incremental() -> None:
    read = inputs.load_inputs(Project.at(ROOT))
    assert set(read.merge_index()) == set(read.data)
