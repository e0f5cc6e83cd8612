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

import os
import pickle
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import forked
from conflictkg.pipeline.accounts import ASSERTION_GRAPH

EVENTS_QUERY = Path(__file__).with_name("events-table.rq")
"""The query whose answer is ``events.csv`` (``queries/events-table.rq`` links to it)."""


Format = pyoxigraph.RdfFormat
Part = tuple[bytes, bytes, Format]
"""A part of the dataset: its named graphs (TriG or N-Quads, as the format says) and its
default graph's N-Triples."""
Others = Callable[[set[str]], bytes]
"""The named graphs a table was given without, on demand: the TriG of those among the
names asked for that it has (empty bytes when it has none of them)."""

# The events query reads a named graph only as the value of a ckg:assertionGraph (an
# account or outside graph); every other graph's triples it reads in the default graph.
ASSERTION_GRAPHS = f"SELECT DISTINCT ?g WHERE {{ ?claim <{ASSERTION_GRAPH}> ?g }}"


def served_store(
    trig: bytes, default: bytes | None = None, more: Part | None = None
) -> pyoxigraph.Store:
    """The dataset as the endpoint serves it: every graph of ``trig`` kept by name, and the
    default graph their merge (each triple once).

    ``default`` is that merge as N-Triples when the caller has it (the build does; a triple
    may come more than once): loading it is much faster than copying every named graph into
    the default graph by a query. ``more`` is a second part of the dataset (its named graphs
    in TriG or N-Quads, as the third item says, and its default graph's N-Triples, see
    :class:`EventsTable`), loaded after the first.
    """
    store = pyoxigraph.Store()
    if default is None:
        store.load(trig, pyoxigraph.RdfFormat.TRIG, lenient=True)
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    else:
        _load(store, trig, default)
    if more is not None:
        _load(store, *more)
    return store


def _load(
    store: pyoxigraph.Store, graphs: bytes, default: bytes, fmt: Format = pyoxigraph.RdfFormat.TRIG
) -> None:
    """Load named graphs (TriG, or N-Quads) and default-graph triples (N-Triples)."""
    # ``load`` (one transaction) takes less time than ``bulk_load`` in a memory store;
    # ``lenient`` skips validating each IRI again (a quarter of the loading): the bytes
    # were written from terms already parsed and checked (Oxigraph reads the same
    # N-Triples strictly when it writes the dumps)
    store.load(graphs, fmt, lenient=True)
    store.load(default, pyoxigraph.RdfFormat.N_TRIPLES, lenient=True)


def events_query() -> str:
    """The text of the events table's query."""
    try:
        return EVENTS_QUERY.read_text(encoding="utf-8")
    except OSError as error:
        raise ConflictKGError(
            f"{EVENTS_QUERY}: cannot read the events table's query: {error}"
        ) from None


def completed(store: pyoxigraph.Store, others: Others | None) -> pyoxigraph.Store:
    """``store`` given, from ``others``, the named graphs the events query reads that it
    lacks: those named by a ``ckg:assertionGraph`` in its default graph.

    So a table may be given only the graphs its query reads as named graphs, the account
    and outside graphs, and the dataset's default graph (the merge of every graph): the
    build leaves out the files' backbones and the ontology, most of the quads, which
    Oxigraph would load and walk through for nothing (at 10^6 triples 1.2M of 1.36M named
    quads; the query ran 1-2 s faster without them). Any other graph named as an account
    all the same comes from ``others``, so the answer is the one over the whole dataset.
    """
    if others is None:
        return store
    loaded = {
        graph.value for graph in store.named_graphs() if isinstance(graph, pyoxigraph.NamedNode)
    }
    solutions = store.query(ASSERTION_GRAPHS)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    wanted = {row[0].value for row in solutions if isinstance(row[0], pyoxigraph.NamedNode)}
    if wanted - loaded and (more := others(wanted - loaded)):
        store.load(more, pyoxigraph.RdfFormat.TRIG, lenient=True)
    return store


def events_csv(store: pyoxigraph.Store, others: Others | None = None) -> bytes:
    """``events.csv``: the answer of the events query in SPARQL 1.1 CSV (RFC 4180, a header
    of the column names, CRLF line ends, IRIs and literals as plain text). With ``others``,
    ``store`` is first given the named graphs the query reads that it lacks
    (:func:`completed`)."""
    results = completed(store, others).query(events_query())
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

    With ``more``, the dataset comes in two parts: the child loads ``trig`` and
    ``default`` at once, then waits for the rest (:meth:`add`) before it queries. The build
    starts it on the asserted graphs before the inferred graph is computed, so the loading
    of most of the dataset runs beside the inference. The parts must share no blank node
    (each load gives its blank nodes their own identity, as the two loads of
    :func:`served_store` do). With ``rest`` too, the child makes the rest itself by
    calling it (the build's inference, on the child's core, from the files as they were
    at the fork) and waits for :meth:`add` only when it gives None; ``rest`` is given a
    function with which it may hand one value back to the parent first (:meth:`handed`:
    the inferred triples, which the build needs long before the table); when it hands
    nothing, None is handed for it as it returns (so a parent waiting for the value is
    not left waiting for a child that waits for :meth:`add`). Without a child,
    :meth:`result` calls it.

    With ``others``, ``trig`` may hold only the named graphs the query reads as such
    (account and outside graphs): the child asks ``others`` for any other graph named by a
    ``ckg:assertionGraph`` once the default graph is complete (:func:`completed`).

    Use it as a context manager: leaving the block without taking the result stops the
    child and removes its files, so a failed build leaves no process or file behind.
    """

    def __init__(
        self,
        trig: bytes,
        default: bytes,
        *,
        more: bool = False,
        rest: Callable[[Callable[[object], None]], Part | None] | None = None,
        others: Others | None = None,
        shortcut: Callable[[], bytes | None] | None = None,
    ) -> None:
        self._first = (trig, default)
        self._rest = rest
        self._others = others
        self._child: forked.Forked[bytes] | None = None
        self._outbox: int | None = None
        self._parcel: Path | None = None
        if more and not forked.available():
            return  # answered in add(), from both parts at once
        inbox = None
        if more:
            inbox, self._outbox = os.pipe()
        what = f"{EVENTS_QUERY}: the events table"
        self._child = forked.Forked(
            partial(_answer, trig, default, inbox, self._outbox, rest, others, shortcut),
            what,
            handing=True,
        )
        if inbox is not None:
            os.close(inbox)

    def add(self, graphs: bytes, default: bytes, fmt: Format = pyoxigraph.RdfFormat.TRIG) -> None:
        """The rest of the dataset (a table made with ``more``), its named graphs in ``fmt``
        (TriG or N-Quads): the child loads it, then queries."""
        if self._child is None:
            first, others = self._first, self._others
            self._child = forked.Forked(
                lambda: events_csv(served_store(*first, more=(graphs, default, fmt)), others),
                f"{EVENTS_QUERY}: the events table",
            )
            return
        assert self._outbox is not None, "add() is for a table made with more=True"
        handle, name = tempfile.mkstemp(
            prefix="conflictkg-events-", suffix=".pickle", dir=forked.TEMPORARY
        )
        self._parcel = Path(name)
        with os.fdopen(handle, "wb") as parcel:
            pickle.dump((graphs, default, fmt.media_type), parcel, protocol=pickle.HIGHEST_PROTOCOL)
        os.write(self._outbox, name.encode() + b"\n")  # a line: another child may hold the pipe
        self._close_outbox()

    def handed(self) -> object | None:
        """What ``rest`` handed over in the child (see :meth:`.forked.Forked.handed`); None
        when it handed nothing (no child, no ``rest``, a ``rest`` that gave None or
        handed None, or a child that failed first). Waits for the child until then."""
        if self._child is None:
            return None
        return self._child.handed()[1]

    def result(self) -> bytes:
        """The table's bytes; an error naming the query when the child failed."""
        if self._child is None and self._rest is not None:  # no child: the rest made here
            rest = self._rest(lambda value: None)  # no parent to hand anything to
            if rest is not None:
                first, others = self._first, self._others
                self._child = forked.Forked(
                    lambda: events_csv(served_store(*first, more=rest), others),
                    str(EVENTS_QUERY),
                )
        assert self._child is not None, "add() the rest of the dataset first"
        try:
            return self._child.result()
        finally:
            self._clean()

    def _close_outbox(self) -> None:
        if self._outbox is not None:
            os.close(self._outbox)  # the child, when still waiting, reads an end of input
            self._outbox = None

    def _clean(self) -> None:
        self._close_outbox()
        if self._parcel is not None:
            self._parcel.unlink(missing_ok=True)
            self._parcel = None

    def __enter__(self) -> EventsTable:
        return self

    def __exit__(self, *raised: object) -> None:
        if self._child is not None:
            self._child.cancel()
        self._clean()


def _answer(
    trig: bytes,
    default: bytes,
    inbox: int | None,
    outbox: int | None,
    rest: Callable[[Callable[[object], None]], Part | None] | None = None,
    others: Others | None = None,
    shortcut: Callable[[], bytes | None] | None = None,
    hand: Callable[[object], None] | None = None,
) -> bytes:
    """The table, in the child: the rest made by ``rest`` when it can (first, so that what
    it hands to the parent with ``hand`` comes early), the first part loaded, then the
    rest; when ``rest`` is not given or gives None and ``inbox`` is, the rest comes from
    the file the parent names through the pipe. Then the named graphs the query reads
    that the parts left out, from ``others`` (:func:`completed`). A ``shortcut`` that gives
    the table's bytes once the rest is made (a rebuild's, :mod:`.eventrows`) spares all
    of that; when it gives None, the table is answered as above."""
    if outbox is not None:
        os.close(outbox)  # the parent's end: the child reads an end of input when it closes
    made = None
    if rest is not None and hand is not None:
        made = rest(hand)
        hand(None)  # nothing, if rest handed nothing: the parent may be waiting (one at most)
    if made is not None and shortcut is not None and (table := shortcut()) is not None:
        return table
    store = served_store(trig, default)
    forked.keep_to_the_end(store)  # not freed when this returns: the child exits then
    if made is not None:
        _load(store, *made)
        return events_csv(store, others)
    if inbox is None:
        return events_csv(store, others)
    message = b""
    while not message.endswith(b"\n") and (chunk := os.read(inbox, 4096)):
        message += chunk
    if not message.endswith(b"\n"):
        raise ConflictKGError("the build stopped before the dataset was complete")
    with open(message[:-1].decode(), "rb") as parcel:
        more_graphs, more_default, media_type = pickle.load(parcel)
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type  # the parent wrote a format's own media type
    _load(store, more_graphs, more_default, fmt)
    return events_csv(store, others)
