"""The written pieces of each triples file, kept between builds (``output/cache/written/``).

Turning a file's graphs into N-Triples lines and TriG blocks is most of the write step's
Python work; a file's pieces depend only on its bytes, its name and the code, so they are
kept in ``written/<key>.pickle``, where the key is the SHA-256 of the file's bytes, its
stem (the backbone's graph is named after it) and :func:`code_key` (this package's
sources and the versions of rdflib and Oxigraph, which make the lines). An incremental
build then makes the pieces of the changed files only; the merged lines are made from all
pieces every time, and the merged dumps from them in chunks whose writing is kept beside
these pieces (:mod:`.chunks`), so the artefacts are the same bytes as a full build's. The
pieces are addressed by content, like the ontology's pyLODE page beside them, so a build
with ``--full`` (which re-runs every check) uses them too; removing the folder makes them
all again (``WriteCache(refill=True)`` does so in code). Pieces the last build did not use
are pruned.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import pyoxigraph
import rdflib

from conflictkg.pipeline import dumps
from conflictkg.pipeline.accounts import TriplesFile
from conflictkg.pipeline.incremental import code_digest
from conflictkg.pipeline.seeds import sha256_file
from conflictkg.vocab import PREFIXES

T = TypeVar("T")

FOLDER = Path("cache") / "written"
FORMAT = "1"  # bump when what a piece holds changes shape


@dataclass
class Piece:
    """One graph of one triples file: its lines, whether it has blank nodes (whose
    triples are taken from the parsed graph when written), and its TriG block."""

    lines: list[bytes]
    blank: bool
    block: bytes


@cache
def code_key() -> str:
    """What every piece depends on besides the file: the code and the RDF libraries."""
    versions = f"written {FORMAT} {rdflib.__version__} {pyoxigraph.__version__}"
    return hashlib.sha256(f"{versions} {code_digest()}".encode()).hexdigest()


def make_pieces(file: TriplesFile) -> dict[str, Piece]:
    """The pieces of ``file``: one per graph, under the graph's published name."""
    pieces = {}
    for name, graph in file.graphs():
        made = dumps.graph_lines(graph)
        block = dumps.trig_block(str(name), dumps.ntriples(made.lines), PREFIXES)
        pieces[str(name)] = Piece(made.lines, bool(made.blank), block)
    return pieces


class Kept:
    """Values kept as pickles in a folder by key, for the next build (``folder`` None:
    kept nowhere). The keys asked for in this build are remembered, and :meth:`prune`
    drops the others. The write cache's pieces and the chunks' parts (:mod:`.chunks`)
    are kept this way."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def get(self, key: str, kind: type[T]) -> T | None:
        """The value kept under ``key`` when it is a ``kind`` (None: absent or unreadable);
        the key counts as used either way."""
        self.use(key)
        if self.folder is None:
            return None
        try:
            found = pickle.loads((self.folder / f"{key}.pickle").read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return found if isinstance(found, kind) else None

    def use(self, key: str) -> None:
        """Count ``key`` as used by this build without reading it (kept from pruning)."""
        self.used.add(key)

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` under ``key`` (written atomically)."""
        if self.folder is None:
            return
        path = self.folder / f"{key}.pickle"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        temporary.replace(path)

    def prune(self) -> None:
        """Drop what this build did not use."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.pickle"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


class WriteCache:
    """The pieces of an output folder's builds; ``folder`` None keeps nothing."""

    def __init__(self, folder: Path | None, *, refill: bool = False) -> None:
        self.kept = Kept(folder)
        self.refill = refill
        self.made = 0  # files whose pieces were made (not found) in this build

    def pieces(self, file: TriplesFile, digest: str | None = None) -> dict[str, Piece]:
        """``file``'s pieces, from the cache when its bytes were written before."""
        if self.kept.folder is None:
            self.made += 1
            return make_pieces(file)
        digest = digest or sha256_file(file.path)
        key = hashlib.sha256(f"{code_key()} {digest} {file.stem}".encode()).hexdigest()
        if self.refill:  # made again, and kept
            self.kept.use(key)
        else:
            found = self.kept.get(key, dict)
            if found is not None:
                return found
        made = make_pieces(file)
        self.made += 1
        self.kept.put(key, made)
        return made

    def prune(self) -> None:
        """Drop the pieces this build did not use (files changed or removed)."""
        self.kept.prune()
