"""A rebuild's events table: its rows split, merged and sorted as the query gives them, and
a last good table used only when it is the cache's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.namespace import RDFS

from conflictkg import __version__
from conflictkg.pipeline import eventrows, tables
from conflictkg.pipeline.accounts import read_triples_file

HEADER = b"id,event_name,event_iri\r\n"


def _row(rid: str, name: str, iri: str) -> bytes:
    return f"{rid},{name},{iri}\r\n".encode()


def test_rows_split_at_line_ends_outside_quotes() -> None:
    quoted = b'b,"two\r\nlines, and ""quotes""",https://x/b\r\n'
    table = HEADER + _row("a", "one", "https://x/a") + quoted
    assert eventrows.split_rows(table) == (HEADER, [_row("a", "one", "https://x/a"), quoted])
    assert eventrows.split_rows(b"id\r\nno line end") is None
    assert eventrows.split_rows(b'id\r\n"open quote\r\n') is None


def test_kept_and_answered_rows_are_sorted_by_id() -> None:
    previous = HEADER + _row("a", "A", "https://x/a") + _row("c", "C", "https://x/c")
    answered = HEADER + _row("b", "B", "https://x/b") + _row("z", "not asked", "https://x/z")
    merged = eventrows.merged_table(previous, answered, {"https://x/c"}, {"https://x/b"})
    assert merged == HEADER + _row("a", "A", "https://x/a") + _row("b", "B", "https://x/b")


def test_rows_an_id_does_not_tell_apart_give_no_table() -> None:
    previous = HEADER + _row("a", "A", "https://x/a")
    twice = HEADER + _row("a", "A again", "https://y/a")  # the same id, another event
    assert eventrows.merged_table(previous, twice, set(), {"https://y/a"}) is None
    other = b"id,event_iri\r\n"
    assert eventrows.merged_table(previous, other, set(), set()) is None


def test_the_last_table_is_used_only_when_it_is_the_caches_build(tmp_path: Path) -> None:
    current = tmp_path / "current"
    current.mkdir()
    (current / "events.csv").write_bytes(HEADER)
    path = tmp_path / "a.trig"
    path.write_text(
        "@prefix ckg: <https://w3id.org/conflictkg/ontology#> .\n"
        '<https://x/e> a ckg:Airstrike ; <http://www.w3.org/2000/01/rdf-schema#label> "e" .\n'
    )
    new = read_triples_file(path)

    def record(files: dict[str, str], version: str = __version__) -> None:
        inputs = {f"triples/{stem}.trig": digest for stem, digest in files.items()}
        (current / "build.json").write_text(json.dumps({"conflictkg": version, "inputs": inputs}))

    record({"a": "1"})
    change = eventrows.change_of(current, {"a": "1"}, [new], [])
    assert change is not None and change.table == HEADER and len(change.changed) == 2
    assert eventrows.change_of(current, {"a": "2"}, [new], []) is None  # another build
    record({"a": "1"}, version="0")
    assert eventrows.change_of(current, {"a": "1"}, [new], []) is None  # another version
    (current / "build.json").unlink()
    assert eventrows.change_of(current, {"a": "1"}, [new], []) is None


CKG = "https://w3id.org/conflictkg/ontology#"


def test_the_events_query_reads_a_known_set_of_predicates_from_the_merge() -> None:
    read = eventrows.query_predicates(tables.events_query())
    assert read is not None
    assert {CKG + "location", CKG + "locatedIn", CKG + "attestedBy", str(RDFS.label)} <= read
    # predicates only its GRAPH blocks read (any, of the row's event) are not the merge's
    assert CKG + "aboutPlace" not in read and CKG + "relayedBy" not in read


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT * WHERE { ?s <urn:p> ?o OPTIONAL { ?o <urn:q>/<urn:r>* ?x } }",
            {"urn:p", "urn:q", "urn:r"},
        ),
        ("SELECT * WHERE { ?s <urn:p> ?o GRAPH ?g { ?s ?any ?x } }", {"urn:p"}),
        (
            "SELECT * WHERE { ?s <urn:p> ?o FILTER NOT EXISTS { ?o ^<urn:q> ?x } }",
            {"urn:p", "urn:q"},
        ),
        ("SELECT * WHERE { ?s ?any ?o }", None),
        ("SELECT * WHERE { ?s !<urn:p> ?o }", None),
        ("SELECT * WHERE { ?s <urn:p>/!(<urn:q>|<urn:r>) ?o }", None),
        ("SELECT * WHERE { ?s <urn:p> ?o", None),
    ],
    ids=[
        "paths",
        "graph-block",
        "exists-inverse",
        "variable",
        "negated",
        "nested-negated",
        "unparseable",
    ],
)
def test_query_predicates(query: str, expected: set[str] | None) -> None:
    read = eventrows.query_predicates(query)
    assert read == (None if expected is None else frozenset(expected))
