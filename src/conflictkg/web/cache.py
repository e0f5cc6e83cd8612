"""Answers kept while the data cannot change: a result cache, ETags and a runaway record.

A served dataset is immutable for the life of the server (a new build means a new
server), so an answer depends only on the request. Three things follow:

* **ETag.** Every query answer carries a strong ETag derived from the dataset's version
  (a digest of the loaded files) and the request's key; ``If-None-Match`` gets a 304.
* **Result cache.** Each worker process keeps recent answers in a least-recently-used
  cache bounded in bytes (:class:`ResultCache`): one by the raw request, which
  :class:`conflictkg.web.sparql.DirectPath` reads before it parses anything, one by the
  request's meaning (query, graphs, format, Accept, URL), which the view reads too.
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


def digest(*parts: object) -> str:
    """A short stable hex digest of ``parts`` (strings as they are, each after its length,
    so that no two lists of parts run together; anything else by its ``repr``)."""
    text = "".join(
        f"{len(part)}:{part}" if isinstance(part, str) else f"r{len(r := repr(part))}:{r}"
        for part in parts
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


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
        if self.max_bytes <= 0:  # no cache (``--cache-mb 0``): nothing to look up
            self.misses += 1
            return None
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
            else:
                self.hits += 1
            return answer

    def put(self, key: object, answer: Answer) -> None:
        if len(answer.body) > min(self.largest, self.max_bytes):
            return  # not kept (the whole cache could not hold it either)
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
        # A plain string, joined to each key: every request looks a key up here.
        self._prefix = os.path.join(folder, "") if folder is not None else None
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
        if entry is None and self._prefix is not None:
            path = self._prefix + key
            if not os.access(path, os.F_OK):  # the usual case, told without an exception
                return None
            try:
                with open(path, encoding="utf-8") as record:
                    entry = (os.fstat(record.fileno()).st_mtime, record.read().strip())
            except OSError:
                entry = None
        if entry is None or time.time() - entry[0] >= self.ttl:
            return None
        return entry[1]


def if_none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header value matches ``etag`` (a quoted strong tag), by
    the weak comparison RFC 9110 prescribes for it."""
    return parse_etags(header).contains_weak(unquote_etag(etag)[0] or "")


# The environ key through which the /sparql view hands a cacheable answer's ETag to the
# direct path in front of Flask (web.sparql.DirectPath).
ENVIRON_KEY = "conflictkg.cacheable"

# How long clients may reuse an answer before they must revalidate it (a rebuild changes it).
CACHE_CONTROL = "public, max-age=60, must-revalidate"

# The headers every answer of the app carries, from Flask (web.app) or not (the direct path):
# any origin may read the data (public, no credentials), and no browser guesses a type.
API_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Expose-Headers",
        "Content-Type, Content-Disposition, ETag, Last-Modified, Vary",
    ),
    ("X-Content-Type-Options", "nosniff"),
)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def read_body(body: Iterable[bytes]) -> bytes:
    """A WSGI answer's body in one piece, the iterable closed after (as PEP 3333 asks)."""
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
