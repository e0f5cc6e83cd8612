"""The view checks (ontology/view-shapes.ttl, src/conflictkg/views.py) on the cases of tests/views/.

Each ``<case>.trig`` is checked as a project's only triples file, with the repo's ontology;
``<case>.expected.json`` lists the problems expected, each as substrings of its message.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from conflictkg.pipeline import rdfio, views
from conflictkg.pipeline.accounts import TriplesFile, read_triples_file
from conflictkg.pipeline.rdfio import new_graph
from conflictkg.project import ontology_files
from conflictkg.vocab import CKS, PREFIXES, SH
from tests.support import ROOT, TESTS

CASES = TESTS / "views"
CASE_NAMES = sorted(p.stem for p in CASES.glob("*.trig"))
VIEW_SHAPES = ROOT / "ontology" / views.VIEW_SHAPES_FILE

# Asserted so that a case lost (or a filter left in) cannot shrink the run unseen.
EXPECTED_CASES = 14


@cache
def ontology() -> Graph:
    graph = new_graph()
    for path in ontology_files(ROOT / "ontology"):
        rdfio.parse_file(path, graph)
    return graph


@cache
def view_shapes() -> Graph:
    return rdfio.parse_file(VIEW_SHAPES)


def expectation(case: str) -> list[list[str]]:
    data = json.loads((CASES / f"{case}.expected.json").read_text(encoding="utf-8"))
    problems: list[list[str]] = data["problems"]
    return problems


def test_case_count_and_names() -> None:
    assert len(CASE_NAMES) == EXPECTED_CASES
    for case in CASE_NAMES:
        assert case.startswith("accept-" if not expectation(case) else "reject-"), case


@pytest.mark.parametrize("case", CASE_NAMES, ids=CASE_NAMES)
def test_case(case: str) -> None:
    file = read_triples_file(CASES / f"{case}.trig")
    problems = views.check([file], ontology(), view_shapes(), shapes_name=str(VIEW_SHAPES))
    expected = expectation(case)
    assert len(problems) == len(expected), "\n".join(problems)
    for fragments in expected:
        matching = [p for p in problems if all(f in p for f in fragments)]
        assert len(matching) == 1, f"{fragments} in none or several of:\n" + "\n".join(problems)


def test_every_view_has_shapes_and_every_node_shape_a_view() -> None:
    shapes = view_shapes()
    for view in views.VIEWS:
        assert len(views.shapes_of_view(shapes, view.shapes_view)) > 0, view.name
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert node_shapes and all((s, views.VIEW, None) in shapes for s in node_shapes)
    assert {view.shapes_view for view in views.VIEWS} == {
        CKS.BackboneView,
        CKS.AccountView,
        CKS.OutsideView,
        CKS.ArticleView,
    }


def test_every_view_shape_message_is_expected_by_some_case() -> None:
    heads = {
        str(message).partition(": ")[0]
        for view in views.VIEWS
        for message in views.shapes_of_view(view_shapes(), view.shapes_view).objects(
            None, SH.message
        )
    }
    expected = " ".join(f for case in CASE_NAMES for e in expectation(case) for f in e)
    assert len(heads) >= 6
    assert {head for head in heads if head + ":" not in expected} == set()


def test_each_view_keeps_every_property_its_shapes_read() -> None:
    # views.py hands pySHACL only some predicates of a view: a shape reading another one
    # would silently see nothing
    from_ontology = {str(RDFS.subClassOf), str(views.REQUIRES_ACCOUNT)}
    for view in views.VIEWS:
        if view.predicates is None:
            continue
        kept = {str(p) for p in view.predicates(ontology())} | from_ontology
        shapes = views.shapes_of_view(view_shapes(), view.shapes_view)
        read = {str(o) for p in (SH.path, SH.targetSubjectsOf) for o in shapes.objects(None, p)}
        read |= {str(RDF.type)} if (None, SH.targetClass, None) in shapes else set()
        for select in shapes.objects(None, SH.select):
            for prefix, local in re.findall(r"\b(ckg|rdf|rdfs):([a-z]\w*)", str(select)):
                read.add(PREFIXES[prefix] + local)
        assert read - kept == set(), view.name


# ------------------------------------------------------------------ the incremental check

SHARED_PLACE = """\
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<place/shared> a ckg:City ; rdfs:label "shared"@en .
<event/b> a ckg:Airstrike ; rdfs:label "b"@en ; ckg:attestedBy <article/b/span/0-5> .
"""

ATTESTING = """\
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<event/a> a ckg:Airstrike ; rdfs:label "a"@en ; ckg:attestedBy <article/a/span/0-5> .
"""


def _file(tmp_path: Path, name: str, text: str) -> TriplesFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_triples_file(path)


def _check(files: list[TriplesFile], changed: list[TriplesFile] | None = None) -> list[str]:
    return views.check(
        files, ontology(), view_shapes(), shapes_name=str(VIEW_SHAPES), changed=changed
    )


@pytest.mark.parametrize("case", CASE_NAMES, ids=CASE_NAMES)
def test_a_changed_case_finds_what_a_full_check_finds(case: str) -> None:
    # an unchanged, correct file beside the changed one: the region of the change is
    # the case's resources, and every problem the full check finds is among them
    other = read_triples_file(CASES / "accept-claim-dates-in-backbone.trig")
    file = read_triples_file(CASES / f"{case}.trig")
    full = _check([other, file])
    assert sorted(_check([other, file], changed=[file])) == sorted(full)
    assert bool(full) == bool(expectation(case)), case


def test_a_span_removed_from_a_resource_typed_in_another_file_is_caught(tmp_path: Path) -> None:
    # the place is typed in the unchanged file b; its only span was in a, which drops it
    b = _file(tmp_path, "b.trig", SHARED_PLACE)
    (tmp_path / "old").mkdir()
    old = _file(
        tmp_path / "old",
        "a.trig",
        ATTESTING + "<place/shared> ckg:attestedBy <article/a/span/0-5> .\n",
    )
    new = _file(tmp_path, "a.trig", ATTESTING)
    assert _check([old, b]) == []  # the last good state
    problems = _check([new, b], changed=[new, old])
    assert problems == _check([new, b])
    assert len(problems) == 1 and "place/shared" in problems[0], problems
    assert "without a text span" in problems[0]


def test_a_statement_added_to_a_shared_resource_is_caught(tmp_path: Path) -> None:
    # a changes only a triple about the event of b: a date outside an account
    b = _file(
        tmp_path, "b.trig", SHARED_PLACE + "<place/shared> ckg:attestedBy <article/b/span/0-5> .\n"
    )
    assert _check([b]) == []
    new = _file(
        tmp_path,
        "a.trig",
        ATTESTING
        + '<event/b> ckg:startDate "2017-03-17"^^<http://www.w3.org/2001/XMLSchema#date> .\n',
    )
    problems = _check([new, b], changed=[new])
    assert problems == _check([new, b])
    assert len(problems) == 1 and "event/b" in problems[0] and "account" in problems[0]


def test_the_view_shapes_read_only_their_focus_nodes_own_triples() -> None:
    # what the incremental check relies on (views' docstring); a shape that reads
    # further is named
    assert views.shapes_read_own_triples(view_shapes()) == []
    further = rdfio.parse_file(VIEW_SHAPES)
    further.parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ckg: <https://w3id.org/conflictkg/ontology#> .
        @prefix cks: <https://w3id.org/conflictkg/shapes#> .
        cks:Further a sh:NodeShape ; sh:targetClass ckg:Event ;
            sh:property [ sh:path ckg:location ; sh:class ckg:Location ] ;
            sh:sparql [ sh:select
                "SELECT $this WHERE { $this ckg:location ?place . ?place ckg:locatedIn ?x }" ] .
        """,
        format="turtle",
    )
    reasons = views.shapes_read_own_triples(further)
    assert any("class" in r for r in reasons) and any("?place" in r for r in reasons), reasons
