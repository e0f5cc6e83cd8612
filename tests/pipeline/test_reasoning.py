"""HermiT through owlready2: consistency, unsatisfiable classes, a cheap explanation.

Each ``check`` starts Java (about 1.5 s), so only three tests call it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rdflib import Graph

from conflictkg.pipeline.reasoning import check, explain_clashes

PREFIXES = """
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
"""

ONTOLOGY = (
    PREFIXES
    + """
<https://w3id.org/conflictkg/ontology> a owl:Ontology ;
    owl:imports <http://www.w3.org/ns/prov-o> .
ckg:Actor a owl:Class ; owl:disjointWith ckg:Location .
ckg:Location a owl:Class .
ckg:Person a owl:Class ; rdfs:subClassOf ckg:Actor .
ckg:City a owl:Class ; rdfs:subClassOf ckg:Location .
ckg:memberOf a owl:ObjectProperty ; rdfs:domain ckg:Person .
ckg:startDate a owl:DatatypeProperty ; rdfs:range xsd:date .
ckg:asWKT a owl:DatatypeProperty .
"""
)

DATA = """
<person/a> a ckg:Person ; ckg:startDate "2017-05-04"^^xsd:date ;
    ckg:asWKT "POINT(43.1 36.3)"^^geo:wktLiteral ; rdfs:label "Ana “A” Préll"@en .
<place/b> a ckg:City .
"""


def graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("conflictkg-reasoner-*")}


def test_consistent_data_with_dates_and_wkt_and_an_unsatisfiable_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A temp folder of the test's own: other builds on the machine come and go in /tmp.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ontology = graph(ONTOLOGY + "ckg:Centaur a owl:Class ; rdfs:subClassOf ckg:Person, ckg:City .")
    before = leftovers()
    report = check(ontology, graph(DATA))
    assert report.consistent
    assert report.unsatisfiable == ("https://w3id.org/conflictkg/ontology#Centaur",)
    assert not report.ok
    assert report.problems() == [
        "unsatisfiable class (no individual can belong to it): ckg:Centaur"
    ]
    assert leftovers() == before


def test_an_individual_of_two_disjoint_classes_is_inconsistent() -> None:
    data = graph(DATA + "<place/b> ckg:memberOf <person/a> .")
    report = check(graph(ONTOLOGY), data)
    assert not report.consistent and not report.ok
    problems = report.problems()
    assert problems[0] == "the ontology and the data are inconsistent together (HermiT)"
    assert problems[1] == (
        "ckr:place/b is a ckg:Actor (subject of ckg:memberOf, ckg:Person ⊑ ckg:Actor) and a "
        "ckg:Location (rdf:type ckg:City, ckg:City ⊑ ckg:Location), which are disjoint"
    )


def test_each_check_starts_from_a_fresh_world() -> None:
    inconsistent = graph(DATA + "<person/a> a ckg:City .")
    assert not check(graph(ONTOLOGY), inconsistent).consistent
    report = check(graph(ONTOLOGY), graph(DATA))
    assert report.ok and report.problems() == []


def test_explain_clashes_follows_all_disjoint_classes_without_hermit() -> None:
    ontology = graph(
        """
        ckg:A a owl:Class . ckg:B a owl:Class . ckg:C a owl:Class .
        [] a owl:AllDisjointClasses ; owl:members ( ckg:A ckg:B ckg:C ) .
        ckg:p rdfs:range ckg:C .
        """
    )
    data = graph("<x/1> a ckg:A . <x/2> ckg:p <x/1> . <x/3> a ckg:B .")
    assert explain_clashes(ontology, data) == [
        "ckr:x/1 is a ckg:A (rdf:type ckg:A) and a ckg:C (object of ckg:p), which are disjoint"
    ]
