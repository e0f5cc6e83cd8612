"""The SHACL shapes (ontology/shapes.ttl) against the fixtures in tests/shapes/.

Each ``<case>.ttl`` has its expectation beside it in ``<case>.expected.json``: ``conforms`` and,
for a reject, the exact violations (focus node, result path, node shape, constraint component and,
for SHACL-SPARQL, the constraint). ``"base": true`` merges ``_base.ttl`` (an article, its span,
author and publisher) into the case so that each case holds only what it is about.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from conflictkg.vocab import PREFIXES, SHAPES_IRI

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "conflictkg.ttl"
TRIPLES_DIR = ROOT / "triples"
FIXTURES = Path(__file__).resolve().parent / "shapes"
BASE_FILE = FIXTURES / "_base.ttl"

SH = Namespace("http://www.w3.org/ns/shacl#")
CKR_PREFIX = PREFIXES["ckr"]

# Asserted so that a filter left in by mistake (or a fixture lost) cannot shrink the run unseen.
EXPECTED_CASES = 113
EXPECTED_ACCEPTS = 4

CASE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))
# The accept fixtures also run with RDFS inference, to keep the promise made at the top of
# shapes.ttl that valid data conforms in either mode (rejects are reported differently under RDFS,
# since rdfs:range then types a wrong value instead of flagging it).
RDFS_CASES = [case for case in CASE_NAMES if case.startswith("accept-")]

Violation = tuple[str, str | None, str, str, str | None]


def expand(curie: str) -> URIRef:
    """Expand ``prefix:local`` with the project's prefixes (``ckr:person/x`` included)."""
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix] + local)


@cache
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@cache
def ontology_graph() -> Graph | None:
    # The ontology is optional here: the shapes list their target classes and value classes
    # explicitly, so they do not need its rdfs:subClassOf axioms (see the top of shapes.ttl).
    if not ONTOLOGY_FILE.exists():
        return None
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def expectation(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{case}.expected.json").read_text("utf-8"))
    return data


def load_case(case: str) -> Graph:
    graph = Graph()
    if expectation(case)["base"]:
        graph.parse(BASE_FILE, format="turtle")
    graph.parse(FIXTURES / f"{case}.ttl", format="turtle")
    return graph


def validate(data: Graph, inference: str = "none") -> tuple[bool, Graph]:
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference=inference,
        advanced=True,
        allow_warnings=False,
    )
    assert isinstance(results, Graph)
    return bool(conforms), results


def owner_shape(shape: Node) -> Node:
    """The node shape a result is reported under: a blank property shape's owner, else itself."""
    if isinstance(shape, BNode):
        owners = list(shapes_graph().subjects(SH.property, shape))
        assert len(owners) == 1, f"property shape {shape} has {len(owners)} owners"
        return owners[0]
    return shape


def curie(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return "_:"
    text = str(node)
    # Longest namespace first, so that ckr: wins over a shorter prefix of the same IRI.
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def actual_violations(results: Graph) -> list[Violation]:
    found = []
    # Only the report's own results: pySHACL nests the inner failures of sh:node / sh:or under
    # sh:detail, typed sh:ValidationResult as well.
    for result in results.objects(None, SH.result):
        messages = list(results.objects(result, SH.resultMessage))
        assert messages, f"result without a message: {results.serialize(format='turtle')}"
        for message in messages:
            assert "{" not in str(message), f"unfilled message template: {message}"
        source = results.value(result, SH.sourceShape)
        assert source is not None
        found.append(
            (
                curie(results.value(result, SH.focusNode)),
                curie(results.value(result, SH.resultPath)),
                curie(owner_shape(source)),
                curie(results.value(result, SH.sourceConstraintComponent)),
                curie(results.value(result, SH.sourceConstraint)),
            )
        )
    return sorted(found, key=repr)


def expected_violations(case: str) -> list[Violation]:
    return sorted(
        (
            (v["focus"], v["path"], v["shape"], v["component"], v.get("constraint"))
            for v in expectation(case)["violations"]
        ),
        key=repr,
    )


def test_fixture_count() -> None:
    assert len(CASE_NAMES) == EXPECTED_CASES
    accepts = [case for case in CASE_NAMES if expectation(case)["conforms"]]
    assert len(accepts) == EXPECTED_ACCEPTS
    for case in CASE_NAMES:
        # The name says the verdict, the expectation agrees with it.
        assert case.startswith("accept-" if expectation(case)["conforms"] else "reject-"), case
        assert bool(expectation(case)["violations"]) != expectation(case)["conforms"], case


@pytest.mark.parametrize("case", CASE_NAMES, ids=CASE_NAMES)
def test_fixture(case: str) -> None:
    conforms, results = validate(load_case(case))
    assert actual_violations(results) == expected_violations(case)
    assert conforms == expectation(case)["conforms"]


@pytest.mark.parametrize("case", RDFS_CASES, ids=RDFS_CASES)
def test_fixture_with_rdfs_inference(case: str) -> None:
    conforms, results = validate(load_case(case), inference="rdfs")
    assert actual_violations(results) == expected_violations(case)
    assert conforms == expectation(case)["conforms"]


def node_shapes() -> set[Node]:
    return set(shapes_graph().subjects(RDF.type, SH.NodeShape))


def referenced_value_shapes(shape: Node) -> set[Node]:
    """Shapes reached from ``shape`` through sh:node, directly or inside an sh:or list."""
    graph = shapes_graph()
    found = set(graph.objects(shape, SH.node))
    for alternatives in graph.objects(shape, SH["or"]):
        for member in Collection(graph, alternatives):
            found |= set(graph.objects(member, SH.node))
    return found


def test_every_node_shape_has_a_reject_fixture() -> None:
    graph = shapes_graph()
    covered: set[Node] = set()
    for case in CASE_NAMES:
        for violation in expectation(case)["violations"]:
            shape = expand(violation["shape"])
            covered.add(shape)
            if "via" in violation:
                # The value shape behind an sh:node violation: check the claim against the
                # shapes graph, so a wrong "via" cannot count as coverage.
                via = expand(violation["via"])
                path = expand(violation["path"]) if violation["path"] else None
                sources = [shape] + [
                    prop
                    for prop in graph.objects(shape, SH.property)
                    if graph.value(prop, SH.path) == path
                ]
                assert any(via in referenced_value_shapes(s) for s in sources), (case, via)
                covered.add(via)
    uncovered = {curie(shape) for shape in node_shapes() - covered}
    assert not uncovered, f"node shapes without a reject fixture: {sorted(map(str, uncovered))}"


def test_every_sparql_constraint_has_a_reject_fixture() -> None:
    constraints = {curie(c) for c in shapes_graph().subjects(RDF.type, SH.SPARQLConstraint)}
    used = {v.get("constraint") for case in CASE_NAMES for v in expectation(case)["violations"]}
    assert constraints, "no SPARQL constraints found"
    assert constraints <= used, sorted(str(c) for c in constraints - used)


def test_shapes_are_documented_and_closed_properly() -> None:
    graph = shapes_graph()
    assert (SHAPES_IRI, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph
    for shape in node_shapes() | set(graph.subjects(RDF.type, SH.SPARQLConstraint)):
        for prop in (RDFS.label, RDFS.comment):
            values = list(graph.objects(shape, prop))
            assert len(values) == 1, (shape, prop)
            assert isinstance(values[0], Literal) and values[0].language == "en", (shape, prop)
        assert isinstance(shape, URIRef) and str(shape).startswith(PREFIXES["cks"]), shape
    closed = list(graph.subjects(SH.closed, Literal(True)))
    assert len(closed) == 10
    for shape in closed:
        ignored = graph.value(shape, SH.ignoredProperties)
        assert ignored is not None and list(Collection(graph, ignored)) == [RDF.type], shape


def constraint_shapes() -> set[Node]:
    """Every shape that can produce a result of its own (it has a constraint parameter)."""
    graph = shapes_graph()
    parameters = {
        SH[name]
        for name in (
            "class datatype nodeKind minCount maxCount minInclusive maxInclusive minLength "
            "pattern languageIn in lessThan lessThanOrEquals node or closed qualifiedMinCount"
        ).split()
    }
    targeted = node_shapes() | set(graph.objects(None, SH.property))
    return {
        shape for shape in targeted if any(graph.value(shape, p) is not None for p in parameters)
    }


def test_every_constraint_has_a_readable_message() -> None:
    graph = shapes_graph()
    needing = constraint_shapes() | set(graph.subjects(RDF.type, SH.SPARQLConstraint))
    # Inner shapes of sh:or lists report through the shape that holds the list.
    for alternatives in graph.objects(None, SH["or"]):
        for member in Collection(graph, alternatives):
            needing.discard(member)
            needing -= set(graph.objects(member, SH.property))
    for shape in needing:
        messages = list(graph.objects(shape, SH.message))
        assert len(messages) == 1, f"{shape} needs exactly one sh:message"
        text = str(messages[0])
        assert messages[0].language == "en" and text.endswith(".") and len(text.split()) >= 5, text


def test_closed_family_shapes_admit_every_property_of_the_accept_fixtures() -> None:
    # Guards the design promise: every predicate the guide allows appears in some accept fixture
    # or in the base, so a property forgotten in a closed shape would fail an accept fixture.
    used: set[Node] = set()
    for case in CASE_NAMES:
        if expectation(case)["conforms"]:
            used |= set(load_case(case).predicates())
    allowed = {
        graph_path
        for shape in shapes_graph().subjects(SH.closed, Literal(True))
        for prop in shapes_graph().objects(shape, SH.property)
        if isinstance(graph_path := shapes_graph().value(prop, SH.path), URIRef)
    }
    # prov:wasDerivedFrom is exercised by outside knowledge (elsewhere it appears only through
    # RDFS inference), so every admitted property must appear.
    assert allowed - used == set()


SCHEME_OF_PROPERTY = {
    "status": "EventStatusScheme",
    "outcome": "OutcomeScheme",
    "victimCategory": "VictimCategoryScheme",
    "countQualifier": "CountQualifierScheme",
    "figureKind": "FigureKindScheme",
    "sourceGrade": "SourceGradeScheme",
}


@pytest.mark.parametrize("prop", sorted(SCHEME_OF_PROPERTY), ids=sorted(SCHEME_OF_PROPERTY))
def test_concept_lists_equal_the_ontology_schemes(prop: str) -> None:
    ontology = ontology_graph()
    assert ontology is not None, f"{ONTOLOGY_FILE} is missing"
    graph = shapes_graph()
    path = expand(f"ckg:{prop}")
    lists = [
        set(Collection(graph, values))
        for shape in graph.subjects(SH.path, path)
        for values in graph.objects(shape, SH["in"])
    ]
    assert len(lists) == 1, f"expected one sh:in list for ckg:{prop}, found {len(lists)}"
    scheme = expand(f"ckg:{SCHEME_OF_PROPERTY[prop]}")
    in_scheme = set(ontology.subjects(URIRef(PREFIXES["skos"] + "inScheme"), scheme))
    assert lists[0] == in_scheme


# A triples file is TriG (Turtle is TriG with only a default graph): the backbone, its account
# graphs and outside-knowledge graphs. The shapes are written for their merge.
TRIPLE_FILES = sorted([*TRIPLES_DIR.glob("*.trig"), *TRIPLES_DIR.glob("*.ttl")])


def merged_graphs(path: Path) -> Graph:
    """Every graph of one triples file merged into one graph (each triple once).

    Oxigraph reads the TriG (rdflib 7's Dataset parser warns of its own deprecations)."""
    quads = pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TRIG)
    triples = {quad.triple for quad in quads}
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data, format="nt")


def test_there_are_curated_triples() -> None:
    # Without this, an empty triples/ (or a new file extension) would skip the check below.
    assert TRIPLE_FILES, f"no *.trig or *.ttl file in {TRIPLES_DIR}"


@pytest.mark.parametrize("path", TRIPLE_FILES, ids=[p.name for p in TRIPLE_FILES])
def test_curated_triples_conform(path: Path) -> None:
    # The same check the build makes; here so that a change to the shapes that rejects the
    # curated data fails next to the shapes, naming the results.
    conforms, results = validate(merged_graphs(path))
    assert actual_violations(results) == []
    assert conforms
