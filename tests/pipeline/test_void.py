"""The VoID description: counts, partitions, the Wikidata linkset, dumps and endpoint."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from conflictkg.pipeline import rdfio
from conflictkg.pipeline.void import Subset, describe
from conflictkg.vocab import VOID

DATA = """
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
<person/a> a ckg:Person ; rdfs:label "A"@en ; skos:exactMatch wd:Q1 .
<person/b> a ckg:Person ; rdfs:label "B"@en ; ckg:memberOf <org/c> .
<org/c> a ckg:Organization ; rdfs:label "C"@en ; skos:exactMatch wd:Q2 .
"""
BASE = "https://w3id.org/conflictkg/"
DATASET = URIRef(BASE + "id/dataset")


def number(graph: Graph, subject: URIRef, prop: URIRef) -> int:
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), (subject, prop)
    return int(value)


def described() -> tuple[Graph, Graph]:
    data = Graph().parse(data=DATA, format="turtle")
    return data, describe(data, dumps=["dataset.ttl", "dataset.nt"])


def test_dataset_counts() -> None:
    data, void = described()
    assert (DATASET, RDF.type, VOID.Dataset) in void
    assert void.value(DATASET, DCTERMS.title) is not None
    assert number(void, DATASET, VOID.triples) == len(data) == 9
    assert number(void, DATASET, VOID.entities) == 3
    assert number(void, DATASET, VOID.classes) == 2
    assert number(void, DATASET, VOID.properties) == 4
    assert number(void, DATASET, VOID.distinctSubjects) == 3
    assert number(void, DATASET, VOID.distinctObjects) == 8


def test_class_and_property_partitions() -> None:
    _, void = described()
    person = URIRef(BASE + "id/dataset/class/ckg-Person")
    assert (DATASET, VOID.classPartition, person) in void
    assert number(void, person, VOID.entities) == 2
    label = URIRef(BASE + "id/dataset/property/rdfs-label")
    assert (DATASET, VOID.propertyPartition, label) in void
    assert number(void, label, VOID.triples) == 3
    assert len(list(void.objects(DATASET, VOID.propertyPartition))) == 4


def test_wikidata_linkset() -> None:
    _, void = described()
    (linkset,) = void.subjects(RDF.type, VOID.Linkset)
    assert void.value(linkset, VOID.linkPredicate) == SKOS.exactMatch
    assert void.value(linkset, VOID.subjectsTarget) == DATASET
    target = void.value(linkset, VOID.objectsTarget)
    assert str(void.value(target, VOID.uriSpace)) == "http://www.wikidata.org/entity/"
    assert number(void, linkset, VOID.triples) == 2


def test_access_dumps_uri_space_and_vocabularies() -> None:
    _, void = described()
    assert set(void.objects(DATASET, VOID.dataDump)) == {
        URIRef(BASE + "download/dataset.ttl"),
        URIRef(BASE + "download/dataset.nt"),
    }
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert str(void.value(DATASET, VOID.uriSpace)) == BASE + "id/"
    assert set(void.objects(DATASET, VOID.vocabulary)) >= {
        URIRef("https://w3id.org/conflictkg/ontology"),
        URIRef("http://www.w3.org/2004/02/skos/core"),
    }


def test_base_is_configurable_and_no_blank_nodes_are_minted() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    void = describe(data, dumps=["dataset.ttl"], base="http://localhost:5000/")
    assert (URIRef("http://localhost:5000/id/dataset"), RDF.type, VOID.Dataset) in void
    assert void.value(URIRef("http://localhost:5000/id/dataset"), VOID.dataDump) == URIRef(
        "http://localhost:5000/download/dataset.ttl"
    )
    assert not any(isinstance(t, BNode) for triple in void for t in triple)
    assert rdfio.to_turtle(void) == rdfio.to_turtle(
        describe(data, dumps=["dataset.ttl"], base="http://localhost:5000/")
    )


def test_subsets_by_kind_of_graph() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    parts = [Subset("articles", "Articles", 3, 9), Subset("inferred", "Inferred", 1, 2)]
    void = describe(data, dumps=["dataset.ttl"], subsets=parts)
    subsets = set(void.objects(DATASET, VOID.subset))
    for part in parts:
        subset = URIRef(f"{DATASET}/subset/{part.slug}")
        assert subset in subsets and (subset, RDF.type, VOID.Dataset) in void
        assert number(void, subset, VOID.triples) == part.triples
        assert number(void, subset, VOID.documents) == part.graphs
        assert str(void.value(subset, DCTERMS.title)) == part.title
