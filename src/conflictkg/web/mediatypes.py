"""Media types as data, and content negotiation over them (RFC 9110 Accept, parsed by Werkzeug).

Every response format the endpoint can produce is one ``MediaType`` row: its ``format``
parameter name (for browsers), its media type, its aliases and how to serialise to it.
RDF rows come from :mod:`conflictkg.pipeline.formats`, so the build and the endpoint agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from conflictkg.pipeline.formats import RDF_FORMATS, RdfFormat


@dataclass(frozen=True)
class MediaType:
    """One format the endpoint can answer in."""

    name: str  # the value of the ``format`` request parameter
    media_type: str
    aliases: tuple[str, ...] = ()
    textual: bool = True
    results: pyoxigraph.QueryResultsFormat | None = None
    rdf: RdfFormat | None = None
    label: str = ""  # how the pages name it
    w3c: str = ""  # its name under http://www.w3.org/ns/formats/ (service description)

    @cached_property  # asked for every answer
    def engine_format(self) -> pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat:
        """The format the store serialises this type with (not for HTML)."""
        if self.rdf is not None:
            return self.rdf.oxigraph
        if self.results is None:
            raise ValueError(f"{self.media_type} is written by a template, not by the store")
        return self.results

    @cached_property  # asked for every answer
    def content_type(self) -> str:
        """The Content-Type header: textual types always declare UTF-8."""
        return f"{self.media_type}; charset=utf-8" if self.textual else self.media_type

    def known_as(self, value: str) -> bool:
        """Whether a ``format`` parameter value names this type (by name or media type)."""
        value = value.strip().lower()
        return value == self.name or value == self.media_type or value in self.aliases


_Q = pyoxigraph.QueryResultsFormat

# SELECT and ASK results, the preferred (first) being SPARQL JSON.
RESULT_TYPES: tuple[MediaType, ...] = (
    MediaType(
        "json",
        "application/sparql-results+json",
        ("application/json",),
        results=_Q.JSON,
        label="JSON",
        w3c="SPARQL_Results_JSON",
    ),
    MediaType(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        results=_Q.XML,
        label="XML",
        w3c="SPARQL_Results_XML",
    ),
    MediaType("csv", "text/csv", results=_Q.CSV, label="CSV", w3c="SPARQL_Results_CSV"),
    MediaType(
        "tsv", "text/tab-separated-values", results=_Q.TSV, label="TSV", w3c="SPARQL_Results_TSV"
    ),
)

# Booleans have no CSV/TSV form in the SPARQL 1.1 specifications.
BOOLEAN_TYPES: tuple[MediaType, ...] = RESULT_TYPES[:2]

# format name -> (other media types clients send for it, label, W3C format name)
_RDF_NAMES = {
    "turtle": (("application/x-turtle",), "Turtle", "Turtle"),
    "ntriples": (("text/plain",), "N-Triples", "N-Triples"),
    "jsonld": (("application/json",), "JSON-LD", "JSON-LD"),
    "rdfxml": (("application/xml", "text/xml"), "RDF/XML", "RDF_XML"),
    "trig": ((), "TriG", "TriG"),
    "nquads": ((), "N-Quads", "N-Quads"),
}


def _rdf_type(fmt: RdfFormat) -> MediaType:
    aliases, label, w3c = _RDF_NAMES[fmt.name]
    return MediaType(fmt.name, fmt.media_type, aliases, rdf=fmt, label=label, w3c=w3c)


# Graphs (CONSTRUCT, DESCRIBE, resource descriptions, downloads); Turtle preferred.
RDF_TYPES: tuple[MediaType, ...] = tuple(_rdf_type(f) for f in RDF_FORMATS)

# Formats a single graph is offered in for dereferenced resources and the ontology.
GRAPH_TYPES: tuple[MediaType, ...] = tuple(
    t for t in RDF_TYPES if t.name in ("turtle", "ntriples", "jsonld", "rdfxml")
)

HTML = MediaType("html", "text/html", ("application/xhtml+xml",))

ALL_TYPES: tuple[MediaType, ...] = (*RESULT_TYPES, *RDF_TYPES, HTML)
BY_NAME: dict[str, MediaType] = {t.name: t for t in ALL_TYPES}


def negotiate(accept: str | None, offered: Sequence[MediaType]) -> MediaType | None:
    """The offered type the client prefers most, or None when it accepts none of them.

    Werkzeug parses the header and gives each type the q of the most specific range that
    matches it; an alias (``application/json`` for SPARQL JSON results) counts when named
    exactly, never through a wildcard, so ``text/*`` cannot pick SPARQL XML through its
    ``text/xml`` alias. Ties keep the server's order of ``offered`` (its preference); q=0
    means "not acceptable". A missing or empty header accepts anything.
    """
    ranges = parse_accept_header(accept if accept and accept.strip() else "*/*", MIMEAccept)
    best: tuple[float, int] | None = None
    chosen = None
    for index, offer in enumerate(offered):
        names = (offer.media_type, *offer.aliases)
        exact = [q for value, q in ranges if value.lower() in names]
        q = max(exact) if exact else ranges.quality(offer.media_type)
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen
