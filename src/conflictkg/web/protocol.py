"""SPARQL 1.1 Protocol request parsing: one HTTP request in, one :class:`SparqlRequest` out.

Accepted (https://www.w3.org/TR/sparql11-protocol/#query-operation):

* ``GET /sparql?query=…`` with optional ``default-graph-uri`` / ``named-graph-uri`` (repeatable);
* ``POST`` with ``application/x-www-form-urlencoded`` (the same parameters in the body; graph
  parameters may also be in the URL);
* ``POST`` with ``application/sparql-query`` (the query is the UTF-8 body; graph parameters
  in the URL).

Every other shape is a :class:`ProtocolError` with the status the specification implies:
two ``query`` parameters or none (400), an update by any route (403: the endpoint is
read-only), a body that is not UTF-8 (400), a missing or unknown media type (415).
Both the URL and form bodies are decoded strictly, so malformed percent-encoding is a 400
rather than a silently mangled query.

Parameters are decoded in C where that gives exactly what ``urllib.parse.parse_qsl``
gives (every ``%`` followed by two hex digits, ASCII only, no backslash): the escapes
become ``\\xNN`` for ``codecs.escape_decode``, the decoder of Python's bytes literals.
``parse_qsl``'s loop in Python over every escape cost about as much as the engine's answer
to a small query; anything else still goes through it.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qsl

from flask import Request

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


class ProtocolError(Exception):
    """A request that breaks the protocol; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class SparqlRequest(NamedTuple):
    """A protocol request reduced to what the backend needs.

    ``query`` is None for a bare ``GET /sparql`` (the service description is wanted).
    ``default_graphs``/``named_graphs`` are None when the parameter was not given at all.
    """

    query: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    formats: list[str]  # every ``format`` parameter value (clients such as SPARQLWrapper repeat it)


def _decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    quick = _decode_params_quickly(raw)
    if quick is not None:
        return quick
    try:
        text = raw.decode("ascii")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(
            f"the {where} is not valid percent-encoded UTF-8 (application/x-www-form-urlencoded)"
        ) from None


def _decode_params_quickly(raw: bytes) -> list[tuple[str, str]] | None:
    """``parse_qsl(raw, keep_blank_values=True)`` for the usual query string, or None where
    only the careful decoder can tell (a stray ``%``, a backslash, bytes that are not
    ASCII, escapes that are not UTF-8)."""
    if not _plain(raw):
        return None
    params = []
    try:
        for pair in raw.split(b"&"):
            if pair:
                name, _, value = pair.partition(b"=")
                params.append((_unquote(name), _unquote(value)))
    except ValueError:  # a malformed escape, or escapes that are not UTF-8
        return None
    return params


def _plain(raw: bytes) -> bool:
    """Whether the quick decoder may read ``raw``: ASCII, with no backslash (which
    ``codecs.escape_decode`` would read as an escape of its own)."""
    return raw.isascii() and b"\\" not in raw


def _unquote(raw: bytes) -> str:
    """A form-encoded ASCII name or value, decoded ('+' is a space, %XX a byte of UTF-8)."""
    if b"%" not in raw:
        return raw.replace(b"+", b" ").decode("ascii")
    escaped = raw.replace(b"+", b" ").replace(b"%", b"\\x")
    decoded: bytes = codecs.escape_decode(escaped)[0]  # type: ignore[attr-defined]
    return decoded.decode("utf-8")


def _charset_is_utf8(charset: str | None) -> bool:
    return charset is None or charset.lower().replace("_", "-") in ("utf-8", "utf8")


def _body_text(charset: str | None, body: bytes) -> str:
    if not _charset_is_utf8(charset):
        raise ProtocolError(
            f"unsupported charset {charset!r}: SPARQL requests must be UTF-8",
            415,
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(f"the request body is not UTF-8 (byte {error.start})") from None


class _Params:
    """A request's parameters sorted by name in one pass: those the protocol reads, and
    the names of the others."""

    __slots__ = ("query", "default_graphs", "named_graphs", "formats", "others")

    def __init__(self, params: list[tuple[str, str]]) -> None:
        self.query: list[str] = []
        self.default_graphs: list[str] = []
        self.named_graphs: list[str] = []
        self.formats: list[str] = []
        self.others: set[str] = set()
        for name, value in params:
            if name == "query":
                self.query.append(value)
            elif name == "default-graph-uri":
                self.default_graphs.append(value)
            elif name == "named-graph-uri":
                self.named_graphs.append(value)
            elif name == "format":
                self.formats.append(value)
            else:
                self.others.add(name)

    def single_query(self) -> str | None:
        """The one ``query`` parameter (None: none); a ProtocolError for several."""
        if len(self.query) > 1:
            raise ProtocolError(
                f"{len(self.query)} 'query' parameters given; exactly one is allowed"
            )
        return self.query[0] if self.query else None


_GET_UPDATE_PARAMS = frozenset({"update", "using-graph-uri", "using-named-graph-uri"})


def _refuse_update() -> ProtocolError:
    return ProtocolError("SPARQL Update is not allowed: this endpoint is read-only", 403)


def parse_request(request: Request) -> SparqlRequest:
    """The SPARQL request an HTTP request carries, or a ProtocolError saying what is wrong."""
    return parse_parts(
        request.method,
        request.query_string,
        request.mimetype,
        request.mimetype_params.get("charset"),
        lambda: request.get_data(cache=True),
    )


def parse_parts(
    method: str,
    query_string: bytes,
    mimetype: str,
    charset: str | None,
    body: Callable[[], bytes],
) -> SparqlRequest:
    """The SPARQL request in a request's parts (``mimetype`` lower case, without its
    parameters; ``body`` reads the body), or a ProtocolError saying what is wrong."""
    if (
        method == "GET"
        and query_string.startswith(b"query=")
        and b"&" not in query_string
        and _plain(query_string)
    ):
        # The usual GET, one ``query`` parameter: what the general path below gives it.
        try:
            return SparqlRequest(_unquote(query_string[6:]), None, None, [])
        except ValueError:  # a malformed escape: the careful decoder says what is wrong
            pass
    decoded = _decode_params(query_string, "URL query string")
    if method == "GET":
        params = _Params(decoded)
        if not _GET_UPDATE_PARAMS.isdisjoint(params.others):
            raise _refuse_update()
        query = params.single_query()
    elif method == "POST":
        if mimetype == FORM:
            if not _charset_is_utf8(charset):
                raise ProtocolError("form bodies must be UTF-8", 415)
            params = _Params(decoded + _decode_params(body(), "request body"))
            if "update" in params.others:
                raise _refuse_update()
            query = params.single_query()
            if query is None:
                raise ProtocolError("the form has no 'query' parameter")
        elif mimetype == SPARQL_QUERY:
            params = _Params(decoded)
            if params.single_query() is not None:
                raise ProtocolError(
                    "a query both in the body (application/sparql-query) and in the URL"
                )
            query = _body_text(charset, body())
        elif mimetype == SPARQL_UPDATE:
            raise _refuse_update()
        elif not mimetype:
            raise ProtocolError(f"POST needs a Content-Type: {FORM} or {SPARQL_QUERY}", 415)
        else:
            raise ProtocolError(
                f"unsupported Content-Type {mimetype!r}: use {FORM} or {SPARQL_QUERY}", 415
            )
    else:
        raise ProtocolError(f"method {method} not allowed: use GET or POST", 405)
    return SparqlRequest(
        query, params.default_graphs or None, params.named_graphs or None, params.formats
    )
