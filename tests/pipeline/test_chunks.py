"""The merged dumps written in chunks: the same bytes as each document written at once,
whatever the cuts, and a chunk cache that never gives an old chunk's bytes."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from conflictkg.pipeline import chunks, dumps
from conflictkg.vocab import BASE_IRI, PREFIXES, WD
from tests.pipeline.test_dumps import merged_lines, tricky

pytestmark = pytest.mark.unit

SPACE = BASE_IRI + "id/"
LINKS = [(str(SKOS.exactMatch), str(WD))]
CKR = BASE_IRI + "id/"


def sample() -> Graph:
    """The tricky graph (blank nodes, languages, datatypes, escapes) and 200 subjects, some
    typed, linked and labelled, so that a chunking has many cuts."""
    graph = tricky()
    for n in range(200):
        thing = URIRef(f"{CKR}thing/{n:03d}")
        graph.add((thing, RDF.type, URIRef(f"{BASE_IRI}ontology#Kind{n % 3}")))
        graph.add((thing, RDFS.label, Literal(f"thing {n}", lang="en")))
        graph.add((thing, SKOS.exactMatch, URIRef(f"{WD}Q{n}")))
        if n % 7 == 0:
            node = BNode()
            graph.add((thing, URIRef("http://example.org/part"), node))
            graph.add((node, RDFS.label, Literal(f"part {n}")))
    return graph


def at_once(lines: list[bytes]) -> tuple[bytes, bytes, bytes, dumps.Statistics]:
    """Each document written from all the lines in one go (as before chunks)."""
    nt = dumps.ntriples(lines)
    return (
        dumps.turtle(nt, PREFIXES),
        dumps.rdfxml(nt, PREFIXES),
        dumps.jsonld(lines, PREFIXES),
        dumps.statistics(lines, SPACE, LINKS),
    )


def in_chunks(lines: list[bytes], folder: Path | None = None) -> tuple[tuple, chunks.Writer]:
    writer = chunks.Writer(folder, PREFIXES, SPACE, LINKS)
    made = writer.documents(lines, dumps.ntriples(lines))
    return (made.turtle, made.rdfxml, made.jsonld, made.statistics), writer


@pytest.mark.parametrize("average", [1, 2, 3, 64, 10**9])
def test_documents_in_chunks_are_the_documents_written_at_once(
    average: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunks, "AVERAGE", average)
    lines = merged_lines(sample())
    made, _ = in_chunks(lines)
    assert made == at_once(lines)
    if average == 1:  # every subject its own chunk
        subjects = {line.split(b" ", 1)[0] for line in lines}
        assert len(chunks.cuts(lines)) == len(subjects)


def test_no_lines_give_the_empty_documents() -> None:
    made, _ = in_chunks([])
    assert made == at_once([])


def test_cuts_fall_between_subjects_and_cover_every_line() -> None:
    lines = merged_lines(sample())
    found = chunks.cuts(lines)
    assert found[0][0] == 0 and found[-1][1] == len(lines)
    assert all(a[1] == b[0] for a, b in zip(found, found[1:], strict=False))
    for _, end in found[:-1]:
        before, after = lines[end - 1].split(b" ", 1)[0], lines[end].split(b" ", 1)[0]
        assert before != after


def test_each_subject_ends_where_its_lines_end_however_many_it_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # subjects of 1 to 300 lines: the search for a subject's end steps past several
    # doublings, and stops on the last line of the list too
    counts = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 300, 1]
    lines = sorted(
        f"<http://s/{n:03d}> <http://p> <http://o/{k:04d}> .\n".encode()
        for n, count in enumerate(counts)
        for k in range(count)
    )
    monkeypatch.setattr(chunks, "AVERAGE", 1)  # a cut after every subject
    found = chunks.cuts(lines)
    assert [end - start for start, end in found] == counts
    for start, end in found:
        assert len({line.split(b" ", 1)[0] for line in lines[start:end]}) == 1


def test_a_subject_whose_name_starts_another_is_not_cut() -> None:
    lines = sorted(
        [
            b"_:b1 <http://p> <http://o> .\n",
            b"_:b1 <http://q> <http://o> .\n",
            b"_:b10 <http://p> <http://o> .\n",
            b"<http://a/x> <http://p> <http://o> .\n",
            b'<http://a/x> <http://q> "v" .\n',
            b"<http://a/x2> <http://p> <http://o> .\n",
        ]
    )
    subjects = [lines[start].split(b" ", 1)[0] for start, _ in chunks.cuts(lines)]
    assert len(set(subjects)) == len(subjects)


def _edits() -> dict[str, list[bytes]]:
    """The sample's lines after each edit: at a cut, inside a chunk, a subject removed or
    added, a subject's lines from two graphs (one changed)."""
    lines = merged_lines(sample())
    cut_subjects = [lines[end - 1].split(b" ", 1)[0] for _, end in chunks.cuts(lines)[:-1]]
    assert cut_subjects, "the sample must have more than one chunk"
    at_cut = cut_subjects[0]
    inside = b"<" + f"{CKR}thing/100".encode() + b">"
    other = Graph()
    other.add((URIRef(f"{CKR}thing/100"), URIRef("http://example.org/said"), Literal("x")))
    two_files = dumps.merge([lines, merged_lines(other)])
    return {
        "a label changed at a cut": [
            line.replace(b'"thing', b'"a thing', 1) if line.startswith(at_cut + b" ") else line
            for line in lines
        ],
        "the subject ending a chunk removed": [
            line for line in lines if not line.startswith(at_cut + b" ")
        ],
        "a subject inside a chunk removed": [
            line for line in lines if not line.startswith(inside + b" ")
        ],
        "a subject added": dumps.merge(
            [lines, [b"<" + f"{CKR}thing/100a".encode() + b'> <http://example.org/p> "n" .\n']]
        ),
        "a subject's lines from two graphs": two_files,
        "one graph's line of that subject changed": dumps.merge(
            [lines, [line.replace(b'"x"', b'"y"') for line in merged_lines(other)]]
        ),
    }


@pytest.mark.parametrize("edit", sorted(_edits()))
def test_a_rebuild_from_the_chunk_cache_gives_a_fresh_writers_bytes(
    edit: str, tmp_path: Path
) -> None:
    cache = tmp_path / "chunks"
    first, _ = in_chunks(merged_lines(sample()), cache)
    changed = _edits()[edit]
    again, writer = in_chunks(changed, cache)
    assert again == at_once(changed) and again != first
    total = len(chunks.cuts(changed))
    assert 1 <= writer.made <= 3 < total  # only the chunks the edit touched were written


def test_a_chunk_is_found_again_and_unused_ones_are_pruned(tmp_path: Path) -> None:
    cache = tmp_path / "chunks"
    lines = merged_lines(sample())
    in_chunks(lines, cache)
    kept = set(cache.glob("*.pickle"))
    assert len(kept) == len(chunks.cuts(lines))
    again, writer = in_chunks(lines, cache)
    assert writer.made == 0 and again == at_once(lines)
    fewer = [line for line in lines if not line.startswith(b"<" + CKR.encode() + b"thing/1")]
    _, writer = in_chunks(fewer, cache)
    writer.prune()
    left = set(cache.glob("*.pickle"))
    assert len(left) == len(chunks.cuts(fewer)) and kept - left


def test_a_damaged_chunk_file_is_written_again(tmp_path: Path) -> None:
    cache = tmp_path / "chunks"
    lines = merged_lines(sample())
    in_chunks(lines, cache)
    for path in cache.glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    again, writer = in_chunks(lines, cache)
    assert again == at_once(lines) and writer.made == len(chunks.cuts(lines))
    assert isinstance(pickle.loads(next(cache.glob("*.pickle")).read_bytes()), chunks.Written)


def test_lines_and_their_text_must_agree() -> None:
    lines = merged_lines(sample())
    writer = chunks.Writer(None, PREFIXES, SPACE, LINKS)
    with pytest.raises(ValueError, match="not the lines joined"):
        writer.documents(lines, dumps.ntriples(lines[1:]))


def test_a_graphs_turtle_from_chunks_is_its_turtle_and_kept_apart(tmp_path: Path) -> None:
    lines = merged_lines(sample())
    nt = dumps.ntriples(lines)
    writer = chunks.Writer(tmp_path / "chunks", PREFIXES, SPACE, LINKS)
    assert writer.turtle(lines, nt) == dumps.turtle(nt, PREFIXES)
    assert writer.turtle([], b"") == dumps.turtle(b"", PREFIXES) == b""
    # the Turtle-only parts never stand for a chunk's documents, nor the other way round
    made, again = in_chunks(lines, tmp_path / "chunks")
    assert made == at_once(lines) and again.made == len(chunks.cuts(lines))
