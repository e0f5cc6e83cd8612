"""The dumps written from sorted N-Triples lines: the same triples in every format, the
same bytes every time, the same counts as VoID's graph walk, pieces kept between builds."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from conflictkg.pipeline import dumps, rdfio, void, writecache
from conflictkg.pipeline.accounts import read_triples_file
from conflictkg.vocab import BASE_IRI, PREFIXES, WD
from tests.pipeline.test_rdfio import TRICKY

FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
}


def tricky() -> Graph:
    graph = Graph().parse(data=TRICKY, format="turtle")
    ckr = BASE_IRI + "id/"
    person = URIRef(ckr + "person/x")
    graph.add((person, SKOS.exactMatch, URIRef(str(WD) + "Q1")))
    graph.add((person, URIRef("http://example.org/tab"), Literal("a\tb\\c\u0001")))
    graph.add((person, URIRef("http://example.org/n"), Literal("7", datatype=XSD.integer)))
    return graph


def merged_lines(graph: Graph) -> list[bytes]:
    made = dumps.graph_lines(graph)
    return dumps.merge([made.lines, dumps.blank_lines(made.blank)])


def read(data: bytes, format: pyoxigraph.RdfFormat) -> Graph:
    triples = pyoxigraph.parse(data, format=format)
    nt = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return Graph().parse(data=nt, format="nt")


def test_lines_of_the_triples_are_the_lines_of_their_graph() -> None:
    # the build hands the inferred graph's lines on before it makes the graph
    graph = tricky()
    made, expected = dumps.lines_of(set(graph)), dumps.graph_lines(graph)
    assert made.lines == expected.lines and made.lines
    assert set(made.blank) == set(expected.blank) and made.blank


def test_lines_of_numbered_triples_are_the_lines_of_their_graph() -> None:
    # the events table's child makes the inferred graph's lines from numbered terms
    graph = tricky()
    keys, flat = rdfio.pack_triples(graph)
    numbered = set(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
    made, expected = dumps.numbered_lines(keys, numbered), dumps.graph_lines(graph)
    assert made.lines == expected.lines and made.lines
    assert set(made.blank) == set(expected.blank) and made.blank
    assert dumps.numbered_lines(keys, []) == dumps.GraphLines([], [])


def test_merged_runs_are_the_sorted_union_each_line_once() -> None:
    runs = [[b"a .\n", b"c .\n"], [b"b .\n", b"c .\n", b"d .\n"], [], [b"a .\n", b"c .\n"]]
    assert dumps.merge(runs) == [b"a .\n", b"b .\n", b"c .\n", b"d .\n"]
    assert dumps.merge([]) == [] and dumps.merge([[b"x .\n"], [b"x .\n"]]) == [b"x .\n"]


def test_lines_joined_come_apart_as_they_were() -> None:
    # the child hands the inferred graph's lines over joined; a literal's line break is
    # escaped in its line
    lines = dumps.graph_lines(tricky()).lines
    assert any(b"\\n" in line for line in lines)
    assert dumps.split_lines(b"".join(lines)) == lines
    assert dumps.split_lines(b"") == []


def test_lines_as_nquads_hold_the_same_triples_in_the_named_graph() -> None:
    lines = dumps.graph_lines(tricky()).lines
    quads = list(
        pyoxigraph.parse(
            dumps.nquads(lines, "http://example.org/g"), format=pyoxigraph.RdfFormat.N_QUADS
        )
    )
    assert {q.graph_name for q in quads} == {pyoxigraph.NamedNode("http://example.org/g")}
    triples = pyoxigraph.parse(b"".join(lines), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert [q.triple for q in quads] == [t.triple for t in triples]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_holds_the_graph(name: str) -> None:
    graph = tricky()
    lines = merged_lines(graph)
    nt = dumps.ntriples(lines)
    written = {
        "turtle": lambda: dumps.turtle(nt, PREFIXES),
        "rdfxml": lambda: dumps.rdfxml(nt, PREFIXES),
        "jsonld": lambda: dumps.jsonld(lines, PREFIXES),
        "ntriples": lambda: nt,
    }[name]()
    assert isomorphic(read(written, FORMATS[name]), graph)


def test_jsonld_is_compacted_with_the_projects_context_and_rdflib_reads_it() -> None:
    graph = tricky()
    written = dumps.jsonld(merged_lines(graph), PREFIXES)
    document = json.loads(written)
    assert document["@context"] == dict(sorted(PREFIXES.items()))
    person = next(n for n in document["@graph"] if n["@id"] == "ckr:person/x")
    assert person["skos:exactMatch"] == {"@id": "wd:Q1"}
    assert person["http://example.org/n"] == [
        {"@type": "xsd:integer", "@value": "3"},
        {"@type": "xsd:integer", "@value": "7"},
    ]
    with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its ConjunctiveGraph
        warnings.simplefilter("ignore", DeprecationWarning)
        assert isomorphic(Graph().parse(data=written, format="json-ld"), graph)


def test_the_same_graph_gives_the_same_bytes_whatever_its_blank_node_labels() -> None:
    first, second = tricky(), tricky()  # parsed twice: other blank-node labels
    assert {b for t in first for b in t if isinstance(b, BNode)} != {
        b for t in second for b in t if isinstance(b, BNode)
    }
    assert merged_lines(first) == merged_lines(second)
    block = dumps.trig_block("http://g/1", dumps.ntriples(merged_lines(first)), PREFIXES)
    assert block.startswith(b"<http://g/1> {\n") and block.endswith(b"\n}\n")


def test_a_graph_sharing_its_store_is_read_triple_by_triple() -> None:
    dataset = Dataset()
    one = dataset.graph(URIRef("http://g/1"))
    two = dataset.graph(URIRef("http://g/2"))
    one.add((URIRef("http://a"), RDF.type, URIRef("http://C")))
    two.add((URIRef("http://b"), RDF.type, URIRef("http://C")))
    assert dumps.graph_lines(one).lines == [
        b"<http://a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://C> .\n"
    ]


def test_statistics_of_the_lines_are_voids_of_the_graph() -> None:
    graph = tricky()
    graph.add((URIRef(BASE_IRI + "id/person/y"), RDF.type, URIRef("http://example.org/A")))
    expected = void.statistics(graph)
    found = dumps.statistics(
        merged_lines(graph), BASE_IRI + "id/", links=[(str(SKOS.exactMatch), str(WD))]
    )
    assert found == expected
    assert found.entities == 2 and found.links == {(str(SKOS.exactMatch), str(WD)): 1}


def test_pieces_are_kept_by_the_files_bytes_and_made_again_when_it_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "one.trig"
    path.write_text(TRICKY, encoding="utf-8")
    cache = writecache.WriteCache(tmp_path / "written")
    first = cache.pieces(read_triples_file(path))
    again = writecache.WriteCache(tmp_path / "written")
    assert again.pieces(read_triples_file(path)) == first and again.made == 0
    path.write_text(TRICKY.replace('"x é', '"y é'), encoding="utf-8")
    later = writecache.WriteCache(tmp_path / "written")
    changed = later.pieces(read_triples_file(path))
    assert later.made == 1 and changed != first
    later.prune()  # the first version's pieces: no longer used
    assert len(list((tmp_path / "written").glob("*.pickle"))) == 1
