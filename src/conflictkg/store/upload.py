"""``conflictkg load --store URL``: push a build's graphs into a remote store.

Uploads use the SPARQL 1.1 Graph Store HTTP Protocol (where a ``--store URL`` sends its
graphs: :func:`conflictkg.store.client.endpoints`).

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

**Stores without a plain default graph** (Virtuoso: its default graph is every graph it
holds, its own system graphs included, with a triple repeated once per graph): with
``--union-graph IRI`` the union goes into that named graph instead, and a catalogue graph
(``IRI/graphs``: ``<IRI> void:subset <graph>`` for each named graph loaded) says which
graphs are the dataset's. ``conflictkg serve --store URL --union-graph IRI`` then gives
every query that names no graphs the dataset explicitly (:mod:`conflictkg.store.remote`).

**Where and as whom.** ``--graph-store URL`` is the Graph Store endpoint when it is not
the ``--store`` URL (Virtuoso: ``http://HOST:8890/sparql-graph-crud-auth``); ``--user``
with the password in the environment variable ``CONFLICTKG_STORE_PASSWORD`` (never on the
command line, where other users could read it) answers the store's Digest or Basic
challenge.

**Progress.** On a terminal, a bar on one line (graphs and triples sent); otherwise a
plain line about every tenth of the triples, so a log stays short.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.formats import format_for_path
from conflictkg.project import Project
from conflictkg.store.client import Credentials, HttpClient, endpoints, excerpt

PASSWORD_VARIABLE = "CONFLICTKG_STORE_PASSWORD"
VOID_SUBSET = pyoxigraph.NamedNode("http://rdfs.org/ns/void#subset")


def catalogue_of(union_graph: str) -> str:
    """The graph that lists the dataset's named graphs beside ``union_graph``."""
    return union_graph.rstrip("/") + "/graphs"


def graphs_of(dump: Path) -> dict[str, list[pyoxigraph.Quad]]:
    """The quads of a TriG/N-Quads dump grouped by graph name ('' = the default graph)."""
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
    store: str,
    groups: dict[str, list[pyoxigraph.Quad]],
    timeout: float = 60.0,
    credentials: Credentials | None = None,
    progress: Progress | None = None,
) -> int:
    """PUT every graph of ``groups`` into the Graph Store endpoint ``store``; triples sent."""
    http = HttpClient(timeout, credentials)
    separator = "&" if "?" in store else "?"
    sent = 0
    try:
        for name in sorted(groups):
            target = (
                f"{store}{separator}default"
                if name == ""
                else f"{store}{separator}graph={quote(name, safe='')}"
            )
            body = _ntriples(groups[name])
            for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
                response = http.request(
                    "PUT", target, body, {"Content-Type": "application/n-triples"}
                )
                if attempt == DEADLOCK_ATTEMPTS or not _deadlocked(response.status, response.body):
                    break
                time.sleep(0.5 * attempt)  # the PUT replaces the graph: sending it again is safe
            if response.status not in (200, 201, 204):
                what = "the default graph" if name == "" else f"graph <{name}>"
                raise ConflictKGError(
                    f"{store}: PUT of {what} failed with HTTP {response.status}: "
                    f"{excerpt(response.body) or '(no message)'}"
                    + (_AUTH_HINT if response.status in (401, 403) else "")
                )
            sent += len(groups[name])
            if progress is not None:
                progress.advance(len(groups[name]))
    finally:
        http.close()
    return sent


DEADLOCK_ATTEMPTS = 3
"""How often a PUT the store refused as deadlocked is sent: Virtuoso answers a large PUT
with HTTP 500 "SR172: Transaction deadlocked" (SQL state 40001) when it meets its own
background work (seen at 10^6 triples, once in several loads); the store's own advice for
that state is to run the transaction again."""


def _deadlocked(status: int, body: bytes) -> bool:
    """Whether a store refused a request because its transaction deadlocked (SQL state
    40001, a serialization failure): a reason to try again, unlike any other 5xx."""
    return status >= 500 and (b"40001" in body or b"deadlock" in body.lower())


_AUTH_HINT = (
    f" (the store wants a user allowed to write: --user NAME with {PASSWORD_VARIABLE} set, "
    "and for Virtuoso --graph-store http://HOST:PORT/sparql-graph-crud-auth)"
)


class Progress:
    """How far a load is: a bar redrawn on one line on a terminal, else a plain line about
    every tenth of the work (and at the end)."""

    WIDTH = 30

    def __init__(self, graphs: int, triples: int, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.graphs, self.triples = graphs, triples
        self.done_graphs = self.done_triples = 0
        self.next_line = 0.1
        self.started = time.monotonic()

    def advance(self, triples: int) -> None:
        self.done_graphs += 1
        self.done_triples += triples
        share = self.done_triples / self.triples if self.triples else 1.0
        counts = (
            f"{self.done_graphs}/{self.graphs} graphs, "
            f"{self.done_triples:,}/{self.triples:,} triples, "
            f"{time.monotonic() - self.started:.1f}s"
        )
        if self.tty:
            filled = round(share * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if self.done_graphs == self.graphs else ""
            self.out.write(f"\rloading [{bar}] {share:4.0%} {counts}{end}")
            self.out.flush()
        elif share >= self.next_line or self.done_graphs == self.graphs:
            self.out.write(f"loading: {share:.0%} ({counts})\n")
            self.out.flush()
            while self.next_line <= share:
                self.next_line += 0.1


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


def with_union_graph(
    groups: dict[str, list[pyoxigraph.Quad]], union_graph: str
) -> dict[str, list[pyoxigraph.Quad]]:
    """The graphs ``load --union-graph IRI`` PUTs: each named graph, the union of all
    graphs as the graph IRI, and the catalogue of the named graphs (see the docstring)."""
    graphs = with_union_default(groups)
    union = graphs.pop("")
    node = pyoxigraph.NamedNode(union_graph)
    names = sorted(name for name in graphs if name != union_graph)
    if len(names) != len(graphs) or catalogue_of(union_graph) in graphs:
        raise ConflictKGError(
            f"--union-graph <{union_graph}>: the dump already has a graph of that name"
        )
    graphs[union_graph] = union
    graphs[catalogue_of(union_graph)] = [
        pyoxigraph.Quad(node, VOID_SUBSET, pyoxigraph.NamedNode(name)) for name in names
    ]
    return graphs


def credentials(user: str | None) -> Credentials | None:
    """``--user`` with its password from the environment; None without ``--user``."""
    if user is None:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        raise ConflictKGError(f"--user {user}: set the password in {PASSWORD_VARIABLE}")
    return Credentials(user, password)


def command(args: argparse.Namespace) -> int:
    """``conflictkg load --store URL``: replace the store's graphs with the build's, and its
    default graph (or ``--union-graph``) with their union (see the module docstring)."""
    project = Project.at(args.project)
    dump = last_dump(project)
    store = endpoints(args.store, getattr(args, "graph_store", None)).store
    union_graph = getattr(args, "union_graph", None)
    login = credentials(getattr(args, "user", None))
    started = time.monotonic()
    groups = graphs_of(dump)
    if not groups:
        raise ConflictKGError(f"{dump}: the dump holds no triples; nothing to load")
    if union_graph is None:
        graphs = with_union_default(groups)
        where, union = "as the default graph", len(graphs[""])
    else:
        graphs = with_union_graph(groups, union_graph)
        where, union = f"in <{union_graph}>", len(graphs[union_graph])
    progress = Progress(len(graphs), sum(len(quads) for quads in graphs.values()))
    sent = put_graphs(store, graphs, credentials=login, progress=progress)
    named = len(groups) - ("" in groups)
    print(
        f"loaded {named} named graph(s) and their union {where} ({union} triples), "
        f"{sent} triples in all, from {dump} into {store} "
        f"in {time.monotonic() - started:.1f}s",
        file=sys.stdout,
    )
    return 0
