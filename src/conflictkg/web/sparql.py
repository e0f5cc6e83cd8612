"""The ``/sparql`` route: protocol request → backend → negotiated, serialised answer.

``format=`` (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, nquads) wins over
the Accept header so a browser link can pick a format; otherwise the Accept header is
negotiated with q-values and 406 answers a client that accepts nothing we can write.
Without a query, ``GET /sparql`` answers the service description.

Answers are cached, tagged and conditional while the data cannot change, and a query that
recently ran into the time limit is refused at once (see :mod:`conflictkg.web.cache`).
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, render_template, request

from conflictkg.store.backend import QueryResult, Term
from conflictkg.web import service_description
from conflictkg.web.accesslog import log_answer
from conflictkg.web.cache import (
    API_HEADERS,
    CACHE_CONTROL,
    ENVIRON_KEY,
    Answer,
    ResultCache,
    WSGIApp,
    answer_tag,
    digest,
    if_none_match,
    read_body,
)
from conflictkg.web.deadline import (
    EARLY_ANSWER,
    AnsweredElsewhere,
    QueryStopped,
    run_with_deadline,
)
from conflictkg.web.errors import error_response
from conflictkg.web.headers import POLICY, REFERRER_POLICY
from conflictkg.web.links import as_link
from conflictkg.web.mediatypes import (
    BOOLEAN_TYPES,
    GRAPH_TYPES,
    HTML,
    RDF_TYPES,
    RESULT_TYPES,
    MediaType,
)
from conflictkg.web.negotiation import choose, choose_type
from conflictkg.web.protocol import (
    FORM,
    SPARQL_QUERY,
    ProtocolError,
    SparqlRequest,
    parse_parts,
    parse_request,
)
from conflictkg.web.state import AppState, state

bp = Blueprint("sparql", __name__)
log = logging.getLogger("conflictkg.web")

# HTML comes last: only a client that prefers it (a browser) gets a results table.
_OFFERED: dict[str, Sequence[MediaType]] = {
    "solutions": (*RESULT_TYPES, HTML),
    "boolean": (*BOOLEAN_TYPES, HTML),
    "graph": RDF_TYPES,
}


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    handed = request.environ.pop(HANDED_OVER, None)
    if isinstance(handed, BaseException):  # the direct path's query failed: answer it here
        raise handed
    if handed is not None:
        return error_response(*handed)
    sparql_request = parse_request(request)
    if sparql_request.query is None:
        return _service_description(sparql_request.formats)
    served = state()
    query_key = runaway_key(sparql_request)
    refused = _recently_stopped(served, query_key)
    if refused is not None:
        return refused
    version = served.backend.version
    tag = (
        None
        if version is None
        else answer_tag(
            version, *_meaning(sparql_request), request.headers.get("Accept", ""), request.base_url
        )
    )
    cached = served.view_cache.get(tag) if tag is not None else None
    if cached is not None:
        if request.method == "GET":  # the fast path learns this spelling of the request
            request.environ[ENVIRON_KEY] = cached.etag
        return _finish(cached.body, dict(cached.headers)["Content-Type"], cached.etag)
    answer_as = {
        kind: choose(sparql_request.formats, offered, _WHAT[kind])
        for kind, offered in _OFFERED.items()
    }
    try:
        body, chosen = _run(
            served, sparql_request, answer_as, request.base_url, Limits.of(current_app.config)
        )
    except QueryStopped as exceeded:
        _note_stopped(served, query_key, exceeded)
        return error_response(503, str(exceeded))
    if isinstance(chosen, Response):
        return chosen
    data = (
        body.render(sparql_request.query).encode("utf-8") if isinstance(body, _TableData) else body
    )
    return _remember(served, tag, data, chosen)


def runaway_key(sparql_request: SparqlRequest) -> str:
    """The key of a query in the runaway record: its text and dataset, whatever the format."""
    return digest(sparql_request.query, sparql_request.default_graphs, sparql_request.named_graphs)


def _meaning(
    sparql_request: SparqlRequest,
) -> tuple[str, list[str] | None, list[str] | None, list[str]]:
    """What of a protocol request its answer depends on, for :func:`answer_tag`."""
    return (
        sparql_request.query or "",
        sparql_request.default_graphs,
        sparql_request.named_graphs,
        sparql_request.formats,
    )


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


_Chosen = TypeVar("_Chosen")


@dataclass(frozen=True)
class Limits:
    """The limits of the app's config that a query runs under."""

    query_timeout: float | None
    max_result_bytes: int | None
    max_html_rows: int | None

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Limits:
        return cls(config["QUERY_TIMEOUT"], config["MAX_RESULT_BYTES"], config["MAX_HTML_ROWS"])


def _run(
    served: AppState,
    sparql_request: SparqlRequest,
    answer_as: dict[str, _Chosen],
    endpoint_url: str,
    config: Limits,
    on_stop: Callable[[QueryStopped], object] | None = None,
) -> tuple[bytes | _TableData, _Chosen]:
    """Evaluate and serialise the query within the time limit; the answer and the entry
    of ``answer_as`` for the result's kind (when that is not a media type, the answer is
    empty). QueryStopped when the query was stopped; with ``on_stop`` the query runs in
    this thread and a stopped one is answered by ``on_stop`` (AnsweredElsewhere here)."""

    def evaluate() -> tuple[bytes | _TableData, _Chosen]:
        result = served.backend.query(
            sparql_request.query or "",
            sparql_request.default_graphs,
            sparql_request.named_graphs,
            base_iri=endpoint_url,
        )
        chosen = answer_as[result.kind]
        if chosen is HTML:
            # Rendered in the request's thread (Jinja needs the app), from plain values:
            # pyoxigraph results must not leave the thread that made them.
            return _TableData.of(result, config.max_html_rows), chosen
        if not isinstance(chosen, MediaType):
            return b"", chosen
        return result.serialize(chosen.engine_format, config.max_result_bytes), chosen

    return run_with_deadline(evaluate, config.query_timeout, served.running, on_stop)


def _note_stopped(served: AppState, query_key: str, exceeded: QueryStopped) -> None:
    """Remember a stopped query as a runaway, and let the server recycle the worker."""
    log.warning("/sparql: %s", exceeded)
    if not exceeded.runaway:
        return
    served.runaways.add(query_key, exceeded.reason)
    if served.on_abandon is not None:
        served.on_abandon()


def _remember(served: AppState, etag: str | None, data: bytes, chosen: MediaType) -> Response:
    """The answer, kept and tagged (with ``etag``, also its key) when the data cannot change."""
    if etag is None:
        return _finish(data, chosen.content_type, None)
    served.view_cache.put(etag, Answer(data, (("Content-Type", chosen.content_type),), etag))
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
        response.headers["Cache-Control"] = CACHE_CONTROL
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


# The environ key through which the direct path hands a failed query's outcome to the view:
# the exception it raised, or the (status, message) to answer.
HANDED_OVER = "conflictkg.handed_over"

# Request headers whose meaning only Flask's handling implements in full, and the outcome
# of a query handed over (the answer to a stopped query, made from the watchdog's thread).
_TO_FLASK = (
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
    "HTTP_TRANSFER_ENCODING",
    HANDED_OVER,
)
_BASE_URLS = 64  # spellings of scheme, Host and script root whose base URL is kept
_HOST = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_SCRIPT = re.compile(r"(?:/[A-Za-z0-9._\-]+)*/?")
_POST_TYPES = {
    f"{media}{params}": media
    for media in (FORM, SPARQL_QUERY)
    for params in ("", ";charset=utf-8", ";charset=UTF-8")
}
_NEGOTIATIONS = 512  # spellings of format and Accept whose choices are kept


class DirectPath:
    """WSGI in front of Flask that answers ``GET``/``POST /sparql`` itself when the request
    is ordinary, with every check the view makes and the same answer and headers.

    Flask's request, context and response objects, its hooks and werkzeug's header
    parsing cost more than the engine on a small query; here an ordinary request is
    parsed with the protocol's own parser, its format negotiated once per spelling of
    ``format``/Accept, checked against the runaway record, answered from the result cache
    (first by the raw request, then by its meaning) or run within the time limit, and
    written with its headers in one go. Anything else goes to Flask untouched: other
    paths and methods, a URL or body over its limit, a chunked body, conditional headers
    other than ``If-None-Match``, an unusual Host or Content-Type, a protocol error, a
    request without a query, an answer in HTML, a recent runaway. A query that fails or
    is stopped is not run again: the view gets the outcome (``environ[HANDED_OVER]``) and
    answers it as it answers its own. A ``GET`` the view answered and marked cacheable is
    kept for the next time, with the headers Flask gave it.

    Where the server can answer from another thread (``environ[EARLY_ANSWER]``, see
    :mod:`conflictkg.web.deadline`), the query runs in the request's own thread: when it
    is stopped, the watchdog's thread records it and has the whole app answer the
    stopped request's environ (the view's 503, with every header and the log line), and
    the request's thread sends nothing more once the engine lets it go.
    """

    def __init__(
        self,
        app: WSGIApp,
        served: AppState,
        config: Mapping[str, Any],
        path: str = "/sparql",
    ) -> None:
        self.app = app
        self.served = served
        self.path = path
        self.limits = Limits.of(config)
        self.max_url = int(config["MAX_URL_BYTES"])
        self.max_body = config["MAX_CONTENT_LENGTH"]
        self.cache: ResultCache | None = served.fast_cache
        self.by_meaning = served.view_cache.max_bytes > 0  # the cache by meaning is on
        self._chosen: dict[tuple[tuple[str, ...], str], dict[str, MediaType | str] | None] = {}
        self._base_urls: dict[tuple[str, str, str], str | None] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or not environ.keys().isdisjoint(_TO_FLASK):
            return self.app(environ, start_response)
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD")
        query_string = environ.get("QUERY_STRING", "")
        content_type = environ.get("CONTENT_TYPE", "").replace(" ", "")
        if method == "GET" and query_string:
            body = b""
        elif method == "POST" and content_type in _POST_TYPES:
            read = self._body(environ)
            if read is None:
                return self.app(environ, start_response)
            body = read
        else:
            return self.app(environ, start_response)
        if len(self.path) + len(query_string) > self.max_url:
            return self.app(environ, start_response)
        accept = environ.get("HTTP_ACCEPT", "")
        key = None
        if self.cache is not None:
            key = (
                method,
                environ.get("HTTP_HOST", ""),
                environ.get("SCRIPT_NAME", ""),
                query_string,
                accept,
                content_type,
                body,
            )
            answer = self.cache.get(key)
            if answer is not None:
                return self._send(environ, start_response, answer, started)
        answer = self._answer(environ, method, content_type, body, accept)
        if answer is None:
            return self._flask(environ, start_response, key)
        if answer is _ANSWERED:  # the client already has its 503 (and its log line)
            start_response("503 SERVICE UNAVAILABLE", [])
            return []
        if self.cache is not None and key is not None and answer.etag:
            if not isinstance(answer, _NotModified):
                self.cache.put(key, answer)
        return self._send(environ, start_response, answer, started)

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The POST body, read whole, or None when Flask should read it (no length, too
        long); the environ gets a stream over what was read, for Flask."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or (self.max_body is not None and length > self.max_body):
            return None
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body if len(body) == length else None

    def _answer(
        self, environ: dict[str, Any], method: str, content_type: str, body: bytes, accept: str
    ) -> Answer | None:
        """The answer to an ordinary request, or None for Flask to give (the query's failure
        handed over in the environ, if it ran)."""
        served = self.served
        spelling = (
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
        )
        try:
            base_url = self._base_urls[spelling]
        except KeyError:
            if len(self._base_urls) >= _BASE_URLS:
                self._base_urls.clear()
            base_url = self._base_urls[spelling] = _base_url(*spelling, self.path)
        if base_url is None:
            return None
        try:
            sparql_request = parse_parts(
                method,
                environ.get("QUERY_STRING", "").encode("latin-1"),
                _POST_TYPES.get(content_type, ""),
                None,
                lambda: body,
            )
        except (ProtocolError, UnicodeEncodeError):
            return None
        if sparql_request.query is None:
            return None
        answer_as = self._negotiated(sparql_request.formats, accept)
        if answer_as is None:
            return None
        # The runaway record's key only when the record holds anything at all.
        if served.runaways.any_recent() and served.runaways.recent(runaway_key(sparql_request)):
            return None
        version = served.backend.version
        etag = (
            ""
            if version is None
            else answer_tag(version, *_meaning(sparql_request), accept, base_url)
        )
        if etag and method == "GET" and _names_tag(environ.get("HTTP_IF_NONE_MATCH"), etag):
            return _not_modified(etag)  # the client has this answer: the query is not run
        if etag and self.by_meaning:
            cached = served.view_cache.get(etag)
            if cached is not None:
                return _direct_answer(cached.body, dict(cached.headers)["Content-Type"], etag)
        early = environ.get(EARLY_ANSWER)
        on_stop = None
        if early is not None:

            def on_stop(stopped: QueryStopped) -> None:
                # From the watchdog's thread, while this one is still in the engine.
                _note_stopped(served, runaway_key(sparql_request), stopped)
                early({**environ, HANDED_OVER: (503, str(stopped))})

        try:
            data, chosen = _run(served, sparql_request, answer_as, base_url, self.limits, on_stop)
        except QueryStopped as exceeded:
            _note_stopped(served, runaway_key(sparql_request), exceeded)
            environ[HANDED_OVER] = (503, str(exceeded))
            return None
        except AnsweredElsewhere:
            return _ANSWERED
        except Exception as error:  # answered by the view's error handlers
            environ[HANDED_OVER] = error
            return None
        if isinstance(chosen, str):
            environ[HANDED_OVER] = (406, chosen)
            return None
        assert isinstance(data, bytes) and isinstance(chosen, MediaType)
        if etag and self.by_meaning:
            served.view_cache.put(
                etag, Answer(data, (("Content-Type", chosen.content_type),), etag)
            )
        return _direct_answer(data, chosen.content_type, etag)

    def _negotiated(self, formats: list[str], accept: str) -> dict[str, MediaType | str] | None:
        """The media type (or the 406 message) for each kind of result; None when one
        of them is HTML (the view renders tables)."""
        spelling = (tuple(formats), accept)
        try:
            return self._chosen[spelling]
        except KeyError:
            pass
        chosen: dict[str, MediaType | str] | None = {
            kind: choose_type(formats, offered, _WHAT[kind], accept)
            for kind, offered in _OFFERED.items()
        }
        if chosen is not None and HTML in chosen.values():
            chosen = None
        if len(self._chosen) >= _NEGOTIATIONS:
            self._chosen.clear()
        self._chosen[spelling] = chosen
        return chosen

    def _send(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        answer: Answer,
        started: float,
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if (
            method == "GET"
            and answer.etag
            and "HTTP_IF_NONE_MATCH" in environ
            and if_none_match(environ["HTTP_IF_NONE_MATCH"], answer.etag)
        ):
            headers = [(k, v) for k, v in answer.headers if k != "Content-Type"]
            start_response("304 NOT MODIFIED", headers)
            body: list[bytes] = []
            status = 304
        else:
            start_response("200 OK", [*answer.headers, ("Content-Length", str(len(answer.body)))])
            body = [answer.body]
            status = 200
        elapsed = (time.perf_counter() - started) * 1000
        log_answer(method, self.path, status, elapsed)
        return body

    def _flask(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        key: tuple[object, ...] | None,
    ) -> Iterable[bytes]:
        """Flask's answer; a GET the view marked cacheable is kept as Flask gave it (by
        ``key``, the raw request, when the cache by raw request is on)."""
        if self.cache is None or key is None or environ["REQUEST_METHOD"] != "GET":
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        marked = environ.get(ENVIRON_KEY)
        if marked is None or not captured.get("status", "").startswith("200"):
            return body
        data = read_body(body)
        headers = tuple((k, v) for k, v in captured["headers"] if k.lower() != "content-length")
        self.cache.put(key, Answer(data, headers, marked))
        return [data]


# What the direct path makes of a query stopped while it ran in the request's own thread
# (web.deadline's watched queries): its client was answered from another thread already.
_ANSWERED = Answer(b"", (), "")


# The headers of every direct answer after its ETag: API_HEADERS, and those web.headers sets
# on Flask's answers (the direct path never reaches that hook).
_AFTER_TAG = (
    *API_HEADERS,
    ("Content-Security-Policy", POLICY),
    ("Referrer-Policy", REFERRER_POLICY),
)


def _direct_answer(data: bytes, content_type: str, etag: str) -> Answer:
    """A 200 answer with the headers the view and the app's hooks would give it."""
    if etag:
        headers = (
            ("Content-Type", content_type),
            ("Vary", "Accept"),
            ("ETag", etag),
            ("Cache-Control", CACHE_CONTROL),
            *_AFTER_TAG,
        )
    else:
        headers = (("Content-Type", content_type), ("Vary", "Accept"), *_AFTER_TAG)
    return Answer(data, headers, etag)


def _names_tag(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` itself (``*`` does not: whether
    the query has an answer at all is only known once it ran)."""
    return header is not None and header.strip() != "*" and if_none_match(header, etag)


class _NotModified(Answer):
    """The headers of an answer that was not made: its client holds it already."""

    __slots__ = ()


def _not_modified(etag: str) -> Answer:
    """What the client of a conditional ``GET`` gets when it holds the answer tagged
    ``etag`` already: the 200's headers but its type, and no body (``_send`` makes it a
    304, since the request's If-None-Match names the tag). The tag is a digest of the
    data's version and the request's meaning, both known before the query runs."""
    whole = _direct_answer(b"", "", etag)
    return _NotModified(b"", whole.headers[1:], etag)


def _base_url(scheme: str, host: str, script: str, path: str) -> str | None:
    """The request's URL without its query string, as werkzeug's ``base_url`` spells it;
    None for a Host or script root that only werkzeug should read."""
    if (
        not _HOST.fullmatch(host)
        or not _SCRIPT.fullmatch(script)
        or scheme not in ("http", "https")
    ):
        return None
    if (scheme, host[-3:]) == ("http", ":80") or (scheme, host[-4:]) == ("https", ":443"):
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{script.rstrip('/')}{path}"
