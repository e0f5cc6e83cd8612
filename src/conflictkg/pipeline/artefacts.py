"""The artefacts a build publishes, as data: file, format, media type, what it holds.

One table for every reader: the build writes these files (and lists the dumps in VoID),
the server offers the downloadable ones under ``/download/``, and the home page
describes them. A new artefact is one row here, plus the code that writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from conflictkg.pipeline.formats import format_by_name

_OTHER_TYPES = {"json": "application/json", "html": "text/html", "csv": "text/csv"}
"""Media types of the artefacts that are not RDF."""

Role = Literal[
    "dataset", "table", "ontology", "shapes", "catalogue", "void", "docs", "markup", "record"
]


@dataclass(frozen=True)
class Artefact:
    """One file of a build."""

    file: str
    format: str  # a name of conflictkg.pipeline.formats, or "json", "html", "csv"
    role: Role
    description: str

    @property
    def media_type(self) -> str:
        if self.format in _OTHER_TYPES:
            return _OTHER_TYPES[self.format]
        return format_by_name(self.format).media_type

    @property
    def content_type(self) -> str:
        """The Content-Type it is served with: UTF-8 always, and for a CSV table RFC 4180's
        ``header=present`` (the first line names the columns)."""
        header = "; header=present" if self.format == "csv" else ""
        return f"{self.media_type}; charset=utf-8{header}"

    @property
    def download(self) -> bool:
        """Offered under /download/ (VoID and the documentation have their own IRIs; the
        record and the home page's markup are internal)."""
        return self.role in ("dataset", "table", "ontology", "shapes", "catalogue")


# One artefact a line: file, format, role, then the description to the end of the line.
_TABLE = """\
dataset.ttl       turtle   dataset   the dataset, Turtle
dataset.nt        ntriples dataset   the dataset, N-Triples
dataset.jsonld    jsonld   dataset   the dataset, JSON-LD
dataset.rdf       rdfxml   dataset   the dataset, RDF/XML
dataset.trig      trig     dataset   the dataset with every named graph (articles, accounts, inferred...), TriG
events.csv        csv      table     the events, one row per event with the columns of UCDP GED where they apply, CSV
ontology.ttl      turtle   ontology  the ontology, Turtle
ontology.rdf      rdfxml   ontology  the ontology, RDF/XML (for Protégé)
shapes.ttl        turtle   shapes    the SHACL shapes, Turtle
view-shapes.ttl   turtle   shapes    the SHACL shapes of each view (backbone, accounts, outside), Turtle
dcat.ttl          turtle   catalogue the DCAT 3 description: catalogue, datasets, distributions, SPARQL endpoint
void.ttl          turtle   void      the VoID description of the dataset
ontology.html     html     docs      the ontology's documentation (pyLODE)
schema-org.jsonld jsonld   markup    the schema.org Dataset the home page embeds, JSON-LD
build.json        json     record    input digests, counts and the time each step took
"""  # noqa: E501


def _rows(table: str) -> tuple[Artefact, ...]:
    """The artefacts of ``table``; an unknown role is a mistake in this module, named."""
    rows = []
    for line in table.splitlines():
        file, fmt, role, description = line.split(maxsplit=3)
        if role not in get_args(Role):
            raise ValueError(f"artefacts.py: {file}: unknown role {role!r}")
        rows.append(Artefact(file, fmt, cast(Role, role), description))
    return tuple(rows)


ARTEFACTS: tuple[Artefact, ...] = _rows(_TABLE)

BY_FILE: dict[str, Artefact] = {a.file: a for a in ARTEFACTS}
DUMPS: tuple[str, ...] = tuple(a.file for a in ARTEFACTS if a.role == "dataset")
"""The dataset's dumps, in the order VoID lists them."""
RDF_ARTEFACTS: tuple[str, ...] = tuple(a.file for a in ARTEFACTS if a.format not in _OTHER_TYPES)
"""Every RDF file a build writes."""
DOWNLOADS: tuple[Artefact, ...] = tuple(a for a in ARTEFACTS if a.download)
VOID_FILE = "void.ttl"
DCAT_FILE = "dcat.ttl"
EVENTS_FILE = "events.csv"
SCHEMA_ORG_FILE = "schema-org.jsonld"
DOCS_FILE = "ontology.html"
