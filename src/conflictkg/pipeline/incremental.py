"""Incremental builds: re-check only what a changed triples file can affect.

A build keeps, in ``output/cache/incremental/``:

- ``parsed/<sha256>.pickle``: each triples file as parsed (its backbone, accounts and
  outside graphs), keyed by the SHA-256 of the file's bytes, so an unchanged file is
  never parsed again (unpickling is ~25× faster than parsing TriG);
- ``quotes/<key>.json``: each file's quote verdict, keyed by the file's digest, its
  seeds' digests and the facts it reads from other files (the ``ckg:seedFile`` and types
  of the articles its spans point to);
- ``manifest.json``: the environment key and, for each triples file, the digest it had at
  the last build that passed every check.

The environment key is a digest of the conflictkg version, this package's source files,
the ontology, the shapes and the view shapes: when any of them changes, the cache is
emptied and the build is a full one. ``conflictkg build --full`` reads nothing from this
cache (every file parsed and every quote checked again) and refills it; the write caches
(:mod:`.writecache`, :mod:`.chunks`), addressed by content, are still used. A build that
fails keeps the manifest of the last good build, so the next build is compared with a
state that passed.

What an incremental build re-checks, against the last good build:

- **parse**: only the changed files; the others come from ``parsed/``, as plain data
  whose graphs are made only when something asks for them (most never are: the merge
  takes their triples, the counts their sizes, the quote keys and the views the few
  triples they read straight from the plain data, see ``accounts._Unpacked``);
- **quotes**: only the files whose key changed;
- **views**: the resources the changed files describe, old and new versions (each view
  shape reads only its focus node's own triples, see :mod:`.views`);
- **SHACL** (of the merge) and **HermiT**: the *region* of the change. The change is
  the triples added to or removed from the changed files (old and new versions compared:
  the merge changes by at most these). A shape reads, from its focus node, the triples of
  the nodes less than ``DEPTH`` links away and the triples pointing at the node; so the
  focus nodes are the objects of the changed triples and every resource from which a
  changed triple's subject lies less than ``DEPTH`` links away (links followed backwards;
  those of a transitive property are free, so a ``locatedIn`` chain is followed to its
  end). Resources that merely link to a hub the changed file also describes (a country,
  an actor) are not re-checked unless the hub's own triples changed. Only the triples by
  which the merge changed count (:func:`merge_delta`), and a predicate the shapes read
  only at the focus node (:mod:`.shapereads`) is the last step of the walk back and is
  followed forward from a focus node only. The region's data
  are every triple of the merge whose subject lies within ``DEPTH`` links of a focus node,
  and the triples pointing at focus nodes. ``DEPTH`` is 4: the longest path a shape
  follows is 3 links (``ckg:attestedBy/ckg:inArticle/dcterms:date``), plus the type of the
  value at its end; the SPARQL constraints read forwards from ``$this`` but for the
  ``ckg:assertionGraph`` pointing at it. SHACL then validates only the focus nodes, each
  over the data it can reach. The last good build's parsed files are kept until the next
  commit; a cache that lacks one makes the build a full one.

  HermiT checks the ontology for consistency with the part of that region *near* the
  focus nodes (``Region.near``): their own triples, the triples pointing at them, and
  the triples of the nodes less than ``NEAR`` links from them (a transitive property's
  chain followed to its end at no cost); the classification of the ontology alone (its
  unsatisfiable classes) is left out, since the ontology is in the environment key and
  the last good build found none. The ontology's axioms that relate individuals
  (disjoint classes, functional properties, domains and ranges, inverses) meet at an
  individual and its direct links: a clash at a focus node is between its types (its
  own, or those the domain of a link out or the range of a link in gives it) or between
  the values a functional property would make one individual, whose own triples are
  one link away; transitive chains are followed to the end. So an inconsistency the
  change brings in lies within that part; the nodes further out, which the shapes'
  longer paths read, add nothing HermiT needs. An inconsistency that
  needs a longer path (an axiom added to the ontology later) would be missed: the
  ontology is in the environment key, so changing it forces a full build, and a
  release should be built with ``--full`` (CI runs full builds).
- **the merge** is read as numbers (:class:`.mergeindex.MergeIndex`): the region, the
  articles' facts, the counts and the catalogue ask it little, and an rdflib graph of it
  cost about 10 s at 10^6 triples.
- **inferred graph and artefacts**: always computed from the whole merge, so the files
  are byte-identical to a full build's. Each triples file's written pieces (its sorted
  N-Triples lines and TriG blocks) are kept in ``cache/written/`` (:mod:`.writecache`),
  addressed by content; the merged dumps, the inferred graph and the global files are
  made again every build. ``events.csv`` is made in a child that starts as soon as the
  files are read, infers the inferred graph from them first and hands it to the build
  (:class:`.publish.Artefacts`); it keeps the last good build's rows but for those the
  change can affect, which it answers again over the triples they read
  (:mod:`.eventrows`), or answers the whole query when it cannot vouch for that.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from conflictkg import __version__
from conflictkg.pipeline import accounts, eventrows, rdfio, shapereads
from conflictkg.pipeline.accounts import TriplesFile
from conflictkg.pipeline.mergeindex import Merged, MergeIndex
from conflictkg.pipeline.rdfio import fill, new_graph
from conflictkg.pipeline.seeds import sha256_file
from conflictkg.project import SHAPES_FILE, VIEW_SHAPES_FILE, Project, ontology_files

CACHE_FOLDER = Path("cache") / "incremental"
FORMAT = "2"  # bump when what the cache holds changes shape
DEPTH = 4
NEAR = 2
"""HermiT reads the triples of the nodes less than this many links from a focus node."""


@functools.cache
def code_digest() -> str:
    """A digest of this package's source files (``fastshacl/`` too) and queries (the
    events table's): what a cached verdict, written piece or table row was made by, so
    that one made by other code is never reused."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([*here.rglob("*.py"), *here.rglob("*.rq")]):
        digest.update(
            path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes() + b"\0"
        )
    return digest.hexdigest()


def environment_key(project: Project) -> str:
    """What every cached verdict depends on besides the triples files and seeds."""
    digest = hashlib.sha256(f"conflictkg {__version__} cache {FORMAT}\n".encode())
    digest.update(code_digest().encode())
    folder = project.ontology
    for path in [*ontology_files(folder), folder / SHAPES_FILE, folder / VIEW_SHAPES_FILE]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


@dataclass
class Cache:
    """The incremental cache of one output folder, and what this build changes."""

    folder: Path
    key: str
    previous: dict[str, str]  # triples-file stem -> its digest at the last good build
    full_reason: str  # why this build checks everything; "" when incremental
    fresh: bool = False  # --full: nothing is read from the cache, only written
    current: dict[str, str] = field(default_factory=dict)  # stem -> digest, this build
    _region: Region | None = None
    _previous: list[TriplesFile] | None = None

    @property
    def incremental(self) -> bool:
        return not self.full_reason

    @property
    def changed(self) -> list[str]:
        """Stems added, changed or removed since the last good build."""
        stems = set(self.previous) | set(self.current)
        return sorted(s for s in stems if self.previous.get(s) != self.current.get(s))

    def read_triples_file(self, path: Path) -> TriplesFile:
        """A triples file parsed, from the cache when its bytes were seen before."""
        digest = sha256_file(path)
        self.current[path.stem] = digest
        cached = None if self.fresh else self._parsed(digest)
        if cached is not None:
            cached.path = path  # the same bytes may have another name now
            return cached
        parsed = accounts.read_triples_file(path)
        target = self.folder / "parsed" / f"{digest}.pickle"
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(target, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        return parsed

    def _parsed(self, digest: str) -> TriplesFile | None:
        try:
            loaded = pickle.loads((self.folder / "parsed" / f"{digest}.pickle").read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return loaded if isinstance(loaded, TriplesFile) else None

    def previous_versions(self) -> list[TriplesFile]:
        """The changed files as the last good build read them (a new file has none)."""
        found = []
        for stem in self.changed:
            digest = self.previous.get(stem)
            old = self._parsed(digest) if digest is not None else None
            if old is not None:
                found.append(old)
        return found

    def changed_versions(self, files: dict[str, TriplesFile]) -> list[TriplesFile]:
        """The changed files as read now and as the last good build read them."""
        return [*self._new_versions(files), *self._old_versions()]

    def versions(
        self, files: dict[str, TriplesFile]
    ) -> tuple[list[TriplesFile], list[TriplesFile]]:
        """The changed files as read now, and as the last good build read them."""
        return self._new_versions(files), self._old_versions()

    def _new_versions(self, files: dict[str, TriplesFile]) -> list[TriplesFile]:
        return [files[s] for s in self.changed if s in files]

    def _old_versions(self) -> list[TriplesFile]:
        """:meth:`previous_versions`, read once for the views, SHACL and HermiT."""
        if self._previous is None:
            self._previous = self.previous_versions()
        return self._previous

    def region(
        self,
        data: Merged,
        ontology: Graph,
        files: dict[str, TriplesFile],
        shapes: Graph | None = None,
    ) -> Region:
        """The region of this build's change (computed once for SHACL and HermiT); with
        the ``shapes``, the changed triples of a predicate they read only at the focus
        node reach no further than their subject and object (:mod:`.shapereads`)."""
        if self._region is None:
            new, old = self._new_versions(files), self._old_versions()
            changed = set(self.changed)  # a property: computed once, not once per file
            unchanged = [file for stem, file in files.items() if stem not in changed]
            local = self._local(shapes, ontology) if shapes is not None else frozenset()
            self._region = region(data, ontology, new, old, unchanged=unchanged, local=local)
        return self._region

    def _local(self, shapes: Graph, ontology: Graph) -> frozenset[URIRef]:
        """:func:`.shapereads.local_predicates`, kept under the environment key (which
        covers the shapes and the ontology): reading the shapes' SPARQL takes 0.6 s."""
        found = self._kept_predicates(
            "local-predicates.json", lambda: shapereads.local_predicates(shapes, ontology)
        )
        assert found is not None
        return frozenset(URIRef(p) for p in found)

    def events_query_reads(self, query: str) -> frozenset[str] | None:
        """:func:`.eventrows.query_predicates` of the events table's ``query``, kept under
        the environment key (which covers the code, the query's file included): rdflib
        takes about a second to parse it."""
        return self._kept_predicates(
            "events-query-reads.json", lambda: eventrows.query_predicates(query)
        )

    def _kept_predicates(
        self, name: str, compute: Callable[[], Iterable[str] | None]
    ) -> frozenset[str] | None:
        """``compute()``'s predicates (None: any), read from the file ``name`` of the
        cache when it was written under this environment key, else computed and kept."""
        path = self.folder / name
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            if not self.fresh and kept.get("key") == self.key:
                found = kept["predicates"]
                return None if found is None else frozenset(str(p) for p in found)
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            pass
        computed = compute()
        predicates = None if computed is None else frozenset(str(p) for p in computed)
        self.folder.mkdir(parents=True, exist_ok=True)
        listed = None if predicates is None else sorted(predicates)
        _write_atomic(path, json.dumps({"key": self.key, "predicates": listed}, indent=1).encode())
        return predicates

    def verdict(self, kind: str, key: str) -> dict | None:
        """A cached verdict (a JSON object) of check ``kind`` under ``key``."""
        if self.fresh:
            return None
        try:
            loaded = json.loads((self.folder / kind / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def remember(self, kind: str, key: str, verdict: dict) -> None:
        target = self.folder / kind / f"{key}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(target, json.dumps(verdict, sort_keys=True).encode())

    def commit(self) -> None:
        """Record this build's files as the last good state (after every check passed)."""
        manifest = {"key": self.key, "files": dict(sorted(self.current.items()))}
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.folder / "manifest.json", json.dumps(manifest, indent=1).encode())
        self._prune()

    def _prune(self) -> None:
        """Drop parsed files no longer in the manifest (the changed file's old versions)."""
        keep = {f"{d}.pickle" for d in self.current.values()}
        for path in (self.folder / "parsed").glob("*.pickle"):
            if path.name not in keep:
                path.unlink(missing_ok=True)


def open_cache(project: Project, output: Path, *, full: bool = False) -> Cache:
    """The cache of ``output`` for ``project``; emptied when the environment key changed."""
    folder = output / CACHE_FOLDER
    key = environment_key(project)
    previous: dict[str, str] = {}
    reason = ""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        reason = "no earlier build in the cache"
    elif manifest.get("key") != key:
        reason = "the ontology, the shapes or the code changed since the cached build"
        shutil.rmtree(folder, ignore_errors=True)
    else:
        previous = {str(k): str(v) for k, v in manifest["files"].items()}
        missing = [
            s for s, d in previous.items() if not (folder / "parsed" / f"{d}.pickle").is_file()
        ]
        if missing:  # what a changed file held before is needed to know what it changed
            reason = f"the cache lacks the parsed {missing[0]} of the last build"
    if full:
        reason = "--full"
    return Cache(folder, key, previous, reason, fresh=full)


def _write_atomic(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


# --------------------------------------------------------------------------- the region


@dataclass
class Region:
    """What the checks of the merge re-read after a change: focus nodes and their data
    (SHACL's), and the part of it HermiT reads (``near``: see the module's docstring)."""

    focus: set[Node]
    data: Graph
    near: Graph


def delta(new: Iterable[TriplesFile], old: Iterable[TriplesFile]) -> set[tuple[Node, Node, Node]]:
    """The triples the change adds to or removes from its files (old and new versions of
    the changed files): the merge changes by at most these."""
    return _triples(new) ^ _triples(old)


def _triples(files: Iterable[TriplesFile]) -> set[tuple[Node, Node, Node]]:
    return {triple for file in files for _, graph in file.graphs() for triple in graph}


def merge_delta(
    data: Merged,
    new: Iterable[TriplesFile],
    old: Iterable[TriplesFile],
    unchanged: Iterable[TriplesFile],
) -> set[tuple[Node, Node, Node]]:
    """The triples by which the merge itself changed: of :func:`delta`, those the
    ``unchanged`` files do not also hold.

    An added article holds its own copy of every shared node's label and type (a city,
    an actor): those triples were in the merge before it and are after, so no verdict
    can change because of them; taken for changes, they made each hub a changed subject,
    and the region every resource within four links of it (at 10^6 triples, most of the
    corpus: 41 s of SHACL and 72 s of HermiT for one added article). A triple the change
    removes is a change only if the merge no longer holds it (``data``, the merge now: an
    unchanged file that holds it keeps it there); one it adds, only if no unchanged file
    held it before."""
    now, before = _triples(new), _triples(old)
    removed = {triple for triple in before - now if triple not in data}
    added = now - before
    return removed | (added - _held_by(unchanged, added))


def _held_by(
    files: Iterable[TriplesFile], triples: set[tuple[Node, Node, Node]]
) -> set[tuple[Node, Node, Node]]:
    """The ``triples`` some graph of ``files`` holds, read from their plain data (each
    file's own term table: a triple is looked for only in the files whose table has its
    three terms, found by a set intersection with the table, not a loop over it: at 10^6
    triples the loops over 1,884 tables took 0.75 s of an added article's region)."""
    if not triples:
        return set()
    keys = {triple: tuple(map(rdfio.term_key, triple)) for triple in triples}
    wanted = {key for three in keys.values() for key in three}
    Key = tuple[str, ...]
    by_subject: dict[Key, list[tuple[tuple[Node, Node, Node], tuple[Key, ...]]]] = {}
    for triple, three in keys.items():
        by_subject.setdefault(three[0], []).append((triple, three))
    held: set[tuple[Node, Node, Node]] = set()
    for file in files:
        table, graphs = file.packed()
        present = wanted.intersection(table)  # most files name none of an article's own nodes
        candidates = [
            (triple, three)
            for subject in present.intersection(by_subject)
            for triple, three in by_subject[subject]
            if three[1] in present and three[2] in present and triple not in held
        ]
        if not candidates:
            continue
        local = {key: table.index(key) for _, three in candidates for key in three}
        asked = {(local[a], local[b], local[c]): triple for triple, (a, b, c) in candidates}
        for _, flat in graphs:
            found = asked.keys() & set(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
            held.update(asked[numbers] for numbers in found)
    return held


def region(
    data: Merged,
    ontology: Graph,
    new: Iterable[TriplesFile],
    old: Iterable[TriplesFile] = (),
    depth: int = DEPTH,
    *,
    unchanged: Iterable[TriplesFile] | None = None,
    local: Collection[Node] = (),
) -> Region:
    """The focus nodes a change can affect and every triple of ``data`` they can reach.

    A shape reads, from its focus node, the triples of the nodes less than ``depth`` links
    away and the triples pointing at the node; so a triple the change adds or removes
    (:func:`delta`) changes the verdict of its object and of every node from which its
    subject is less than ``depth`` links away (the links followed backwards here). With
    the ``unchanged`` files, only the triples by which the merge changed count
    (:func:`merge_delta`). A changed triple of a ``local`` predicate, one the shapes read
    only at the focus node (:func:`.shapereads.local_predicates`), changes the verdicts
    of its subject and object only: its subject is a focus node, not a start of the
    walk back.
    """
    terms = set(ontology.subjects())
    transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
    subjects: set[Node] = set()
    focus: set[Node] = set()
    new, old = list(new), list(old)
    changes = delta(new, old) if unchanged is None else merge_delta(data, new, old, unchanged)
    local = set(local)
    for s, p, o in changes:
        if p in local:
            focus.add(s)  # its own verdict only
        else:
            subjects.add(s)
        if p != RDF.type:
            focus.add(o)
    subjects = {n for n in subjects if n not in terms}
    focus = {n for n in focus if not isinstance(n, Literal) and n not in terms}
    focus |= _reach_back(data, subjects, transitive, depth, local)
    triples, near = _reach(data, focus, transitive, depth, local)
    for node, pairs in _referrers(data, focus).items():
        pointing = [(s, p, node) for s, p in pairs if p != RDF.type]
        triples += pointing
        near += pointing
    reached, close = new_graph(), new_graph()
    fill(reached, triples)  # at once: Graph.add took 2 s of an added article's region at 10^6
    fill(close, near)
    return Region(focus, reached, close)


def _referrers(data: Merged, nodes: Iterable[Node]) -> dict[Node, list[tuple[Node, Node]]]:
    """Each node's (subject, predicate) pairs of the triples pointing at it: asked of the
    merge as numbers for all the nodes at once (one pass, :meth:`.MergeIndex.referrers`)."""
    if isinstance(data, MergeIndex):
        return data.referrers(nodes)
    return {node: list(data.subject_predicates(node)) for node in nodes}


def _reach_back(
    data: Merged,
    start: set[Node],
    transitive: set[Node],
    depth: int,
    local: Collection[Node] = (),
) -> set[Node]:
    """``start`` and every node of ``data`` from which a node of it lies less than
    ``depth`` links away (links of a transitive property are free, as in :func:`_reach`).

    A link of a ``local`` predicate (one the shapes read only at the focus node, as the
    first step of whatever they read from it) is the last step back: the node it leads
    back to may read what lies beyond it, but a node further back would read that
    predicate one link or more from itself, which no shape does. At 10^6 triples an
    added article reached most of the corpus back through the ``ckg:attestedBy`` its
    places and actors hold to it, and the events at those places."""

    def back(nodes: list[Node]) -> Iterator[tuple[Node, Node, Node]]:
        for node, pairs in _referrers(data, nodes).items():
            yield from ((node, p, s) for s, p in pairs if p != RDF.type)

    return set(_distances(start, transitive, depth, back, last=set(local)))


def _reach(
    data: Merged,
    start: set[Node],
    transitive: set[Node],
    depth: int,
    local: Collection[Node] = (),
) -> tuple[list[tuple[Node, Node, Node]], list[tuple[Node, Node, Node]]]:
    """The triples of ``data`` within ``depth`` links of ``start``, and those of them within
    :data:`NEAR` links (HermiT's part: the nodes of ``start`` and their neighbours); a link
    of a ``local`` predicate is followed from ``start`` only (the shapes read it nowhere
    else: a place's ``ckg:attestedBy`` to every article that names it is not followed
    from an event at the place)."""
    local = set(local)
    read: dict[Node, list[tuple[Node, Node]]] = {}  # each node's links, asked once

    def links_of(node: Node) -> list[tuple[Node, Node]]:
        if node not in read:
            read[node] = list(data.predicate_objects(node))
        return read[node]

    def forward(nodes: list[Node]) -> Iterator[tuple[Node, Node, Node]]:
        for node in nodes:
            for p, o in links_of(node):
                if not isinstance(o, Literal) and (p not in local or node in start):
                    yield node, p, o

    triples: list[tuple[Node, Node, Node]] = []
    near: list[tuple[Node, Node, Node]] = []
    for node, distance in _distances(start, transitive, depth, forward).items():
        own = [(node, p, o) for p, o in links_of(node)]
        triples += own
        if distance < NEAR:
            near += own
    return triples, near


def _distances(
    start: set[Node],
    transitive: set[Node],
    depth: int,
    links: Callable[[list[Node]], Iterable[tuple[Node, Node, Node]]],
    last: AbstractSet[Node] = frozenset(),
) -> dict[Node, int]:
    """The nodes less than ``depth`` links from ``start`` over ``links`` (the (node,
    predicate, neighbour) links of a round's nodes, asked for all of them at once), each
    with its distance; transitive links are free. A link of a predicate in ``last``
    reaches its neighbour but is not followed from it."""
    best: dict[Node, int] = {node: 0 for node in start}
    ends: dict[Node, int] = {}  # reached over a link of ``last`` only
    todo = list(start)
    while todo:
        later: list[Node] = []
        for node, p, other in links(todo):
            cost = best[node] + (0 if p in transitive else 1)
            if cost >= depth:
                continue
            if p in last:
                if cost < ends.get(other, depth):
                    ends[other] = cost
            elif cost < best.get(other, depth):
                best[other] = cost
                later.append(other)
        todo = later
    return ends | best  # a node walked from keeps its own (never larger) distance
