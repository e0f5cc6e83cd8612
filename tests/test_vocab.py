"""``conflictkg.vocab.CKG`` lists exactly the terms the ontology declares, so a term used in
code is a term the ontology defines, and a typo is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from conflictkg.vocab import CKG, ONTOLOGY_IRI

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "conflictkg.ttl"
NAMESPACE = str(CKG._NS)
VOCAB_NAMES = {name for name in CKG.__annotations__ if not name.startswith("_")}


@pytest.fixture(scope="module")
def declared_names() -> set[str]:
    """Local names of the ckg: IRIs the ontology gives a type (class, property, concept...)."""
    graph = Graph().parse(ONTOLOGY, format="turtle")
    return {
        str(subject).removeprefix(NAMESPACE)
        for subject in graph.subjects(RDF.type, None)
        if isinstance(subject, URIRef) and str(subject).startswith(NAMESPACE)
    }


def test_vocab_lists_a_plausible_number_of_terms() -> None:
    # Guards against __annotations__ coming back empty and the equality below passing
    # over two empty sets.
    assert len(VOCAB_NAMES) > 100


def test_every_declared_term_is_in_vocab(declared_names: set[str]) -> None:
    assert sorted(declared_names - VOCAB_NAMES) == []


def test_every_vocab_term_is_declared(declared_names: set[str]) -> None:
    assert sorted(VOCAB_NAMES - declared_names) == []


def test_vocab_terms_resolve_to_ontology_iris() -> None:
    for name in VOCAB_NAMES:
        assert getattr(CKG, name) == URIRef(NAMESPACE + name)


def test_unknown_term_is_an_error() -> None:
    with pytest.raises(AttributeError):
        CKG.Persn  # noqa: B018


def test_namespace_belongs_to_the_ontology_iri() -> None:
    assert NAMESPACE == str(ONTOLOGY_IRI) + "#"
    graph = Graph().parse(ONTOLOGY, format="turtle")
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
