"""Downloads (``/download/<file>``) and the VoID description (``/.well-known/void``).

Every file is read from the build folder — or, with ``--dataset`` or a query backend alone
(``serve --store`` without a matching local build), serialised from the backend's dump —
and gzipped once when the app is created, so the workers share the bytes. Answers carry a
strong ETag (SHA-256 of the bytes sent), Last-Modified (the source file's time, or for a
backend alone the app's start), gzip when the client accepts it, and conditional GET (304
on If-None-Match / If-Modified-Since). Files are attachments named ``conflictkg-<file>``,
served with the artefact table's Content-Type (``events.csv`` as ``text/csv;
charset=utf-8; header=present``); VoID is negotiated (Turtle, N-Triples, JSON-LD, RDF/XML)
and names the DCAT description (``dcat.ttl``) in a ``Link: rel="describedby"`` header.

The build's schema.org ``Dataset`` (``schema-org.jsonld``) is read here too, with the
other files of the build, and given to the templates as ``dataset_jsonld()``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
from flask import Blueprint, Response, request
from markupsafe import Markup

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.artefacts import (
    BY_FILE,
    DCAT_FILE,
    DOWNLOADS,
    SCHEMA_ORG_FILE,
    VOID_FILE,
    Artefact,
)
from conflictkg.store.backend import QueryBackend, serialize_triples
from conflictkg.web.errors import error_response
from conflictkg.web.mediatypes import BY_NAME, GRAPH_TYPES, MediaType
from conflictkg.web.negotiation import choose
from conflictkg.web.state import state


@dataclass(frozen=True)
class Offered:
    """One downloadable representation, precomputed."""

    artefact: Artefact
    media_type: MediaType
    body: bytes
    last_modified: datetime
    content_type: str = ""
    """The Content-Type header; by default the media type's."""
    gzipped: bytes = field(init=False, repr=False)
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        # mtime=0 keeps the gzip bytes (and so their ETag) stable across restarts.
        object.__setattr__(self, "gzipped", gzip.compress(self.body, mtime=0))
        object.__setattr__(self, "etag", hashlib.sha256(self.body).hexdigest()[:32])
        if not self.content_type:
            object.__setattr__(self, "content_type", self.media_type.content_type)

    @property
    def name(self) -> str:
        return self.artefact.file

    @property
    def attachment(self) -> bool:
        """Downloads are files to save; VoID is a description to read."""
        return self.artefact.download

    def response(self) -> Response:
        """The artefact for the current request: gzip if accepted, 304 if unchanged."""
        use_gzip = request.accept_encodings.quality("gzip") > 0
        response = Response(self.gzipped if use_gzip else self.body, content_type=self.content_type)
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


def _dumps(backend: QueryBackend, when: datetime) -> dict[str, Offered]:
    files = {}
    for artefact in DOWNLOADS:
        if artefact.role == "dataset":
            media_type = BY_NAME[artefact.format]
            assert media_type.rdf is not None
            body = backend.dump(media_type.rdf.oxigraph)
            files[artefact.file] = Offered(artefact, media_type, body, when)
    return files


@dataclass
class Downloads:
    """The files on offer, and the VoID description in each graph format (may be empty)."""

    files: dict[str, Offered]
    void: dict[str, Offered]
    why_no_void: str = ""
    schema_org: str = ""
    """The build's schema.org description (JSON-LD text; empty without a build)."""

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
        for artefact in DOWNLOADS:
            path = folder / artefact.file
            if path.is_file():
                media_type = BY_NAME[artefact.format]
                files[artefact.file] = Offered(
                    artefact, media_type, path.read_bytes(), _mtime(path), artefact.content_type
                )
        schema_org = _read_schema_org(folder / SCHEMA_ORG_FILE)
        void_path = folder / VOID_FILE
        if not void_path.is_file():
            return cls(files, {}, f"the build has no {VOID_FILE}", schema_org)
        try:
            triples = [
                q.triple
                for q in pyoxigraph.parse(path=str(void_path), format=pyoxigraph.RdfFormat.TURTLE)
            ]
        except (SyntaxError, OSError) as error:
            raise ConflictKGError(f"{void_path}: {error}") from None
        when = _mtime(void_path)
        described = BY_FILE[VOID_FILE]
        void = {"turtle": Offered(described, BY_NAME["turtle"], void_path.read_bytes(), when)}
        for media_type in GRAPH_TYPES:
            if media_type.name not in void and media_type.rdf is not None:
                body = serialize_triples(triples, media_type.rdf.oxigraph)
                void[media_type.name] = Offered(described, media_type, body, when)
        return cls(files, void, schema_org=schema_org)

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

    def jsonld_script(self) -> Markup:
        """The schema.org description as a ``<script type="application/ld+json">`` block
        (empty markup when there is none).

        A JSON-LD block is data, not script: browsers never execute a ``<script>`` whose
        type is not JavaScript, so a Content-Security-Policy of ``script-src 'self'`` allows
        it and needs no nonce or hash. ``<``, ``>`` and ``&`` are written as JSON escapes,
        so no text of the data can close the element.
        """
        if not self.schema_org:
            return Markup("")
        text = (
            self.schema_org.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        )
        # the text is escaped above: it cannot leave the script element
        return Markup(f'<script type="application/ld+json">\n{text}</script>')  # noqa: S704

    def listing(self) -> list[Offered]:
        """Every download, in the order of the artefact table."""
        return list(self.files.values())


def _read_schema_org(path: Path) -> str:
    """The schema.org JSON-LD of a build, checked to be JSON; empty when the build has none."""
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    try:
        json.loads(text)
    except ValueError as error:
        raise ConflictKGError(f"{path}: not JSON: {error}") from None
    return text


bp = Blueprint("downloads", __name__)


@bp.app_template_global()
def dataset_jsonld() -> Markup:
    """For the home page: the dataset's schema.org description, a JSON-LD script block."""
    return state().downloads.jsonld_script()


@bp.route("/download/<name>")
def download(name: str) -> Response:
    offered = state().downloads
    artefact = offered.files.get(name)
    if artefact is None:
        available = ", ".join(offered.files) or "none"
        return error_response(404, f"no download named {name!r}; available: {available}")
    return artefact.response()


@bp.route("/.well-known/void")
def void() -> Response:
    offered = state().downloads
    if not offered.void:
        return error_response(404, offered.why_no_void)
    types = [t for t in GRAPH_TYPES if t.name in offered.void]
    chosen = choose(request.args.getlist("format"), types, "the VoID description")
    if isinstance(chosen, Response):
        return chosen
    response = offered.void[chosen.name].response()
    response.headers["Vary"] = "Accept, Accept-Encoding"
    if DCAT_FILE in offered.files:
        response.headers["Link"] = f'</download/{DCAT_FILE}>; rel="describedby"; type="text/turtle"'
    return response
