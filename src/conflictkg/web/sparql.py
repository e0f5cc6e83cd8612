"""The ``/sparql`` route: protocol request → backend → negotiated, serialised answer.

``format=`` (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, nquads) wins over
the Accept header so a browser link can pick a format; otherwise the Accept header is
negotiated with q-values and 406 answers a client that accepts nothing we can write.
Without a query, ``GET /sparql`` answers the service description.

Answers are cached, tagged and conditional while the data cannot change, and a query that
recently ran into the time limit is refused at once (see :mod:`conflictkg.web.cache`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request

from conflictkg.store.backend import QueryResult, Term
from conflictkg.web import service_description
from conflictkg.web.cache import ENVIRON_KEY, Answer, digest
from conflictkg.web.deadline import QueryStopped, run_with_deadline
from conflictkg.web.errors import error_response
from conflictkg.web.links import as_link
from conflictkg.web.mediatypes import (
    BOOLEAN_TYPES,
    GRAPH_TYPES,
    HTML,
    RDF_TYPES,
    RESULT_TYPES,
    MediaType,
)
from conflictkg.web.negotiation import choose
from conflictkg.web.protocol import SparqlRequest, parse_request
from conflictkg.web.state import AppState, state

bp = Blueprint("sparql", __name__)
log = logging.getLogger("conflictkg.web")

# HTML comes last: only a client that prefers it (a browser) gets a results table.
_OFFERED: dict[str, Sequence[MediaType]] = {
    "solutions": (*RESULT_TYPES, HTML),
    "boolean": (*BOOLEAN_TYPES, HTML),
    "graph": RDF_TYPES,
}


@dataclass(frozen=True)
class _Keys:
    """A request's meaning: the query with its dataset (``query``, the key the runaway
    record uses), then how the answer is written (``answer``, the result cache's key)."""

    query: str
    answer: tuple[object, ...]


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    sparql_request = parse_request(request)
    if sparql_request.query is None:
        return _service_description(sparql_request.formats)
    served = state()
    query_key = digest(
        sparql_request.query, sparql_request.default_graphs, sparql_request.named_graphs
    )
    accept = request.headers.get("Accept", "")
    keys = _Keys(query_key, (query_key, tuple(sparql_request.formats), accept, request.base_url))
    refused = _recently_stopped(served, keys.query)
    if refused is not None:
        return refused
    cached = served.view_cache.get(keys.answer) if served.backend.version is not None else None
    if cached is not None:
        if request.method == "GET":  # the fast path learns this spelling of the request
            request.environ[ENVIRON_KEY] = cached.etag
        return _finish(cached.body, dict(cached.headers)["Content-Type"], cached.etag)
    outcome = _run(served, sparql_request, keys.query)
    if isinstance(outcome, Response):
        return outcome
    body, chosen = outcome
    data = (
        body.render(sparql_request.query).encode("utf-8") if isinstance(body, _TableData) else body
    )
    return _remember(served, keys, data, chosen)


def _recently_stopped(served: AppState, query_key: str) -> Response | None:
    """The 503 for a query stopped a short while ago, or None."""
    stopped_before = served.runaways.recent(query_key)
    if stopped_before is None:
        return None
    unchanged = " and the data has not changed since" if served.backend.version else ""
    return error_response(
        503,
        f"this query was stopped less than {served.runaways.ttl:g} s ago ({stopped_before})"
        f"{unchanged}; it is not run again until then",
    )


def _run(
    served: AppState, sparql_request: SparqlRequest, query_key: str
) -> Response | tuple[bytes | _TableData, MediaType]:
    """Evaluate and serialise the query in its own thread, within the time limit."""
    # Read before running, since the query runs outside the request's thread.
    max_bytes = current_app.config["MAX_RESULT_BYTES"]
    max_rows = current_app.config["MAX_HTML_ROWS"]
    endpoint_url = request.base_url
    answer_as = {
        kind: choose(sparql_request.formats, offered, _WHAT[kind])
        for kind, offered in _OFFERED.items()
    }

    def evaluate() -> Response | tuple[bytes | _TableData, MediaType]:
        result = served.backend.query(
            sparql_request.query or "",
            sparql_request.default_graphs,
            sparql_request.named_graphs,
            base_iri=endpoint_url,
        )
        chosen = answer_as[result.kind]
        if isinstance(chosen, Response):
            return chosen
        if chosen is HTML:
            # Rendered in the request's thread (Jinja needs the app), from plain values:
            # pyoxigraph results must not leave the thread that made them.
            return _TableData.of(result, max_rows), chosen
        return result.serialize(chosen.engine_format, max_bytes), chosen

    try:
        return run_with_deadline(evaluate, current_app.config["QUERY_TIMEOUT"], served.running)
    except QueryStopped as exceeded:
        log.warning("%s: %s", request.path, exceeded)
        served.runaways.add(query_key, exceeded.reason)
        if served.on_abandon is not None:
            served.on_abandon()
        return error_response(503, str(exceeded))


def _remember(served: AppState, keys: _Keys, data: bytes, chosen: MediaType) -> Response:
    """The answer, kept and tagged when the data cannot change."""
    version = served.backend.version
    if version is None:
        return _finish(data, chosen.content_type, None)
    etag = f'"{digest(version, keys.answer)}"'
    served.view_cache.put(keys.answer, Answer(data, (("Content-Type", chosen.content_type),), etag))
    if request.method == "GET":
        request.environ[ENVIRON_KEY] = etag
    return _finish(data, chosen.content_type, etag)


def _finish(data: bytes, content_type: str, etag: str | None) -> Response:
    """The 200 answer (or 304 for a matching If-None-Match) with its caching headers."""
    response = Response(data, content_type=content_type)
    response.headers["Vary"] = "Accept"
    if etag is not None:
        response.headers["ETag"] = etag
        # Clients may reuse an answer briefly, then must revalidate (a rebuild changes it).
        response.headers["Cache-Control"] = "public, max-age=60, must-revalidate"
        response.make_conditional(request)
    return response


@dataclass(frozen=True)
class _TableData:
    """SELECT/ASK results as plain values, for the HTML table."""

    boolean: bool | None
    names: list[str]
    rows: list[dict[str, Term]]

    @classmethod
    def of(cls, result: QueryResult, max_rows: int | None) -> _TableData:
        if result.kind == "boolean":
            return cls(result.boolean(), [], [])
        rows = result.rows(max_rows)
        names: list[str] = []
        for row in rows:
            names += [n for n in row if n not in names]
        return cls(None, names, rows)

    def render(self, query: str) -> str:
        """The HTML page (every value escaped by Jinja)."""
        cells = [[as_link(row[n]) if n in row else None for n in self.names] for row in self.rows]
        return render_template(
            "results.html", query=query, names=self.names, rows=cells, boolean=self.boolean
        )


_WHAT = {"solutions": "SELECT results", "boolean": "ASK results", "graph": "graph results"}


def _service_description(formats: list[str]) -> Response:
    chosen = choose(formats, GRAPH_TYPES, "the service description")
    if isinstance(chosen, Response):
        return chosen
    assert chosen.rdf is not None
    body = service_description.render(request.base_url, state().sizes, chosen.rdf.oxigraph)
    response = Response(body, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    return response
