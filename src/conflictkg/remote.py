"""Remote SPARQL stores: upload a build's named graphs (``conflictkg load``) and query them.

Uploads use the SPARQL 1.1 Graph Store HTTP Protocol (one PUT per named graph); queries use
the SPARQL 1.1 Protocol (POST ``application/sparql-query``). A store URL with no path is
taken as an Oxigraph server's root, whose endpoints are ``/store`` and ``/query``; any
other URL is used as given for both.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, quote, urlencode, urlsplit, urlunsplit

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.project import Project

# How much of an error response's body is shown to a person.
BODY_EXCERPT = 300
DEFAULT_TIMEOUT = 10.0


class RemoteTimeoutError(ConflictKGError):
    """The remote store did not answer within the time limit."""


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


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "…"


class _Connections:
    """One keep-alive HTTP connection per thread and host, reopened after any failure."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.local = threading.local()
        self.lock = threading.Lock()
        self.every: set[http.client.HTTPConnection] = set()

    def get(self, parts: SplitResult) -> http.client.HTTPConnection:
        key = (parts.scheme, parts.hostname, parts.port)
        pool: dict[tuple[object, ...], http.client.HTTPConnection] = (
            getattr(self.local, "pool", None) or {}
        )
        self.local.pool = pool
        connection = pool.get(key)
        if connection is None:
            cls = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            connection = cls(parts.hostname or "", parts.port, timeout=self.timeout)
            pool[key] = connection
            with self.lock:
                self.every.add(connection)
        return connection

    def drop(self, parts: SplitResult) -> None:
        pool = getattr(self.local, "pool", {})
        connection = pool.pop((parts.scheme, parts.hostname, parts.port), None)
        if connection is not None:
            connection.close()
            with self.lock:
                self.every.discard(connection)

    def close_all(self) -> None:
        """Close every connection of every thread (their pools reopen on next use)."""
        with self.lock:
            every, self.every = self.every, set()
        for connection in every:
            connection.close()


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


class _Http:
    """Minimal HTTP requests with clear errors; no redirects are followed (no surprises)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.connections = _Connections(timeout)

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float | None = None,
    ) -> Response:
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        # a kept-alive connection may have been closed by the server meanwhile: one retry
        for attempt in (1, 2):
            connection = self.connections.get(parts)
            connection.timeout = timeout if timeout is not None else self.timeout
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            try:
                connection.request(method, target, body=body, headers=headers)
                reply = connection.getresponse()
                data = reply.read()
            except TimeoutError:
                self.connections.drop(parts)
                raise RemoteTimeoutError(
                    f"{url}: no answer within {connection.timeout:g} s"
                ) from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connections.drop(parts)
                if attempt == 2:
                    raise ConflictKGError(f"{url}: the store closed the connection") from None
                continue
            except OSError as error:
                self.connections.drop(parts)
                reason = error.strerror or str(error)
                raise ConflictKGError(f"cannot reach the store at {url}: {reason}") from None
            except http.client.HTTPException as error:
                self.connections.drop(parts)
                raise ConflictKGError(f"{url}: invalid HTTP response ({error!r})") from None
            if reply.will_close:
                self.connections.drop(parts)
            return Response(reply.status, reply.getheader("Content-Type", ""), data)
        raise AssertionError("unreachable")  # pragma: no cover


class RemoteSparqlClient:
    """Sends SPARQL queries to a remote endpoint and returns the raw result bytes.

    ``query()`` asks for one result media type and returns ``(body, content_type)``; an
    error response or an unreachable store raises ``ConflictKGError`` naming the URL and
    the status, with an excerpt of the store's message.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = endpoints(url).query
        self.timeout = timeout
        self.http = _Http(timeout)

    def query(
        self,
        query: str,
        accept: str,
        timeout: float | None = None,
        params: Sequence[tuple[str, str]] = (),
    ) -> tuple[bytes, str]:
        """The store's answer to ``query`` in ``accept``: ``(body, content_type)``.

        ``params`` are added to the URL (``default-graph-uri``, ``named-graph-uri``, or a
        store's own extensions such as Oxigraph's ``union-default-graph``).
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
        )
        if response.status != 200:
            raise RemoteQueryError(
                f"{self.url}: the store answered HTTP {response.status}: "
                f"{_excerpt(response.body) or '(no message)'}",
                status=response.status,
                body=response.body,
            )
        return response.body, response.content_type

    def close(self) -> None:
        self.http.connections.close_all()

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


# --------------------------------------------------------------------------- graph upload


def graphs_of(dump: Path) -> dict[str, list[pyoxigraph.Quad]]:
    """The quads of a TriG/N-Quads dump grouped by graph name ('' = the default graph)."""
    from conflictkg.formats import format_for_path

    fmt = format_for_path(dump)
    groups: dict[str, list[pyoxigraph.Quad]] = defaultdict(list)
    try:
        for quad in pyoxigraph.parse(path=str(dump), format=fmt.oxigraph):
            name = quad.graph_name
            key = "" if isinstance(name, pyoxigraph.DefaultGraph) else name.value
            groups[key].append(quad)
    except SyntaxError as error:
        raise ConflictKGError(f"{dump}: {error}") from None
    except OSError as error:
        raise ConflictKGError(f"{dump}: cannot read: {error.strerror or error}") from None
    return dict(groups)


def _ntriples(quads: list[pyoxigraph.Quad]) -> bytes:
    triples = [q.triple for q in quads]
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert data is not None
    return data


def put_graphs(
    store_url: str, groups: dict[str, list[pyoxigraph.Quad]], timeout: float = 60.0
) -> int:
    """PUT every graph of ``groups`` into the Graph Store at ``store_url``; triples sent."""
    store = endpoints(store_url).store
    http = _Http(timeout)
    separator = "&" if "?" in store else "?"
    sent = 0
    try:
        sent = _put_each(http, store, separator, groups)
    finally:
        http.connections.close_all()
    return sent


def _put_each(
    http: _Http, store: str, separator: str, groups: dict[str, list[pyoxigraph.Quad]]
) -> int:
    sent = 0
    for name in sorted(groups):
        target = (
            f"{store}{separator}default"
            if name == ""
            else f"{store}{separator}graph={quote(name, safe='')}"
        )
        response = http.request(
            "PUT",
            target,
            _ntriples(groups[name]),
            {"Content-Type": "application/n-triples"},
        )
        if response.status not in (200, 201, 204):
            what = "the default graph" if name == "" else f"graph <{name}>"
            raise ConflictKGError(
                f"{store}: PUT of {what} failed with HTTP {response.status}: "
                f"{_excerpt(response.body) or '(no message)'}"
            )
        sent += len(groups[name])
    return sent


def last_dump(project: Project) -> Path:
    dump = project.output / "current" / "dataset.trig"
    if not dump.is_file():
        raise ConflictKGError(f"{dump}: no build to load; run `conflictkg build` first")
    return dump


def command(args: argparse.Namespace) -> int:
    """``conflictkg load --store URL``: replace each named graph of the store with the build's."""
    project = Project.find(args.project) if args.project else Project.find()
    dump = last_dump(project)
    store = endpoints(args.store).store
    started = time.monotonic()
    groups = graphs_of(dump)
    if not groups:
        raise ConflictKGError(f"{dump}: the dump holds no triples; nothing to load")
    sent = put_graphs(args.store, groups)
    print(
        f"loaded {len(groups)} graph(s), {sent} triples from {dump} into {store} "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stdout,
    )
    return 0
