"""The artefacts a build publishes, as data: file, format, media type, what it holds.

One table for every reader: the build writes these files (and lists the dumps in VoID),
the server offers the downloadable ones under ``/download/``, and the home page
describes them. A new artefact is one row here, plus the code that writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conflictkg.pipeline.formats import format_by_name

Role = Literal["dataset", "ontology", "shapes", "void", "docs", "record"]


@dataclass(frozen=True)
class Artefact:
    """One file of a build."""

    file: str
    format: str  # a name of conflictkg.pipeline.formats, or "json", "html"
    role: Role
    description: str

    @property
    def media_type(self) -> str:
        if self.format in ("json", "html"):
            return {"json": "application/json", "html": "text/html"}[self.format]
        return format_by_name(self.format).media_type

    @property
    def download(self) -> bool:
        """Offered under /download/ (VoID and the documentation have their own IRIs; the
        record is internal)."""
        return self.role in ("dataset", "ontology", "shapes")


ARTEFACTS: tuple[Artefact, ...] = (
    Artefact("dataset.ttl", "turtle", "dataset", "the dataset, Turtle"),
    Artefact("dataset.nt", "ntriples", "dataset", "the dataset, N-Triples"),
    Artefact("dataset.jsonld", "jsonld", "dataset", "the dataset, JSON-LD"),
    Artefact("dataset.rdf", "rdfxml", "dataset", "the dataset, RDF/XML"),
    Artefact(
        "dataset.trig",
        "trig",
        "dataset",
        "the dataset with every named graph (articles, accounts, inferred...), TriG",
    ),
    Artefact("ontology.ttl", "turtle", "ontology", "the ontology, Turtle"),
    Artefact(
        "ontology.rdf",
        "rdfxml",
        "ontology",
        "the ontology, RDF/XML (for Protégé)",
    ),
    Artefact("shapes.ttl", "turtle", "shapes", "the SHACL shapes, Turtle"),
    Artefact(
        "view-shapes.ttl",
        "turtle",
        "shapes",
        "the SHACL shapes of each view (backbone, accounts, outside), Turtle",
    ),
    Artefact("void.ttl", "turtle", "void", "the VoID description of the dataset"),
    Artefact("ontology.html", "html", "docs", "the ontology's documentation (pyLODE)"),
    Artefact("build.json", "json", "record", "input digests, counts and the time each step took"),
)

BY_FILE: dict[str, Artefact] = {a.file: a for a in ARTEFACTS}
DUMPS: tuple[str, ...] = tuple(a.file for a in ARTEFACTS if a.role == "dataset")
"""The dataset's dumps, in the order VoID lists them."""
RDF_ARTEFACTS: tuple[str, ...] = tuple(
    a.file for a in ARTEFACTS if a.format not in ("json", "html")
)
"""Every RDF file a build writes."""
DOWNLOADS: tuple[Artefact, ...] = tuple(a for a in ARTEFACTS if a.download)
VOID_FILE = "void.ttl"
DOCS_FILE = "ontology.html"
