"""Conflict-data tables: ``events.csv``, one row per event in the manner of UCDP GED.

Conflict researchers load UCDP GED and ACLED rows into pandas or R; this module gives them
the graph in that shape. The table is not computed in Python: it is the SPARQL 1.1 CSV
answer of ``events-table.rq`` (kept beside this module and linked from ``queries/`` as a
competency question, so the test of the questions checks it too), run over the dataset the
server serves — every graph of the build, the default graph their merge. Whoever queries
the endpoint with the same text gets the same rows. The README's "Conflict-data table"
maps each column to UCDP GED's and states the rules (dates, places, sides, low / best /
high).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import forked

EVENTS_QUERY = Path(__file__).with_name("events-table.rq")
"""The query whose answer is ``events.csv`` (``queries/events-table.rq`` links to it)."""


def served_store(trig: bytes, default: bytes | None = None) -> pyoxigraph.Store:
    """The dataset as the endpoint serves it: every graph of ``trig`` kept by name, and the
    default graph their merge (each triple once).

    ``default`` is that merge as N-Triples when the caller has it (the build does; a triple
    may come more than once): loading it is much faster than copying every named graph into
    the default graph by a query.
    """
    store = pyoxigraph.Store()
    # ``load`` (one transaction) takes less time than ``bulk_load`` in a memory store;
    # ``lenient`` skips validating each IRI again (a quarter of the loading): the bytes
    # were written from terms already parsed and checked (Oxigraph reads the same
    # N-Triples strictly when it writes the dumps)
    store.load(trig, pyoxigraph.RdfFormat.TRIG, lenient=True)
    if default is None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    else:
        store.load(default, pyoxigraph.RdfFormat.N_TRIPLES, lenient=True)
    return store


def events_query() -> str:
    """The text of the events table's query."""
    try:
        return EVENTS_QUERY.read_text(encoding="utf-8")
    except OSError as error:
        raise ConflictKGError(
            f"{EVENTS_QUERY}: cannot read the events table's query: {error}"
        ) from None


def events_csv(store: pyoxigraph.Store) -> bytes:
    """``events.csv``: the answer of the events query in SPARQL 1.1 CSV (RFC 4180, a header
    of the column names, CRLF line ends, IRIs and literals as plain text)."""
    results = store.query(events_query())
    if not isinstance(results, pyoxigraph.QuerySolutions):
        raise ConflictKGError(f"{EVENTS_QUERY}: the events table's query must be a SELECT")
    body = results.serialize(format=pyoxigraph.QueryResultsFormat.CSV)
    assert body is not None  # without an output file, serialize returns the bytes
    return body


class EventsTable:
    """``events.csv`` answered in a forked child while the caller goes on.

    Loading the served dataset into Oxigraph and running the query hold the GIL in one
    thread for most of the write step's time at scale (about 17 s of 40 at 10^6 triples),
    while the build's other dumps are Python's work: on a machine with two cores or more,
    a forked child (:class:`.forked.Forked`) answers the query beside them, seeing the
    dataset's bytes as they were at the fork (no copy, no pickling); :meth:`result` waits
    for it. Without ``os.fork`` the answer is computed at once, in this process. The bytes
    are the same either way.

    Use it as a context manager: leaving the block without taking the result stops the
    child and removes its file, so a failed build leaves no process or file behind.
    """

    def __init__(self, trig: bytes, default: bytes) -> None:
        self._child = forked.Forked(
            lambda: events_csv(served_store(trig, default)),
            f"{EVENTS_QUERY}: the events table",
        )

    def result(self) -> bytes:
        """The table's bytes; an error naming the query when the child failed."""
        return self._child.result()

    def __enter__(self) -> EventsTable:
        return self

    def __exit__(self, *raised: object) -> None:
        self._child.cancel()
