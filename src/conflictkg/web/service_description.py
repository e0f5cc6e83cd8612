"""The SPARQL 1.1 Service Description answered by ``GET /sparql`` without a query.

It states what the endpoint really does: SPARQL 1.1 Query only (no Update, no federation),
the result formats it can write, the union default graph, and the default dataset with
the size of each named graph (counted once, when the app is created).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from conflictkg.store.backend import QueryBackend, serialize_triples, written
from conflictkg.store.queries import DEFAULT_GRAPH_SIZE, GRAPH_SIZES
from conflictkg.web.mediatypes import RDF_TYPES, RESULT_TYPES

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class DatasetSizes:
    """Triple counts of the default (union) graph and of each named graph."""

    default: int
    named: tuple[tuple[str, int], ...]

    @classmethod
    def count(cls, backend: QueryBackend) -> DatasetSizes:
        rows = backend.query(GRAPH_SIZES).rows()
        named = tuple(
            (row["graph"].value, int(row["triples"].value))
            for row in rows
            if isinstance(row.get("graph"), NamedNode)
        )
        (total,) = backend.query(DEFAULT_GRAPH_SIZE).rows()
        return cls(int(total["triples"].value), named)


def _sd(term: str) -> NamedNode:
    return NamedNode(SD + term)


def description_triples(endpoint_url: str, sizes: DatasetSizes) -> list[Triple]:
    """The service description of the endpoint at ``endpoint_url``."""
    service = NamedNode(endpoint_url)
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(
            service,
            _sd("defaultEntailmentRegime"),
            NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    for media_type in (*RESULT_TYPES, *RDF_TYPES):
        triples.append(Triple(service, _sd("resultFormat"), NamedNode(FORMATS + media_type.w3c)))
    dataset, default_graph = BlankNode(), BlankNode()
    triples += [
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
        Triple(
            default_graph,
            NamedNode(VOID + "triples"),
            Literal(str(sizes.default), datatype=XSD_INTEGER),
        ),
    ]
    for name, count in sizes.named:
        named_graph, graph = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _sd("namedGraph"), named_graph),
            Triple(named_graph, RDF_TYPE, _sd("NamedGraph")),
            Triple(named_graph, _sd("name"), NamedNode(name)),
            Triple(named_graph, _sd("graph"), graph),
            Triple(graph, RDF_TYPE, _sd("Graph")),
            Triple(graph, NamedNode(VOID + "triples"), Literal(str(count), datatype=XSD_INTEGER)),
        ]
    return triples


def render(endpoint_url: str, sizes: DatasetSizes, fmt: pyoxigraph.RdfFormat) -> bytes:
    """The service description serialised in ``fmt``."""
    triples = description_triples(endpoint_url, sizes)
    if fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML):
        prefixes = {"sd": SD, "void": VOID, "formats": FORMATS}
        return written(pyoxigraph.serialize(triples, format=fmt, prefixes=prefixes))
    return serialize_triples(triples, fmt)
