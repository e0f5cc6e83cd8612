"""RDF serialisation formats as data: names, file extensions, media types, parser names.

One table serves the build (what to write), the store (how to read a file) and the
endpoint (what to offer in content negotiation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from conflictkg.errors import ConflictKGError


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialisation: its name (also the ``format`` parameter), file extension,
    media type, and the names rdflib and Oxigraph know it by."""

    name: str
    extension: str
    media_type: str
    rdflib: str
    oxigraph: pyoxigraph.RdfFormat


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "ttl", "text/turtle", "turtle", pyoxigraph.RdfFormat.TURTLE),
    RdfFormat("ntriples", "nt", "application/n-triples", "nt", pyoxigraph.RdfFormat.N_TRIPLES),
    RdfFormat("jsonld", "jsonld", "application/ld+json", "json-ld", pyoxigraph.RdfFormat.JSON_LD),
    RdfFormat("rdfxml", "rdf", "application/rdf+xml", "xml", pyoxigraph.RdfFormat.RDF_XML),
    RdfFormat("trig", "trig", "application/trig", "trig", pyoxigraph.RdfFormat.TRIG),
    RdfFormat("nquads", "nq", "application/n-quads", "nquads", pyoxigraph.RdfFormat.N_QUADS),
)

_BY_EXTENSION = {f.extension: f for f in RDF_FORMATS} | {
    "owl": RDF_FORMATS[3],
    "xml": RDF_FORMATS[3],
    "json": RDF_FORMATS[2],
}


def format_for_path(path: Path) -> RdfFormat:
    """The RDF format a file's extension names; an error naming the file when unknown."""
    ext = path.suffix.lstrip(".").lower()
    try:
        return _BY_EXTENSION[ext]
    except KeyError:
        known = ", ".join(sorted("." + e for e in _BY_EXTENSION))
        raise ConflictKGError(f"{path}: unknown RDF file extension (known: {known})") from None


def format_by_name(name: str) -> RdfFormat:
    """The format called ``name``; an error naming it when unknown."""
    for fmt in RDF_FORMATS:
        if fmt.name == name:
            return fmt
    raise ConflictKGError(f"unknown RDF format {name!r}")
