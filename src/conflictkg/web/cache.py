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
  timed out because the machine was busy gets another chance later. Every request asks
  the record, so asking costs no system call: a process reads the folder only after its
  bell (a few bytes of a file mapped into every process) has changed, and while nothing
  recent is recorded the query's key is not even computed (:meth:`RunawayRecord.any_recent`).

The ETag of an answer is one digest of everything the answer depends on
(:func:`answer_tag`); it is also the key of the answer in the cache by meaning, since the
dataset's version is the same for the whole life of the app.

Only a backend that declares a ``version`` (the embedded store does; a remote store,
whose data may change behind us, does not) is cached.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

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


def answer_tag(
    version: str,
    query: str,
    default_graphs: list[str] | None,
    named_graphs: list[str] | None,
    formats: list[str],
    accept: str,
    base_url: str,
) -> str:
    """The strong ETag (quoted) of the answer to a request of this meaning on data of this
    version: one digest of all its parts, each written so that no two requests run together
    (strings after their length, lists by their ``repr``, the URL last)."""
    text = (
        f"{len(version)}:{version}{len(query)}:{query}{default_graphs!r}{named_graphs!r}"
        f"{formats!r}{len(accept)}:{accept}{base_url}"
    )
    return f'"{hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]}"'


class Answer(NamedTuple):
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

    Each process keeps what it knows in memory and reads the folder again only when the
    folder's bell has changed: ``add`` writes the query's file, then writes new random bytes
    into the bell (``BELL``, a small file that every process using the folder has mapped into
    memory), so asking the record is a comparison of a few bytes, not a system call.
    Without a folder (a single-process app, tests) the record lives in this process only.
    """

    BELL = ".bell"
    _BELL_BYTES = 8

    def __init__(self, folder: Path | None, ttl: float = RUNAWAY_TTL) -> None:
        self.folder = folder
        self.ttl = ttl
        self._local: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._bell: mmap.mmap | None = None
        self._heard = b""
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._bell = _mapped(folder / self.BELL, self._BELL_BYTES)

    def add(self, key: str, reason: str = "it exceeded the time limit") -> None:
        with self._lock:
            self._local[key] = (time.time(), reason)
        if self.folder is not None and self._bell is not None:
            (self.folder / key).write_text(reason + "\n", encoding="utf-8")
            self._bell[: self._BELL_BYTES] = os.urandom(self._BELL_BYTES)  # then ring

    def any_recent(self) -> bool:
        """Whether any query was stopped less than ``ttl`` seconds ago (in any process)."""
        self._listen()
        if not self._local:
            return False
        now = time.time()
        with self._lock:
            self._local = {k: e for k, e in self._local.items() if now - e[0] < self.ttl}
        return bool(self._local)

    def recent(self, key: str) -> str | None:
        """Why ``key`` was stopped, if that was less than ``ttl`` seconds ago; else None."""
        self._listen()
        entry = self._local.get(key)
        if entry is None or time.time() - entry[0] >= self.ttl:
            return None
        return entry[1]

    def _listen(self) -> None:
        """Read the folder again if its bell rang since this process last read it."""
        bell = self._bell
        if bell is not None and bell[: self._BELL_BYTES] != self._heard:
            self._read_folder()

    def _read_folder(self) -> None:
        """What the folder records now (the bell heard first: a later ring is heard later)."""
        assert self.folder is not None and self._bell is not None
        heard = self._bell[: self._BELL_BYTES]
        oldest = time.time() - self.ttl
        found: dict[str, tuple[float, str]] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name == self.BELL:
                    continue
                try:
                    with open(entry.path, encoding="utf-8") as record:
                        stopped = os.fstat(record.fileno()).st_mtime
                        reason = record.read().strip()
                except OSError:
                    continue
                if stopped > oldest and reason:  # an empty file is still being written
                    found[entry.name] = (stopped, reason)
        with self._lock:
            self._local = {**self._local, **found}
            self._heard = heard


def _mapped(path: Path, size: int) -> mmap.mmap:
    """The first ``size`` bytes of the file at ``path`` (made, zeroed, if missing), mapped
    shared: a write by any process that maps it is seen by all the others."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(descriptor).st_size < size:
            os.ftruncate(descriptor, size)
        return mmap.mmap(descriptor, size)
    finally:
        os.close(descriptor)


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
