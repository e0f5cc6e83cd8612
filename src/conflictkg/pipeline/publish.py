"""Writing a build: the artefacts of :mod:`conflictkg.pipeline.artefacts` into a fresh
folder, which becomes ``output/current`` by one atomic symlink replacement, so a failed
or interrupted build never changes what is served; older builds are pruned."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import shutil
import tempfile
import threading
import time
from collections import ChainMap, Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import cast

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from conflictkg import __version__
from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import (
    accounts,
    catalogue,
    chunks,
    dumps,
    entailment,
    eventrows,
    forked,
    ontodocs,
    rdfio,
    tables,
    writecache,
)
from conflictkg.pipeline import void as void_description
from conflictkg.pipeline.accounts import (
    INFERRED_GRAPH,
    TriplesFile,
    is_account_graph,
    is_outside_graph,
)
from conflictkg.pipeline.artefacts import (
    ARTEFACTS,
    BY_FILE,
    DCAT_FILE,
    DOCS_FILE,
    DUMPS,
    EVENTS_FILE,
    SCHEMA_ORG_FILE,
    VOID_FILE,
)
from conflictkg.pipeline.inputs import Inputs
from conflictkg.pipeline.mergeindex import Merged
from conflictkg.pipeline.rdfio import short
from conflictkg.pipeline.writecache import Piece, WriteCache
from conflictkg.vocab import BASE_IRI, CKG, ONTOLOGY_GRAPH, PREFIXES, WD

CURRENT = "current"


BUILD_PREFIX = "build-"


KEEP_BUILDS = 2


def counts(inputs: Inputs, data: Merged, inferred: entailment.Inferred) -> dict[str, object]:
    """What the build holds; ``triples`` counts the merged dumps (asserted + inferred).

    The merge is counted without being built (a copy of a million triples costs more than
    the counting): the inferred graph holds no asserted triple (:mod:`.entailment`), so
    its typings add to the asserted ones.
    """
    if isinstance(data, Graph):
        asserted = {(s, o) for s, _, o in rdfio.with_predicates(data, [RDF.type])}
        classes = Counter(cls for _, cls in asserted)  # distinct instances of each class
        links = [o for _, _, o in rdfio.with_predicates(data, [SKOS.exactMatch])]
    else:  # the merge as numbers: each triple once already
        classes = data.typings()
        links = [o for _, _, o in data.with_predicates([SKOS.exactMatch])]
    typings = inferred.typings()
    instances: Counter[str] = Counter()
    for cls, n in (classes + typings).items():  # named once a class, not once an instance
        instances[short(cls)] += n
    return {
        "triples": len(data) + len(inferred),
        "asserted_triples": len(data),
        "inferred_triples": len(inferred),
        "triples_per_file": {stem: len(f) for stem, f in inputs.files.items()},
        "graphs": graph_counts(inputs),
        "ontology_triples": len(inputs.ontology),
        "shapes_triples": len(inputs.shapes),
        "articles": classes.get(CKG.Article, 0),
        "spans": classes.get(CKG.TextSpan, 0),
        "wikidata_links": sum(1 for o in links if str(o).startswith(str(WD))),
        "instances": dict(sorted(instances.items())),
    }


def graph_counts(inputs: Inputs) -> dict[str, int]:
    """Named graphs by kind and their sizes (a triple in two graphs counts in each)."""
    files = list(inputs.files.values())
    outside = accounts.merged_outside(files)
    # by name and size: the graphs of a file read back from the cache are not made
    sized = [list(zip(f.names(), f.sizes(), strict=True)) for f in files]
    account_sizes = [
        (name, size)
        for graphs in sized
        for name, size in graphs[1:]
        if accounts.is_account_graph(name)
    ]
    return {
        "backbone_graphs": len(files),
        "backbone_triples": sum(graphs[0][1] for graphs in sized),
        "account_graphs": len({name for name, _ in account_sizes}),
        "account_triples": sum(size for _, size in account_sizes),
        "outside_graphs": len(outside),
        "outside_triples": sum(len(g) for g in outside.values()),
    }


def _digests(inputs: Inputs) -> dict[str, str]:
    """Triples-file stem -> the SHA-256 of its bytes (from the inputs' record)."""
    root = inputs.project.root.resolve()
    found = {}
    for stem, file in inputs.files.items():
        try:
            found[stem] = inputs.hashes[file.path.resolve().relative_to(root).as_posix()]
        except (KeyError, ValueError):
            continue  # WriteCache hashes the file itself
    return found


def _named_lines(
    inputs: Inputs, cache: WriteCache
) -> tuple[dict[str, list[bytes]], dict[str, bytes], list[tuple]]:
    """Every asserted graph's lines and TriG block by name, and the triples with blank nodes.

    A graph held by several files (an account or outside graph) is the union of their
    lines; its block is made again. A graph with blank nodes is written from its triples.
    """
    digests = _digests(inputs)
    held: dict[str, list[tuple[TriplesFile, Piece]]] = {}
    for stem, file in inputs.files.items():
        for name, piece in cache.pieces(file, digests.get(stem)).items():
            held.setdefault(name, []).append((file, piece))
    lines: dict[str, list[bytes]] = {}
    blocks: dict[str, bytes] = {}
    blank: list[tuple] = []
    for name in sorted(held):
        parts = held[name]
        graphs = [dict(f.graphs())[URIRef(name)] for f, p in parts if p.blank]
        own = [t for g in graphs for t in dumps.graph_lines(g).blank]
        blank += own
        if len(parts) == 1 and not own:
            lines[name], blocks[name] = parts[0][1].lines, parts[0][1].block
            continue
        merged = dumps.merge(p.lines for _, p in parts)
        lines[name] = merged
        labelled = dumps.blank_lines(own, prefix=_graph_label(name))
        blocks[name] = dumps.trig_block(
            name, dumps.ntriples(dumps.merge([merged, labelled])), PREFIXES
        )
    return lines, blocks, blank


def _graph_label(iri: str) -> str:
    """The prefix of a graph's blank-node labels in TriG, so two graphs' never meet."""
    return "g" + hashlib.sha256(iri.encode()).hexdigest()[:8]


def _standalone(
    name: str, made: dumps.GraphLines, writer: chunks.Writer | None = None
) -> tuple[list[bytes], bytes, list[tuple]]:
    """Lines, TriG block and blank-node triples of a graph held by no triples file, given
    its lines; its Turtle from ``writer``'s chunks when given (the inferred graph's, large
    and changing little from build to build)."""
    labelled = dumps.blank_lines(made.blank, prefix=_graph_label(name))
    every = dumps.merge([made.lines, labelled])
    nt = dumps.ntriples(every)
    body = dumps.turtle(nt, PREFIXES) if writer is None else writer.turtle(every, nt)
    return made.lines, dumps.block_of(name, body), made.blank


class Artefacts:
    """The build's artefacts: begun from the asserted graphs and the ontology, finished
    (:meth:`write`) with the inferred graph.

    ``dataset.trig`` holds every graph (asserted, ``graph/inferred``, ``graph/ontology``);
    the other dumps hold the merge of the data graphs, inferred included. Every dump is
    written from sorted N-Triples lines (:mod:`.dumps`); each triples file's lines and
    blocks are kept in ``cache`` (by default ``cache/written/`` in ``output``, the folder
    of the builds, see :mod:`.writecache`), so a build after a one-file change makes only
    that file's.

    ``events.csv`` is answered in a child (:class:`.tables.EventsTable`) that starts
    here, as soon as the files are read, on the asserted graphs and the ontology. It
    infers the inferred graph first, from the files' triples (:func:`_inferred_part`), and
    hands its lines and its triples as numbers back to the build (:meth:`inferred`, read
    by :class:`.entailment.Inferred`), which merges and checks the files meanwhile on the
    other core; then it loads the served dataset's
    default graph (the merge of every graph) and the only named graphs its query reads
    (the account and outside graphs, see :func:`.tables.completed`) and runs the query,
    beside the rest of the build's work. Done once, in the
    child, the inference no longer waits for the checks, nor the checks for it. When
    the inferred graph holds a blank node, the build infers it itself (:meth:`infer`)
    and hands its TriG to the child in :meth:`write`; when the asserted graphs hold
    blank nodes, whose labels in the default graph depend on the inferred graph's, the
    child starts in :meth:`write`, on the whole dataset. Use it as a context manager:
    leaving the block stops the child.
    """

    def __init__(
        self,
        inputs: Inputs,
        output: Path,
        cache: WriteCache | None = None,
        change: eventrows.Change | None = None,
    ) -> None:
        self.inputs = inputs
        self.cache = cache if cache is not None else WriteCache(output / writecache.FOLDER)
        self.writer = chunks.Writer(
            output / chunks.FOLDER if self.cache.kept.folder is not None else None,
            PREFIXES,
            BASE_IRI + "id/",
            links=[(str(SKOS.exactMatch), str(WD))],
        )
        self.lines, self.blocks, self.blank = _named_lines(inputs, self.cache)
        ontology = str(ONTOLOGY_GRAPH)
        ontology_lines, self.blocks[ontology], ontology_blank = _standalone(
            ontology, dumps.graph_lines(inputs.ontology)
        )
        # the ontology in the served default graph, its blank nodes labelled apart
        self.served_ontology = [
            *ontology_lines,
            *dumps.blank_lines(ontology_blank, prefix="ontology"),
        ]
        self.table: tables.EventsTable | None = None
        self.inferred_lines: dumps.GraphLines | None = None
        if not self.blank:
            default = [line for lines in self.lines.values() for line in lines]
            in_child: dict[str, bytes] = {}  # graph/inferred's block, made in the child
            numbered: list[entailment.Numbered] = []  # what the child inferred from
            shortcut = None
            if change is not None:  # a rebuild: only the rows the change can affect
                shortcut = partial(_changed_rows, inputs, change, numbered, self.served_ontology)
            self.table = tables.EventsTable(
                _accounts_trig(self.blocks),
                b"".join([*default, *self.served_ontology]),
                more=True,
                rest=partial(_inferred_part, inputs, in_child, numbered),
                others=partial(_graphs_trig, ChainMap(self.blocks, in_child)),
                shortcut=shortcut,
            )

    def __enter__(self) -> Artefacts:
        return self

    def __exit__(self, *raised: object) -> None:
        if self.table is not None:
            self.table.__exit__(*raised)

    def inferred(self) -> entailment.Inferred | None:
        """The inferred graph as the table's child made it (it infers first thing, from
        the files as they were read, and hands the graph back with its lines, see
        :func:`_inferred_part`); None when it did not (no child, blank nodes, or the
        child failed: its error comes with the table), and the build infers it itself
        (:meth:`infer`). Waits for the child's handover."""
        value = self.table.handed() if self.table is not None else None
        if value is None:
            return None
        text, (keys, flat) = cast(tuple[bytes, entailment.Parcel], value)
        self.inferred_lines = dumps.GraphLines(dumps.split_lines(text))
        return entailment.Inferred(keys, flat)

    def infer(self, triples: Collection[dumps.Triple]) -> entailment.Inferred:
        """The inferred graph of ``triples`` (:func:`.entailment.inferred_triples`), when
        the build made them itself: their lines made for :meth:`write`."""
        self.inferred_lines = dumps.lines_of(triples)
        return entailment.Inferred.of(triples)

    def write(self, data: Merged, inferred: entailment.Inferred, folder: Path) -> dict[str, str]:
        """Write every artefact into ``folder``; returns file name -> SHA-256.

        ``inferred`` is what :meth:`inferred` or :meth:`infer` returned.

        The merge's documents (Turtle, RDF/XML, JSON-LD: most of this step's work, from
        the merged lines' chunks, :mod:`.chunks`) are made and written in a child of their
        own (:func:`_documents_written`) while this process writes the rest: the events
        table's child has usually answered by now, and its core would wait idle. A rebuild
        at 10^6 triples spent about 3 s of its 15 on them in this process. When the table
        still needs the merge's N-Triples (blank nodes in the asserted graphs) or graph/
        inferred's (blank nodes there), or no child can run beside, they are made here.
        """
        assert self.inferred_lines is not None, "the inferred graph was handed or made"
        made = self.inferred_lines
        # the default graph's blank nodes, labelled together
        blank_lines = dumps.blank_lines([*self.blank, *made.blank])
        merged = dumps.merge([*self.lines.values(), made.lines, blank_lines])
        nt = dumps.ntriples(merged)
        documenting: forked.Forked[Documented] | None = None
        if self.table is not None and not made.blank and forked.available():
            documenting = forked.Forked(
                partial(_documents_written, self.writer, merged, nt, folder),
                "the merged dumps' Turtle, RDF/XML and JSON-LD",
            )
        try:
            return self._write(data, inferred, folder, merged, nt, documenting)
        finally:
            if documenting is not None:
                documenting.cancel()  # nothing left running, whatever failed

    def _write(
        self,
        data: Merged,
        inferred: entailment.Inferred,
        folder: Path,
        merged: list[bytes],
        nt: bytes,
        documenting: forked.Forked[Documented] | None,
    ) -> dict[str, str]:
        name = str(INFERRED_GRAPH)
        assert self.inferred_lines is not None
        inferred_lines, self.blocks[name], inferred_blank = _standalone(
            name, self.inferred_lines, self.writer
        )
        trig = dumps.trig((self.blocks[name] for name in sorted(self.blocks)), PREFIXES)
        contents = {"dataset.nt": nt, "dataset.trig": trig}
        statistics = None
        if documenting is None:  # the documents made here
            if self.table is None:  # blank nodes in the asserted graphs: the whole dataset now
                self.table = tables.EventsTable(
                    _accounts_trig(self.blocks),
                    b"".join([nt, *self.served_ontology]),
                    others=partial(_graphs_trig, self.blocks),
                )
            elif inferred_blank:  # the child could not make graph/inferred's part: handed now
                blank_lines = dumps.blank_lines([*self.blank, *inferred_blank])
                self.table.add(
                    dumps.trig([self.blocks[name]], PREFIXES),
                    b"".join([*inferred_lines, *blank_lines]),
                )
            documents = self.writer.documents(merged, nt)
            statistics = documents.statistics
            contents |= {
                "dataset.ttl": documents.turtle,
                "dataset.jsonld": documents.jsonld,
                "dataset.rdf": documents.rdfxml,
            }
        contents |= self._ontology_files(folder)
        assert self.table is not None
        # while the child answers the table: the other files written and hashed in a
        # thread (both release the GIL), the catalogue record's coverage read here
        with ThreadPoolExecutor(1, thread_name_prefix="write") as writer:
            writing = writer.submit(_write_files, folder, contents)
            meta = catalogue.metadata([data, inferred], {}, issued=catalogue.build_date())
            events = self.table.result()
            digests = writing.result()
        digests |= _write_files(folder, {EVENTS_FILE: events})
        # the catalogue record describes the downloads, with their byte sizes
        sizes = {name: len(body) for name, body in contents.items()}
        sizes[EVENTS_FILE] = len(events)
        if documenting is not None:  # the documents, written by their child
            documented = documenting.result()
            digests |= documented.digests
            sizes |= documented.sizes
            statistics = documented.statistics
            self.writer.kept.used |= documented.used  # kept from pruning below
            self.writer.made += documented.made
        assert statistics is not None
        sizes = {name: size for name, size in sizes.items() if BY_FILE[name].download}
        meta = dataclasses.replace(meta, distributions=catalogue.distributions(sizes))
        described = self._descriptions(meta, statistics, len(inferred))
        digests |= _write_files(folder, described)
        self.cache.prune()
        self.writer.prune()
        return {a.file: digests[a.file] for a in ARTEFACTS if a.file in digests}

    def _ontology_files(self, folder: Path) -> dict[str, bytes]:
        inputs = self.inputs
        return {
            "ontology.ttl": rdfio.to_turtle(inputs.ontology),
            "ontology.rdf": rdfio.to_rdfxml(inputs.ontology),
            "shapes.ttl": rdfio.to_turtle(inputs.shapes),
            "view-shapes.ttl": rdfio.to_turtle(inputs.view_shapes),
            # pyLODE takes seconds: its page is kept beside the builds while the ontology
            # is the same
            DOCS_FILE: ontodocs.cached_graph_html(
                inputs.ontology, folder.parent / "cache"
            ).encode(),
        }

    def _descriptions(
        self, meta: catalogue.Metadata, stats: dumps.Statistics, inferred: int
    ) -> dict[str, bytes]:
        """VoID, DCAT and schema.org: the dataset, its parts and its downloads."""
        sizes = graph_counts(self.inputs)
        parts = [
            void_description.Subset(
                "articles",
                "What the articles say: their backbones and account graphs",
                sizes["backbone_graphs"] + sizes["account_graphs"],
                sizes["backbone_triples"] + sizes["account_triples"],
            ),
            void_description.Subset(
                "outside",
                "Outside knowledge: what sources other than the articles say",
                sizes["outside_graphs"],
                sizes["outside_triples"],
            ),
            void_description.Subset(
                "inferred", "What the ontology implies (graph/inferred)", 1, inferred
            ),
        ]
        void = void_description.describe(stats, dumps=DUMPS, subsets=parts)
        catalogue.link_from_void(void, meta, DCAT_FILE)
        described = json.dumps(catalogue.schema_org(meta), indent=2, ensure_ascii=False)
        return {
            VOID_FILE: rdfio.to_turtle(void),
            DCAT_FILE: rdfio.to_turtle(catalogue.dcat(meta)),
            SCHEMA_ORG_FILE: (described + "\n").encode(),
        }


def _accounts_trig(blocks: dict[str, bytes]) -> bytes:
    """The account and outside graphs as TriG: the only named graphs the events table's
    query reads (:func:`.tables.completed`); the rest it reads in the default graph."""
    read = (is_account_graph, is_outside_graph)
    return _graphs_trig(blocks, {n for n in blocks if any(kind(URIRef(n)) for kind in read)})


def _graphs_trig(blocks: Mapping[str, bytes], names: set[str]) -> bytes:
    """The graphs among ``names`` that ``blocks`` holds, as TriG; empty when none."""
    held = sorted(names.intersection(blocks))
    return dumps.trig((blocks[name] for name in held), PREFIXES) if held else b""


def _inferred_part(
    inputs: Inputs,
    blocks: dict[str, bytes],
    numbered: list[entailment.Numbered],
    hand: Callable[[object], None],
) -> tables.Part | None:
    """``graph/inferred`` as the events table's child loads it: its lines in the default
    graph, inferred in the child from the files as they were at the fork
    (:func:`.entailment.inferred_numbered`, on the plain data the incremental cache keeps
    of each): the same triples the build would infer from their merge. The child does it
    first thing and hands the graph's lines and numbers to the build (:meth:`Artefacts.
    inferred`), which is merging and checking meanwhile on the other core: neither waits
    for the other, and the inference is done once. The named graph itself is left in
    ``blocks`` (TriG), which the table's ``others`` reads: the events query reads a named
    graph only when a ``ckg:assertionGraph`` names it (:func:`.tables.completed`), and
    362,447 quads at 10^6 took the child 1.3 s to load and 0.5 s to write for nothing.
    None (nothing handed) when the graph holds a blank node, whose label in the default
    graph the build gives in :meth:`Artefacts.write`, which then hands the graph's TriG to
    the child."""
    packs = [file.packed() for file in inputs.files.values()]
    inferred = entailment.inferred_numbered(packs, inputs.ontology)
    numbered.append(inferred)  # for a rebuild's rows (:func:`_changed_rows`)
    made = dumps.numbered_lines(inferred.keys, inferred.triples)
    if made.blank:
        return None
    text = b"".join(made.lines)  # one object to pickle, not one per line
    hand((text, inferred.parcel()))
    name = str(INFERRED_GRAPH)
    blocks[name] = dumps.block_of(name, text)  # N-Triples are Turtle too
    return b"", text, pyoxigraph.RdfFormat.N_QUADS


def _changed_rows(
    inputs: Inputs,
    change: eventrows.Change,
    numbered: list[entailment.Numbered],
    ontology_lines: list[bytes],
) -> bytes | None:
    """``events.csv`` after a rebuild's ``change``, in the events table's child once the
    inferred graph is made: the rows the change can affect answered again, the others
    kept (:func:`.eventrows.rows_after`); None when that cannot be vouched for."""
    if not numbered:
        return None
    names = [str(name) for file in inputs.files.values() for name in file.names()]
    rules = entailment.Rules(inputs.ontology)
    return eventrows.rows_after(
        change,
        numbered[0],
        names,
        (rules, b"".join(ontology_lines)),
        lambda store: tables.events_csv(store),
    )


def _write_files(folder: Path, contents: dict[str, bytes]) -> dict[str, str]:
    """Write each file into ``folder``; returns file name -> SHA-256."""
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}


@dataclasses.dataclass
class Documented:
    """What :func:`_documents_written` wrote: each file's SHA-256 and size, the merge's
    statistics (for VoID), and the chunk cache's keys it used and the chunks it made."""

    digests: dict[str, str]
    sizes: dict[str, int]
    statistics: dumps.Statistics
    used: set[str]
    made: int


def _documents_written(
    writer: chunks.Writer, merged: list[bytes], nt: bytes, folder: Path
) -> Documented:
    """The merge (its sorted lines, and ``nt`` their N-Triples) as Turtle, RDF/XML and
    JSON-LD, written into ``folder`` (in a child of the build, :meth:`Artefacts.write`)."""
    before = writer.made
    documents = writer.documents(merged, nt)
    contents = {
        "dataset.ttl": documents.turtle,
        "dataset.jsonld": documents.jsonld,
        "dataset.rdf": documents.rdfxml,
    }
    digests = _write_files(folder, contents)
    sizes = {name: len(body) for name, body in contents.items()}
    return Documented(
        digests, sizes, documents.statistics, set(writer.kept.used), writer.made - before
    )


def tool_versions() -> dict[str, str]:
    import owlready2
    import pyoxigraph
    import pyshacl
    import rdflib

    return {
        "conflictkg": __version__,
        "python": platform.python_version(),
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "owlready2": str(owlready2.VERSION),
        "pyoxigraph": pyoxigraph.__version__,
    }


def current_build(output: Path) -> Path:
    """The published build folder (``output/current``); an error when there is none."""
    current = output / CURRENT
    if not current.is_dir():
        raise ConflictKGError(
            f"{current}: no build yet; run `conflictkg build` first (or pass --dataset FILE)"
        )
    return current


def publish(output: Path, write: Callable[[Path], None]) -> Path:
    """Run ``write`` into a fresh folder in ``output``, then make it ``output/current``.

    The switch is one ``os.replace`` of a symlink; until it happens the previous build
    stays current, and on any error the new folder is removed. Old builds are pruned,
    keeping the last ``KEEP_BUILDS``.
    """
    output.mkdir(parents=True, exist_ok=True)
    current = output / CURRENT
    if current.exists() and not current.is_symlink():
        raise ConflictKGError(f"{current}: exists and is not a symlink; move it away to build")
    folder = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=output))
    folder.chmod(0o755)  # mkdtemp makes it private; a server may run as another user
    link = output / f".{CURRENT}-{folder.name}"
    switched = False
    try:
        write(folder)
        final = output / _build_name(output)
        os.rename(folder, final)  # same parent folder, so atomic
        folder = final
        os.symlink(final.name, link)  # relative, so the output folder can be moved
        os.replace(link, current)
        switched = True
    finally:
        if not switched:
            shutil.rmtree(folder, ignore_errors=True)
            if link.is_symlink():
                link.unlink()
    prune(output, keep=KEEP_BUILDS)
    return folder


def _build_name(output: Path) -> str:
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 1_000_000_000))
    name = f"{BUILD_PREFIX}{stamp}.{now // 1000 % 1_000_000:06d}Z"
    n = 1
    while (output / name).exists():
        n += 1
        name = f"{BUILD_PREFIX}{stamp}.{now // 1000 % 1_000_000:06d}Z-{n}"
    return name


@contextmanager
def pruning(output: Path) -> Iterator[None]:
    """While the block runs, delete in a thread the builds that publishing the next one
    will prune: all but the newest, never the current one. The build's first seconds
    (reading its files) leave a core free for it, which :func:`publish`'s own prune, after
    the switch, did not (0.35–0.45 s at 10^6 triples, the previous build's 650 MB).

    Once a new build is published, the builds kept are the same as if :func:`publish`
    had pruned them all: the new one and the one it replaced. A build that fails leaves
    the current one, as always, but no longer the one before it, which nothing served.
    Leaving the block waits for the thread.
    """
    thread = threading.Thread(
        target=prune, args=(output, KEEP_BUILDS - 1), name="prune", daemon=True
    )
    if output.is_dir():
        thread.start()
    try:
        yield
    finally:
        if thread.is_alive():
            thread.join()


def prune(output: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Delete all but the newest ``keep`` builds, never the current one."""
    current = output / CURRENT
    target = current.resolve() if current.is_symlink() else None
    builds = sorted(p for p in output.iterdir() if p.name.startswith(BUILD_PREFIX) and p.is_dir())
    removed = []
    for old in builds[:-keep] if keep > 0 else builds:
        if old.resolve() != target:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed
