"""The events table after a change: only the rows the change can affect are answered again.

``events.csv`` is the answer of ``events-table.rq`` over the whole served dataset, one row
per event (:mod:`.tables`). At 10^6 triples, loading that dataset into Oxigraph and
answering the query took the events table's child about 10 s of a one-article rebuild,
longer than anything else in it. Yet a row reads only what lies around its event; so a
rebuild after a change answers the query again over the part of the dataset around the
events the change can affect, and keeps every other row of the last good build's table.

**What a row reads.** The query reads, from its event, along the links it follows:

- every link of a node it reached, forward (subject to object: the event's place, its
  sides, its article, its publisher, a claim's grade and claimants...), but for those of
  :data:`OWN`, read from the row's own event only (its spans);
- the links of :data:`BACKWARD` from object to subject: the reports and claims
  ``ckg:aboutEvent`` the event, the claim whose ``ckg:assertionGraph`` is a graph, the
  ``ckg:disputes`` of a claim;
- from the row's own event to the named graphs it is a subject of, among those a
  ``ckg:assertionGraph`` names (``GRAPH ?graph { ?event ?p ?o }``: the accounts that say
  something of it; every ``GRAPH`` block of the query has the row's event as its subject,
  and it reads no other named graph, see :data:`.tables.ASSERTION_GRAPHS`); so a quad
  such a graph gains or loses changes, as a quad of it, the row of its subject only (an
  account's ``ckg:locatedIn`` between two places is no reason to answer every event at
  them again), and as a triple of the merge what any triple of the merge changes;
- the links of :data:`FREE` to their end, at no cost (``(ckg:locatedIn|ckg:near)+``, to
  the city whose point a place takes).

Its longest path is three links (event, span, article, publisher, whose label it reads)
and a value's type at its end: a row reads the triples of the nodes less than
:data:`DEPTH` links away (their links out, and those of :data:`BACKWARD` in), the ontology
and nothing else. Read and declared here beside the query it describes; the incremental
build's tests compare the table with a full build's after each kind of change.

**Which rows change.** What the change adds to or removes from what the query reads:
the quads of its files' graphs that a ``ckg:assertionGraph`` names, each read by name
from its subject's row only, and the triples the merge gains or loses
(:func:`real_changes`; an added article's copy of a shared place's label is in the merge
before and after), of a predicate the query reads from the merge or one whose
consequence it reads (:func:`query_predicates`, parsed from the query: a link of any
other predicate is followed by no row, and is not followed here either). Such a triple
is read by a row when its subject lies within :data:`DEPTH` links of the row's event (for a link
of :data:`OWN`, when its subject is the event); or its object, for a link of
:data:`BACKWARD` or one with an inverse consequence in the ontology
(:class:`.entailment.Rules`: the inferred graph then holds it the other way round); or
its graph. So the affected events are those from which such an *anchor* lies less than
:data:`DEPTH` links away, found by following the links backwards from the anchors over
the new dataset (asserted and inferred). A link
the change removed need not be followed: on an old path from an event to an anchor, the
first link missing now is itself a removed triple, whose subject (or object) is an anchor
still reached. The affected events' rows of the last good table are dropped, and so are
the rows of every node so reached and every anchor (an event the change removed); the
events among them that are events now are answered again, over the triples their rows
read, and the rows are sorted by ``id`` as the query sorts them.

Anything this cannot vouch for answers the whole query as before (:func:`rows_after`
returns None): no last good table matching the cache's files, blank nodes in the changed
files, or rows that an ``id`` does not tell apart (the order of equal ids is the engine's).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import and_, eq, not_
from pathlib import Path

import pyoxigraph
from rdflib import URIRef, Variable
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from conflictkg import __version__
from conflictkg.pipeline import dumps, entailment, shapereads
from conflictkg.pipeline.accounts import ASSERTION_GRAPH, TriplesFile
from conflictkg.vocab import CKG

BACKWARD = (CKG.aboutEvent, URIRef(ASSERTION_GRAPH), CKG.disputes)
"""The links the events query reads from object to subject."""
FREE = (CKG.locatedIn, CKG.near)
"""The links the events query follows to their end (a property path ``+``)."""
OWN = (CKG.attestedBy,)
"""The links the events query reads only from the row's own event (its spans): every
place, actor and claim an article names is attested by a span of it, so through these
links each article would reach every event at every place it names."""
DEPTH = 4
"""A row reads the triples of the nodes less than this many links from its event."""

Keyed = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""A triple of a named graph as term keys (:func:`.rdfio.term_key`): graph, s, p, o."""


@dataclass
class Change:
    """What the events table's child needs to answer only the rows a change affects."""

    table: bytes  # the last good build's events.csv
    added: set[Keyed]  # the quads the changed files hold now and did not (graph name first)
    removed: set[Keyed]  # those they held and do not
    graphs: set[str]  # the names of the changed files' graphs, then and now
    # the predicates the query reads from the merge (query_predicates; None: any)
    read: frozenset[str] | None = None

    @property
    def changed(self) -> set[Keyed]:
        return self.added | self.removed


def change_of(
    current: Path, previous: dict[str, str], new: Sequence[TriplesFile], old: Sequence[TriplesFile]
) -> Change | None:
    """The change from the build in ``current`` (its ``build.json`` must name exactly the
    triples files of ``previous``, stem -> SHA-256, as the incremental cache recorded them)
    to the changed files' ``new`` versions; ``old`` are their versions then. None when
    ``current`` is not that build or a changed file holds a blank node."""
    try:
        record = json.loads((current / "build.json").read_text(encoding="utf-8"))
        table = (current / "events.csv").read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("conflictkg") != __version__:
        return None
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        return None
    files = {
        Path(name).stem: digest
        for name, digest in inputs.items()
        if name.startswith("triples/") and Path(name).suffix in (".trig", ".ttl")
    }
    if files != previous:
        return None
    now, then = _quads(new), _quads(old)
    if any(key[0] == "B" for quad in now ^ then for key in quad[1:]):
        return None
    graphs = {str(name) for file in [*new, *old] for name in file.names()}
    return Change(table, now - then, then - now, graphs)


def _quads(files: Iterable[TriplesFile]) -> set[Keyed]:
    found: set[Keyed] = set()
    for file in files:
        table, graphs = file.packed()
        for name, (_, flat) in zip(file.names(), graphs, strict=True):
            keys = [table[n] for n in flat]
            named = repeat(str(name))
            found.update(zip(named, keys[0::3], keys[1::3], keys[2::3], strict=False))
    return found


# ------------------------------------------------------------------ the rows a change affects


@dataclass
class Dataset:
    """The served dataset as numbers (:class:`.entailment.Numbered`'s table): the default
    graph's triples in three columns, the links of :data:`BACKWARD` and :data:`FREE`
    apart, and the triples of each graph a ``ckg:assertionGraph`` names (the only named
    graphs the query reads)."""

    keys: list[tuple[str, ...]]
    numbers: dict[tuple[str, ...], int]
    s: list[int]
    p: list[int]
    o: list[int]
    back: tuple[list[int], list[int], list[int]]  # the links of BACKWARD: s, p, o
    free: tuple[list[int], list[int], list[int]]  # those of FREE
    own: tuple[list[int], list[int], list[int]]  # those of OWN
    plain: tuple[list[int], list[int]]  # the subjects and objects of the others
    graphs: dict[int, list[int]]  # graph -> its triples (three numbers each)
    members: dict[int, set[int]]  # graph -> its subjects
    graphs_of: dict[int, set[int]]  # subject -> the graphs it is a subject of
    asserted: set[tuple[int, int, int]]  # the merge of the asserted graphs
    sources: list[tuple[str, list[int]]]  # every packed graph: its name and its triples

    def number(self, key: tuple[str, ...]) -> int | None:
        return self.numbers.get(key)

    def numbers_of(self, terms: Iterable[URIRef]) -> set[int]:
        return {n for n in (self.numbers.get(("I", str(t))) for t in terms) if n is not None}


def dataset_of(
    numbered: entailment.Numbered, names: Sequence[str], read: frozenset[str] | None = None
) -> Dataset:
    """The dataset ``numbered`` read (its asserted and inferred triples), its packed
    graphs named by ``names`` in their order. With ``read``, the predicates the query
    reads from the merge (:func:`query_predicates`), the plain links are those of these
    predicates only: a row follows no other. (The inferred graph gives each
    ``ckg:attestedBy`` of a place to a span its super-property's link too, which the query
    does not read: followed back from an added article's spans, it made 36,405 of 10^6
    triples' nodes affected, through every place and actor the article names.)"""
    numbers = dict(zip(numbered.keys, range(len(numbered.keys)), strict=True))
    flat = list(chain.from_iterable(chain(numbered.asserted, numbered.triples)))
    s, p, o = flat[0::3], flat[1::3], flat[2::3]

    def links(terms: Iterable[URIRef]) -> tuple[list[int], list[int], list[int]]:
        wanted = {n for n in (numbers.get(("I", str(t))) for t in terms) if n is not None}
        chosen = list(map(wanted.__contains__, p))
        return list(compress(s, chosen)), list(compress(p, chosen)), list(compress(o, chosen))

    back, own = links(BACKWARD), links(OWN)
    skipped = set(own[1])  # own[1]: OWN's predicates
    if read is not None:
        kept = {n for n in (numbers.get(("I", r)) for r in read) if n is not None}
        skipped |= set(p) - kept
    others = list(map(not_, map(skipped.__contains__, p)))
    plain = (list(compress(s, others)), list(compress(o, others)))
    named = numbers.get(("I", str(ASSERTION_GRAPH)))
    assertion = {c for _, b, c in zip(*back, strict=True) if b == named}
    graphs: dict[int, list[int]] = {}
    for name, triples in zip(names, numbered.graphs, strict=True):
        graph = numbers.get(("I", name))
        if graph is not None and graph in assertion:
            graphs.setdefault(graph, []).extend(triples)
    members = {graph: set(triples[0::3]) for graph, triples in graphs.items()}
    graphs_of: dict[int, set[int]] = {}
    for graph, subjects in members.items():
        for subject in subjects:
            graphs_of.setdefault(subject, set()).add(graph)
    sources = list(zip(names, numbered.graphs, strict=True))
    return Dataset(
        numbered.keys,
        numbers,
        s,
        p,
        o,
        back,
        links(FREE),
        own,
        plain,
        graphs,
        members,
        graphs_of,
        numbered.asserted,
        sources,
    )


def query_predicates(query: str) -> frozenset[str] | None:
    """The predicates the events query reads from the default graph (the merge): those its
    triple patterns and paths outside ``GRAPH`` blocks name (FILTER EXISTS, OPTIONAL,
    MINUS and sub-SELECTs included). None when one of them may read any predicate (a
    variable predicate or a negated path), or the query cannot be parsed. (Its ``GRAPH``
    blocks read the graphs a ``ckg:assertionGraph`` names, whose every quad counts.)"""
    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # noqa: BLE001 - pyparsing's and rdflib's errors alike: read everything
        return None
    found: set[str] = set()
    for _, predicate, _ in shapereads.triple_patterns(algebra, default_graph=True):
        iris = None if isinstance(predicate, Variable) else shapereads.path_iris(predicate)
        if iris is None:
            return None
        found |= {str(iri) for iri in iris}
    return frozenset(found)


def _unread(
    predicate: tuple[str, ...], read: frozenset[str] | None, rules: entailment.Rules
) -> bool:
    """Whether no pattern of the query reads a triple of ``predicate`` or any triple the
    inferred graph derives from one (its super-properties and inverses, :class:`.Rules`)."""
    if read is None or predicate[0] != "I" or predicate[1] in read:
        return False
    return not any(str(q) in read for q, _ in rules.consequences(URIRef(predicate[1])))


def affected(data: Dataset, change: Change, ontology_rules: entailment.Rules) -> set[int]:
    """Every node from which an anchor of ``change`` lies less than :data:`DEPTH` links
    away, anchors included (see the module's docstring). A quad of a graph a
    ``ckg:assertionGraph`` names changes its subject's row and the graph, whatever its
    predicate; as a triple of the merge it counts as any other. With ``change.read``, the
    predicates the query reads from the merge (:func:`query_predicates`), a changed triple
    of the merge whose predicate it does not read, nor any consequence of it, is no
    anchor: no row can see it (its graph still is). At 10^6 triples an added article had
    made 36,405 nodes affected and 92,425 read again, most of the dataset, through the
    account graph's ``ckg:locatedIn`` between the places it names and the inferred
    ``prov:wasDerivedFrom`` from every place and actor to its spans."""
    backward = data.numbers_of(BACKWARD)
    turned = {
        p
        for p in {q for _, _, q, _ in change.changed}
        if any(not forward for _, forward in ontology_rules.consequences(URIRef(p[1])))
    }
    own = data.numbers_of(OWN)
    anchors: set[int] = set()
    rows: set[int] = set()  # an OWN link's subject: its own row reads it, no other row
    for graph, s, _, _ in change.changed:
        # A quad of a graph a ckg:assertionGraph names is read by name, from the row of
        # its subject only (GRAPH ?graph { ?event ?p ?o }): that row, and the graph.
        named = data.number(("I", graph))
        if named is not None and named in data.graphs:
            anchors.add(named)
            if (subject := data.number(s)) is not None:
                rows.add(subject)
    for graph, s, p, o in real_changes(data, change):
        # The others, and the same quads as triples of the merge, if the merge changed.
        if (named := data.number(("I", graph))) is not None:
            anchors.add(named)
        if _unread(p, change.read, ontology_rules):
            continue
        subject, predicate = data.number(s), data.number(p)
        if subject is not None:
            (rows if predicate in own else anchors).add(subject)
        if p in turned or predicate in backward:
            n = data.number(o)
            if n is not None:
                anchors.add(n)
    return _closure(data, anchors, into=False) | rows


def real_changes(data: Dataset, change: Change) -> list[Keyed]:
    """The quads of ``change`` whose triple changes the served default graph, the merge
    (of every graph, the accounts' included). A triple an unchanged file also holds (a
    shared place's label, in an added or removed article) is in the merge before and
    after: made an anchor, it would bring in every event that reads the place. (What a
    quad of an account graph changes as a quad of that graph, :func:`affected` adds.)"""
    kept: list[Keyed] = []
    added: dict[tuple[int, int, int], list[Keyed]] = {}
    for quad in change.changed:
        s, p, o = (data.number(key) for key in quad[1:])
        triple = (s, p, o) if s is not None and p is not None and o is not None else None
        if quad in change.removed:  # a change unless the merge still holds it
            if triple is None or triple not in data.asserted:
                kept.append(quad)
        elif triple is not None:  # in the merge now: a change unless it was before
            added.setdefault(triple, []).append(quad)
        else:
            kept.append(quad)
    if added:
        held: set[tuple[int, int, int]] = set()
        for name, flat in data.sources:
            if name not in change.graphs:
                held |= added.keys() & set(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
        kept += [quad for triple, quads in added.items() if triple not in held for quad in quads]
    return kept


def read_by(data: Dataset, events: set[int]) -> set[int]:
    """Every node the rows of ``events`` read the triples of (less than :data:`DEPTH` links
    from their event)."""
    return _closure(data, events, into=True)


def _closure(data: Dataset, start: set[int], *, into: bool) -> set[int]:
    """The nodes less than :data:`DEPTH` links from ``start`` along the links a row reads
    (``into``: from a node to what it reads; else from what is read back to the node)."""
    s, o = data.plain
    (bs, _, bo), (fs, _, fo), (os_, _, oo) = data.back, data.free, data.own
    ends: set[int] = set()  # reached back over an OWN link: their own rows, no further

    def step(nodes: set[int], first: bool) -> set[int]:
        has = nodes.__contains__
        if into:  # links out, links of BACKWARD in
            found = set(compress(o, map(has, s))) | set(compress(bs, map(has, bo)))
            if first:  # the row's own event's OWN links, the graphs it is a subject of
                found.update(compress(oo, map(has, os_)))
                found.update(g for n in nodes for g in data.graphs_of.get(n, ()))
        else:  # the same links, followed back
            found = set(compress(s, map(has, o))) | set(compress(bo, map(has, bs)))
            ends.update(compress(os_, map(has, oo)))
            ends.update(m for n in nodes if n in data.members for m in data.members[n])
        return found

    def free_step(nodes: set[int]) -> set[int]:
        has = nodes.__contains__
        return set(compress(fo, map(has, fs))) if into else set(compress(fs, map(has, fo)))

    seen = set(start)
    frontier = set(start)
    for level in range(DEPTH):
        grow = frontier
        while grow:  # the free links to their end, at this level
            grow = free_step(grow) - seen
            seen |= grow
            frontier |= grow
        if level == DEPTH - 1 or not frontier:
            break
        frontier = step(frontier, level == 0) - seen
        seen |= frontier
    return seen | ends


# ------------------------------------------------------------------ answering those rows


def part_read(data: Dataset, nodes: set[int]) -> tuple[bytes, bytes]:
    """The triples the rows read: the default graph's whose subject is one of ``nodes``
    (and those of :data:`BACKWARD` whose object is), as N-Triples, and the named graphs'
    whose subject is, as N-Quads."""
    s, p, o = data.s, data.p, data.o
    mine = list(map(nodes.__contains__, s))
    triples = set(zip(compress(s, mine), compress(p, mine), compress(o, mine), strict=True))
    # the links of BACKWARD into the nodes, whatever their subject
    triples.update(t for t in zip(*data.back, strict=True) if t[2] in nodes)
    default = b"".join(dumps.numbered_lines(data.keys, triples).lines)
    quads: list[bytes] = []
    for graph, flat in data.graphs.items():
        held = [t for t in zip(flat[0::3], flat[1::3], flat[2::3], strict=True) if t[0] in nodes]
        if held:
            tail = f" <{data.keys[graph][1]}> .\n".encode()
            quads += [line[:-3] + tail for line in dumps.numbered_lines(data.keys, held).lines]
    return default, b"".join(quads)


def split_rows(table: bytes) -> tuple[bytes, list[bytes]] | None:
    """A SPARQL CSV answer as its header and its rows, each with its line end; None when
    the bytes are not rows one after the other (a line end inside a quoted field leaves
    an odd number of quotes before it: the row goes on)."""
    pieces = table.split(b"\r\n")
    if len(pieces) < 2 or pieces[-1]:
        return None
    rows: list[bytes] = []
    pending = b""
    for piece in pieces[:-1]:
        pending += piece + b"\r\n"
        if not pending.count(b'"') % 2:
            rows.append(pending)
            pending = b""
    if pending:
        return None
    return rows[0], rows[1:]


def _id_and_iri(row: bytes) -> tuple[str, str]:
    """A row's first field (the id) and last (the event's IRI)."""
    line = row[:-2]
    if line.startswith(b'"') or line.endswith(b'"'):
        fields = next(csv.reader([line.decode("utf-8")]))
        return fields[0], fields[-1]
    return line[: line.find(b",")].decode("utf-8"), line[line.rfind(b",") + 1 :].decode("utf-8")


def merged_table(
    previous: bytes, answered: bytes, dropped: set[str], events: set[str]
) -> bytes | None:
    """The last good table without the rows of ``dropped`` (event IRIs), with the rows of
    ``answered`` for ``events``, sorted by id; None when ids do not tell rows apart or
    the headers differ."""
    old, new = split_rows(previous), split_rows(answered)
    if old is None or new is None or old[0] != new[0]:
        return None
    rows: dict[str, bytes] = {}
    for row in old[1]:
        rid, iri = _id_and_iri(row)
        if iri not in dropped:
            if not rid or rid in rows:
                return None
            rows[rid] = row
    for row in new[1]:
        rid, iri = _id_and_iri(row)
        if iri in events:
            if not rid or rid in rows:
                return None
            rows[rid] = row
    return old[0] + b"".join(rows[rid] for rid in sorted(rows))


def rows_after(
    change: Change,
    numbered: entailment.Numbered,
    names: Sequence[str],
    ontology: tuple[entailment.Rules, bytes],
    answer: Callable[[pyoxigraph.Store], bytes],
) -> bytes | None:
    """``events.csv`` after ``change``, answering (``answer``: the events query as CSV)
    only the rows it can affect; None when this cannot vouch for the result (see the
    module's docstring), and the whole query must be answered. ``numbered``: the dataset
    as the inference read it, its packed graphs named by ``names``; ``ontology``: its
    rules and its lines as the served default graph holds them."""
    rules, ontology_lines = ontology
    data = dataset_of(numbered, names, change.read)
    reached = affected(data, change, rules)
    typed, event_class = data.number(("I", str(RDF.type))), data.number(("I", str(CKG.Event)))
    is_event = map(and_, map(eq, data.p, repeat(typed)), map(eq, data.o, repeat(event_class)))
    events = set(compress(data.s, is_event)) & reached
    default, quads = part_read(data, read_by(data, events))
    store = pyoxigraph.Store()
    store.load(default + ontology_lines, pyoxigraph.RdfFormat.N_TRIPLES, lenient=True)
    store.load(quads, pyoxigraph.RdfFormat.N_QUADS, lenient=True)
    dropped = {data.keys[n][1] for n in reached if data.keys[n][0] == "I"}
    # and the rows of what the change removed altogether (an event no triple names now)
    dropped |= {q[1][1] for q in change.removed if q[1][0] == "I" and data.number(q[1]) is None}
    return merged_table(change.table, answer(store), dropped, {data.keys[n][1] for n in events})
