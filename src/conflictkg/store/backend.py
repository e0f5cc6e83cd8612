"""The one way to query a store: the :class:`QueryBackend` protocol and its results.

Every caller — the /sparql view, the linked-data views, the pages and their pictures —
calls ``backend.query(sparql, default_graphs, named_graphs)`` and reads or serialises the
:class:`QueryResult` it gets back. Two backends implement the protocol: the embedded
Oxigraph store (:mod:`conflictkg.store.local`) and a remote SPARQL 1.1 store
(:mod:`conflictkg.store.remote`).

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
serialisation together in one thread (see web.deadline).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Literal, cast

import pyoxigraph

from conflictkg.store.guard import QueryRefused, check_query
from conflictkg.vocab import PREFIXES

ResultKind = Literal["solutions", "boolean", "graph"]
# What a result is written in: an RDF format for graphs, a results format for the others.
EngineFormat = pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat


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

    def serialize(self, fmt: EngineFormat, max_bytes: int | None = None) -> bytes:
        """The result in ``fmt`` (an RDF format for a graph, a results format otherwise).

        With ``max_bytes``, writing stops as soon as the answer would grow past it and
        :class:`ResultTooLarge` is raised, so a huge answer is never held in memory whole.
        """
        buffer = _CappedBuffer(max_bytes)
        out: IO[bytes] = buffer  # type: ignore[assignment]  # pyoxigraph only calls write
        try:
            if self.kind == "graph":
                if not isinstance(fmt, pyoxigraph.RdfFormat):
                    raise ValueError(f"{fmt} is not an RDF format")
                cap = None if max_bytes is None else max_bytes // MIN_TRIPLE_BYTES + 1
                serialize_triples(self.triples(cap), fmt, out)
            else:
                if not isinstance(fmt, pyoxigraph.QueryResultsFormat):
                    raise ValueError(f"{fmt} is not a SPARQL results format")
                answer = self.raw
                assert isinstance(answer, pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean)
                answer.serialize(out, format=fmt)
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


class _CappedBuffer:
    """A binary sink that refuses to grow past ``cap`` bytes (no cap: None).

    A plain class, not an :class:`io.RawIOBase`: pyoxigraph's serialisers only call
    ``write`` (and ``flush``), and the io base class cost about 3 % of an uncached request.
    """

    __slots__ = ("cap", "data")

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.data = bytearray()

    def flush(self) -> None:
        """Nothing to flush: the bytes are in ``data``."""

    def write(self, chunk: bytes) -> int:
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


# Formats that keep graph names: a dump in one of them holds every quad as loaded.
QUAD_FORMATS = (
    pyoxigraph.RdfFormat.TRIG,
    pyoxigraph.RdfFormat.N_QUADS,
    pyoxigraph.RdfFormat.JSON_LD,
)

_PREFIXED = (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.RDF_XML)


@dataclass(frozen=True)
class Dataset:
    """The graphs a request names (``default-graph-uri``, ``named-graph-uri``): they replace
    the query's FROM and FROM NAMED; the kind not given is empty."""

    default: tuple[pyoxigraph.NamedNode, ...]
    named: tuple[pyoxigraph.NamedNode, ...]


class QueryBackend(ABC):
    """Everything a caller needs from a store. Implementations must be read-only.

    ``query`` is the same for every backend: it refuses what no store may see
    (:func:`guard`), reads the request's graph IRIs, then asks :meth:`_run`. ``version``
    is a digest of the data when it cannot change while served (the embedded store), so
    answers may be cached and tagged; None when it may (a remote store).
    """

    @property
    @abstractmethod
    def version(self) -> str | None: ...

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
        guard(sparql)
        dataset = None
        if default_graphs is not None or named_graphs is not None:
            dataset = Dataset(
                tuple(graph_node(g) for g in default_graphs or ()),
                tuple(graph_node(g) for g in named_graphs or ()),
            )
        return self._run(sparql, dataset, base_iri)

    @abstractmethod
    def _run(self, sparql: str, dataset: Dataset | None, base_iri: str | None) -> QueryResult:
        """Evaluate a query that passed the guard."""

    @abstractmethod
    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        """Every quad (or, for triple formats, the union of all graphs) serialised."""

    @abstractmethod
    def triple_count(self) -> int:
        """How many quads the store holds (for the service description and /health)."""

    def close(self) -> None:  # noqa: B027 (nothing to let go of, unless a backend says so)
        """Let go of connections and handles (before the server forks; later calls reopen)."""


# A position in a message about a query: Oxigraph's "error at LINE:COLUMN", the guard's
# "line LINE, column COLUMN".
_POSITION = re.compile(r"\b(error at |line )(\d+)(:\d+|, column \d+)")


def lines_back(message: str, lines: int) -> str:
    """A message about a query whose sender had ``lines`` lines put before it (a BASE, the
    CLI's prefixes), with its positions moved back to the lines the sender wrote."""

    def back(match: re.Match[str]) -> str:
        line = max(int(match.group(2)) - lines, 1)
        return f"{match.group(1)}{line}{match.group(3)}"

    return _POSITION.sub(back, message)


def guard(sparql: str) -> None:
    """Refuse, as a :class:`QueryFailed`, what no backend may pass on to its engine or store
    (see :mod:`conflictkg.store.guard`); :meth:`QueryBackend.query` calls it first."""
    try:
        check_query(sparql)
    except QueryRefused as refused:
        raise QueryFailed(refused.message, refused.status) from None


def graph_node(iri: str) -> pyoxigraph.NamedNode:
    """A graph IRI of a request as a node; a client's error (400) when it is not an IRI."""
    try:
        return pyoxigraph.NamedNode(iri)
    except ValueError as error:
        raise QueryFailed(f"invalid graph IRI {iri!r}: {error}") from None
