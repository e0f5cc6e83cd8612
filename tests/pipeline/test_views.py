"""The view checks (ontology/view-shapes.ttl, src/conflictkg/views.py) on the cases of tests/views/.

Each ``<case>.trig`` is checked as a project's only triples file, with the repo's ontology;
``<case>.expected.json`` lists the problems expected, each as substrings of its message.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from conflictkg.pipeline import rdfio, views
from conflictkg.pipeline.accounts import read_triples_file
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
