"""A remote SPARQL 1.1 store as the endpoint's backend (``conflictkg serve --store URL``).

:class:`RemoteBackend` implements :class:`~conflictkg.store.backend.QueryBackend` over
:class:`~conflictkg.store.client.RemoteSparqlClient`, so the endpoint's formats, negotiation,
limits and error answers stay those of the embedded store:

* Every query passes :func:`~conflictkg.store.backend.guard` before anything is
  sent: SERVICE, updates and over-deep or over-long queries never reach the store.
* The store is asked for SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT,
  DESCRIBE); the answer is parsed back into pyoxigraph objects, which the views serialise
  in whatever format the client negotiated. An answer that does not parse completely (a
  store that hits its own time limit part-way may still answer 200) is a 503.
* Dataset: ``default-graph-uri``/``named-graph-uri`` go to the store as the same protocol
  parameters, replacing the query's FROM/FROM NAMED. Without them the query's FROM applies,
  else the store's default graph, which ``conflictkg load --store`` fills with the union of
  all graphs (see :mod:`conflictkg.store.client`); :meth:`RemoteBackend.check` refuses a store
  whose default graph repeats triples. Graphs the store lacks are empty there too.
* A store without a plain default graph (Virtuoso, whose default graph is every graph it
  holds, its system graphs included, each triple once per graph): with ``union_graph``
  (``serve --union-graph IRI``, the IRI given to ``load --union-graph``) every query is
  sent with a complete dataset. A query that names no graphs gets ``default-graph-uri`` the
  union graph and ``named-graph-uri`` each graph of the catalogue ``load`` wrote; a request
  that names only one kind gets a graph that holds nothing for the other (Virtuoso would
  otherwise give ``GRAPH ?g`` every graph it holds). Virtuoso drops a request that lists
  about a hundred graphs or more: a dataset of more than ``MAX_LISTED_GRAPHS`` named graphs
  is sent its union graph alone, and ``GRAPH ?g`` then also sees the union, the catalogue
  and Virtuoso's own graphs (logged at start-up). A query's own FROM/FROM NAMED go
  as written: on Virtuoso a FROM without FROM NAMED leaves ``GRAPH ?g`` ranging over every
  graph of the store (a known difference, in the README).
* Relative IRIs resolve against ``base_iri`` (the endpoint's URL), not the store's: when
  the query holds an IRI without a scheme, ``BASE <base_iri>`` is put on a line before it,
  and line numbers in the store's error messages (Oxigraph's ``error at LINE:COLUMN``) are
  shifted back.
* Size: at most ``max_answer_bytes`` of an answer are read from the store (dumps are not
  limited); a longer answer is :class:`~conflictkg.store.backend.ResultTooLarge`, like
  an embedded answer over the endpoint's limit.
* An answer the store marks as cut short (Virtuoso's ``ResultSetMaxRows`` and its
  "anytime" time limit answer 200 with part of the rows and a header saying so) is a 503,
  never a silently shorter answer. (Virtuoso sends the header for an answer of exactly its
  row limit too, so such an answer is refused as well: set the limit well above any page.)
* Failures: the store's HTTP 400 is the client's error (400, with the store's message).
  No answer within the client's timeout, an unreachable store, any other status or an
  unreadable answer is a 503 whose message does not reveal the store's address; the
  details go to the log.

Nothing is cached: every call asks the store.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.store.backend import (
    QUAD_FORMATS,
    Dataset,
    QueryBackend,
    QueryFailed,
    QueryResult,
    ResultTooLarge,
    Term,
    lines_back,
    serialize_triples,
    written,
)
from conflictkg.store.client import (
    DEFAULT_TIMEOUT,
    RemoteIncomplete,
    RemoteQueryError,
    RemoteSparqlClient,
    RemoteTimeoutError,
    RemoteTooLarge,
    excerpt,
)
from conflictkg.store.guard import inspect_query
from conflictkg.store.queries import DEFAULT_GRAPH_SIZE, GRAPH_SIZES
from conflictkg.store.upload import VOID_SUBSET, catalogue_of, graphs_of

log = logging.getLogger("conflictkg.store.remote")

# SELECT/ASK answers as JSON results, CONSTRUCT/DESCRIBE as N-Triples; the other formats
# are only a fallback for stores that cannot write those. A query's form picks the kind
# asked for: offered both, Virtuoso 7.2 writes a CONSTRUCT's triples as a JSON table.
ACCEPT_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.8"
ACCEPT = f"{ACCEPT_RESULTS}, {ACCEPT_GRAPH}"
ACCEPT_BY_FORM = {
    "SELECT": ACCEPT_RESULTS,
    "ASK": ACCEPT_RESULTS,
    "CONSTRUCT": ACCEPT_GRAPH,
    "DESCRIBE": ACCEPT_GRAPH,
}
DUMP_TIMEOUT = 120.0
MAX_ANSWER_BYTES = 128 * 1024 * 1024

UNION_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
# The dump's quads: those of the named graphs, and the default-graph triples that are in
# no named graph (the default graph also holds the union; see conflictkg.store.client).
_QUAD_PATTERN = (
    "{ { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?any { ?s ?p ?o } } } }"
)
QUADS = "SELECT ?s ?p ?o ?g WHERE " + _QUAD_PATTERN
QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE " + _QUAD_PATTERN
REPEATS = "SELECT (COUNT(*) AS ?all) (COUNT(DISTINCT *) AS ?distinct) WHERE { ?s ?p ?o }"

# The most named graphs a query's dataset lists: Virtuoso 7.2 drops the connection of a
# request that names about a hundred or more. A dataset of more graphs is sent its union
# graph alone, and GRAPH ?g then ranges over every graph of the store.
MAX_LISTED_GRAPHS = 80

# A graph no store holds: the empty default or named graphs of an explicit dataset.
NO_GRAPH = "urn:x-conflictkg:no-graph"

UNAVAILABLE = "the SPARQL store behind this endpoint is unavailable; try again later"


class RemoteBackend(QueryBackend):
    """Answers the endpoint's queries through a remote SPARQL 1.1 Protocol endpoint.

    ``timeout`` bounds each query's HTTP exchange (the endpoint's own per-query limit also
    applies to /sparql); ``dump_timeout`` bounds the queries of :meth:`dump` and
    :meth:`triple_count`, which read the whole store. ``max_answer_bytes`` is the most
    read of the store's answer to one query (a memory bound; the endpoint's own limit on
    what it sends applies after).
    """

    def __init__(
        self,
        url: str,
        timeout: float = DEFAULT_TIMEOUT,
        dump_timeout: float = DUMP_TIMEOUT,
        max_answer_bytes: int | None = MAX_ANSWER_BYTES,
        union_graph: str | None = None,
    ) -> None:
        self.client = RemoteSparqlClient(url, timeout)
        self.url = self.client.url
        self.dump_timeout = dump_timeout
        self.max_answer_bytes = max_answer_bytes
        self.union_graph = union_graph
        self._named: tuple[str, ...] | None = None

    def whole_dataset(self) -> list[tuple[str, str]]:
        """The protocol parameters of a query that names no graphs: none on a store with a
        plain default graph; with ``union_graph``, that graph and the catalogue's graphs
        (read from the store once)."""
        if self.union_graph is None:
            return []
        if self._named is None:
            union = pyoxigraph.NamedNode(self.union_graph)
            catalogue = pyoxigraph.NamedNode(catalogue_of(self.union_graph))
            query = f"SELECT ?g WHERE {{ GRAPH {catalogue} {{ {union} {VOID_SUBSET} ?g }} }}"
            rows = self._ask(query, whole=True).rows()
            self._named = tuple(sorted(row["g"].value for row in rows)) or (NO_GRAPH,)
            if len(self._named) > MAX_LISTED_GRAPHS:
                log.warning(
                    "%s: %d named graphs are more than the %d a query can list; GRAPH ?g "
                    "ranges over every graph of the store",
                    self.url,
                    len(self._named),
                    MAX_LISTED_GRAPHS,
                )
        default = [("default-graph-uri", self.union_graph)]
        if len(self._named) > MAX_LISTED_GRAPHS:
            return default
        return default + [("named-graph-uri", name) for name in self._named]

    @property
    def version(self) -> None:
        """None: the store's data may change behind this endpoint, so nothing is cached."""
        return None

    def check(self) -> None:
        """Raise ConflictKGError (naming the URL and the reason) unless the store answers
        and its default graph holds each triple once (with ``union_graph``: unless the
        catalogue ``load`` writes is there; the union graph was written without repeats,
        and Virtuoso's COUNT(DISTINCT) takes some distinct literals for one).

        A store that makes its default graph the union of its graphs (``oxigraph serve
        --union-default-graph``) repeats every triple that is in more than one graph — and
        all of them once ``conflictkg load`` has put the union in the default graph — so
        answers would hold duplicate rows.
        """
        results = "application/sparql-results+json"
        self.client.query("ASK {}", results)
        if self.union_graph is not None:
            self.whole_dataset()
            if self._named == (NO_GRAPH,):
                raise ConflictKGError(
                    f"{self.url}: no catalogue of graphs in <{catalogue_of(self.union_graph)}>;"
                    f" run `conflictkg load --store URL --union-graph {self.union_graph}` first"
                )
            return  # the union graph was written by load, each triple once
        body, _ = self.client.query(REPEATS, results, self.dump_timeout)
        try:
            row = json.loads(body)["results"]["bindings"][0]
            total, distinct = int(row["all"]["value"]), int(row["distinct"]["value"])
        except (ValueError, LookupError, TypeError) as error:
            raise ConflictKGError(f"{self.url}: unreadable answer to a count ({error})") from None
        if total != distinct:
            raise ConflictKGError(
                f"{self.url}: the default graph repeats triples ({total} triples, {distinct} "
                "distinct); is the store set to use the union of its graphs as default graph "
                "(such as oxigraph serve --union-default-graph)? Run it with a plain default "
                "graph: `conflictkg load --store` puts the union there"
            )

    def close(self) -> None:
        """Close the open connections (done before the server forks; later calls reopen)."""
        self.client.close()

    def __enter__(self) -> RemoteBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sparql: str, dataset: Dataset | None, base_iri: str | None) -> QueryResult:
        params: list[tuple[str, str]] = []
        if dataset is not None:
            explicit = self.union_graph is not None
            defaults = [g.value for g in dataset.default] or ([NO_GRAPH] if explicit else [])
            named = [g.value for g in dataset.named] or ([NO_GRAPH] if explicit else [])
            params += [("default-graph-uri", g) for g in defaults]
            params += [("named-graph-uri", g) for g in named]
        shape = inspect_query(sparql)
        if dataset is None and not shape.has_dataset_clause:
            params = self.whole_dataset()
        text, shifted = _with_base(sparql, base_iri)
        accept = ACCEPT_BY_FORM.get(shape.form or "", ACCEPT)
        answer = self._ask(text, params, shifted=shifted, accept=accept)
        if shape.form == "ASK" and answer.kind == "solutions":
            return _as_boolean(answer)
        return answer

    def dump(self, fmt: pyoxigraph.RdfFormat) -> bytes:
        if fmt in QUAD_FORMATS:
            rows = self._ask(QUADS, self.whole_dataset(), whole=True).rows()
            return written(pyoxigraph.serialize([_quad(row) for row in rows], format=fmt))
        whole = self.whole_dataset()
        triples = self._ask(UNION_TRIPLES, whole, whole=True, accept=ACCEPT_GRAPH).triples()
        return serialize_triples(triples, fmt)

    def triple_count(self) -> int:
        """The dump's quads the store holds (the union copy in its default graph left out)."""
        (row,) = self._ask(QUAD_COUNT, self.whole_dataset(), whole=True).rows()
        return int(row["n"].value)

    def _ask(
        self,
        sparql: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        shifted: bool = False,
        whole: bool = False,
        accept: str = ACCEPT,
    ) -> QueryResult:
        """The store's answer as a QueryResult; ``whole`` (dumps and counts of the whole
        store) means ``dump_timeout`` and no size limit."""
        timeout = self.dump_timeout if whole else None
        max_bytes = None if whole else self.max_answer_bytes
        try:
            body, content_type = self.client.query(sparql, accept, timeout, params, max_bytes)
        except RemoteTooLarge as error:
            raise ResultTooLarge(error.limit) from None
        except RemoteIncomplete as error:
            log.warning("remote store: %s", error)
            raise QueryFailed(
                "the SPARQL store behind this endpoint cut its answer short (its own row or "
                "time limit); narrow the query or page through it with LIMIT and OFFSET",
                503,
            ) from None
        except RemoteQueryError as error:
            if error.status == 400:
                message = excerpt(error.body) or "(no message)"
                if shifted:
                    message = lines_back(message, 1)
                raise QueryFailed(f"SPARQL syntax error: {message}") from None
            _unavailable(error)
        except ConflictKGError as error:
            _unavailable(error)
        try:
            return _parsed(body, content_type)
        except (SyntaxError, ValueError) as error:
            log.warning(
                "%s: unreadable answer (%s): %s … %s",
                self.url,
                content_type,
                error,
                excerpt(body[-200:]),
            )
            raise QueryFailed(
                "the SPARQL store behind this endpoint sent an incomplete or invalid answer "
                "(it may have reached its own time limit)",
                503,
            ) from None


def difference(backend: RemoteBackend, dump: Path) -> str | None:
    """How the store's graph sizes differ from those of ``dump``, or None if they agree.

    A cheap check that the store holds what ``conflictkg load`` pushed from this dump:
    the same named graphs with as many triples each, and a default graph as large as their
    union. (Equal sizes with different triples would pass.)
    """
    groups = graphs_of(dump)
    local = {name: len({q.triple for q in quads}) for name, quads in groups.items() if name}
    union = len({q.triple for quads in groups.values() for q in quads})
    remote = {
        row["graph"].value: int(row["triples"].value) for row in backend.query(GRAPH_SIZES).rows()
    }
    for name in sorted(local.keys() | remote.keys()):
        if local.get(name, 0) != remote.get(name, 0):
            return (
                f"graph <{name}>: {local.get(name, 0)} triples in the dump, "
                f"{remote.get(name, 0)} in the store"
            )
    (row,) = backend.query(DEFAULT_GRAPH_SIZE).rows()
    if int(row["triples"].value) != union:
        return (
            f"default graph: the union of the dump has {union} triples, "
            f"the store's default graph {row['triples'].value}"
        )
    return None


def _unavailable(error: ConflictKGError) -> NoReturn:
    """A 503 for the client; the store's address and its message only go to the log."""
    log.warning("remote store: %s", error)
    if isinstance(error, RemoteTimeoutError):
        message = "the SPARQL store behind this endpoint did not answer in time"
    elif isinstance(error, RemoteQueryError):
        message = f"the SPARQL store behind this endpoint failed (it answered HTTP {error.status})"
    else:
        message = UNAVAILABLE
    raise QueryFailed(message, 503) from None


def _quad(row: dict[str, Term]) -> pyoxigraph.Quad:
    subject, predicate, graph = row["s"], row["p"], row.get("g")
    assert not isinstance(subject, pyoxigraph.Literal)
    assert isinstance(predicate, pyoxigraph.NamedNode)
    assert not isinstance(graph, pyoxigraph.Literal)
    return pyoxigraph.Quad(subject, predicate, row["o"], graph or pyoxigraph.DefaultGraph())


def _as_boolean(answer: QueryResult) -> QueryResult:
    """The answer to an ASK that a store sent as a table of one cell (Virtuoso 7.2:
    ``__ASK_RETVAL`` 1 or 0) as the boolean it stands for."""
    rows = answer.rows()
    values = [term.value for row in rows for term in row.values()]
    if len(values) != 1 or values[0] not in ("0", "1", "true", "false"):
        raise QueryFailed("the SPARQL store behind this endpoint sent no boolean for an ASK", 503)
    truth = "true" if values[0] in ("1", "true") else "false"
    boolean = pyoxigraph.parse_query_results(
        f'{{"head":{{}},"boolean":{truth}}}'.encode(), pyoxigraph.QueryResultsFormat.JSON
    )
    assert isinstance(boolean, pyoxigraph.QueryBoolean)
    return QueryResult("boolean", boolean)


# Datatypes a store writes in place of the standard ones its data was loaded with:
# Virtuoso stores a geo:wktLiteral as its own geometry and answers with that datatype.
STORE_DATATYPES = {
    b"http://www.openlinksw.com/schemas/virtrdf#Geometry": (
        b"http://www.opengis.net/ont/geosparql#wktLiteral"
    ),
}


def _parsed(body: bytes, content_type: str) -> QueryResult:
    """The store's answer as the pyoxigraph objects the embedded store would return."""
    for theirs, standard in STORE_DATATYPES.items():
        if theirs in body:
            body = body.replace(theirs, standard)
    media_type = content_type.split(";")[0].strip()
    results_format = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        answer = pyoxigraph.parse_query_results(body, results_format)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return QueryResult("boolean", answer)
        for _ in answer:  # parsing is lazy: read it all once, so errors show here
            pass
        again = pyoxigraph.parse_query_results(body, results_format)
        assert isinstance(again, pyoxigraph.QuerySolutions)
        return QueryResult("solutions", again)
    rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise ValueError(f"unexpected media type {content_type!r}")
    # QueryTriples cannot be built directly: the triples go through an in-memory store.
    store = pyoxigraph.Store()
    store.bulk_extend(pyoxigraph.parse(body, rdf_format))
    triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(triples, pyoxigraph.QueryTriples)
    return QueryResult("graph", triples)


# A prologue (comments, PREFIX declarations) that reaches a BASE of the query's own: the
# query's relative IRIs resolve against it, and a second BASE is not sent (Virtuoso
# refuses a BASE that is not the first).
_OWN_BASE = re.compile(r"(?:\s+|#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>)*BASE\s*<", re.IGNORECASE)


def _with_base(sparql: str, base_iri: str | None) -> tuple[str, bool]:
    """The query with ``BASE <base_iri>`` on a first line of its own when it may need one."""
    if base_iri is None:
        return sparql, False
    if not inspect_query(sparql).relative_iris or _OWN_BASE.match(sparql):
        return sparql, False
    try:
        base = pyoxigraph.NamedNode(base_iri)
    except ValueError as error:
        raise QueryFailed(f"invalid base IRI {base_iri!r}: {error}") from None
    return f"BASE {base}\n{sparql}", True
