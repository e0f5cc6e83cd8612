"""The query backend interface the endpoint talks to, and its embedded Oxigraph implementation.

Views never touch a store directly: they call ``backend.query(sparql, default_graphs,
named_graphs)`` and serialise the :class:`QueryResult` they get back. A second backend
(a remote SPARQL store) only has to implement :class:`QueryBackend`.

Dataset semantics, identical for every backend:

* ``default_graphs`` and ``named_graphs`` both ``None`` (the client named no graphs in the
  protocol): the query's own ``FROM``/``FROM NAMED`` apply if it has any; otherwise the
  default graph is the **merge of all graphs** of the store (each triple once, however
  many graphs hold it) and every named graph is available to ``GRAPH``.
* either given (``default-graph-uri``/``named-graph-uri``): they replace the query's
  ``FROM``/``FROM NAMED`` entirely; the one not given is empty.
* graph IRIs the store does not hold are empty graphs: nothing is ever fetched.

Results are pyoxigraph objects (a remote backend can make them with
``pyoxigraph.parse_query_results``/``pyoxigraph.parse``) and, like pyoxigraph's own, must
be consumed in the thread that called ``query``: the /sparql view runs query and
serialisation together in one thread (see endpoint.deadline).
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol, cast

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.store.files import load_files, merge_named_graphs_into_default
from conflictkg.store.guard import QueryRefused, inspect_query
from conflictkg.vocab import PREFIXES
from conflictkg.web.cache import files_version
from conflictkg.web.mediatypes import MediaType

ResultKind = Literal["solutions", "boolean", "graph"]


class QueryFailed(Exception):
    """The backend refused or could not evaluate a query; ``message`` is safe to show."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class QueryResult:
    """A query's answer: its kind and a way to write it in one of the offered media types."""

    kind: ResultKind
    raw: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples

    def serialize(self, media_type: MediaType, max_bytes: int | None = None) -> bytes:
        """The result in ``media_type`` (one of mediatypes.RESULT_TYPES or RDF_TYPES).

        With ``max_bytes``, writing stops as soon as the answer would grow past it and
        :class:`ResultTooLarge` is raised, so a huge answer is never held in memory whole.
        """
        buffer = _CappedBuffer(max_bytes)
        out = cast(IO[bytes], buffer)
        try:
            if self.kind == "graph":
                if media_type.rdf is None:
                    raise ValueError(f"{media_type.media_type} is not an RDF format")
                cap = None if max_bytes is None else max_bytes // MIN_TRIPLE_BYTES + 1
                serialize_triples(self.triples(cap), media_type.rdf.oxigraph, out)
            else:
                if media_type.results is None:
                    raise ValueError(f"{media_type.media_type} is not a SPARQL results format")
                answer = self.raw
                assert isinstance(answer, pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean)
                answer.serialize(out, format=media_type.results)
        except (_OverCap, ResultTooLarge):
            raise ResultTooLarge(max_bytes or 0) from None
        return bytes(buffer.data)

    def rows(self, limit: int | None = None) -> list[dict[str, Term]]:
        """The solutions of a SELECT as dicts (unbound variables left out); consumes them.

        More than ``limit`` solutions raise :class:`ResultTooLarge`.
        """
        solutions = self.raw
        assert isinstance(solutions, pyoxigraph.QuerySolutions)
        names = [v.value for v in solutions.variables]
        rows: list[dict[str, Term]] = []
        for solution in solutions:
            if limit is not None and len(rows) >= limit:
                raise ResultTooLarge(limit, unit="rows")
            rows.append({n: cast(Term, term) for n in names if (term := solution[n]) is not None})
        return rows

    def boolean(self) -> bool:
        """The answer of an ASK."""
        assert isinstance(self.raw, pyoxigraph.QueryBoolean)
        return bool(self.raw)

    def triples(self, limit: int | None = None) -> list[pyoxigraph.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE; consumes them.

        More than ``limit`` triples raise :class:`ResultTooLarge`.
        """
        assert isinstance(self.raw, pyoxigraph.QueryTriples)
        if limit is None:
            return list(self.raw)
        triples: list[pyoxigraph.Triple] = []
        for triple in self.raw:
            if len(triples) >= limit:
                raise ResultTooLarge(limit, unit="triples")
            triples.append(triple)
        return triples


# No triple is written in fewer bytes than this ("<a:b> <c:d> <e:f> ." and the like), so
# an answer with more triples than max_bytes // MIN_TRIPLE_BYTES is surely over the cap.
MIN_TRIPLE_BYTES = 8


class ResultTooLarge(QueryFailed):
    """The answer is bigger than the endpoint gives in one response."""

    def __init__(self, limit: int, unit: str = "bytes") -> None:
        if unit == "bytes" and limit >= 1024 * 1024:
            amount = f"{limit / 1024 / 1024:g} MiB"
        else:
            amount = f"{limit:,} {unit}"
        super().__init__(
            f"the answer is larger than this endpoint's limit of {amount} per response; "
            "narrow the query or page through it with LIMIT and OFFSET"
            + (", or ask for JSON or CSV instead of an HTML table" if unit == "rows" else "")
        )


class _OverCap(Exception):
    """Raised inside serialisation when the answer passes its byte limit."""


class _CappedBuffer(io.RawIOBase):
    """A binary buffer that refuses to grow past ``cap`` bytes (no cap: None)."""

    def __init__(self, cap: int | None) -> None:
        super().__init__()
        self.cap = cap
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        if self.cap is not None and len(self.data) + len(chunk) > self.cap:
            raise _OverCap
        self.data += chunk
        return len(chunk)


# A value in a solution. (RDF 1.2 triple terms are not used by this project's data.)
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


def written(data: bytes | None) -> bytes:
    """The bytes pyoxigraph returns when serialising to no file (never None then)."""
    assert data is not None
    return data


def serialize_triples(
    triples: list[pyoxigraph.Triple], fmt: pyoxigraph.RdfFormat, output: IO[bytes] | None = None
) -> bytes:
    """Triples in any RDF format; quad formats get them as their default graph.

    Written to ``output`` when given (then the bytes returned are empty).

    Turtle, TriG and RDF/XML use the project's prefixes, so they stay readable.
    """
    quad_format = fmt in (pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.N_QUADS)
    items: list[pyoxigraph.Triple] | list[pyoxigraph.Quad] = (
        [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples]
        if quad_format
        else triples
    )
    prefixes = _used_prefixes(triples) if fmt in _PREFIXED else None
    if output is not None:
        pyoxigraph.serialize(items, output, format=fmt, prefixes=prefixes)
        return b""
    return written(pyoxigraph.serialize(items, format=fmt, prefixes=prefixes))


def _used_prefixes(triples: list[pyoxigraph.Triple]) -> dict[str, str]:
    # Only the prefixes the triples use; ckr: is left out because its local names hold
    # slashes, which Turtle would have to escape (ckr:person\/name) — full IRIs read better.
    iris = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, pyoxigraph.NamedNode)
    }
    if any(isinstance(t.object, pyoxigraph.Literal) for t in triples):
        iris |= {
            t.object.datatype.value for t in triples if isinstance(t.object, pyoxigraph.Literal)
        }
    return {
        prefix: namespace
        for prefix, namespace in PREFIXES.items()
        if prefix != "ckr" and any(iri.startswith(namespace) for iri in iris)
    }


_PREFIXED = (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.RDF_XML)


class QueryBackend(Protocol):
    """What the endpoint needs from a store. Implementations must be read-only."""

    def query(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query (never an update) with the dataset semantics above.

        ``base_iri`` resolves relative IRIs of a query without BASE (the endpoint passes
        its own URL, as the protocol allows); without it relative IRIs are a syntax error.

        Raises :class:`QueryFailed` with a client-facing message for syntax errors and
        refused queries (see :mod:`conflictkg.store.guard`).
        """
        ...

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        """Every quad (or, for triple formats, the union of all graphs) serialised."""
        ...

    def triple_count(self) -> int:
        """How many quads the store holds (for the service description and /health)."""
        ...


def guard(sparql: str) -> None:
    """Refuse, as a :class:`QueryFailed`, what no backend may pass on to its engine or store
    (see :mod:`conflictkg.store.guard`); every backend calls it first."""
    try:
        inspect_query(sparql)
    except QueryRefused as refused:
        raise QueryFailed(refused.message, refused.status) from None


def _graph_node(iri: str) -> pyoxigraph.NamedNode:
    try:
        return pyoxigraph.NamedNode(iri)
    except ValueError as error:
        raise QueryFailed(f"invalid graph IRI {iri!r}: {error}") from None


# Over this many quads (the merged default graph's copies included) the store is moved to
# disk. Oxigraph 0.5's in-memory store grows superlinearly on joins over shared subjects:
# on the synthetic corpora, claims joined to their sources' labels took 7.3 ms at 1.9e5
# quads and 666 ms at 1.8e6 in memory, 9.4 ms and 103 ms on disk (RocksDB). At article
# scale memory is faster (a plain scan: 1.4 ms against 8.2 ms).
ON_DISK_QUADS = 1_000_000


class OxigraphBackend:
    """A pyoxigraph Store, loaded once before the server forks.

    The store's default graph is made the merge of all its graphs at load
    (:func:`conflictkg.store.files.merge_named_graphs_into_default`), so a query without a
    dataset reads it directly. ``original_default`` keeps what the loaded files put in the
    default graph themselves, when they also had named graphs, so that quad dumps give
    back exactly the quads that were loaded.

    A store of more than ``on_disk_over`` quads is then copied to an on-disk Oxigraph store
    (RocksDB) in a temporary folder, which each process (each forked worker too) opens
    read-only for itself on first use; the folder is removed when the loading process
    exits.
    """

    def __init__(
        self,
        store: pyoxigraph.Store,
        version: str | None = None,
        on_disk_over: int | None = ON_DISK_QUADS,
    ) -> None:
        # A digest of the loaded data: answers may be cached and tagged (endpoint.cache).
        self.version = version
        self.quad_count = len(store)  # as loaded, before the merge adds its copies
        self.has_named_graphs = bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))
        self.original_default: list[pyoxigraph.Quad] = []
        if self.has_named_graphs:
            self.original_default = list(
                store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
            )
            merge_named_graphs_into_default(store)
        self.folder: Path | None = None
        if on_disk_over is not None and len(store) > on_disk_over:
            self.folder = _copy_to_disk(store)
            store = pyoxigraph.Store.read_only(str(self.folder))
        self._store = store
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @property
    def store(self) -> pyoxigraph.Store:
        """The store, opened anew (read-only) in a process forked after loading."""
        if self.folder is not None and self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._store = pyoxigraph.Store.read_only(str(self.folder))
                    self._pid = os.getpid()
        return self._store

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> OxigraphBackend:
        """Load RDF files (quad formats keep their graphs); errors name the file."""
        if not paths:
            raise ConflictKGError("no RDF files to serve")
        return cls(load_files(paths), version=files_version(paths))

    def query(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        guard(sparql)
        options: dict[str, object] = {"base_iri": base_iri}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [_graph_node(g) for g in default_graphs or ()]
            options["named_graphs"] = [_graph_node(g) for g in named_graphs or ()]
        try:
            raw = self.store.query(sparql, **options)  # type: ignore[arg-type]
        except SyntaxError as error:
            raise QueryFailed(f"SPARQL syntax error: {error}") from None
        except OSError as error:
            raise QueryFailed(f"the store could not answer: {error}", 503) from None
        if isinstance(raw, pyoxigraph.QueryBoolean):
            return QueryResult("boolean", raw)
        if isinstance(raw, pyoxigraph.QueryTriples):
            return QueryResult("graph", raw)
        return QueryResult("solutions", raw)

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        if fmt not in _QUAD_FORMATS:
            # The default graph is the merge of all graphs: each triple once.
            return written(self.store.dump(format=fmt, from_graph=pyoxigraph.DefaultGraph()))
        if not self.has_named_graphs:
            return written(self.store.dump(format=fmt))
        named = (
            q
            for q in self.store.quads_for_pattern(None, None, None)
            if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)
        )
        return written(pyoxigraph.serialize([*self.original_default, *named], format=fmt))

    def triple_count(self) -> int:
        """The quads as loaded (the merged default graph's copies not counted)."""
        return self.quad_count


def _copy_to_disk(store: pyoxigraph.Store) -> Path:
    """``store`` copied to a new on-disk store in a temporary folder, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="conflictkg-store-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not from a forked worker's exit
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    disk = pyoxigraph.Store(str(folder))
    disk.bulk_extend(store)
    disk.flush()
    del disk  # closed: the folder is opened read-only from now on
    return folder


_QUAD_FORMATS = (
    pyoxigraph.RdfFormat.TRIG,
    pyoxigraph.RdfFormat.N_QUADS,
    pyoxigraph.RdfFormat.JSON_LD,
)
