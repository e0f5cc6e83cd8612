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
    # ``load`` (one transaction) takes less time than ``bulk_load`` in a memory store
    store.load(trig, pyoxigraph.RdfFormat.TRIG)
    if default is None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    else:
        store.load(default, pyoxigraph.RdfFormat.N_TRIPLES)
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
