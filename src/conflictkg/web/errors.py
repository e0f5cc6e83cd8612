"""How every failure becomes an HTTP answer: a status and a message, never a traceback or a 500.

The message is plain text for SPARQL clients and scripts, JSON for clients that prefer
JSON, an HTML page for browsers. Unexpected exceptions are logged with their traceback
server-side and answered 503 with a short message.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException

from conflictkg.errors import ConflictKGError
from conflictkg.store.backend import QueryFailed
from conflictkg.store.guard import QueryRefused
from conflictkg.web.mediatypes import HTML, MediaType, negotiate
from conflictkg.web.protocol import ProtocolError

log = logging.getLogger("conflictkg.web")

_TEXT = MediaType("text", "text/plain")
_JSON = MediaType("json", "application/json")


def error_response(status: int, message: str, title: str | None = None) -> Response:
    """An error answer in the form the client prefers (plain text unless it asks otherwise)."""
    title = title or _TITLES.get(status, "Error")
    chosen = negotiate(request.headers.get("Accept"), (_TEXT, _JSON, HTML)) or _TEXT
    if chosen is HTML:
        body = render_template("error.html", status=status, title=title, message=message)
        response = Response(body, status=status, content_type=HTML.content_type)
    elif chosen is _JSON:
        body = json.dumps({"status": status, "error": title, "message": message})
        response = Response(body, status=status, content_type=_JSON.media_type)
    else:
        response = Response(
            f"{status} {title}: {message}\n", status=status, content_type=_TEXT.content_type
        )
    response.headers["Vary"] = "Accept"
    return response


_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    503: "Service Unavailable",
}


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``."""

    @app.errorhandler(ProtocolError)
    def _protocol(error: ProtocolError) -> Response:
        return error_response(error.status, error.message)

    @app.errorhandler(QueryFailed)
    def _query(error: QueryFailed) -> Response:
        return error_response(error.status, error.message)

    @app.errorhandler(QueryRefused)
    def _refused(error: QueryRefused) -> Response:
        return error_response(error.status, error.message)

    @app.errorhandler(ConflictKGError)
    def _conflictkg(error: ConflictKGError) -> Response:
        return error_response(400, str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 400
        if status >= 500:
            log.error("HTTP %s on %s %s: %s", status, request.method, request.path, error)
            status = 503
        response = error_response(status, error.description or error.name, error.name)
        if status == 405 and error.response is None:
            valid = getattr(error, "valid_methods", None)
            if valid:
                response.headers["Allow"] = ", ".join(valid)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(
            503, "the server could not answer this request; the error has been logged"
        )
