"""The direct path in front of Flask: the same answers and headers as the view, every check
kept, failures answered by the view without running the query again, the cache off when
asked."""

from __future__ import annotations

import io
import threading
import time
from functools import partial
from typing import Any
from urllib.parse import urlencode

from werkzeug.test import Client, TestResponse

from conflictkg.serving.granian_server import answer_early
from conflictkg.web.app import create_app
from conflictkg.web.deadline import EARLY_ANSWER
from conflictkg.web.state import state_of
from tests.support.liveserver import SAMPLE
from tests.web.test_cache import RUNAWAY, Counting, runaway_in_background

QUERY = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"
JSON = "application/sparql-results+json"
NO_CACHE = {"DATASET": SAMPLE, "TESTING": True, "CACHE_BYTES": 0, "QUERY_TIMEOUT": 10}


def counted(config: dict[str, Any]) -> tuple[Any, Counting]:
    app = create_app(config)
    served = state_of(app)
    served.backend = counting = Counting(served.backend)
    return app, counting


def test_direct_answers_equal_flasks_with_the_same_headers() -> None:
    app = create_app({**NO_CACHE})
    # Flask alone: the app's WSGI callable behind the direct path.
    flask_only = Client(app.wsgi_app.app, TestResponse)  # type: ignore[attr-defined]
    for kwargs in (
        {"query_string": {"query": QUERY}, "headers": {"Accept": JSON}},
        {"query_string": {"query": QUERY, "format": "csv"}},
        {"data": QUERY, "content_type": "application/sparql-query", "method": "POST"},
        {
            "data": {"query": "ASK {}"},
            "method": "POST",
            "headers": {"Accept": "application/sparql-results+xml"},
        },
        {
            "query_string": {"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"},
            "headers": {"Accept": "text/turtle"},
        },
    ):
        method = kwargs.pop("method", "GET")
        direct = app.test_client().open("/sparql", method=method, **kwargs)
        through_flask = flask_only.open("/sparql", method=method, **kwargs)
        assert direct.status_code == through_flask.status_code == 200, kwargs
        assert direct.data == through_flask.data
        # Date: werkzeug's make_conditional adds one; the HTTP server (Granian) dates every
        # answer anyway.
        assert set(direct.headers.keys()) == set(through_flask.headers.keys()) - {"Date"}
        for name in ("Content-Type", "ETag", "Vary", "Access-Control-Allow-Origin"):
            assert direct.headers[name] == through_flask.headers[name], name
        assert direct.headers["X-Content-Type-Options"] == "nosniff"
        assert direct.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_without_a_cache_every_request_runs_the_query() -> None:
    app, counting = counted({**NO_CACHE})
    client = app.test_client()
    replies = [client.get("/sparql", query_string={"query": QUERY}) for _ in range(3)]
    assert {r.status_code for r in replies} == {200}
    assert counting.queries == [QUERY] * 3
    assert state_of(app).fast_cache is None and len(state_of(app).view_cache) == 0


def test_a_failing_query_is_answered_by_the_view_and_run_once() -> None:
    app, counting = counted({**NO_CACHE})
    client = app.test_client()
    broken = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s"})
    assert broken.status_code == 400 and "syntax error" in broken.text
    refused = client.get(
        "/sparql", query_string={"query": "SELECT * { SERVICE <x:y> { ?s ?p ?o } }"}
    )
    assert refused.status_code == 400 and "SERVICE" in refused.text
    wrong_format = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": JSON}
    )
    assert wrong_format.status_code == 406 and "graph results" in wrong_format.text
    assert len(counting.queries) == 3  # each query asked of the store once
    for reply in (broken, refused, wrong_format):
        assert reply.headers["Access-Control-Allow-Origin"] == "*"


def test_unusual_requests_go_to_flask() -> None:
    app, counting = counted({**NO_CACHE, "MAX_URL_BYTES": 200})
    client = app.test_client()
    table = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/html"})
    assert table.status_code == 200 and table.headers["Content-Type"].startswith("text/html")
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200 and b"sd:Service" in description.data
    too_long = client.get("/sparql", query_string={"query": QUERY + " " * 300})
    assert too_long.status_code == 414
    update = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert update.status_code == 403
    assert counting.queries == [QUERY]


def test_a_query_stopped_because_its_worker_ends_gets_503_and_is_not_recorded() -> None:
    app = create_app({**NO_CACHE, "QUERY_TIMEOUT": 30})
    running = state_of(app).running
    thread, replies = runaway_in_background(app)
    assert running.stop_for_exit("the server process answering it was restarted") == 1
    thread.join(10)
    (reply,) = replies
    assert reply.status_code == 503 and "restarted" in reply.text
    # Not remembered as a runaway: asked again, it runs (and is stopped again here).
    thread, again = runaway_in_background(app)
    assert running.stop_for_exit("the server process answering it was restarted") == 1
    thread.join(10)
    assert again[0].status_code == 503 and "not run again" not in again[0].text


class Proto:
    """Granian's response object as the app sees it: the first answer given is sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, str], bytes, str]] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        if not self.sent:
            self.sent.append((status, dict(headers), body, threading.current_thread().name))


def wsgi_get(app: Any, query: str, proto: Proto) -> tuple[list[str], bytes]:
    """A GET of ``query`` through the app as Granian's runner makes it (EARLY_ANSWER set),
    the answer of the request's own thread, as the runner would pass it to ``proto``."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/sparql",
        "QUERY_STRING": urlencode({"query": query}),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:5000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        EARLY_ANSWER: partial(answer_early, app, proto),
    }
    given: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        given.append(status)
        proto_headers.extend(headers)

    proto_headers: list[tuple[str, str]] = []
    body = b"".join(app(environ, start_response))
    proto.response_bytes(int(given[0].split()[0]), proto_headers, body)
    return given, body


def test_with_early_answers_a_quick_query_is_answered_by_its_own_thread() -> None:
    app = create_app({**NO_CACHE})
    proto = Proto()
    given, body = wsgi_get(app, QUERY, proto)
    assert given == ["200 OK"] and b'"bindings"' in body
    ((status, headers, sent, thread),) = proto.sent
    assert (status, sent, thread) == (200, body, threading.current_thread().name)
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_with_early_answers_a_runaway_gets_its_503_while_the_engine_still_runs() -> None:
    app = create_app({**NO_CACHE, "QUERY_TIMEOUT": 0.5})
    proto = Proto()
    outcome: list[tuple[list[str], bytes]] = []
    request = threading.Thread(target=lambda: outcome.append(wsgi_get(app, RUNAWAY, proto)))
    request.start()
    deadline = time.monotonic() + 10
    while not proto.sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert request.is_alive(), "answered while the request's thread was still in the engine"
    ((status, headers, sent, thread),) = proto.sent
    assert status == 503 and b"time limit of 0.5 s" in sent
    assert thread == "query-watchdog"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    # Recorded as a runaway: asked again, it is refused at once without running.
    again = app.test_client().get("/sparql", query_string={"query": RUNAWAY})
    assert again.status_code == 503 and "not run again" in again.text
    request.join(60)
    ((given, body),) = outcome
    assert given[0].startswith("503") and body == b""  # nothing more from its own thread


def test_a_conditional_get_for_a_held_answer_gets_304_without_running_the_query() -> None:
    for config in (NO_CACHE, {**NO_CACHE, "CACHE_BYTES": 1024 * 1024}):
        app, counting = counted(config)
        client = app.test_client()
        first = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
        etag = first.headers["ETag"]
        asked = len(counting.queries)
        held = {"Accept": JSON, "If-None-Match": f'"other", {etag}'}
        again = client.get("/sparql", query_string={"query": QUERY}, headers=held)
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag and "Content-Type" not in again.headers
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
        assert again.headers["Vary"] == "Accept"
        assert len(counting.queries) == asked, "no query run for a 304"
        # The next plain request still gets the whole answer (no empty one was kept).
        plain = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
        assert plain.status_code == 200 and plain.data == first.data
        # Another tag, or "*" (whether there is an answer is known only once it ran).
        for other in ('"something-else"', "*"):
            headers = {"Accept": JSON, "If-None-Match": other}
            reply = client.get("/sparql", query_string={"query": QUERY}, headers=headers)
            assert reply.status_code == (304 if other == "*" else 200)
        if config is NO_CACHE:  # those three ran the query (with a cache, it was kept)
            assert len(counting.queries) == asked + 3
