"""Remote SPARQL stores: upload a build's graphs (``conflictkg load``) and query them.

Uploads use the SPARQL 1.1 Graph Store HTTP Protocol, queries the SPARQL 1.1 Protocol
(POST ``application/sparql-query``). A store URL with no path is taken as an Oxigraph
server's root, whose endpoints are ``/store`` and ``/query``; any other URL is used as given
for both.

``conflictkg load --store URL`` PUTs each named graph of the dump (replacing the store's
graph of that name) and then PUTs the **union of all graphs** — every distinct triple of
the dump, its own default graph included — as the store's default graph. So on any store
that keeps a plain default graph (the usual default), a query without a dataset sees the
union with each triple once, as on the embedded endpoint, with no store-specific option.
A store set to make its default graph the union of its graphs must not be used: Oxigraph's
``--union-default-graph`` does not remove duplicates, so triples would be repeated
(``conflictkg serve --store`` checks this and refuses such a store). The price is that the
store holds every triple twice, and its default graph no longer tells which triples were in
the dump's default graph alone (the dump's quads are still recoverable: those of the named
graphs, plus the default-graph triples in no named graph). Named graphs the store holds but
the dump does not are left alone.
"""

from __future__ import annotations

import argparse
import http.client
import os
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


_Key = tuple[str, str | None, int | None]


class _Connections:
    """Keep-alive HTTP connections shared by all threads, one request at a time on each.

    A request takes an idle connection to its host (or opens one) and gives it back once the
    answer is read, so threads that come and go — the endpoint runs every query in a fresh
    thread — reuse a few sockets instead of leaving one open each. A forked child (a server
    worker process) forgets the sockets it inherited instead of sharing them with its parent.
    """

    MAX_IDLE = 8  # idle connections kept per host; more are closed when given back

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.lock = threading.Lock()
        self.idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self.every: set[http.client.HTTPConnection] = set()
        self.pid = os.getpid()

    @staticmethod
    def _key(parts: SplitResult) -> _Key:
        return (parts.scheme, parts.hostname, parts.port)

    def _forget_inherited(self) -> None:
        """Called with the lock held: after a fork, drop the parent's connections."""
        if self.pid != os.getpid():
            for connection in self.every:
                connection.close()  # closes this process's copy of the socket only
            self.every, self.idle, self.pid = set(), {}, os.getpid()

    def take(self, parts: SplitResult, fresh: bool = False) -> http.client.HTTPConnection:
        """An idle connection to the host of ``parts`` (a new one if none, or if ``fresh``)."""
        with self.lock:
            self._forget_inherited()
            idle = self.idle.get(self._key(parts))
            if idle and not fresh:
                return idle.pop()
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = cls(parts.hostname or "", parts.port, timeout=self.timeout)
        with self.lock:
            self.every.add(connection)
        return connection

    def give_back(self, parts: SplitResult, connection: http.client.HTTPConnection) -> None:
        """Keep a connection whose answer was read completely for the next request."""
        with self.lock:
            if connection in self.every:  # not closed by close_all or a fork meanwhile
                idle = self.idle.setdefault(self._key(parts), [])
                if len(idle) < self.MAX_IDLE:
                    idle.append(connection)
                    return
                self.every.discard(connection)
        connection.close()

    def discard(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        with self.lock:
            self.every.discard(connection)

    def close_all(self) -> None:
        """Close every connection (later requests open new ones)."""
        with self.lock:
            every, self.every, self.idle = self.every, set(), {}
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
        max_bytes: int | None = None,
    ) -> Response:
        """The answer; with ``max_bytes``, a longer body raises :class:`RemoteTooLarge`
        (read no further than that, and the connection is dropped)."""
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        # a kept-alive connection may have been closed by the server meanwhile: one retry,
        # on a new connection
        for attempt in (1, 2):
            connection = self.connections.take(parts, fresh=attempt == 2)
            connection.timeout = timeout if timeout is not None else self.timeout
            if connection.sock is not None:
                connection.sock.settimeout(connection.timeout)
            try:
                connection.request(method, target, body=body, headers=headers)
                reply = connection.getresponse()
                data = reply.read() if max_bytes is None else reply.read(max_bytes + 1)
            except TimeoutError:
                self.connections.discard(connection)
                raise RemoteTimeoutError(
                    f"{url}: no answer within {connection.timeout:g} s"
                ) from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connections.discard(connection)
                if attempt == 2:
                    raise ConflictKGError(f"{url}: the store closed the connection") from None
                continue
            except OSError as error:
                self.connections.discard(connection)
                reason = error.strerror or str(error)
                raise ConflictKGError(f"cannot reach the store at {url}: {reason}") from None
            except http.client.HTTPException as error:
                self.connections.discard(connection)
                raise ConflictKGError(f"{url}: invalid HTTP response ({error!r})") from None
            if max_bytes is not None and len(data) > max_bytes:
                self.connections.discard(connection)
                raise RemoteTooLarge(
                    f"{url}: the answer is longer than {max_bytes} bytes", limit=max_bytes
                )
            if reply.will_close:
                self.connections.discard(connection)
            else:
                self.connections.give_back(parts, connection)
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
    from conflictkg.pipeline.formats import format_for_path

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
                f"{excerpt(response.body) or '(no message)'}"
            )
        sent += len(groups[name])
    return sent


def last_dump(project: Project) -> Path:
    dump = project.output / "current" / "dataset.trig"
    if not dump.is_file():
        raise ConflictKGError(f"{dump}: no build to load; run `conflictkg build` first")
    return dump


def with_union_default(
    groups: dict[str, list[pyoxigraph.Quad]],
) -> dict[str, list[pyoxigraph.Quad]]:
    """The graphs ``load`` PUTs: each named graph as it is, and as the default graph ('')
    every distinct triple of all graphs, the dump's own default graph included."""
    union = dict.fromkeys(quad.triple for quads in groups.values() for quad in quads)
    graphs = {name: quads for name, quads in groups.items() if name != ""}
    graphs[""] = [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in union]
    return graphs


def command(args: argparse.Namespace) -> int:
    """``conflictkg load --store URL``: replace the store's graphs with the build's, and its
    default graph with their union (see the module docstring)."""
    project = Project.find(args.project) if args.project else Project.find()
    dump = last_dump(project)
    store = endpoints(args.store).store
    started = time.monotonic()
    groups = graphs_of(dump)
    if not groups:
        raise ConflictKGError(f"{dump}: the dump holds no triples; nothing to load")
    graphs = with_union_default(groups)
    sent = put_graphs(args.store, graphs)
    print(
        f"loaded {len(graphs) - 1} named graph(s) and their union as the default graph "
        f"({len(graphs[''])} triples), {sent} triples in all, from {dump} into {store} "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stdout,
    )
    return 0
