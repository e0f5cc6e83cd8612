"""HermiT through owlready2: consistency, unsatisfiable classes, a cheap explanation.

Each ``check`` starts Java (about 1.5 s), so only three tests call it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rdflib import Graph

from conflictkg.pipeline.reasoning import (
    _harmless_value,
    check,
    explain_clashes,
    inert_properties,
    start,
    write_ntriples,
)

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


TRIMMING = """
@prefix oa: <http://www.w3.org/ns/oa#> .
ckg:span a owl:DatatypeProperty ; rdfs:domain ckg:Actor .
ckg:Span a owl:Class .
ckg:maximum a owl:DatatypeProperty ; a owl:FunctionalProperty .
"""


def test_inert_properties_are_those_no_axiom_names() -> None:
    ontology = graph(ONTOLOGY + TRIMMING)
    data = graph(
        """
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <span/1> a ckg:Span ; oa:start 3 ; oa:exact "x" ; ckg:span "y" ; ckg:maximum 4 ;
            oa:refinedBy <span/2> ; ckg:asWKT "POINT(1 2)"^^geo:wktLiteral ;
            oa:named "z" .
        oa:named rdfs:subPropertyOf ckg:span .
        """
    )
    found = {str(p).rsplit("#", 1)[-1] for p in inert_properties(ontology, [data])}
    # ckg:span has a domain, ckg:maximum is functional, oa:named is named by the data,
    # rdf:type and rdfs:subPropertyOf are OWL's own; ckg:asWKT is only declared
    assert found == {"start", "exact", "refinedBy", "asWKT"}


@pytest.mark.parametrize(
    ("literal", "harmless"),
    [
        ('"3"^^xsd:nonNegativeInteger', True),
        ('"-1"^^xsd:nonNegativeInteger', False),
        ('"300"^^xsd:unsignedByte', False),
        ('"abc"^^xsd:integer', False),
        ('"36.3"^^xsd:decimal', True),
        ('"1.2.3"^^xsd:decimal', False),
        ('"4.0"^^xsd:double', False),  # a datatype HermiT checks and this module does not
        ('"2017-05-04"^^xsd:date', True),  # outside the OWL 2 datatype map: HermiT ignores it
        ('"POINT(1 2)"^^geo:wktLiteral', True),
        ('"x"@en', True),
        ('"x"', True),
    ],
)
def test_only_values_consistent_on_their_own_are_left_out(literal: str, harmless: bool) -> None:
    [(_, _, value)] = list(graph(f"<x/1> ckg:v {literal} ."))
    assert _harmless_value(value) is harmless


def test_hermit_reads_neither_annotations_nor_harmless_values_of_inert_properties(
    tmp_path: Path,
) -> None:
    ontology = graph(ONTOLOGY + TRIMMING)
    data = graph(
        """
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <span/1> a ckg:Span ; rdfs:label "s"@en ; oa:start 3 ; oa:end "-1"^^xsd:nonNegativeInteger ;
            ckg:span "y" .
        """
    )
    path = tmp_path / "both.nt"
    write_ntriples(path, ontology, [data])
    lines = path.read_text(encoding="utf-8").splitlines()
    about_span = sorted(
        line for line in lines if line.startswith("<https://w3id.org/conflictkg/id/span/1>")
    )
    assert sorted(line.split(" ", 2)[1].rsplit("#", 1)[-1] for line in about_span) == [
        "end>",  # ill-formed for its datatype: HermiT must see it
        "span>",  # has a domain
        "type>",
    ]
    assert not any("owl#imports" in line for line in lines)


def test_a_consistency_check_started_early_gives_the_verdict() -> None:
    ontology = graph(ONTOLOGY)
    inconsistent = graph(DATA + "<person/a> a ckg:City .")
    started = start(ontology, [inconsistent])
    report = check(ontology, inconsistent, classify=False, started=started)
    assert not report.consistent
    assert started.process is None  # closed by check
