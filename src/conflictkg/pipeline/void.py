"""The VoID description of a built dataset: size, classes, properties, links, dumps, endpoint.

Partitions and linksets get IRIs under the dataset's own (no blank nodes), so the
description serialises the same way every time and each part can be dereferenced.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from conflictkg.pipeline.rdfio import new_graph
from conflictkg.vocab import BASE_IRI, PREFIXES, VOID, WD

DATASET_PATH = "id/dataset"
WIKIDATA_URI_SPACE = str(WD)


def _integer(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def _slug(iri: str) -> str:
    """``ckg-Person`` for a term under a known prefix; a readable, safe slug otherwise."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and iri != namespace:
            local = iri[len(namespace) :]
            if re.fullmatch(r"[A-Za-z0-9_.-]+", local):
                return f"{prefix}-{local}"
    return re.sub(r"[^A-Za-z0-9]+", "-", iri).strip("-")


def _vocabulary(iri: str) -> str:
    """The vocabulary a term belongs to: its namespace, without a trailing ``#``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut] if iri[cut] == "#" else iri[: cut + 1]


@dataclass(frozen=True)
class Subset:
    """A part of the dataset made of whole named graphs (articles, outside, inferred)."""

    slug: str
    title: str
    graphs: int
    triples: int


def describe(
    data: Graph,
    *,
    dumps: Sequence[str],
    subsets: Sequence[Subset] = (),
    title: str = "conflictkg: news articles about armed conflicts as linked data",
    base: str = BASE_IRI,
) -> Graph:
    """A VoID graph describing ``data``; ``dumps`` are file names under ``{base}download/``.

    ``subsets`` become ``void:subset``s ``{dataset}/subset/{slug}`` with their sizes: the
    triples of their graphs (a triple counted once per graph) and, as ``void:documents``,
    the number of named graphs (each one is served as a document at its IRI). ``base`` is where the
    dataset is published (default ``https://w3id.org/conflictkg/``):
    the dataset, its endpoint (``sparql``), dumps and URI space are all under it.
    """
    void = new_graph()
    void.bind("foaf", FOAF)
    dataset = URIRef(base + DATASET_PATH)
    uri_space = base + "id/"

    subjects = set(data.subjects())
    objects = set(data.objects())
    predicates = Counter(p for _, p, _ in data)
    class_members: dict[URIRef, set] = {}
    for s, cls in data.subject_objects(RDF.type):
        if isinstance(cls, URIRef):
            class_members.setdefault(cls, set()).add(s)
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space)}

    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    void.add((dataset, VOID.triples, _integer(len(data))))
    void.add((dataset, VOID.entities, _integer(len(entities))))
    void.add((dataset, VOID.classes, _integer(len(class_members))))
    void.add((dataset, VOID.properties, _integer(len(predicates))))
    void.add((dataset, VOID.distinctSubjects, _integer(len(subjects))))
    void.add((dataset, VOID.distinctObjects, _integer(len(objects))))
    void.add((dataset, VOID.uriSpace, Literal(uri_space)))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    for name in dumps:
        void.add((dataset, VOID.dataDump, URIRef(base + "download/" + name)))
    for term in set(predicates) | set(class_members):
        void.add((dataset, VOID.vocabulary, URIRef(_vocabulary(str(term)))))

    for cls, members in class_members.items():
        partition = URIRef(f"{dataset}/class/{_slug(str(cls))}")
        void.add((dataset, VOID.classPartition, partition))
        void.add((partition, VOID["class"], cls))
        void.add((partition, VOID.entities, _integer(len(members))))
    for prop, count in predicates.items():
        partition = URIRef(f"{dataset}/property/{_slug(str(prop))}")
        void.add((dataset, VOID.propertyPartition, partition))
        void.add((partition, VOID.property, prop))
        void.add((partition, VOID.triples, _integer(count)))

    _add_subsets(void, dataset, subsets)
    _add_wikidata_links(void, dataset, data)
    return void


def _add_subsets(void: Graph, dataset: URIRef, subsets: Sequence[Subset]) -> None:
    for part in subsets:
        subset = URIRef(f"{dataset}/subset/{part.slug}")
        void.add((dataset, VOID.subset, subset))
        void.add((subset, RDF.type, VOID.Dataset))
        void.add((subset, DCTERMS.title, Literal(part.title, lang="en")))
        void.add((subset, VOID.triples, _integer(part.triples)))
        # each named graph is a document served at its IRI
        void.add((subset, VOID.documents, _integer(part.graphs)))


def _add_wikidata_links(void: Graph, dataset: URIRef, data: Graph) -> None:
    """The linkset of ``skos:exactMatch`` links to Wikidata items."""
    wikidata_links = [
        (s, o) for s, o in data.subject_objects(SKOS.exactMatch) if str(o).startswith(str(WD))
    ]
    wikidata = URIRef(f"{dataset}/wikidata")
    void.add((wikidata, RDF.type, VOID.Dataset))
    void.add((wikidata, DCTERMS.title, Literal("Wikidata", lang="en")))
    void.add((wikidata, FOAF.homepage, URIRef("https://www.wikidata.org/")))
    void.add((wikidata, VOID.uriSpace, Literal(WIKIDATA_URI_SPACE)))
    linkset = URIRef(f"{dataset}/links/wikidata")
    void.add((linkset, RDF.type, VOID.Linkset))
    void.add((linkset, VOID.subjectsTarget, dataset))
    void.add((linkset, VOID.objectsTarget, wikidata))
    void.add((linkset, VOID.linkPredicate, SKOS.exactMatch))
    void.add((linkset, VOID.triples, _integer(len(wikidata_links))))
    void.add((dataset, VOID.subset, linkset))
