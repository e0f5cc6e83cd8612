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
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.formats import format_for_path
from conflictkg.project import Project
from conflictkg.store.client import HttpClient, endpoints, excerpt


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
    store_url: str, groups: dict[str, list[pyoxigraph.Quad]], timeout: float = 60.0
) -> int:
    """PUT every graph of ``groups`` into the Graph Store at ``store_url``; triples sent."""
    store = endpoints(store_url).store
    http = HttpClient(timeout)
    separator = "&" if "?" in store else "?"
    sent = 0
    try:
        sent = _put_each(http, store, separator, groups)
    finally:
        http.close()
    return sent


def _put_each(
    http: HttpClient, store: str, separator: str, groups: dict[str, list[pyoxigraph.Quad]]
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
    project = Project.at(args.project)
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
