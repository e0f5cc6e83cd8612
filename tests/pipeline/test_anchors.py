"""Locating quotes in seeds, and checking every text span of a graph against its seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from conflictkg.cli import main
from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.accounts import read_triples_file
from conflictkg.pipeline.anchors import (
    find_all,
    locate,
    read_seeds,
    verify_articles,
    verify_spans,
)
from conflictkg.pipeline.seeds import read_seed
from conflictkg.vocab import CKG, CKR, OA
from tests.support import FIXTURES

MINI = FIXTURES / "mini"
TEXT = "Ana Préll wrote: “we fired only at soldiers,” he said.\r\nThe soldiers left."
ARTICLE = CKR["article/test"]


def test_locate_counts_code_points() -> None:
    start, end = locate(TEXT, "we fired")
    assert TEXT[start:end] == "we fired" and start == 18


def test_locate_ambiguous_lists_every_occurrence() -> None:
    with pytest.raises(ConflictKGError) as caught:
        locate(TEXT, "soldiers")
    message = str(caught.value)
    assert "occurs 2 times" in message and "--occurrence" in message
    assert "35-43 (line 1, column 36)" in message and "(line 2, column 5)" in message


def test_locate_occurrence_picks_one() -> None:
    start, end = locate(TEXT, "soldiers", occurrence=2)
    assert TEXT[start:end] == "soldiers" and start > 50
    with pytest.raises(ConflictKGError, match="occurs 2 time"):
        locate(TEXT, "soldiers", occurrence=3)


def test_locate_absent_suggests_a_near_match() -> None:
    with pytest.raises(ConflictKGError) as caught:
        locate(TEXT, '"WE FIRED only')
    message = str(caught.value)
    assert "does not occur" in message and "“we fired only" in message
    with pytest.raises(ConflictKGError, match="empty"):
        locate(TEXT, "")


def test_find_all_finds_overlapping_occurrences() -> None:
    assert find_all("aaaa", "aa") == [0, 1, 2]
    assert find_all("abc", "") == []


def test_locate_command_prints_start_and_end(capsys: pytest.CaptureFixture[str]) -> None:
    seed = MINI / "seeds" / "mini.txt"
    assert main(["locate", str(seed), "Teo Marsh, denied"]) == 0
    start, end = map(int, capsys.readouterr().out.split())
    assert read_seed(seed).text[start:end] == "Teo Marsh, denied"


def test_locate_command_fails_with_the_seed_named(capsys: pytest.CaptureFixture[str]) -> None:
    seed = MINI / "seeds" / "mini.txt"
    assert main(["locate", str(seed), "Korvath"]) == 1
    err = capsys.readouterr().err
    assert f"conflictkg locate: error: {seed}: 'Korvath' occurs" in err
    assert main(["locate", str(MINI / "seeds" / "absent.txt"), "x"]) == 1
    assert "absent.txt: cannot read seed" in capsys.readouterr().err


def span_graph(exact: str, start: int, end: int, *, seed_file: str = "t.txt") -> Graph:
    graph = Graph()
    span = URIRef(f"{ARTICLE}/span/{start}-{end}")
    graph.add((ARTICLE, RDF.type, CKG.Article))
    graph.add((ARTICLE, CKG.seedFile, Literal(seed_file)))
    graph.add((span, RDF.type, CKG.TextSpan))
    graph.add((span, OA.exact, Literal(exact)))
    graph.add((span, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
    graph.add((span, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
    graph.add((span, CKG.inArticle, ARTICLE))
    return graph


@pytest.fixture
def seeds(tmp_path: Path) -> dict:
    (tmp_path / "t.txt").write_bytes(TEXT.encode())
    return read_seeds(tmp_path)


def test_a_correct_span_passes(seeds: dict) -> None:
    assert verify_spans(span_graph("Ana Préll", 0, 9), seeds) == []


def test_a_mismatch_names_span_offsets_expected_found_and_where_it_is(seeds: dict) -> None:
    (problem,) = verify_spans(span_graph("soldiers", 0, 8), seeds)
    assert problem.startswith("ckr:article/test/span/0-8: oa:start 0 / oa:end 8 (line 1")
    assert "oa:exact is 'soldiers' but the seed has 'Ana Prél' there" in problem
    assert "the quote occurs at 35-43 (line 1, column 36), 60-68 (line 2, column 5)" in problem


def test_span_problems_without_a_usable_seed_or_offsets(seeds: dict) -> None:
    graph = span_graph("Ana", 0, 3, seed_file="other.txt")
    assert any("'other.txt' is not a file in seeds/" in p for p in verify_spans(graph, seeds))
    graph = span_graph("Ana", 0, 3)
    graph.remove((None, OA.end, None))
    assert verify_spans(graph, seeds) == [
        "ckr:article/test/span/0-3: needs exactly one oa:end (found none)"
    ]
    (problem,) = verify_spans(span_graph("x", 500, 501), seeds)
    assert "do not fit" in problem and f"({len(TEXT)} characters)" in problem


def test_span_iri_must_carry_its_offsets(seeds: dict) -> None:
    graph = span_graph("Ana", 0, 3)
    span = URIRef(f"{ARTICLE}/span/0-3")
    wrong = URIRef(f"{ARTICLE}/span/1-4")
    for p, o in list(graph.predicate_objects(span)):
        graph.add((wrong, p, o))
    graph.remove((span, None, None))
    (problem,) = verify_spans(graph, seeds)
    assert "its IRI says 1-4 but oa:start/oa:end are 0-3" in problem


def test_article_hash_must_match_the_seed(seeds: dict) -> None:
    graph = span_graph("Ana", 0, 3)
    graph.add((ARTICLE, CKG.sha256, Literal("0" * 64)))
    (problem,) = verify_articles(graph, seeds)
    assert "ckg:sha256 is 000" in problem and seeds["t.txt"].sha256 in problem
    graph.set((ARTICLE, CKG.sha256, Literal(seeds["t.txt"].sha256)))
    assert verify_articles(graph, seeds) == []


def test_every_span_of_the_mini_fixture_matches() -> None:
    graph = read_triples_file(MINI / "triples" / "mini.trig").backbone  # the spans are there
    seeds = read_seeds(MINI / "seeds")
    assert len(set(graph.subjects(RDF.type, CKG.TextSpan))) == 15
    assert verify_spans(graph, seeds) == [] and verify_articles(graph, seeds) == []
