"""The embedded store: RDF files loaded into Oxigraph, answering as a :class:`QueryBackend`.

The store is loaded once before the server forks, and its default graph is made the
merge of all its graphs, so a query without a dataset reads it directly (see
:mod:`conflictkg.store.backend` for the dataset semantics every backend shares).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph

from conflictkg.errors import ConflictKGError
from conflictkg.store.backend import (
    QUAD_FORMATS,
    Dataset,
    QueryBackend,
    QueryFailed,
    QueryResult,
    written,
)
from conflictkg.store.files import load_files, merge_named_graphs_into_default


def files_version(paths: Iterable[Path]) -> str:
    """The version of a dataset loaded from ``paths``: a digest of their bytes."""
    hasher = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    return hasher.hexdigest()[:32]


# Over this many quads (the merged default graph's copies included) the store is moved to
# disk. Oxigraph 0.5's in-memory store grows superlinearly on joins over shared subjects:
# on the synthetic corpora, claims joined to their sources' labels took 7.3 ms at 1.9e5
# quads and 666 ms at 1.8e6 in memory, 9.4 ms and 103 ms on disk (RocksDB). At article
# scale memory is faster (a plain scan: 1.4 ms against 8.2 ms). Measured again at 10^6
# (1,885 articles, 2.57M quads, pyoxigraph 0.5.13): each claim's claimant joined to its
# label (24,505 rows) took 2.6 s in memory and 0.33 s on disk, while a plain scan and
# writing its rows were about twice as fast in memory; the slow competency queries lean on
# such lookups, so disk stays. On disk the queries pay about 10 us per index lookup and
# 2-3 us per term read back (to write it or compare it in a sort), which is why the
# competency queries join by hashing in sub-SELECTs and sort on keys computed in the query.
# The copy is compacted once written (Store.optimize). At 10^6 the bulk load leaves 24
# LZ4-compressed files (335 MB); compacted, 16 files, 13 of them stored without compression
# (554 MB, Oxigraph's compression per level), so lookups search fewer files and mostly
# decompress nothing.
# That adds 6-8 s to the load and takes 20-40% off the CPU time of most competency
# queries over 100 ms (the same queries alternated on the copy as written and compacted;
# an earlier wall-clock comparison at a load average of 7 had lost this in the noise).
ON_DISK_QUADS = 1_000_000


class OxigraphBackend(QueryBackend):
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
        # A digest of the loaded data: answers may be cached and tagged (web.cache).
        self._version = version
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
    def version(self) -> str | None:
        return self._version

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

    def _run(self, sparql: str, dataset: Dataset | None, base_iri: str | None) -> QueryResult:
        options: dict[str, object] = {"base_iri": base_iri}
        if dataset is not None:
            options["default_graph"] = list(dataset.default)
            options["named_graphs"] = list(dataset.named)
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
        if fmt not in QUAD_FORMATS:
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
    """``store`` copied to a new, compacted on-disk store in a temporary folder, removed at
    exit."""
    folder = Path(tempfile.mkdtemp(prefix="conflictkg-store-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not from a forked worker's exit
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    disk = pyoxigraph.Store(str(folder))
    disk.bulk_extend(store)
    disk.flush()
    disk.optimize()  # compacted: fewer files for each lookup to search (see ON_DISK_QUADS)
    del disk  # closed: the folder is opened read-only from now on
    return folder
