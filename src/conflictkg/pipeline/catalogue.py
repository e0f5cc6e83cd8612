"""The dataset's catalogue record: DCAT 3 (``dcat.ttl``) and schema.org (the home page).

One :class:`Metadata`, computed by the build from the data and the bytes it writes, feeds
both descriptions, so a catalogue harvester (DCAT) and a dataset search engine (schema.org
``Dataset`` in JSON-LD) read the same title, licence, coverage and downloads.

Decisions:

- **A file of its own, beside VoID.** ``dcat.ttl`` is what catalogues (CKAN, data.europa.eu,
  DCAT-AP harvesters) fetch; VoID's partitions would bury it. The DCAT dataset has the VoID
  dataset's IRI (``…/id/dataset``), so loading both merges them into one node; ``void.ttl``
  points to ``dcat.ttl`` (``rdfs:seeAlso``) and lists the downloads that are not RDF dumps
  (``events.csv``) as ``dcat:distribution``s, since ``void:dataDump`` is for RDF only.
- **Three datasets in the catalogue**: the knowledge graph, the ontology and the shapes;
  every download is a distribution of exactly one of them (the ontology is no
  representation of the data). The SPARQL endpoint is a ``dcat:DataService`` serving the
  knowledge graph.
- **Dates**: each build is a release, so ``dcterms:issued`` and ``dcterms:modified`` are the
  build's day (UTC), or ``SOURCE_DATE_EPOCH``'s when it is set (reproducible builds).
- **Coverage from the data**: the temporal coverage runs from the earliest to the latest
  date any event carries (dates and date bounds); the spatial coverage is every country and
  city that is the place of at least two events, with its Wikidata item where the graph
  links one (a place named once, for a comparison, does not make the dataset about it).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from conflictkg.pipeline.artefacts import ARTEFACTS, Artefact
from conflictkg.pipeline.rdfio import new_graph, subject_index, subjects_of, with_predicates
from conflictkg.pipeline.void import DATASET_PATH
from conflictkg.vocab import BASE_IRI, CKG, WD

DCAT = Namespace("http://www.w3.org/ns/dcat#")
IANA = "http://www.iana.org/assignments/media-types/"
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
ONTOLOGY_IRI = "https://w3id.org/conflictkg/ontology"
SHAPES_IRI = "https://w3id.org/conflictkg/shapes"
PUBLISHER = "conflictkg developers"
CATALOGUE = "conflictkg catalogue"
TITLE = "conflictkg: news articles about armed conflicts as linked data"
DESCRIPTION = (
    "A knowledge graph of what news articles about armed conflicts report: actors, military "
    "units, places, events, weapons, casualty and troop-strength figures, and the claims "
    "behind them. Every statement about the world sits in the account of the claim that "
    "asserts it, with its source, its source grade and who disputes it; every resource is "
    "anchored to the exact words of the article. Also as a conflict-event table (events.csv) "
    "in the manner of UCDP GED."
)
KEYWORDS = (
    "armed conflict",
    "conflict events",
    "casualties",
    "airstrikes",
    "claims and sources",
    "knowledge graph",
    "linked data",
)
EVENT_DATES = (
    CKG.startDate,
    CKG.endDate,
    CKG.startNotBefore,
    CKG.startNotAfter,
    CKG.endNotBefore,
    CKG.endNotAfter,
)
# which catalogued dataset each downloadable role belongs to
_PART_OF = {"dataset": "data", "table": "data", "ontology": "ontology", "shapes": "shapes"}


@dataclass(frozen=True)
class Place:
    label: str
    iri: str
    wikidata: str | None
    country: bool


@dataclass(frozen=True)
class Distribution:
    """A downloadable artefact, its size, and the dataset it is part of (data, ontology or
    shapes)."""

    artefact: Artefact
    byte_size: int
    part_of: str


@dataclass(frozen=True)
class Metadata:
    """What both descriptions say; IRIs are under ``base`` (where the data is published)."""

    issued: dt.date
    temporal: tuple[dt.date, dt.date] | None
    places: tuple[Place, ...]
    distributions: tuple[Distribution, ...]
    base: str = BASE_IRI
    title: str = TITLE
    description: str = DESCRIPTION

    @property
    def dataset(self) -> str:
        return self.base + DATASET_PATH

    @property
    def catalog(self) -> str:
        return self.base + "id/catalog"

    @property
    def publisher(self) -> str:
        return self.dataset + "/publisher"

    @property
    def endpoint(self) -> str:
        return self.base + "sparql"

    @property
    def keywords(self) -> tuple[str, ...]:
        return (*KEYWORDS, *(p.label for p in self.places))

    def download_url(self, file: str) -> str:
        return f"{self.base}download/{file}"


def build_date() -> dt.date:
    """The day of this build: ``SOURCE_DATE_EPOCH`` when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


def metadata(
    data: Graph | Sequence[Graph | Lookup],
    sizes: Mapping[str, int],
    *,
    issued: dt.date,
    base: str = BASE_IRI,
) -> Metadata:
    """The catalogue record of ``data`` (the merge, inferred graph included, or the graphs
    whose union it is: the build passes the asserted graph and the inferred one, uncopied)
    whose downloadable files have the byte ``sizes`` given (file name -> bytes)."""
    graphs = _Reader([data] if isinstance(data, Graph) else list(data))
    events = graphs.instances(CKG.Event)
    dates = [
        o.toPython()
        for p in EVENT_DATES
        for s, o in graphs.pairs(p)
        if s in events and isinstance(o, Literal) and o.datatype == XSD.date
    ]
    dates = [d for d in dates if isinstance(d, dt.date)]
    temporal = (min(dates), max(dates)) if dates else None
    return Metadata(issued, temporal, _places(graphs, events), distributions(sizes), base)


def distributions(sizes: Mapping[str, int]) -> tuple[Distribution, ...]:
    """The downloadable artefacts of the byte ``sizes`` given (file name -> bytes)."""
    return tuple(
        Distribution(a, sizes[a.file], _PART_OF[a.role])
        for a in ARTEFACTS
        if a.role in _PART_OF and a.file in sizes
    )


class Lookup(Protocol):
    """A graph read by lookups only (:class:`.entailment.Inferred`, the inferred graph;
    :class:`.mergeindex.MergeIndex`, a rebuild's merge)."""

    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]: ...

    def subjects(self, predicate: Node, value: Node) -> Iterable[Node]: ...

    def pairs(self, predicate: Node) -> Iterable[tuple[Node, Node]]: ...


class _Reader:
    """The union of graphs, read for a few facts per resource: from each graph's subject
    index (:func:`.rdfio.subject_index`) where it has one, since rdflib's ``objects``
    checks every triple's contexts (seconds for the events of a million triples)."""

    def __init__(self, graphs: Sequence[Graph | Lookup]) -> None:
        self.graphs = [(g, subject_index(g) if isinstance(g, Graph) else None) for g in graphs]

    def objects(self, subject: Node, predicate: Node) -> set[Node]:
        found: set[Node] = set()
        for graph, index in self.graphs:
            if index is None:
                found.update(graph.objects(subject, predicate))
            else:
                found.update(index.get(subject, {}).get(predicate, ()))
        return found

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        """The (subject, object) pairs of ``predicate`` in any of the graphs (the facts of
        every event are read so, a predicate at a time, rather than event by event)."""
        found: list[tuple[Node, Node]] = []
        for graph, _ in self.graphs:
            if isinstance(graph, Graph):
                found += [(s, o) for s, _, o in with_predicates(graph, [predicate])]
            else:
                found += graph.pairs(predicate)
        return found

    def instances(self, cls: Node) -> set[Node]:
        found: set[Node] = set()
        for graph, _ in self.graphs:
            if isinstance(graph, Graph):
                found.update(subjects_of(graph, RDF.type, cls))  # from the predicate index
            else:
                found.update(graph.subjects(RDF.type, cls))
        return found


def _places(graphs: _Reader, events: set) -> tuple[Place, ...]:
    located = set(graphs.pairs(CKG.location))  # a pair in two graphs counts once
    counted = Counter(place for event, place in located if event in events)
    countries, cities = graphs.instances(CKG.Country), graphs.instances(CKG.City)
    places = []
    for place, n in counted.items():
        if n < 2 or (place not in countries and place not in cities):
            continue
        labels = sorted(graphs.objects(place, RDFS.label), key=str)
        label = labels[0] if labels else None
        wikidata = [str(o) for o in graphs.objects(place, SKOS.exactMatch) if str(o).startswith(WD)]
        country = place in countries
        places.append(Place(str(label or place), str(place), min(wikidata, default=None), country))
    return tuple(sorted(places, key=lambda p: (not p.country, p.label)))  # countries first


def _media_type(artefact: Artefact) -> URIRef:
    return URIRef(IANA + artefact.media_type)


def dcat(meta: Metadata) -> Graph:
    """The DCAT 3 description: catalogue, the three datasets, their distributions, the
    SPARQL endpoint as a data service."""
    g = new_graph()
    g.bind("dcat", DCAT)
    g.bind("foaf", FOAF)
    catalog, dataset, publisher = URIRef(meta.catalog), URIRef(meta.dataset), URIRef(meta.publisher)
    issued = Literal(meta.issued, datatype=XSD.date)

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(PUBLISHER)))
    g.add((catalog, RDF.type, DCAT.Catalog))
    _describe(
        g, catalog, CATALOGUE, "The datasets of conflictkg and its SPARQL endpoint.", publisher
    )
    g.add((catalog, FOAF.homepage, URIRef(meta.base)))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(str(EU_THEME).rstrip("/"))))
    parts = {
        "data": (dataset, meta.title, meta.description),
        "ontology": (
            URIRef(ONTOLOGY_IRI),
            "The conflictkg ontology",
            "The OWL 2 DL ontology the data uses.",
        ),
        "shapes": (
            URIRef(SHAPES_IRI),
            "The conflictkg SHACL shapes",
            "The SHACL shapes every build of the data passes.",
        ),
    }
    for node, title, description in parts.values():
        g.add((catalog, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        _describe(g, node, title, description, publisher)
        g.add((node, DCTERMS.issued, issued))
        g.add((node, DCTERMS.modified, issued))
        g.add((node, DCAT.theme, EU_THEME.INTR))
    for keyword in meta.keywords:
        g.add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    g.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    g.add((dataset, DCTERMS.conformsTo, URIRef(SHAPES_IRI)))
    g.add((dataset, DCAT.landingPage, URIRef(meta.base)))
    _coverage(g, dataset, meta)
    for d in meta.distributions:
        node = URIRef(f"{meta.dataset}/distribution/{d.artefact.file}")
        g.add((parts[d.part_of][0], DCAT.distribution, node))
        g.add((node, RDF.type, DCAT.Distribution))
        _describe(g, node, d.artefact.file, d.artefact.description, publisher)
        g.add((node, DCAT.mediaType, _media_type(d.artefact)))
        g.add((node, DCAT.byteSize, Literal(d.byte_size, datatype=XSD.nonNegativeInteger)))
        g.add((node, DCAT.downloadURL, URIRef(meta.download_url(d.artefact.file))))
        g.add((node, DCAT.accessURL, URIRef(meta.download_url(d.artefact.file))))
        g.add((node, DCTERMS.issued, issued))
    service = URIRef(meta.endpoint)
    g.add((catalog, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    _describe(
        g,
        service,
        "conflictkg SPARQL endpoint",
        "A read-only SPARQL 1.1 endpoint over the knowledge graph.",
        publisher,
    )
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.endpointDescription, service))  # its Service Description
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    return g


def _describe(g: Graph, node: URIRef, title: str, description: str, publisher: URIRef) -> None:
    g.add((node, DCTERMS.title, Literal(title, lang="en")))
    g.add((node, DCTERMS.description, Literal(description, lang="en")))
    g.add((node, DCTERMS.license, URIRef(LICENCE)))
    g.add((node, DCTERMS.publisher, publisher))


def _coverage(g: Graph, dataset: URIRef, meta: Metadata) -> None:
    g.add((dataset, DCTERMS.creator, URIRef(meta.publisher)))
    if meta.temporal is not None:
        period = URIRef(meta.dataset + "/temporal")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(meta.temporal[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(meta.temporal[1], datatype=XSD.date)))
    for place in meta.places:
        node = URIRef(place.iri)
        g.add((dataset, DCTERMS.spatial, node))
        g.add((node, RDF.type, DCTERMS.Location))
        g.add((node, RDFS.label, Literal(place.label, lang="en")))
        if place.wikidata:
            g.add((node, SKOS.exactMatch, URIRef(place.wikidata)))


def schema_org(meta: Metadata) -> dict[str, object]:
    """The schema.org ``Dataset`` (JSON-LD, context ``https://schema.org/``) for the home page."""
    organisation = {"@type": "Organization", "@id": meta.publisher, "name": PUBLISHER}
    described: dict[str, object] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": meta.dataset,
        "name": meta.title,
        "description": meta.description,
        "url": meta.base,
        "license": LICENCE,
        "isAccessibleForFree": True,
        "creator": organisation,
        "publisher": organisation,
        "keywords": list(meta.keywords),
        "datePublished": meta.issued.isoformat(),
        "dateModified": meta.issued.isoformat(),
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": meta.catalog, "name": CATALOGUE},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": d.artefact.file,
                "description": d.artefact.description,
                "contentUrl": meta.download_url(d.artefact.file),
                "encodingFormat": d.artefact.media_type,
                "contentSize": f"{d.byte_size} B",
            }
            for d in meta.distributions
            if d.part_of == "data"
        ],
    }
    if meta.temporal is not None:
        described["temporalCoverage"] = f"{meta.temporal[0]}/{meta.temporal[1]}"
    if meta.places:
        described["spatialCoverage"] = [
            {
                "@type": "Place",
                "@id": p.iri,
                "name": p.label,
                **({"sameAs": p.wikidata} if p.wikidata else {}),
            }
            for p in meta.places
        ]
    return described


def link_from_void(void: Graph, meta: Metadata, dcat_file: str) -> None:
    """What VoID says of the catalogue: where the DCAT description is (``rdfs:seeAlso``),
    and the data's downloads that are not RDF dumps (``void:dataDump`` is for RDF only) as
    ``dcat:distribution``s with their media type and download URL."""
    void.bind("dcat", DCAT)
    dataset = URIRef(meta.dataset)
    void.add((dataset, RDFS.seeAlso, URIRef(meta.download_url(dcat_file))))
    for d in meta.distributions:
        if d.artefact.role == "table":
            node = URIRef(f"{meta.dataset}/distribution/{d.artefact.file}")
            void.add((dataset, DCAT.distribution, node))
            void.add((node, RDF.type, DCAT.Distribution))
            void.add((node, DCAT.mediaType, _media_type(d.artefact)))
            void.add((node, DCAT.downloadURL, URIRef(meta.download_url(d.artefact.file))))
