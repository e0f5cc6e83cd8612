"""HTTP to a remote SPARQL store: where its endpoints are, and a client for queries.

Queries use the SPARQL 1.1 Protocol (POST ``application/sparql-query``), graphs the Graph
Store HTTP Protocol (:mod:`conflictkg.store.upload`). A store URL with no path is taken as
an Oxigraph server's root, whose endpoints are ``/query`` and ``/store``; any other URL is
used as given for both.

The HTTP itself is urllib3's: a pool of keep-alive connections shared by every thread
(the endpoint runs each query in a fresh thread), one retry on a connection the store
closed meanwhile, no redirects followed. A forked worker starts a pool of its own rather
than share its parent's sockets. Errors are :class:`~conflictkg.errors.ConflictKGError`
naming the URL and the reason, with an excerpt of the store's message.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import (
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    TimeoutError,
)

from conflictkg.errors import ConflictKGError

# How much of an error response's body is shown to a person.
BODY_EXCERPT = 300
DEFAULT_TIMEOUT = 10.0
# Idle connections kept per store.
POOL_SIZE = 8


class RemoteTimeoutError(ConflictKGError):
    """The remote store did not answer within the time limit."""


class RemoteTooLarge(ConflictKGError):
    """The store's answer is longer than the caller would read; ``limit`` is in bytes."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class RemoteQueryError(ConflictKGError):
    """The remote store refused or failed a query; ``status`` is its HTTP status."""

    def __init__(self, message: str, *, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Endpoints:
    """The query and graph-store URLs of one remote store."""

    query: str
    store: str


def endpoints(url: str) -> Endpoints:
    """Where to send queries and graphs for a ``--store URL``; an error for a bad URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConflictKGError(
            f"--store {url!r}: expected an http:// or https:// URL such as http://127.0.0.1:7878"
        )
    if parts.path in ("", "/"):
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return Endpoints(query=base + "/query", store=base + "/store")
    return Endpoints(query=url, store=url)


def excerpt(body: bytes) -> str:
    """A store's error message, on one line and at most ``BODY_EXCERPT`` characters."""
    text = body.decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "…"


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


class HttpClient:
    """Requests to one or more stores over pooled keep-alive connections."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pools = self._new_pools()

    @staticmethod
    def _new_pools() -> urllib3.PoolManager:
        # Retries are this client's own (see request): urllib3 would also retry timeouts.
        return urllib3.PoolManager(maxsize=POOL_SIZE, block=False, retries=False)

    @property
    def pools(self) -> urllib3.PoolManager:
        """The connection pools of this process (a fork starts with none)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._pools, self._pid = self._new_pools(), os.getpid()
        return self._pools

    def connections_opened(self, url: str) -> int:
        """How many connections were opened to the host of ``url`` (tests, diagnostics)."""
        return int(self.pools.connection_from_url(url).num_connections)

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """The answer; with ``max_bytes``, a longer body raises :class:`RemoteTooLarge`
        (read no further than that, and the connection is dropped).

        A store that closed a kept-alive connection meanwhile gets the request once more,
        on a new connection; one that does not answer in time does not (the caller's
        time limit is the limit).
        """
        limit = timeout if timeout is not None else self.timeout
        for attempt in (1, 2):
            try:
                reply = self.pools.request(
                    method,
                    url,
                    body=body,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=limit, read=limit),
                    preload_content=False,
                    redirect=False,
                )
                data = _read(reply, url, max_bytes)
            except ProtocolError:
                if attempt == 2:
                    raise ConflictKGError(f"{url}: the store closed the connection") from None
                continue
            except HTTPError as error:
                raise _failure(url, limit, error) from None
            return Response(reply.status, reply.headers.get("Content-Type", ""), data)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close every connection (later requests open new ones)."""
        self.pools.clear()


def _read(reply: urllib3.BaseHTTPResponse, url: str, max_bytes: int | None) -> bytes:
    if max_bytes is None:
        data = reply.read()
        reply.release_conn()
        return data
    data = reply.read(max_bytes + 1)
    if len(data) > max_bytes:
        reply.close()  # the rest stays unread: the connection cannot be used again
        raise RemoteTooLarge(f"{url}: the answer is longer than {max_bytes} bytes", limit=max_bytes)
    data += reply.read()
    reply.release_conn()
    return data


def _failure(url: str, limit: float, error: HTTPError) -> ConflictKGError:
    """The error a person reads for a request that got no (readable) answer."""
    # urllib3 makes a refused connection a kind of connect timeout: test for it first.
    if isinstance(error, NewConnectionError | NameResolutionError):
        cause = error.__cause__ or error.__context__
        text = getattr(cause, "strerror", None) or str(cause or error)
        return ConflictKGError(f"cannot reach the store at {url}: {text}")
    if isinstance(error, TimeoutError):
        return RemoteTimeoutError(f"{url}: no answer within {limit:g} s")
    return ConflictKGError(f"{url}: invalid HTTP response ({error!r})")


class RemoteSparqlClient:
    """Sends SPARQL queries to a remote endpoint and returns the raw result bytes.

    ``query()`` asks for one result media type and returns ``(body, content_type)``; an
    error response or an unreachable store raises ``ConflictKGError`` naming the URL and
    the status, with an excerpt of the store's message.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = endpoints(url).query
        self.timeout = timeout
        self.http = HttpClient(timeout)

    def query(
        self,
        query: str,
        accept: str,
        timeout: float | None = None,
        params: Sequence[tuple[str, str]] = (),
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        """The store's answer to ``query`` in ``accept``: ``(body, content_type)``.

        ``params`` are added to the URL (``default-graph-uri``, ``named-graph-uri``, or a
        store's own extensions such as Oxigraph's ``union-default-graph``). An answer
        longer than ``max_bytes`` raises :class:`RemoteTooLarge`.
        """
        url = self.url
        if params:
            url += ("&" if "?" in url else "?") + urlencode(list(params))
        response = self.http.request(
            "POST",
            url,
            query.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            timeout,
            max_bytes,
        )
        if response.status != 200:
            raise RemoteQueryError(
                f"{self.url}: the store answered HTTP {response.status}: "
                f"{excerpt(response.body) or '(no message)'}",
                status=response.status,
                body=response.body,
            )
        return response.body, response.content_type

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RemoteSparqlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask_alive(self) -> bool:
        """True when the endpoint answers a trivial query."""
        try:
            self.query("ASK {}", "application/sparql-results+json", timeout=2.0)
        except ConflictKGError:
            return False
        return True
