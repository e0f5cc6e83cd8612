"""Parsing with errors that name file and line; writers that give the same bytes every time."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import rdfio

# Blank nodes of every kind the ontology and shapes use: nested, in lists, identical
# siblings (two equal [ sh:class ... ]), a root [] and a literal with quotes and newlines.
TRICKY = """\
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:A a owl:Class ;
  rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:B ] ,
                  [ a owl:Restriction ; owl:onProperty ex:q ; owl:someValuesFrom ex:C ] .
[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:B ex:C ) .
ex:S sh:or ( [ sh:class ex:A ] [ sh:class ex:A ] [ sh:class ex:B ] ) ;
  sh:property [ sh:path ex:p ; sh:or ( [ sh:class ex:A ] ) ] , [ sh:path ex:p ] , [ sh:path ex:p ] .
<https://w3id.org/conflictkg/id/person/x> a ex:A ;
  rdfs:label "x é \\"q\\"\\nline"@en ; ex:n 3 ; ex:d "2017-05-05"^^xsd:date .
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_turtle_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broken.ttl",
        '@prefix ex: <http://example.org/> .\n\nex:a ex:p ex:b ;\n   ex:q "x" ex:d .\n',
    )
    with pytest.raises(ConflictKGError) as caught:
        rdfio.parse_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4:13: bad Turtle syntax")
    assert '   ex:q "x" ex:d .' in message  # the line itself, with a caret under the fault
    assert message.splitlines()[-1].index("^") == message.splitlines()[-2].index("ex:d")


def test_undefined_prefix_is_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.ttl", "@prefix ex: <http://example.org/> .\nex:a nope:p ex:b .\n")
    with pytest.raises(ConflictKGError, match=r"p\.ttl:2:\d+: bad Turtle syntax"):
        rdfio.parse_file(path)


def test_ill_typed_literal_is_an_error_not_a_logged_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "typed.ttl",
        "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'ex:a ex:n "12" ;\n  ex:d "2017-13-45"^^xsd:date .\n',
    )
    with pytest.raises(ConflictKGError) as caught:
        rdfio.parse_file(path)
    assert f"{path}:4: 2017-13-45 is not a valid xsd:date" in str(caught.value)
    assert "Traceback" not in capsys.readouterr().err


def test_rdfxml_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.rdf", '<?xml version="1.0"?>\n<rdf:RDF>\n<unclosed>\n')
    with pytest.raises(ConflictKGError, match=r"bad\.rdf:\d+: cannot parse as xml"):
        rdfio.parse_file(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConflictKGError, match="unknown RDF file extension"):
        rdfio.parse_file(write(tmp_path, "x.csv", "a,b\n"))
    with pytest.raises(ConflictKGError, match=r"absent\.ttl: cannot read"):
        rdfio.parse_file(tmp_path / "absent.ttl")


def test_parse_into_an_existing_graph_merges_and_keeps_prefixes(tmp_path: Path) -> None:
    graph = rdfio.new_graph()
    rdfio.parse_file(
        write(tmp_path, "a.ttl", "@prefix ex: <http://example.org/> . ex:a ex:p 1 ."), graph
    )
    rdfio.parse_file(
        write(tmp_path, "b.ttl", "@prefix ex: <http://example.org/> . ex:b ex:p 2 ."), graph
    )
    assert len(graph) == 2
    assert b"ex:a ex:p 1" in rdfio.to_turtle(graph)


@pytest.mark.parametrize("writer", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_writers_round_trip(tmp_path: Path, writer: str) -> None:
    graph = rdfio.parse_file(write(tmp_path, "t.ttl", TRICKY))
    data = rdfio.serialize(graph, writer)
    fmt = {"turtle": "TURTLE", "ntriples": "N_TRIPLES", "jsonld": "JSON_LD", "rdfxml": "RDF_XML"}
    triples = pyoxigraph.parse(data, format=getattr(pyoxigraph.RdfFormat, fmt[writer]))
    nt = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    assert isomorphic(Graph().parse(data=nt, format="nt"), graph)


def test_trig_keeps_each_graph_and_its_blank_nodes_apart(tmp_path: Path) -> None:
    graph = rdfio.parse_file(write(tmp_path, "t.ttl", TRICKY))
    data = rdfio.to_trig({"http://g/2": graph, "http://g/1": graph})
    assert data.index(b"<http://g/1> {") < data.index(b"<http://g/2> {")
    quads = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TRIG))
    assert len(quads) == 2 * len(graph)
    blank = {
        (str(q.graph_name), str(term))
        for q in quads
        for term in (q.subject, q.object)
        if isinstance(term, pyoxigraph.BlankNode)
    }
    per_graph = {g: {b for gg, b in blank if gg == g} for g, _ in blank}
    assert not set.intersection(*per_graph.values())


def test_ntriples_lines_are_sorted_and_unique(tmp_path: Path) -> None:
    graph = rdfio.parse_file(write(tmp_path, "t.ttl", TRICKY))
    lines = rdfio.to_ntriples(graph).decode().splitlines()
    assert lines == sorted(set(lines)) and len(lines) == len(graph)


def test_shared_and_cyclic_blank_nodes_fall_back_to_full_canonicalisation() -> None:
    graph = Graph()
    shared, loop = BNode(), BNode()
    ex = "http://example.org/"
    graph.add((URIRef(ex + "a"), URIRef(ex + "p"), shared))
    graph.add((URIRef(ex + "b"), URIRef(ex + "p"), shared))
    graph.add((loop, URIRef(ex + "next"), loop))
    assert rdfio._tree_labels(graph) is None
    first, second = rdfio.canonical(graph), rdfio.canonical(graph)
    assert isomorphic(first, graph)
    assert rdfio.to_ntriples(first) == rdfio.to_ntriples(second)


_PRINT_ALL = """
import sys
from pathlib import Path
from conflictkg.pipeline import rdfio
g = rdfio.parse_file(Path(sys.argv[1]))
for w in ("turtle", "ntriples", "jsonld", "rdfxml"):
    sys.stdout.buffer.write(rdfio.serialize(g, w))
sys.stdout.buffer.write(rdfio.to_trig({"http://g/1": g}))
"""


def test_output_is_byte_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    # str hashes (so set and dict orders inside rdflib) change with PYTHONHASHSEED, and
    # rdflib labels parsed blank nodes at random: both must not reach the bytes.
    path = write(tmp_path, "t.ttl", TRICKY)
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _PRINT_ALL, str(path)],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_short_uses_the_longest_prefix() -> None:
    assert rdfio.short(URIRef("https://w3id.org/conflictkg/id/person/x")) == "ckr:person/x"
    assert rdfio.short(URIRef("https://w3id.org/conflictkg/ontology#Person")) == "ckg:Person"
    assert rdfio.short(URIRef("http://example.org/x")) == "<http://example.org/x>"
    assert rdfio.short(Literal("text")) == "'text'"
    assert rdfio.short(BNode("b1")) == "_:b1"


TRIG_FILE = """@prefix ex: <https://example.org/> .
ex:a ex:p ex:b ; ex:q [ ex:r "x" ] .
<https://example.org/g> { ex:a ex:p "one"@en , 2 . }
"""


def test_parse_dataset_keeps_the_default_and_each_named_graph(tmp_path: Path) -> None:
    path = tmp_path / "a.ttl"  # a .ttl file is read as TriG too
    path.write_text(TRIG_FILE, encoding="utf-8")
    parsed = rdfio.parse_dataset(path)
    ex = "https://example.org/"
    assert len(parsed.default) == 3 and set(parsed.named) == {URIRef(ex + "g")}
    assert set(parsed.named[URIRef(ex + "g")]) == {
        (URIRef(ex + "a"), URIRef(ex + "p"), Literal("one", lang="en")),
        (URIRef(ex + "a"), URIRef(ex + "p"), Literal(2)),
    }
    # plain strings stay plain, as rdflib's own parser gives them
    assert Literal("x") in set(parsed.default.objects())
    assert ("ex", URIRef(ex)) in {(p, URIRef(n)) for p, n in parsed.default.namespaces()}


def test_parse_dataset_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.trig"
    path.write_text(TRIG_FILE.replace('"one"@en ,', '"one"@en , ;'), encoding="utf-8")
    with pytest.raises(ConflictKGError, match=r"bad.trig:3:\d+: bad TriG syntax"):
        rdfio.parse_dataset(path)
    path.write_text(TRIG_FILE.replace("<https://example.org/g>", "_:g"), encoding="utf-8")
    with pytest.raises(ConflictKGError, match="a named graph must be named by an IRI"):
        rdfio.parse_dataset(path)
    path.write_text(
        TRIG_FILE.replace(", 2 .", ', "2x"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    )
    with pytest.raises(ConflictKGError, match="ill-typed") as error:
        rdfio.parse_dataset(path)
    assert "bad.trig:3: 2x is not a valid xsd:integer" in str(error.value)


def test_blank_nodes_of_two_files_never_meet(tmp_path: Path) -> None:
    first, second = tmp_path / "1.trig", tmp_path / "2.trig"
    for path in (first, second):
        path.write_text("_:b0 <https://example.org/p> 1 .\n", encoding="utf-8")
    one, two = (set(rdfio.parse_dataset(p).default.subjects()) for p in (first, second))
    assert len(one) == len(two) == 1 and one != two


def test_with_predicates_reads_the_index_and_agrees_with_rdflib() -> None:
    ex = "http://example.org/"
    a, b, c = (URIRef(ex + n) for n in "abc")
    p, q, r = (URIRef(ex + n) for n in "pqr")
    triples = [(a, p, b), (a, q, Literal("x")), (b, p, c), (c, r, a), (b, q, Literal(2))]
    alone = rdfio.new_graph()
    rdfio.fill(alone, triples)
    assert rdfio.subject_index(alone) is not None  # the index is read
    dataset = Dataset()  # a graph sharing its store: read through Graph.triples
    dataset.graph(URIRef(ex + "other")).add((c, p, c))
    shared = dataset.graph(URIRef(ex + "g"))
    for triple in triples:
        shared.add(triple)
    assert rdfio.subject_index(shared) is None
    for graph in (alone, shared):
        assert sorted(rdfio.with_predicates(graph, [p, q])) == sorted(
            t for t in triples if t[1] in (p, q)
        )
        assert rdfio.with_predicates(graph, [URIRef(ex + "none")]) == []


def test_pack_and_unpack_give_back_the_same_graphs_and_prefixes() -> None:
    ex = "http://example.org/"
    a, p = URIRef(ex + "a"), URIRef(ex + "p")
    blank = BNode("n1")
    first = rdfio.new_graph()
    first.bind("ex", ex)
    first.add((a, p, Literal("x", lang="en")))
    first.add((a, p, Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))))
    first.add((a, p, Literal("plain")))
    first.add((a, p, blank))
    first.add((blank, p, Literal("not a date", datatype=URIRef(ex + "odd"))))
    second = rdfio.new_graph()  # shares terms with the first
    second.add((a, p, Literal("plain")))
    back = rdfio.unpack(pickle.loads(pickle.dumps(rdfio.pack([first, second]))))
    assert [set(g) for g in back] == [set(first), set(second)]
    assert dict(back[0].namespaces())["ex"] == URIRef(ex)
    assert rdfio.subject_index(back[0]) is not None  # filled like a parsed graph


def test_packed_triples_come_back_in_their_order_with_equal_terms() -> None:
    ex = "http://example.org/"
    a, p = URIRef(ex + "a"), URIRef(ex + "p")
    integer = URIRef("http://www.w3.org/2001/XMLSchema#integer")
    triples = [
        (a, p, Literal("x", lang="en")),
        (a, p, Literal("7", datatype=integer)),
        (URIRef(ex + "a"), p, Literal("7", datatype=integer)),  # equal terms, new objects
        (a, p, BNode("n1")),
        (BNode("n1"), p, Literal("not a date", datatype=URIRef(ex + "odd"))),
    ]
    table, flat = rdfio.pack_triples(triples)
    assert len(flat) == 3 * len(triples)
    table, flat = pickle.loads(pickle.dumps((table, flat)))
    terms = rdfio.terms_of(table)
    back = [(terms[s], terms[p], terms[o]) for s, p, o in zip(*[iter(flat)] * 3, strict=True)]
    assert back == triples
    assert back[0][0] is back[2][0]  # equal IRIs come back as one object
    assert rdfio.pack_triples([]) == ([], [])
