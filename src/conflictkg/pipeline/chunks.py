"""The merged dumps written in content-defined chunks, each chunk's writing kept between
builds (``output/cache/chunks/``).

Turtle, RDF/XML and JSON-LD of the merge, and VoID's counts of it, were made from the
million sorted lines every build, though a one-article change alters a few subjects.
Each of these documents is a head, one part per subject in line order, and a foot, and a
subject's part depends on its own lines only (Oxigraph's writers group a subject's
triples and write each blank node by its label; :mod:`.dumps` writes JSON-LD node by
node). So the sorted lines are cut into chunks at subject boundaries, a chunk's parts are
made from its lines alone, and the document is the head, the chunks' parts joined, and
the foot: the same bytes as the document made at once (a test holds this for Oxigraph's
writers, whose heads are the given prefixes, never the chunk's IRIs).

Where the cuts fall decides only what is found again, never the bytes. A chunk ends after
a subject whose CRC-32 is a multiple of :data:`AVERAGE`, so a cut depends on that subject
alone: a change alters the chunks holding the changed subjects, and those beside a
subject added or removed at a cut, not the chunks after them (fixed-size chunks would all
shift). A chunk's writing is kept under the SHA-256 of its lines, the code key
(:func:`.writecache.code_key`: this package's sources and the RDF libraries' versions)
and the parameters; pieces the build did not use are pruned after it.
"""

from __future__ import annotations

import hashlib
import zlib
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph

from conflictkg.pipeline import dumps
from conflictkg.pipeline.writecache import Kept, code_key

Made = TypeVar("Made")

FOLDER = Path("cache") / "chunks"
AVERAGE = 64
"""Subjects a chunk holds on average (a cut after a subject with CRC-32 = 0 mod AVERAGE)."""


def cuts(lines: Sequence[bytes]) -> list[tuple[int, int]]:
    """The chunks of sorted, unique lines as (start, end) indices, cut between subjects.

    A subject's lines are those starting with the subject and a space; they sort
    together, before any line starting with the subject and ``!`` (the byte after the
    space), so a binary search finds where each subject ends.
    """
    chunks = []
    start = index = 0
    size = len(lines)
    while index < size:
        line = lines[index]
        subject = line[: line.index(b" ")]
        end = _end_of(lines, subject + b"!", index + 1, size)
        if zlib.crc32(subject) % AVERAGE == 0:
            chunks.append((start, end))
            start = end
        index = end
    if start < size:
        chunks.append((start, size))
    return chunks


def _end_of(lines: Sequence[bytes], bound: bytes, low: int, size: int) -> int:
    """The first index from ``low`` whose line is not below ``bound``: searched near
    ``low`` first (a subject holds a dozen lines on average), doubling the step until the
    line there is not below ``bound``, then by bisection in the last step; a bisection over
    the whole rest took 40 % longer at 10^6 triples."""
    high, step = low, 1
    while high < size and lines[high] < bound:
        low = high + 1
        high += step
        step *= 2
    return bisect_left(lines, bound, low, min(high, size))


@dataclass
class Written:
    """One chunk's parts: its Turtle triples, RDF/XML descriptions, JSON-LD node objects
    (without their documents' heads and feet) and its VoID tally."""

    turtle: bytes
    rdfxml: bytes
    jsonld: bytes
    tally: dumps.Tally


@dataclass
class Documents:
    """The merged dumps of sorted lines, made from chunks (their N-Triples is the lines
    joined, which the caller has)."""

    turtle: bytes
    rdfxml: bytes
    jsonld: bytes
    statistics: dumps.Statistics


class Writer:
    """The documents of sorted lines, each chunk's parts kept in ``folder`` (None: kept
    nowhere) for the next build."""

    def __init__(
        self,
        folder: Path | None,
        prefixes: Mapping[str, str],
        uri_space: str,
        links: Sequence[tuple[str, str]],
    ) -> None:
        self.kept = Kept(folder)
        self.prefixes = dict(prefixes)
        self.uri_space = uri_space
        self.links = list(links)
        shown = repr((sorted(self.prefixes.items()), uri_space, self.links))
        self.key = hashlib.sha256(f"chunks 1 {code_key()} {shown}".encode()).hexdigest()
        self.made = 0  # chunks written (not found) in this build
        self.turtle_head = _turtle_head(self.prefixes)
        self.rdfxml_head, self.rdfxml_foot = _rdfxml_frame(self.prefixes)
        self.compact = dumps.Compactor(self.prefixes)  # its IRIs known across chunks

    def documents(self, lines: Sequence[bytes], nt: bytes) -> Documents:
        """Every document of ``lines`` (sorted, unique; ``nt``: the lines joined), from
        its chunks."""
        parts = [self._cached(Written, text, run, self.write) for text, run in _chunked(lines, nt)]
        turtle = self.turtle_head + b"".join(p.turtle for p in parts) if parts else b""
        return Documents(
            turtle=turtle,
            rdfxml=self.rdfxml_head + b"".join(p.rdfxml for p in parts) + self.rdfxml_foot,
            jsonld=dumps.jsonld_document((p.jsonld for p in parts), self.prefixes),
            statistics=dumps.combine((p.tally for p in parts), self.links),
        )

    def turtle(self, lines: Sequence[bytes], nt: bytes) -> bytes:
        """The Turtle document of ``lines`` alone (for a graph's TriG block), from its
        chunks' Turtle, kept apart from :meth:`documents`' (it needs no other format)."""
        bodies = [
            self._cached(bytes, text, run, lambda text, _: self._turtle_body(text))
            for text, run in _chunked(lines, nt)
        ]
        return self.turtle_head + b"".join(bodies) if bodies else b""

    def _cached(
        self,
        kind: type[Made],
        text: memoryview,
        run: Sequence[bytes],
        make: Callable[[bytes, Sequence[bytes]], Made],
    ) -> Made:
        """A chunk's parts of ``kind`` (its lines ``run``, joined ``text``), from the
        cache or made by ``make`` (and kept)."""
        hasher = hashlib.sha256(f"{self.key} {kind.__name__} ".encode())
        hasher.update(text)
        key = hasher.hexdigest()
        found = self.kept.get(key, kind)
        if found is not None:
            return found
        made = make(bytes(text), run)
        self.made += 1
        self.kept.put(key, made)
        return made

    def _turtle_body(self, text: bytes) -> bytes:
        turtle = dumps.turtle(text, self.prefixes)
        if not turtle.startswith(self.turtle_head):
            raise AssertionError("Oxigraph wrote a chunk's head unlike the document's")
        return turtle[len(self.turtle_head) :]

    def write(self, text: bytes, lines: Sequence[bytes]) -> Written:
        """One chunk's parts, made from its lines (``text``: the lines joined)."""
        rdfxml = dumps.rdfxml(text, self.prefixes)
        if not rdfxml.startswith(self.rdfxml_head) or not rdfxml.endswith(self.rdfxml_foot):
            raise AssertionError("Oxigraph wrote a chunk's head or foot unlike the document's")
        return Written(
            turtle=self._turtle_body(text),
            rdfxml=rdfxml[len(self.rdfxml_head) : len(rdfxml) - len(self.rdfxml_foot)],
            jsonld=dumps.jsonld_nodes(lines, self.prefixes, self.compact),
            tally=dumps.tally(lines, self.uri_space, self.links),
        )

    def prune(self) -> None:
        """Drop the chunks this build did not use."""
        self.kept.prune()


def _chunked(lines: Sequence[bytes], nt: bytes) -> Iterator[tuple[memoryview, Sequence[bytes]]]:
    """Each chunk's text (a view of ``nt``, the lines joined) and lines (each chunk's
    length summed in C, not a list of every line's offset: 0.27 s at 10^6 triples)."""
    if sum(map(len, lines)) != len(nt):
        raise ValueError("the N-Triples given are not the lines joined")
    view = memoryview(nt)
    offset = 0
    for start, end in cuts(lines):
        run = lines[start:end]
        size = sum(map(len, run))
        yield view[offset : offset + size], run
        offset += size


def _turtle_head(prefixes: Mapping[str, str]) -> bytes:
    """What Oxigraph's Turtle starts with given ``prefixes``: its prefix lines (it writes
    nothing for no triples, so one triple is written and its line left out)."""
    triple = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    written = dumps.turtle(triple, prefixes)
    lines = written.split(b"\n")
    head = [line + b"\n" for line in lines if line.startswith(b"@prefix ")]
    return b"".join(head)


def _rdfxml_frame(prefixes: Mapping[str, str]) -> tuple[bytes, bytes]:
    """What Oxigraph's RDF/XML starts and ends with given ``prefixes`` (the document of no
    triples is the two together)."""
    empty = pyoxigraph.serialize([], format=pyoxigraph.RdfFormat.RDF_XML, prefixes=dict(prefixes))
    assert empty is not None
    foot = b"</rdf:RDF>"
    if not empty.endswith(foot):
        raise AssertionError("Oxigraph's RDF/XML does not end with </rdf:RDF>")
    return empty[: -len(foot)], foot
