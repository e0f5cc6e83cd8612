"""Media types as data, and content negotiation over them (RFC 9110 Accept with q-values).

Every response format the endpoint can produce is one ``MediaType`` row: its ``format``
parameter name (for browsers), its media type, its aliases and how to serialise to it.
RDF rows come from :mod:`conflictkg.pipeline.formats`, so the build and the endpoint agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph

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

    @property
    def content_type(self) -> str:
        """The Content-Type header: textual types always declare UTF-8."""
        return f"{self.media_type}; charset=utf-8" if self.textual else self.media_type

    def matches(self, media_range: str) -> bool:
        if media_range in ("*/*", self.media_type, *self.aliases):
            return True
        # type/* matches the primary media type only: text/* must not pick SPARQL XML
        # results through their text/xml alias.
        return media_range.endswith("/*") and self.media_type.startswith(media_range[:-1])

    def known_as(self, value: str) -> bool:
        """Whether a ``format`` parameter value names this type (by name or media type)."""
        value = value.strip().lower()
        return value == self.name or value == self.media_type or value in self.aliases


_Q = pyoxigraph.QueryResultsFormat

# SELECT and ASK results, the preferred (first) being SPARQL JSON.
RESULT_TYPES: tuple[MediaType, ...] = (
    MediaType("json", "application/sparql-results+json", ("application/json",), results=_Q.JSON),
    MediaType(
        "xml", "application/sparql-results+xml", ("application/xml", "text/xml"), results=_Q.XML
    ),
    MediaType("csv", "text/csv", results=_Q.CSV),
    MediaType("tsv", "text/tab-separated-values", results=_Q.TSV),
)

# Booleans have no CSV/TSV form in the SPARQL 1.1 specifications.
BOOLEAN_TYPES: tuple[MediaType, ...] = RESULT_TYPES[:2]

_RDF_ALIASES = {
    "turtle": ("application/x-turtle",),
    "ntriples": ("text/plain",),
    "jsonld": ("application/json",),
    "rdfxml": ("application/xml", "text/xml"),
    "trig": (),
    "nquads": (),
}


def _rdf_type(fmt: RdfFormat) -> MediaType:
    return MediaType(fmt.name, fmt.media_type, _RDF_ALIASES.get(fmt.name, ()), rdf=fmt)


# Graphs (CONSTRUCT, DESCRIBE, resource descriptions, downloads); Turtle preferred.
RDF_TYPES: tuple[MediaType, ...] = tuple(_rdf_type(f) for f in RDF_FORMATS)

# Formats a single graph is offered in for dereferenced resources and the ontology.
GRAPH_TYPES: tuple[MediaType, ...] = tuple(
    t for t in RDF_TYPES if t.name in ("turtle", "ntriples", "jsonld", "rdfxml")
)

HTML = MediaType("html", "text/html", ("application/xhtml+xml",))

ALL_TYPES: tuple[MediaType, ...] = (*RESULT_TYPES, *RDF_TYPES, HTML)
BY_NAME: dict[str, MediaType] = {t.name: t for t in ALL_TYPES}


@dataclass(frozen=True)
class MediaRange:
    media_range: str
    q: float
    specificity: int  # 0 for */*, 1 for type/*, 2 for type/subtype


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; a missing or empty header accepts anything.

    Malformed ranges and q-values are skipped rather than refused, as most servers do.
    """
    if not header or not header.strip():
        return [MediaRange("*/*", 1.0, 0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media_range = fields[0].lower()
        if "/" not in media_range:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        specificity = 0 if media_range == "*/*" else 1 if media_range.endswith("/*") else 2
        ranges.append(MediaRange(media_range, q, specificity))
    return ranges


def negotiate(accept: str | None, offered: Sequence[MediaType]) -> MediaType | None:
    """The offered type the client prefers most, or None when it accepts none of them.

    Each offered type takes the q of the most specific range matching it; ties keep the
    server's order of ``offered`` (its preference). q=0 means "not acceptable".
    """
    ranges = parse_accept(accept)
    best: tuple[float, int] | None = None
    chosen = None
    for index, offer in enumerate(offered):
        matching = [r for r in ranges if offer.matches(r.media_range)]
        if not matching:
            continue
        q = max(matching, key=lambda r: (r.specificity, r.q)).q
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def prefers_html(accept: str | None, offered: Sequence[MediaType]) -> bool:
    """True when a browser-like client ranks HTML at least as high as every RDF type."""
    return negotiate(accept, (HTML, *offered)) is HTML
