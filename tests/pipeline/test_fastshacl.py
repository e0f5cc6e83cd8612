"""The SPARQL SHACL engine (conflictkg.pipeline.fastshacl) against pySHACL, the reference.

On every fixture of tests/shapes/ and tests/views/, on the real article and on a small
synthetic corpus (as generated, and with faults put in), both engines must give the same
verdict and the same results: focus node, result path, source shape, constraint component,
value and message. And the fast path must refuse shapes it does not implement.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import shacl, views
from conflictkg.pipeline.accounts import read_triples_file, triples_files
from conflictkg.pipeline.fastshacl import compiler
from conflictkg.pipeline.fastshacl import engine as fast
from conflictkg.pipeline.fastshacl.selection import ENV, PYSHACL, SPARQL
from conflictkg.pipeline.inputs import load_inputs
from conflictkg.project import Project
from conflictkg.synth.corpus import write_corpus
from conflictkg.vocab import CKG, SH
from tests import test_shapes
from tests.pipeline import test_views
from tests.support import ROOT

SHAPE_CASES = test_shapes.CASE_NAMES
VIEW_CASES = test_views.CASE_NAMES


def results(data: Graph, engine: str, shapes: Graph | None = None) -> list[shacl.ShaclResult]:
    shapes = shapes if shapes is not None else test_shapes.shapes_graph()
    report = shacl.run(data, shapes, test_shapes.ontology_graph(), engine=engine)
    return sorted(shacl._results(report, shapes))


def assert_same(data: Graph) -> list[shacl.ShaclResult]:
    """Both engines agree on ``data``; pySHACL's results."""
    reference = results(data, PYSHACL)
    fast = results(data, SPARQL)
    assert fast == reference
    return reference


def test_fixture_counts() -> None:
    # Pinned, so that a lost fixture cannot shrink the comparison unseen.
    assert len(SHAPE_CASES) == 113
    assert len(VIEW_CASES) == 14


@pytest.mark.parametrize("case", SHAPE_CASES, ids=SHAPE_CASES)
def test_shapes_fixture(case: str) -> None:
    found = assert_same(test_shapes.load_case(case))
    verdict = not [r for r in found if r.severity == "Violation"]
    assert verdict == test_shapes.expectation(case)["conforms"]


@pytest.mark.parametrize("case", VIEW_CASES, ids=VIEW_CASES)
def test_views_fixture(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    file = read_triples_file(test_views.CASES / f"{case}.trig")
    found = {}
    for engine in (PYSHACL, SPARQL):
        monkeypatch.setenv(ENV, engine)
        found[engine] = views.check(
            [file],
            test_views.ontology(),
            test_views.view_shapes(),
            shapes_name=str(test_views.VIEW_SHAPES),
        )
    assert found[SPARQL] == found[PYSHACL]
    assert bool(found[SPARQL]) == bool(test_views.expectation(case))


def test_real_article() -> None:
    data = load_inputs(Project(ROOT)).data
    assert len(data) > 1000
    assert assert_same(data) == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    folder = tmp_path_factory.mktemp("synth") / "corpus"
    write_corpus(folder, articles=3, seed=11, ontology=ROOT / "ontology")
    data = Graph()
    for path in triples_files(folder / "triples"):
        for _, graph in read_triples_file(path).graphs():
            data += graph
    return data


def test_synthetic_corpus(synthetic: Graph) -> None:
    assert len(synthetic) > 1000
    assert assert_same(synthetic) == []


def test_synthetic_corpus_with_faults(synthetic: Graph) -> None:
    data = Graph()
    data += synthetic
    event = sorted(data.subjects(RDF.type, CKG.Airstrike))[0]
    claim = sorted(data.subjects(CKG.claimant, None))[0]
    label = data.value(event, RDFS.label)
    data.remove((event, RDFS.label, label))
    data.add((event, URIRef(str(CKG) + "undeclared"), Literal("x")))
    data.add((claim, CKG.sourceGrade, URIRef(str(CKG) + "NoSuchGrade")))
    data.add((event, CKG.startDate, Literal("yesterday")))
    found = assert_same(data)
    focus_and_components = {(r.focus, r.component) for r in found}
    assert len(found) >= 4, found
    assert any(c == "sh:ClosedConstraintComponent" for _, c in focus_and_components)
    assert any(c == "sh:MinCountConstraintComponent" for _, c in focus_and_components)


def focused(data: Graph, engine: str, focus: set[Node]) -> list[shacl.ShaclResult]:
    shapes = test_shapes.shapes_graph()
    report = shacl.run(data, shapes, test_shapes.ontology_graph(), engine=engine, focus_nodes=focus)
    return sorted(shacl._results(report, shapes, focus))


def test_validating_some_focus_nodes_gives_their_results_of_a_whole_report(
    synthetic: Graph,
) -> None:
    """An incremental build validates only its region's focus nodes: the SPARQL engine
    then checks them alone, and must give exactly what a whole report says about them
    (pySHACL checks every node, and its results are filtered to the same set)."""
    data = Graph()
    data += synthetic
    events = sorted(data.subjects(RDF.type, CKG.Airstrike))
    claim = sorted(data.subjects(CKG.claimant, None))[0]
    data.remove((events[0], RDFS.label, data.value(events[0], RDFS.label)))
    data.add((events[0], URIRef(str(CKG) + "undeclared"), Literal("x")))
    data.add((claim, CKG.sourceGrade, URIRef(str(CKG) + "NoSuchGrade")))
    focus: set[Node] = {events[0], events[-1], URIRef(str(CKG) + "not-in-the-data")}
    whole = results(data, SPARQL)
    expected = sorted(r for r in whole if r.focus in {shacl.short(n) for n in focus})
    assert len(expected) >= 2 and len(expected) < len(whole)  # the claim's are left out
    assert focused(data, SPARQL, focus) == expected
    assert focused(data, PYSHACL, focus) == expected
    assert focused(data, SPARQL, set()) == []
    # the engine itself checked the focus nodes only: its report holds no other node
    report = fast.report(
        data, test_shapes.shapes_graph(), test_shapes.ontology_graph(), focus=focus
    )
    assert set(report.objects(None, SH.focusNode)) == {events[0]}


VIOLATING = [c for c in SHAPE_CASES if not test_shapes.expectation(c)["conforms"]]


@pytest.mark.parametrize("case", VIOLATING, ids=VIOLATING)
def test_each_violating_fixture_validated_at_one_focus_node_alone(case: str) -> None:
    data = test_shapes.load_case(case)
    shapes = test_shapes.shapes_graph()
    report = shacl.run(data, shapes, test_shapes.ontology_graph(), engine=SPARQL)
    first = min(report.objects(None, SH.focusNode), key=shacl.short)
    whole = sorted(shacl._results(report, shapes))
    assert focused(data, SPARQL, {first}) == [r for r in whole if r.focus == shacl.short(first)]


@pytest.mark.parametrize("name", ["shapes.ttl", "view-shapes.ttl"])
def test_every_constraint_the_shapes_use_is_implemented(name: str) -> None:
    shapes = Graph().parse(ROOT / "ontology" / name, format="turtle")
    assert compiler.shape_nodes(shapes)
    assert compiler.unsupported(shapes) == []


def test_a_constraint_it_does_not_implement_is_an_error() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:xone ( [ sh:class ex:D ] [ sh:class ex:E ] ) .
        """,
        format="turtle",
    )
    assert compiler.unsupported(shapes) == ["sh:xone"]
    data = Graph()
    data.add((URIRef("http://example.org/a"), RDF.type, URIRef("http://example.org/C")))
    with pytest.raises(ConflictKGError, match="^shapes.ttl: the SPARQL SHACL engine cannot use"):
        shacl.run(data, shapes, engine=SPARQL, shapes_name="shapes.ttl")


def test_every_component_the_shapes_use_has_a_query() -> None:
    # The parameters that make a shape check something, and the components the compiled
    # queries report: each parameter of the project's shapes is compiled to a query.
    for name in ("shapes.ttl", "view-shapes.ttl"):
        shapes = Graph().parse(ROOT / "ontology" / name, format="turtle")
        used = {
            p
            for shape in compiler.shape_nodes(shapes)
            for p in shapes.predicates(shape, None)
            if p in compiler.COMPONENT
        }
        plan = compiler.Compiler(shapes).plan()
        reported = {check.component for check in plan.checks}
        nested = {SH["class"], SH.datatype, SH["in"]}  # also inside sh:or / sh:node shapes
        expected = {compiler.COMPONENT[p] for p in used} - {
            compiler.COMPONENT[p] for p in nested if not _top_level(shapes, p)
        }
        assert expected <= reported, (name, expected - reported)


def _top_level(shapes: Graph, parameter: URIRef) -> bool:
    """Whether a targeted shape or one of its property shapes uses ``parameter`` itself."""
    targeted = {s for t in compiler.TARGETS for s in shapes.subjects(t, None)}
    own = targeted | {p for s in targeted for p in shapes.objects(s, SH.property)}
    return any(shapes.value(s, parameter) is not None for s in own)
