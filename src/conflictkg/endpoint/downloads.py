"""Downloads (``/download/<file>``) and the VoID description (``/.well-known/void``).

Every file is read from the build folder — or, with ``--dataset`` or a query backend alone
(``serve --store`` without a matching local build), serialised from the backend's dump —
and gzipped once when the app is created, so the workers share the bytes. Answers carry a
strong ETag (SHA-256 of the bytes sent), Last-Modified (the source file's time, or for a
backend alone the app's start), gzip when the client accepts it, and conditional GET (304
on If-None-Match / If-Modified-Since). Files are attachments named ``conflictkg-<file>``;
VoID is negotiated (Turtle, N-Triples, JSON-LD, RDF/XML).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
from flask import Blueprint, Response, current_app, request

from conflictkg.endpoint.backend import QueryBackend, serialize_triples
from conflictkg.endpoint.errors import error_response
from conflictkg.endpoint.mediatypes import BY_NAME, GRAPH_TYPES, MediaType, negotiate
from conflictkg.errors import ConflictKGError

# URL file name -> format name, for the files a build writes.
BUILD_FILES: dict[str, str] = {
    "dataset.ttl": "turtle",
    "dataset.nt": "ntriples",
    "dataset.jsonld": "jsonld",
    "dataset.trig": "trig",
    "dataset.rdf": "rdfxml",
    "ontology.ttl": "turtle",
    "ontology.rdf": "rdfxml",
    "shapes.ttl": "turtle",
    "view-shapes.ttl": "turtle",
}
# What --dataset FILE offers: the dataset only, serialised from the store.
DATASET_FILES = {k: v for k, v in BUILD_FILES.items() if k.startswith("dataset.")}

VOID_FILE = "void.ttl"


@dataclass(frozen=True)
class Artefact:
    """One downloadable representation, precomputed."""

    name: str
    media_type: MediaType
    body: bytes
    last_modified: datetime
    attachment: bool = True
    gzipped: bytes = field(init=False, repr=False)
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        # mtime=0 keeps the gzip bytes (and so their ETag) stable across restarts.
        object.__setattr__(self, "gzipped", gzip.compress(self.body, mtime=0))
        object.__setattr__(self, "etag", hashlib.sha256(self.body).hexdigest()[:32])

    def response(self) -> Response:
        """The artefact for the current request: gzip if accepted, 304 if unchanged."""
        use_gzip = request.accept_encodings.quality("gzip") > 0
        response = Response(
            self.gzipped if use_gzip else self.body, content_type=self.media_type.content_type
        )
        if use_gzip:
            response.headers["Content-Encoding"] = "gzip"
        # A strong ETag must differ between the plain and the gzipped bytes.
        response.set_etag(self.etag + ("-gz" if use_gzip else ""))
        response.last_modified = self.last_modified
        response.headers["Vary"] = "Accept-Encoding"
        response.cache_control.public = True
        response.cache_control.max_age = 300
        if self.attachment:
            response.headers["Content-Disposition"] = (
                f'attachment; filename="conflictkg-{self.name}"'
            )
        response.make_conditional(request)  # turns it into a 304 when the client is current
        return response


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz=UTC)


def _dumps(backend: QueryBackend, when: datetime) -> dict[str, Artefact]:
    files = {}
    for name, format_name in DATASET_FILES.items():
        media_type = BY_NAME[format_name]
        assert media_type.rdf is not None
        files[name] = Artefact(name, media_type, backend.dump(media_type.rdf.oxigraph), when)
    return files


@dataclass
class Downloads:
    """The files on offer, and the VoID description in each graph format (may be empty)."""

    files: dict[str, Artefact]
    void: dict[str, Artefact]
    why_no_void: str = ""

    @classmethod
    def prepare(
        cls, build_dir: Path | str | None, backend: QueryBackend, dataset: Path | str | None
    ) -> Downloads:
        if build_dir is not None and dataset is None:
            return cls._from_build(Path(build_dir))
        if dataset is not None:
            return cls._from_dataset(Path(dataset), backend)
        return cls._from_backend(backend)

    @classmethod
    def _from_build(cls, folder: Path) -> Downloads:
        files = {}
        for name, format_name in BUILD_FILES.items():
            path = folder / name
            if path.is_file():
                files[name] = Artefact(name, BY_NAME[format_name], path.read_bytes(), _mtime(path))
        void_path = folder / VOID_FILE
        if not void_path.is_file():
            return cls(files, {}, f"the build has no {VOID_FILE}")
        try:
            triples = [
                q.triple
                for q in pyoxigraph.parse(path=str(void_path), format=pyoxigraph.RdfFormat.TURTLE)
            ]
        except (SyntaxError, OSError) as error:
            raise ConflictKGError(f"{void_path}: {error}") from None
        when = _mtime(void_path)
        void = {
            "turtle": Artefact(VOID_FILE, BY_NAME["turtle"], void_path.read_bytes(), when, False)
        }
        for media_type in GRAPH_TYPES:
            if media_type.name not in void and media_type.rdf is not None:
                body = serialize_triples(triples, media_type.rdf.oxigraph)
                void[media_type.name] = Artefact(VOID_FILE, media_type, body, when, False)
        return cls(files, void)

    @classmethod
    def _from_dataset(cls, path: Path, backend: QueryBackend) -> Downloads:
        return cls(
            _dumps(backend, _mtime(path)),
            {},
            f"no VoID description for a dataset served with --dataset ({path.name})",
        )

    @classmethod
    def _from_backend(cls, backend: QueryBackend) -> Downloads:
        """The dataset files dumped from the backend, dated when the app was created."""
        return cls(
            _dumps(backend, datetime.now(UTC).replace(microsecond=0)),
            {},
            "no VoID description: this server answers from a query backend without a build",
        )

    def listing(self) -> list[tuple[str, str, int]]:
        """(file name, media type, size in bytes) of every download, in offer order."""
        return [(a.name, a.media_type.media_type, len(a.body)) for a in self.files.values()]


bp = Blueprint("downloads", __name__)


def _downloads() -> Downloads:
    offered: Downloads = current_app.extensions["conflictkg.downloads"]
    return offered


@bp.route("/download/<name>")
def download(name: str) -> Response:
    offered = _downloads()
    artefact = offered.files.get(name)
    if artefact is None:
        available = ", ".join(offered.files) or "none"
        return error_response(404, f"no download named {name!r}; available: {available}")
    return artefact.response()


@bp.route("/.well-known/void")
def void() -> Response:
    offered = _downloads()
    if not offered.void:
        return error_response(404, offered.why_no_void)
    types = [t for t in GRAPH_TYPES if t.name in offered.void]
    chosen = negotiate(request.headers.get("Accept"), types)
    if chosen is None:
        return error_response(
            406, "VoID is available as: " + ", ".join(t.media_type for t in types)
        )
    response = offered.void[chosen.name].response()
    response.headers["Vary"] = "Accept, Accept-Encoding"
    return response
