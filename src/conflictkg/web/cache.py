"""Answers kept while the data cannot change: a result cache, ETags and a runaway record.

A served dataset is immutable for the life of the server (a new build means a new
server), so an answer depends only on the request. Three things follow:

* **ETag.** Every query answer carries a strong ETag derived from the dataset's version
  (a digest of the loaded files) and the request's key; ``If-None-Match`` gets a 304.
* **Result cache.** Each worker process keeps recent answers in a least-recently-used
  cache bounded in bytes (:class:`ResultCache`). :class:`FastPath`, a WSGI middleware in
  front of Flask, answers a repeated ``GET /sparql`` from it without entering Flask; the
  view itself looks answers up by the parsed request, which also serves POST.
* **Runaway record.** A query that ran into the time limit (or was stopped because the
  worker's memory grew past its limit while it ran) is remembered (by query text
  and dataset parameters, whatever the format) for ``RUNAWAY_TTL`` seconds, in a folder
  shared by the worker processes; asked again meanwhile it gets the 503 at once instead
  of holding a core for the whole limit again. The record expires, so a query that only
  timed out because the machine was busy gets another chance later.

Only a backend that declares a ``version`` (the embedded store does; a remote store,
whose data may change behind us, does not) is cached.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from werkzeug.http import parse_etags, unquote_etag

RUNAWAY_TTL = 300.0
CACHE_BYTES = 64 * 1024 * 1024
LARGEST_ENTRY = 4 * 1024 * 1024

access_log = logging.getLogger("conflictkg.web.access")


def digest(*parts: object) -> str:
    """A short stable hex digest of ``parts`` (their ``repr``)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Answer:
    """A finished 200 answer: its body and every header a client saw with it."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


class ResultCache:
    """A thread-safe least-recently-used map of keys to :class:`Answer`, bounded by the bytes
    of the answers it holds (cachetools' LRU, sized by each body); an answer over
    ``largest`` bytes is not kept."""

    def __init__(self, max_bytes: int = CACHE_BYTES, largest: int = LARGEST_ENTRY) -> None:
        self.max_bytes = max_bytes
        self.largest = largest
        self._entries: LRUCache[object, Answer] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda answer: len(answer.body)
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """The bytes of the answers held."""
        return int(self._entries.currsize)

    def get(self, key: object) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
            else:
                self.hits += 1
            return answer

    def put(self, key: object, answer: Answer) -> None:
        if len(answer.body) > self.largest:
            return
        with self._lock:
            try:
                self._entries[key] = answer
            except ValueError:  # larger than the whole cache
                pass

    def __len__(self) -> int:
        return len(self._entries)


class RunawayRecord:
    """Queries stopped recently (time limit, memory), with the reason, shared by files in
    ``folder``.

    Without a folder (a single-process app, tests) the record lives in this process only.
    """

    def __init__(self, folder: Path | None, ttl: float = RUNAWAY_TTL) -> None:
        self.folder = folder
        self.ttl = ttl
        self._local: dict[str, tuple[float, str]] = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def add(self, key: str, reason: str = "it exceeded the time limit") -> None:
        now = time.time()
        self._local[key] = (now, reason)
        if self.folder is not None:
            (self.folder / key).write_text(reason + "\n", encoding="utf-8")

    def recent(self, key: str) -> str | None:
        """Why ``key`` was stopped, if that was less than ``ttl`` seconds ago; else None."""
        entry = self._local.get(key)
        if entry is None and self.folder is not None:
            path = self.folder / key
            try:
                entry = (os.stat(path).st_mtime, path.read_text(encoding="utf-8").strip())
            except OSError:
                entry = None
        if entry is None or time.time() - entry[0] >= self.ttl:
            return None
        return entry[1]


def if_none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header value matches ``etag`` (a quoted strong tag), by
    the weak comparison RFC 9110 prescribes for it."""
    return parse_etags(header).contains_weak(unquote_etag(etag)[0] or "")


# The environ key through which the /sparql view hands a cacheable answer's key and ETag
# to the middleware.
ENVIRON_KEY = "conflictkg.cacheable"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class FastPath:
    """WSGI middleware: a repeated ``GET /sparql?query=...`` is answered from the cache.

    The key is the raw query string with the Accept header and host, so only a
    byte-identical request is a hit; everything else goes to Flask, and a ``GET`` the
    view marked cacheable (``environ[ENVIRON_KEY]``) is stored on its way out with the
    headers Flask gave it (CORS, Vary, ETag, Content-Type). Logs one line per answer it
    gives, like the app does.
    """

    def __init__(self, app: WSGIApp, cache: ResultCache, path: str = "/sparql") -> None:
        self.app = app
        self.cache = cache
        self.path = path

    @staticmethod
    def key(environ: dict[str, Any]) -> tuple[str, ...]:
        return (
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        if not environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = self.key(environ)
        answer = self.cache.get(key)
        if answer is not None:
            return self._answer(environ, start_response, answer, started)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        marked = environ.get(ENVIRON_KEY)
        if marked is None or not captured.get("status", "").startswith("200"):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = tuple((k, v) for k, v in captured["headers"] if k.lower() != "content-length")
        self.cache.put(key, Answer(data, headers, marked))
        return [data]

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        answer: Answer,
        started: float,
    ) -> Iterable[bytes]:
        if if_none_match(environ.get("HTTP_IF_NONE_MATCH"), answer.etag):
            headers = [(k, v) for k, v in answer.headers if k.lower() != "content-type"]
            start_response("304 NOT MODIFIED", headers)
            body: list[bytes] = []
            status = 304
        else:
            headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
            start_response("200 OK", headers)
            body = [answer.body]
            status = 200
        elapsed = (time.perf_counter() - started) * 1000
        access_log.info("GET %s %d %.1fms (cached)", self.path, status, elapsed)
        return body
