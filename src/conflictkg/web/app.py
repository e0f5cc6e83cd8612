"""The Flask application factory: one backend, every blueprint, CORS, the request log.

``create_app(config)`` takes a plain dict (flaskr style); the keys it reads:

``BASE_IRI``       the IRI base served at the root (default ``https://w3id.org/conflictkg/``)
``DATASET``        an RDF file (any format of conflictkg.pipeline.formats) to serve, or
``BUILD_DIR``      a build folder (``output/current``): its ``dataset.trig`` is served and
                   its files are the downloads, or
``BACKEND``        a ready :class:`~conflictkg.store.backend.QueryBackend` (tests,
                   remote stores) — with ``BUILD_DIR`` for downloads if wanted; without
                   it the dataset downloads are dumped through the backend
``QUERY_TIMEOUT``  seconds a query may run before it is answered 503 (None = no limit)
``ON_ABANDON``     called after a query was abandoned at its time limit (``conflictkg
                   serve`` recycles the worker; see web.deadline)
``RUNAWAY_DIR``    a folder shared by the worker processes where queries that exceeded the
                   time limit are recorded (None = this process only; see web.cache)
``CACHE_BYTES``    bytes of answers each process keeps (0 = no result cache)
``MAX_RESULT_BYTES`` the largest answer /sparql gives (default 32 MiB; None = no limit)
``MAX_HTML_ROWS``  the most rows of an HTML results table (default 10,000)
``MAX_URL_BYTES``  the longest path plus query string a request may have (default 16 KiB;
                   longer gets 414 and the advice to POST the query)
``PROJECT_ROOT``   the project whose seed texts and example queries the pages show
                   (default: found from the working directory; none found: no texts)

The app serves every route itself: the SPARQL protocol (``web.sparql``), linked data
(``web.linkeddata``), downloads and VoID (``web.downloads``), ``/health`` and the pages
for people (``web.pages``), each an ordinary blueprint; what they share is one
:class:`~conflictkg.web.state.AppState`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import RequestURITooLarge

from conflictkg.errors import ConflictKGError
from conflictkg.project import Project
from conflictkg.store.backend import QueryBackend
from conflictkg.store.local import OxigraphBackend
from conflictkg.vocab import BASE_IRI
from conflictkg.web import cache, downloads, errors, headers, linkeddata, sparql
from conflictkg.web.accesslog import log_answer
from conflictkg.web.deadline import RunningQueries
from conflictkg.web.pages import views as pages
from conflictkg.web.service_description import DatasetSizes
from conflictkg.web.state import EXTENSION, AppState, state

HERE = Path(__file__).resolve().parent

DEFAULTS: dict[str, Any] = {
    "BASE_IRI": BASE_IRI,
    "DATASET": None,
    "BUILD_DIR": None,
    "BACKEND": None,
    "QUERY_TIMEOUT": None,
    "ON_ABANDON": None,
    "RUNAWAY_DIR": None,
    "CACHE_BYTES": cache.CACHE_BYTES,
    "MAX_RESULT_BYTES": 32 * 1024 * 1024,
    "MAX_HTML_ROWS": 10_000,
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # a query body over 1 MiB is refused (413)
    "MAX_URL_BYTES": 16 * 1024,
    "JSON_SORT_KEYS": False,
    "PROJECT_ROOT": None,
}


def _make_backend(config: dict[str, Any]) -> tuple[QueryBackend, str]:
    """The backend the config names, and what it serves (for /health)."""
    if config["BACKEND"] is not None:
        return config["BACKEND"], "backend"
    if config["DATASET"] is not None:
        path = Path(config["DATASET"])
        return OxigraphBackend.from_files([path]), str(path)
    if config["BUILD_DIR"] is not None:
        path = Path(config["BUILD_DIR"]) / "dataset.trig"
        if not path.is_file():
            raise ConflictKGError(f"{path}: no built dataset here; run `conflictkg build` first")
        return OxigraphBackend.from_files([path]), str(path)
    raise ConflictKGError("create_app needs one of the settings DATASET, BUILD_DIR or BACKEND")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A new application serving the dataset the config names (loaded now, before any fork)."""
    app = Flask(
        "conflictkg",
        template_folder=str(HERE / "templates"),
        static_folder=str(HERE / "static"),
        static_url_path="/assets",
    )
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    if not app.config["BASE_IRI"].endswith("/"):
        raise ConflictKGError(f"BASE_IRI {app.config['BASE_IRI']!r} must end with '/'")
    app.extensions[EXTENSION] = _prepare(app.config)
    # Ordinary SPARQL requests are answered in front of Flask, with the same checks.
    app.wsgi_app = sparql.DirectPath(  # type: ignore[method-assign]
        app.wsgi_app, app.extensions[EXTENSION], app.config
    )
    errors.init_app(app)
    _init_url_limit(app)
    _init_cors_and_log(app)
    headers.init_app(app)
    for blueprint in (health, sparql.bp, downloads.bp, linkeddata.bp, pages.bp):
        app.register_blueprint(blueprint)
    pages.init_templates(app)
    return app


def _prepare(config: dict[str, Any]) -> AppState:
    """The app's state: the backend loaded, its graphs counted, the downloads read."""
    backend, source = _make_backend(config)
    budget = int(config["CACHE_BYTES"])
    runaway_dir = config["RUNAWAY_DIR"]
    build_dir = Path(config["BUILD_DIR"]) if config["BUILD_DIR"] is not None else None
    project = Project.around(config.get("PROJECT_ROOT"))
    return AppState(
        backend=backend,
        source=source,
        sizes=DatasetSizes.count(backend),
        downloads=downloads.Downloads.prepare(
            build_dir=build_dir, backend=backend, dataset=config["DATASET"]
        ),
        running=RunningQueries(),
        runaways=cache.RunawayRecord(Path(runaway_dir) if runaway_dir is not None else None),
        # Half the budget for answers by parsed request, half for raw GETs.
        view_cache=cache.ResultCache(budget // 2),
        fast_cache=(
            cache.ResultCache(budget // 2) if budget > 0 and backend.version is not None else None
        ),
        on_abandon=config["ON_ABANDON"],
        project=project,
        build_dir=build_dir,
    )


health = Blueprint("health", __name__)


@health.route("/health")
def _health() -> Response:
    """For monitors: the status, what is served, its size."""
    served = state()
    return jsonify(
        status="ok",
        source=served.source,
        triples=served.sizes.default,
        graphs=len(served.sizes.named),
    )


def _init_url_limit(app: Flask) -> None:
    """A request whose path and query string exceed MAX_URL_BYTES is answered 414."""
    limit = int(app.config["MAX_URL_BYTES"])

    @app.before_request
    def _check_url_length() -> None:
        environ = request.environ
        size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if size > limit:
            raise RequestURITooLarge(
                f"the request's URL is {size:,} bytes, over the limit of {limit:,}; "
                "send a long query in the body of a POST instead"
            )


def _init_cors_and_log(app: Flask) -> None:
    """Any origin may GET/POST (the data is public, no credentials), with the headers every
    answer carries (cache.API_HEADERS, also given by the direct path); one log line per
    request."""

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _cors_and_log(response: Response) -> Response:
        for name, value in cache.API_HEADERS:
            response.headers[name] = value
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Accept, Content-Type"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
        started = g.get("started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        log_answer(request.method, request.path, response.status_code, elapsed)
        return response
