"""The predicates the shapes read only at the focus node (a rebuild's region reaches no
further than the subject and object of such a changed triple)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from conflictkg.pipeline import incremental, inputs, shapereads
from conflictkg.project import Project
from conflictkg.vocab import CKG
from tests.support import ROOT

EX = "http://example.org/"
HEAD = f"""\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@functools.cache
def _project() -> tuple[Graph, Graph]:
    read = inputs.load_inputs(Project.at(ROOT))
    return read.shapes, read.ontology


def _local(shapes: str, ontology: str = "") -> set[str]:
    found = shapereads.local_predicates(
        Graph().parse(data=HEAD + shapes, format="turtle"),
        Graph().parse(data=HEAD + ontology, format="turtle"),
    )
    return {str(p).removeprefix(EX) for p in found}


def test_the_projects_shapes_read_attested_by_only_at_the_focus_node() -> None:
    shapes, ontology = _project()
    local = shapereads.local_predicates(shapes, ontology)
    assert CKG.attestedBy in local and CKG.location in local
    # read one link or more away: ckg:attestedBy/ckg:inArticle/dcterms:date
    assert not {CKG.inArticle, DCTERMS.date, DCTERMS.creator, RDF.type} & local
    assert CKG.locatedIn not in local  # transitive: HermiT follows it further


def test_a_paths_first_step_is_read_at_the_focus_node_and_the_rest_away() -> None:
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ( ex:a ex:b ) ] ;
        sh:property [ sh:path [ sh:inversePath ex:c ] ] ;
        sh:property [ sh:path [ sh:alternativePath ( ex:d ex:e ) ] ; sh:lessThan ex:f ] ;
        sh:property [ sh:path [ sh:zeroOrMorePath ex:g ] ] .
    """
    assert _local(shapes) == {"a", "c", "d", "e", "f"}


def test_a_value_shapes_reads_are_away_from_the_focus_node() -> None:
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:a ; sh:node ex:V ] ;
        sh:or ( ex:W ) .
    ex:V a sh:NodeShape ; sh:property [ sh:path ex:b ] .
    ex:W a sh:NodeShape ; sh:property [ sh:path ex:c ] .
    """
    # ex:W applies to the focus node itself (a node-level sh:or); ex:V to ex:a's values
    assert _local(shapes) == {"a", "c"}
    closed = shapes.replace("ex:V a sh:NodeShape ;", "ex:V a sh:NodeShape ; sh:closed true ;")
    assert _local(closed) == set()  # a closed value shape reads every predicate away


def test_sparql_reads_at_this_are_local_and_the_others_not() -> None:
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:sparql [ sh:prefixes ex:ns ; sh:select \"\"\"
            SELECT $this WHERE {
                $this ex:a/ex:b ?x .
                ?y ex:c $this .
                FILTER NOT EXISTS { ?x ex:d ?z . $this ^ex:e ?w }
            }\"\"\" ] .
    ex:ns sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    """
    assert _local(shapes) == {"a", "c", "e"}
    anything = shapes.replace("?x ex:d ?z", "?x ?p ?z")
    assert _local(anything) == set()  # a variable predicate away from $this
    at_this = shapes.replace("?x ex:d ?z", "$this ?p ?z")
    assert _local(at_this) == {"a", "c", "e"}
    negated = shapes.replace("?x ex:d ?z", "$this !ex:d ?z")
    assert _local(negated) == set()
    for nested in ("$this (!ex:d)* ?z", "$this ^(!ex:d) ?z", "$this ex:a/(!ex:d)+ ?z"):
        assert _local(shapes.replace("?x ex:d ?z", nested)) == set(), nested  # inside a path


def test_a_shape_without_a_type_is_read_too() -> None:
    shapes = """
    ex:S sh:targetClass ex:C ;
        sh:sparql [ sh:prefixes ex:ns ; sh:select "SELECT $this WHERE { ?x ex:a $this }" ] ;
        sh:property [ sh:path ex:a ] .
    ex:ns sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    """
    assert _local(shapes) == {"a"}
    away = shapes.replace("?x ex:a $this", "?x ex:a ?y . ?y ex:b $this")
    assert _local(away) == {"b"}  # ex:a one link from $this in the untyped shape's SPARQL


def test_what_the_ontology_chains_or_makes_transitive_is_not_local() -> None:
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:a ] , [ sh:path ex:b ] , [ sh:path ex:c ] , [ sh:path ex:d ] .
    """
    ontology = """
    ex:a a owl:TransitiveProperty .
    ex:b owl:propertyChainAxiom ( ex:c ex:e ) .
    """
    assert _local(shapes, ontology) == {"d"}
    assert _local(shapes + "ex:X sh:validator [] .\n") == set()  # components of its own


@pytest.mark.parametrize("text", ["SELECT $this WHERE { $this ex:a ?x", "not sparql"])
def test_a_query_it_cannot_read_makes_nothing_local(text: str) -> None:
    shapes = f"""
    ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:b ] ;
        sh:sparql [ sh:select "{text}" ] .
    """
    assert _local(shapes) == set()


def test_the_local_predicates_are_kept_in_the_cache(tmp_path: Path) -> None:
    shapes, ontology = _project()
    cache = incremental.Cache(tmp_path, "key", {}, "")
    first = cache._local(shapes, ontology)
    assert (tmp_path / "local-predicates.json").is_file()
    assert cache._local(Graph(), Graph()) == first  # read back, not worked out again
    other = incremental.Cache(tmp_path, "another key", {}, "")
    assert other._local(Graph(), Graph()) == frozenset()  # another environment: again
    assert all(isinstance(p, URIRef) for p in first)
