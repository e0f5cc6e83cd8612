"""The query backend interface the endpoint talks to, and its embedded Oxigraph implementation.

Views never touch a store directly: they call ``backend.query(sparql, default_graphs,
named_graphs)`` and serialise the :class:`QueryResult` they get back. A second backend
(a remote SPARQL store) only has to implement :class:`QueryBackend`.

Dataset semantics, identical for every backend:

* ``default_graphs`` and ``named_graphs`` both ``None`` (the client named no graphs in the
  protocol): the query's own ``FROM``/``FROM NAMED`` apply if it has any; otherwise the
  default graph is the **union of all graphs** of the store and every named graph is
  available to ``GRAPH``.
* either given (``default-graph-uri``/``named-graph-uri``): they replace the query's
  ``FROM``/``FROM NAMED`` entirely; the one not given is empty.
* graph IRIs the store does not hold are empty graphs: nothing is ever fetched.

Results are pyoxigraph objects (a remote backend can make them with
``pyoxigraph.parse_query_results``/``pyoxigraph.parse``) and, like pyoxigraph's own, must
be consumed in the thread that called ``query``: the /sparql view runs query and
serialisation together in one thread (see endpoint.deadline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, cast

import pyoxigraph

from conflictkg.endpoint.guard import QueryRefused, inspect_query
from conflictkg.endpoint.mediatypes import MediaType
from conflictkg.errors import ConflictKGError
from conflictkg.store import load_files
from conflictkg.vocab import PREFIXES

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

    def serialize(self, media_type: MediaType) -> bytes:
        """The result in ``media_type`` (one of mediatypes.RESULT_TYPES or RDF_TYPES)."""
        if self.kind == "graph":
            if media_type.rdf is None:
                raise ValueError(f"{media_type.media_type} is not an RDF format")
            return serialize_triples(self.triples(), media_type.rdf.oxigraph)
        if media_type.results is None:
            raise ValueError(f"{media_type.media_type} is not a SPARQL results format")
        answer = self.raw
        assert isinstance(answer, pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean)
        return written(answer.serialize(format=media_type.results))

    def rows(self) -> list[dict[str, Term]]:
        """The solutions of a SELECT as dicts (unbound variables left out); consumes them."""
        solutions = self.raw
        assert isinstance(solutions, pyoxigraph.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [
            {n: cast(Term, term) for n in names if (term := solution[n]) is not None}
            for solution in solutions
        ]

    def boolean(self) -> bool:
        """The answer of an ASK."""
        assert isinstance(self.raw, pyoxigraph.QueryBoolean)
        return bool(self.raw)

    def triples(self) -> list[pyoxigraph.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE; consumes them."""
        assert isinstance(self.raw, pyoxigraph.QueryTriples)
        return list(self.raw)


# A value in a solution. (RDF 1.2 triple terms are not used by this project's data.)
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal


def written(data: bytes | None) -> bytes:
    """The bytes pyoxigraph returns when serialising to no file (never None then)."""
    assert data is not None
    return data


def serialize_triples(triples: list[pyoxigraph.Triple], fmt: pyoxigraph.RdfFormat) -> bytes:
    """Triples in any RDF format; quad formats get them as their default graph.

    Turtle, TriG and RDF/XML use the project's prefixes, so they stay readable.
    """
    quad_format = fmt in (pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.N_QUADS)
    items: list[pyoxigraph.Triple] | list[pyoxigraph.Quad] = (
        [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples]
        if quad_format
        else triples
    )
    prefixes = _used_prefixes(triples) if fmt in _PREFIXED else None
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
        refused queries (see :mod:`conflictkg.endpoint.guard`).
        """
        ...

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        """Every quad (or, for triple formats, the union of all graphs) serialised."""
        ...

    def triple_count(self) -> int:
        """How many quads the store holds (for the service description and /health)."""
        ...


def _graph_node(iri: str) -> pyoxigraph.NamedNode:
    try:
        return pyoxigraph.NamedNode(iri)
    except ValueError as error:
        raise QueryFailed(f"invalid graph IRI {iri!r}: {error}") from None


class OxigraphBackend:
    """An in-memory pyoxigraph Store, loaded once before the server forks."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.store = store

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> OxigraphBackend:
        """Load RDF files (quad formats keep their graphs); errors name the file."""
        if not paths:
            raise ConflictKGError("no RDF files to serve")
        return cls(load_files(paths))

    def query(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        try:
            shape = inspect_query(sparql)
        except QueryRefused as refused:
            raise QueryFailed(refused.message, refused.status) from None
        options: dict[str, object] = {"base_iri": base_iri}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [_graph_node(g) for g in default_graphs or ()]
            options["named_graphs"] = [_graph_node(g) for g in named_graphs or ()]
        elif not shape.has_dataset_clause:
            # pyoxigraph ignores FROM when asked for the union, so only ask without FROM.
            options["use_default_graph_as_union"] = True
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
        if fmt in (
            pyoxigraph.RdfFormat.TRIG,
            pyoxigraph.RdfFormat.N_QUADS,
            pyoxigraph.RdfFormat.JSON_LD,
        ):
            return written(self.store.dump(format=fmt))
        triples = self.store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        assert isinstance(triples, pyoxigraph.QueryTriples)
        return written(triples.serialize(format=fmt))

    def triple_count(self) -> int:
        return len(self.store)
