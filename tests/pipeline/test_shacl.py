"""The SHACL module: each result written out for people; inference off by design.

The shapes, data and the report each test expects are kept together in the test.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.fastshacl.selection import ENV
from conflictkg.pipeline.shacl import INFERENCE, validate

PREFIXES = """
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@base <https://w3id.org/conflictkg/id/> .
@prefix ckr: <https://w3id.org/conflictkg/id/> .
@prefix cks: <https://w3id.org/conflictkg/shapes#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

SHAPES = (
    PREFIXES
    + """
cks:PersonShape a sh:NodeShape ;
    sh:targetClass ckg:Person ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "A person has a label." ] ,
        [ sh:path ( ckg:memberOf ckg:country ) ; sh:class ckg:Country ] ,
        [ sh:path [ sh:inversePath ckg:claimant ] ; sh:maxCount 1 ;
          sh:severity sh:Warning ; sh:message "Rarely more than one claim." ] .
cks:MemberShape a sh:NodeShape ;
    sh:targetSubjectsOf ckg:memberOf ;
    sh:class ckg:Person ;
    sh:message "Only a person is a member." .
"""
)

ONTOLOGY = (
    PREFIXES
    + """
ckg:memberOf rdfs:domain ckg:Person .
"""
)


def graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def test_conforming_data_has_no_results() -> None:
    data = graph('<person/a> a ckg:Person ; rdfs:label "A"@en .')
    report = validate(data, graph(SHAPES))
    assert report.conforms and report.results == ()


def test_a_violation_names_focus_path_value_shape_and_message() -> None:
    data = graph(
        """
        <person/a> a ckg:Person ; ckg:memberOf <org/b> .
        <org/b> a ckg:Organization ; ckg:country <place/c> .
        <place/c> a ckg:City .
        """
    )
    report = validate(data, graph(SHAPES))
    assert not report.conforms
    texts = [str(r) for r in report.violations]
    assert (
        "focus node ckr:person/a, path rdfs:label, shape cks:PersonShape property rdfs:label: "
        "A person has a label." in texts
    )
    (sequence,) = [r for r in report.violations if "ckg:country" in r.path]
    assert sequence.path == "ckg:memberOf/ckg:country" and sequence.value == "ckr:place/c"
    assert sequence.shape == "cks:PersonShape property ckg:memberOf/ckg:country"
    assert sequence.component == "sh:ClassConstraintComponent"


def test_warnings_are_reported_but_do_not_fail() -> None:
    data = graph(
        """
        <person/a> a ckg:Person ; rdfs:label "A"@en .
        <claim/1> ckg:claimant <person/a> . <claim/2> ckg:claimant <person/a> .
        """
    )
    report = validate(data, graph(SHAPES))
    assert report.conforms
    (warning,) = report.results
    assert warning.severity == "Warning" and warning.path == "^ckg:claimant"
    assert str(warning).startswith("[Warning] focus node ckr:person/a, path ^ckg:claimant")


def test_domain_axioms_do_not_type_the_data() -> None:
    # With RDFS inference the ontology's rdfs:domain would make ckr:org/b a ckg:Person
    # and the shape would pass vacuously; the build validates with inference "none".
    assert INFERENCE == "none"
    data = graph("<org/b> a ckg:Organization ; ckg:memberOf <org/c> .")
    report = validate(data, graph(SHAPES), graph(ONTOLOGY))
    focus = {(r.focus, r.shape) for r in report.violations}
    assert ("ckr:org/b", "cks:MemberShape") in focus


@pytest.mark.parametrize(
    ("engine", "says"),
    [("pyshacl", "pySHACL cannot use"), ("sparql", "the SPARQL SHACL engine cannot use")],
)
def test_unusable_shapes_are_an_error_naming_the_shapes_file(
    engine: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, engine)
    shapes = graph("cks:Bad a sh:NodeShape ; sh:targetClass ckg:Person ; sh:property [ ] .")
    data = graph("<person/a> a ckg:Person .")
    with pytest.raises(ConflictKGError, match=f"^ontology/shapes.ttl: {says}"):
        validate(data, shapes, shapes_name="ontology/shapes.ttl")
