"""The ``/sparql`` route: protocol request → backend → negotiated, serialised answer.

``format=`` (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, nquads) wins over
the Accept header so a browser link can pick a format; otherwise the Accept header is
negotiated with q-values and 406 answers a client that accepts nothing we can write.
Without a query, ``GET /sparql`` answers the service description.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Blueprint, Response, current_app, render_template, request

from conflictkg.endpoint import service_description
from conflictkg.endpoint.backend import QueryBackend, QueryResult
from conflictkg.endpoint.deadline import DeadlineExceeded, run_with_deadline
from conflictkg.endpoint.errors import error_response
from conflictkg.endpoint.linkeddata import as_link
from conflictkg.endpoint.mediatypes import (
    BOOLEAN_TYPES,
    BY_NAME,
    GRAPH_TYPES,
    HTML,
    RDF_TYPES,
    RESULT_TYPES,
    MediaType,
    negotiate,
)
from conflictkg.endpoint.protocol import parse_request

bp = Blueprint("sparql", __name__)
log = logging.getLogger("conflictkg.endpoint")

# HTML comes last: only a client that prefers it (a browser) gets a results table.
_OFFERED: dict[str, Sequence[MediaType]] = {
    "solutions": (*RESULT_TYPES, HTML),
    "boolean": (*BOOLEAN_TYPES, HTML),
    "graph": RDF_TYPES,
}


def choose(
    format_name: str | None, offered: Sequence[MediaType], what: str
) -> MediaType | Response:
    """The media type to answer in, or the 406/400 response that says why there is none."""
    names = ", ".join(t.name for t in offered)
    if format_name is not None:
        chosen = BY_NAME.get(format_name)
        if chosen is None or chosen not in offered:
            return error_response(
                400, f"format={format_name!r} is not available for {what}; use one of: {names}"
            )
        return chosen
    chosen = negotiate(request.headers.get("Accept"), offered)
    if chosen is None:
        types = ", ".join(t.media_type for t in offered)
        return error_response(406, f"no acceptable media type for {what}; available: {types}")
    return chosen


def _backend() -> QueryBackend:
    backend: QueryBackend = current_app.extensions["conflictkg.backend"]
    return backend


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    sparql_request = parse_request(request)
    if sparql_request.query is None:
        return _service_description(sparql_request.format)
    # Negotiated before running, since the query runs outside the request's thread.
    answer_as = {
        kind: choose(sparql_request.format, offered, _WHAT[kind])
        for kind, offered in _OFFERED.items()
    }
    backend = _backend()

    def evaluate() -> Response | tuple[bytes | QueryResult, MediaType]:
        result = backend.query(
            sparql_request.query or "", sparql_request.default_graphs, sparql_request.named_graphs
        )
        chosen = answer_as[result.kind]
        if isinstance(chosen, Response):
            return chosen
        if chosen is HTML:  # rendered below, in the request's thread (Jinja needs the app)
            return result, chosen
        return result.serialize(chosen), chosen

    try:
        outcome = run_with_deadline(evaluate, current_app.config["QUERY_TIMEOUT"])
    except DeadlineExceeded as exceeded:
        log.warning("%s: %s", request.path, exceeded)
        abandon = current_app.extensions.get("conflictkg.on_abandon")
        if abandon is not None:
            abandon()
        return error_response(503, str(exceeded))
    if isinstance(outcome, Response):
        return outcome
    body, chosen = outcome
    if isinstance(body, QueryResult):
        body = _results_page(body, sparql_request.query or "")
    response = Response(body, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _results_page(result: QueryResult, query: str) -> str:
    """SELECT/ASK results as an HTML table (every value escaped by Jinja)."""
    if result.kind == "boolean":
        return render_template("results.html", query=query, boolean=result.boolean())
    raw_rows = result.rows()
    names = list(raw_rows[0]) if raw_rows else []
    for row in raw_rows:
        names += [n for n in row if n not in names]
    rows = [[as_link(row[n]) if n in row else None for n in names] for row in raw_rows]
    return render_template("results.html", query=query, names=names, rows=rows, boolean=None)


_WHAT = {"solutions": "SELECT results", "boolean": "ASK results", "graph": "graph results"}


def _service_description(format_name: str | None) -> Response:
    chosen = choose(format_name, GRAPH_TYPES, "the service description")
    if isinstance(chosen, Response):
        return chosen
    assert chosen.rdf is not None
    sizes = current_app.extensions["conflictkg.dataset_sizes"]
    body = service_description.render(request.base_url, sizes, chosen.rdf.oxigraph)
    response = Response(body, content_type=chosen.content_type)
    response.headers["Vary"] = "Accept"
    return response
