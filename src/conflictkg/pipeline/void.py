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

from conflictkg.pipeline.dumps import Statistics
from conflictkg.pipeline.rdfio import new_graph
from conflictkg.vocab import BASE_IRI, PREFIXES, VOID, WD

DATASET_PATH = "id/dataset"
TITLE = "conflictkg: news articles about armed conflicts as linked data"
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


def statistics(data: Graph, base: str = BASE_IRI) -> Statistics:
    """What VoID counts in ``data`` (the build counts its sorted dump lines instead)."""
    uri_space = base + "id/"
    subjects = set(data.subjects())
    members: dict[str, set] = {}
    for s, cls in data.subject_objects(RDF.type):
        if isinstance(cls, URIRef):
            members.setdefault(str(cls), set()).add(s)
    links = sum(1 for o in data.objects(None, SKOS.exactMatch) if str(o).startswith(str(WD)))
    return Statistics(
        triples=len(data),
        subjects=len(subjects),
        objects=len(set(data.objects())),
        entities=sum(1 for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space)),
        predicates=Counter(str(p) for _, p, _ in data),
        classes={cls: len(found) for cls, found in members.items()},
        links={(str(SKOS.exactMatch), WIKIDATA_URI_SPACE): links},
    )


def describe(
    data: Graph | Statistics,
    *,
    dumps: Sequence[str],
    subsets: Sequence[Subset] = (),
    title: str = TITLE,
    base: str = BASE_IRI,
) -> Graph:
    """A VoID graph describing ``data``; ``dumps`` are file names under ``{base}download/``.

    ``data`` is the graph, or what VoID counts in it (the build counts its sorted dump
    lines, :func:`conflictkg.pipeline.dumps.statistics`, rather than walk an rdflib graph).
    ``subsets`` become ``void:subset``s ``{dataset}/subset/{slug}`` with their sizes: the
    triples of their graphs (a triple counted once per graph) and, as ``void:documents``,
    the number of named graphs (each one is served as a document at its IRI). ``base`` is where the
    dataset is published (default ``https://w3id.org/conflictkg/``):
    the dataset, its endpoint (``sparql``), dumps and URI space are all under it.
    """
    stats = statistics(data, base) if isinstance(data, Graph) else data
    void = new_graph()
    void.bind("foaf", FOAF)
    dataset = URIRef(base + DATASET_PATH)
    uri_space = base + "id/"

    void.add((dataset, RDF.type, VOID.Dataset))
    void.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    void.add((dataset, VOID.triples, _integer(stats.triples)))
    void.add((dataset, VOID.entities, _integer(stats.entities)))
    void.add((dataset, VOID.classes, _integer(len(stats.classes))))
    void.add((dataset, VOID.properties, _integer(len(stats.predicates))))
    void.add((dataset, VOID.distinctSubjects, _integer(stats.subjects)))
    void.add((dataset, VOID.distinctObjects, _integer(stats.objects)))
    void.add((dataset, VOID.uriSpace, Literal(uri_space)))
    void.add((dataset, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    for name in dumps:
        void.add((dataset, VOID.dataDump, URIRef(base + "download/" + name)))
    for term in set(stats.predicates) | set(stats.classes):
        void.add((dataset, VOID.vocabulary, URIRef(_vocabulary(term))))

    for cls, members in stats.classes.items():
        partition = URIRef(f"{dataset}/class/{_slug(cls)}")
        void.add((dataset, VOID.classPartition, partition))
        void.add((partition, VOID["class"], URIRef(cls)))
        void.add((partition, VOID.entities, _integer(members)))
    for prop, count in stats.predicates.items():
        partition = URIRef(f"{dataset}/property/{_slug(prop)}")
        void.add((dataset, VOID.propertyPartition, partition))
        void.add((partition, VOID.property, URIRef(prop)))
        void.add((partition, VOID.triples, _integer(count)))

    _add_subsets(void, dataset, subsets)
    _add_wikidata_links(
        void, dataset, stats.links.get((str(SKOS.exactMatch), WIKIDATA_URI_SPACE), 0)
    )
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


def _add_wikidata_links(void: Graph, dataset: URIRef, links: int) -> None:
    """The linkset of the ``links`` ``skos:exactMatch`` links to Wikidata items."""
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
    void.add((linkset, VOID.triples, _integer(links)))
    void.add((dataset, VOID.subset, linkset))
