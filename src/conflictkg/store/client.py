"""HTTP to a remote SPARQL store: where its endpoints are, and a client for queries.

Queries use the SPARQL 1.1 Protocol (POST of a URL-encoded form), graphs the Graph Store
HTTP Protocol (:mod:`conflictkg.store.upload`). A store URL with no path is taken as an
Oxigraph server's root, whose endpoints are ``/query`` and ``/store``; any other URL is
used as given for both, unless the graph store is named apart (``load --graph-store``: Virtuoso's is
``/sparql-graph-crud-auth`` beside its ``/sparql``).

Writing to a store may need a user and password (Virtuoso's authenticated graph store):
:class:`Credentials` answer an HTTP ``401`` challenge, Digest (RFC 7616, MD5, ``qop=auth``)
or Basic, once per request.

The HTTP itself is urllib3's: a pool of keep-alive connections shared by every thread
(the endpoint runs each query in a fresh thread), one retry on a connection the store
closed meanwhile, no redirects followed. A forked worker starts a pool of its own rather
than share its parent's sockets. Errors are :class:`~conflictkg.errors.ConflictKGError`
naming the URL and the reason, with an excerpt of the store's message.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
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


class RemoteIncomplete(ConflictKGError):
    """The store answered 200 but says the answer is cut short (Virtuoso's row limit,
    ``X-SPARQL-MaxRows``, or its "anytime" time limit, ``X-SQL-State``)."""


# Headers with which a store marks an answer it cut short.
INCOMPLETE_HEADERS = ("X-SPARQL-MaxRows", "X-SQL-State")


class RemoteQueryError(ConflictKGError):
    """The remote store refused or failed a query; ``status`` is its HTTP status."""

    def __init__(self, message: str, *, status: int, body: bytes) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Credentials:
    """A user and password for a store that asks for them (HTTP Digest or Basic)."""

    user: str
    password: str = field(repr=False)

    def authorization(self, challenge: str, method: str, url: str) -> str | None:
        """The ``Authorization`` header answering a ``WWW-Authenticate`` challenge (None
        when it is a scheme this client does not speak)."""
        scheme, _, rest = challenge.strip().partition(" ")
        if scheme.lower() == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return f"Basic {token}"
        if scheme.lower() != "digest":
            return None
        fields = dict(_CHALLENGE_FIELD.findall(rest))
        fields = {k.lower(): v.strip('"') for k, v in fields.items()}
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        if fields.get("algorithm", "MD5").upper() != "MD5":
            return None
        parts = urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        ha1 = _md5(f"{self.user}:{realm}:{self.password}")
        ha2 = _md5(f"{method}:{uri}")
        header = f'Digest username="{self.user}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
        if "auth" in fields.get("qop", "").split(","):
            cnonce = secrets.token_hex(8)
            answer = _md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
            header += f', qop=auth, nc=00000001, cnonce="{cnonce}"'
        else:
            answer = _md5(f"{ha1}:{nonce}:{ha2}")
        if "opaque" in fields:
            header += f', opaque="{fields["opaque"]}"'
        return header + f', response="{answer}", algorithm=MD5'


_CHALLENGE_FIELD = re.compile(r'(\w+)=("[^"]*"|[^,\s]+)')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Endpoints:
    """The query and graph-store URLs of one remote store."""

    query: str
    store: str


def endpoints(url: str, graph_store: str | None = None) -> Endpoints:
    """Where to send queries and graphs for a ``--store URL`` (and ``--graph-store URL``,
    when the graph store is elsewhere); an error for a bad URL."""
    for option, value in (("--store", url), ("--graph-store", graph_store)):
        try:
            parts = urlsplit(value or url)
            usable = parts.scheme in ("http", "https") and bool(parts.hostname)
            parts.port  # noqa: B018  # read for its check: a port out of range is a ValueError
        except ValueError:  # an unclosed IPv6 bracket, a port that is no number
            usable = False
        if not usable:
            raise ConflictKGError(
                f"{option} {value!r}: expected an http:// or https:// URL such as "
                "http://127.0.0.1:7878"
            )
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        found = Endpoints(query=base + "/query", store=base + "/store")
    else:
        found = Endpoints(query=url, store=url)
    return found if graph_store is None else Endpoints(found.query, graph_store)


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
    challenge: str = ""  # WWW-Authenticate of a 401
    incomplete: str = ""  # the header and value of an answer the store cut short


class HttpClient:
    """Requests to one or more stores over pooled keep-alive connections."""

    def __init__(self, timeout: float, credentials: Credentials | None = None) -> None:
        self.timeout = timeout
        self.credentials = credentials
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
        time limit is the limit). A ``401`` with a challenge is answered once with the
        client's credentials, when it has some.
        """
        response = self._send(method, url, body, headers, timeout, max_bytes)
        challenge = response.challenge
        if response.status != 401 or self.credentials is None or not challenge:
            return response
        answer = self.credentials.authorization(challenge, method, url)
        if answer is None:
            return response
        return self._send(
            method, url, body, {**headers, "Authorization": answer}, timeout, max_bytes
        )

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float | None,
        max_bytes: int | None,
    ) -> Response:
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
            return Response(
                reply.status,
                reply.headers.get("Content-Type", ""),
                data,
                reply.headers.get("WWW-Authenticate", ""),
                next(
                    (
                        f"{name}: {reply.headers[name]}"
                        for name in INCOMPLETE_HEADERS
                        if name in reply.headers
                    ),
                    "",
                ),
            )
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

        ``params`` (``default-graph-uri``, ``named-graph-uri``, or a store's own extensions)
        go with the query in a URL-encoded form. An answer
        longer than ``max_bytes`` raises :class:`RemoteTooLarge`.
        """
        # A URL-encoded form, which every SPARQL 1.1 store must take (Virtuoso 7.2 never
        # answers a POST of application/sparql-query) and where a dataset of many graphs
        # fits (a URL may not hold it).
        body = urlencode([("query", query), *params]).encode("ascii")
        response = self.http.request(
            "POST",
            self.url,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
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
        if response.incomplete:
            raise RemoteIncomplete(f"{self.url}: the answer was cut short ({response.incomplete})")
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
