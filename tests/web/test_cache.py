"""Answers cached while the data cannot change: ETags, 304s, the GET fast path, runaways."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend
from conflictkg.web.app import create_app
from conflictkg.web.cache import Answer, ResultCache, RunawayRecord, if_none_match
from conflictkg.web.state import state_of
from tests.support.liveserver import SAMPLE

QUERY = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3"
JSON = "application/sparql-results+json"
# Nine unconstrained patterns: far beyond any time limit on the sample data.
# Over the time limits below (about 1.7 s on a quiet machine), yet bounded: the thread
# abandoned at the limit must not hold a core for the rest of the test session.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
    "FILTER(STRLEN(STR(?c)) + STRLEN(STR(?l)) > 0) }"
)


def runaway_in_background(app: Any) -> tuple[threading.Thread, list[Any]]:
    """GET the runaway query from another thread; return once the app runs it (at most
    10 s), with the thread and the list its reply is put in."""
    running = state_of(app).running
    replies: list[Any] = []
    thread = threading.Thread(
        target=lambda: replies.append(
            app.test_client().get("/sparql", query_string={"query": RUNAWAY})
        )
    )
    thread.start()
    deadline = time.monotonic() + 10
    while len(running) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    return thread, replies


def test_cache_keeps_recent_answers_within_its_byte_budget() -> None:
    cache = ResultCache(max_bytes=10, largest=6)
    for key in "abc":
        cache.put(key, Answer(b"xxxx", (), '"t"'))
    assert cache.get("a") is None  # evicted: 3 x 4 bytes > 10
    assert cache.get("c") is not None and cache.size == 8
    cache.put("big", Answer(b"x" * 7, (), '"t"'))  # over the largest entry: not kept
    assert cache.get("big") is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_runaway_record_is_shared_through_its_folder_and_expires(tmp_path: Path) -> None:
    first, second = RunawayRecord(tmp_path), RunawayRecord(tmp_path, ttl=0.2)
    assert not second.recent("k") and not second.any_recent()
    first.add("k")
    assert second.any_recent()
    assert second.recent("k") == "it exceeded the time limit"  # another process sees it
    first.add("m", "memory grew")
    assert second.recent("m") == "memory grew"
    time.sleep(0.3)
    assert not second.recent("k") and not second.any_recent()
    assert first.recent("k") and first.any_recent()


def test_runaway_record_reads_its_folder_only_when_the_bell_rang(tmp_path: Path) -> None:
    record = RunawayRecord(tmp_path)
    assert not record.recent("k")  # the folder read once: nothing recorded
    (tmp_path / "k").write_text("written without ringing\n", encoding="utf-8")
    assert not record.recent("k") and not record.any_recent()  # no look at the folder
    RunawayRecord(tmp_path).add("m", "memory grew")  # another process records, and rings
    assert record.recent("k") == "written without ringing"
    assert record.recent("m") == "memory grew"


@pytest.mark.parametrize(
    ("header", "matches"),
    [(None, False), ('"x"', False), ('"a", "t"', True), ("*", True), ('W/"t"', True)],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert if_none_match(header, '"t"') is matches


def test_repeated_get_is_answered_by_the_fast_path_with_the_same_headers() -> None:
    app = create_app({"DATASET": SAMPLE, "TESTING": True})
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
    second = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
    fast = state_of(app).fast_cache
    assert (fast.hits, len(fast)) == (1, 1)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    for header in ("Content-Type", "ETag", "Vary", "Access-Control-Allow-Origin"):
        assert first.headers[header] == second.headers[header], header
    assert int(second.headers["Content-Length"]) == len(second.data)
    # The same request spelled another way misses the fast path, is answered from the
    # view's cache, and is then known to the fast path too.
    spelled = {"query": QUERY, "unused": "1"}
    for _ in range(2):
        again = client.get("/sparql", query_string=spelled, headers={"Accept": JSON})
        assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert (fast.hits, len(fast)) == (2, 2)
    assert state_of(app).view_cache.hits == 1
    # Another format is another answer with another tag.
    csv = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/csv"})
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["ETag"] != first.headers["ETag"]


def test_if_none_match_gets_304_through_flask_and_the_fast_path() -> None:
    client = create_app({"DATASET": SAMPLE, "TESTING": True}).test_client()
    first = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
    etag = first.headers["ETag"]
    for _ in range(2):  # through Flask, then through the fast path
        again = client.get(
            "/sparql",
            query_string={"query": QUERY},
            headers={"Accept": JSON, "If-None-Match": etag},
        )
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag


def test_a_new_dataset_version_changes_the_tags(tmp_path: Path) -> None:
    copy = tmp_path / "sample.trig"
    copy.write_bytes(SAMPLE.read_bytes())
    tags = []
    for extra in ("", "<urn:x> <urn:y> <urn:z> .\n"):
        copy.write_bytes(SAMPLE.read_bytes() + extra.encode())
        client = create_app({"DATASET": copy, "TESTING": True}).test_client()
        reply = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": JSON})
        tags.append(reply.headers["ETag"])
    assert tags[0] != tags[1]


def test_a_backend_without_a_version_is_not_cached() -> None:
    backend = OxigraphBackend(load_files([SAMPLE]))  # no version: data may change
    app = create_app({"BACKEND": backend, "TESTING": True})
    client = app.test_client()
    for _ in range(2):
        reply = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": JSON})
        assert reply.status_code == 200 and "ETag" not in reply.headers
    assert state_of(app).fast_cache is None


class Counting:
    """A backend that passes every query on and lists the queries it was asked."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.version = backend.version
        self.queries: list[str] = []

    def query(self, sparql: str, *args: Any, **options: Any) -> Any:
        self.queries.append(sparql)
        return self.backend.query(sparql, *args, **options)


def test_a_runaway_query_is_refused_at_once_while_recorded(tmp_path: Path) -> None:
    app = create_app(
        {"DATASET": SAMPLE, "TESTING": True, "QUERY_TIMEOUT": 0.5, "RUNAWAY_DIR": tmp_path}
    )
    client = app.test_client()
    served = state_of(app)
    served.backend = counting = Counting(served.backend)
    first = client.get("/sparql", query_string={"query": RUNAWAY})
    assert first.status_code == 503 and "time limit of 0.5 s" in first.text
    assert counting.queries == [RUNAWAY]
    # The same query in another format, by POST: the record is by query and dataset, and
    # the store is not asked again.
    second = client.post("/sparql", data={"query": RUNAWAY, "format": "csv"})
    assert second.status_code == 503 and "not run again" in second.text
    assert counting.queries == [RUNAWAY]
    assert len([p for p in tmp_path.iterdir() if p.name != RunawayRecord.BELL]) == 1
    # Other queries are answered as usual.
    assert client.get("/sparql", query_string={"query": QUERY}).status_code == 200


def test_a_query_stopped_by_the_memory_guard_gets_503_and_is_recorded(tmp_path: Path) -> None:
    app = create_app(
        {"DATASET": SAMPLE, "TESTING": True, "QUERY_TIMEOUT": 30, "RUNAWAY_DIR": tmp_path}
    )
    running = state_of(app).running
    thread, replies = runaway_in_background(app)
    assert running.stop_all("the server's memory grew by more than 256 MiB while it ran") == 1
    thread.join(10)
    (reply,) = replies
    assert reply.status_code == 503 and "memory grew" in reply.text
    again = app.test_client().get("/sparql", query_string={"query": RUNAWAY})
    assert again.status_code == 503
    assert "not run again" in again.text and "memory grew" in again.text
