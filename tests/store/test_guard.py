"""What the one reader of SPARQL text learns about a query it lets through."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictkg.store.guard import QueryRefused, check_query, inspect_query
from tests.support import ROOT


@pytest.mark.parametrize(
    ("query", "form", "relative"),
    [
        ("SELECT * WHERE { <a> ?p ?o }", "SELECT", True),
        ("ask { <https://example.org/a> ?p ?o }", "ASK", False),
        ('# <a> in a comment\nCONSTRUCT WHERE { ?s ?p "<b> in a string" }', "CONSTRUCT", False),
        ("BASE <https://example.org/> DESCRIBE <a>", "DESCRIBE", True),
        ("PREFIX ex: <urn:x:> SELECT ?s WHERE { ?s ex:p 1 }", "SELECT", False),
    ],
)
def test_form_and_relative_iris(query: str, form: str, relative: bool) -> None:
    shape = inspect_query(query)
    assert shape.form == form
    assert shape.relative_iris is relative


def _verdict(check: Any, text: str) -> str | None:
    try:
        check(text)
    except QueryRefused as refused:
        return refused.message
    return None


HOSTILE = [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * {service?x{?s ?p ?o}}",
    "SELECT * { ſervice <x:y> { ?s ?p ?o } }",  # upper-cases to SERVICE, as the lexer reads it
    "PREFIX a: <x:> INSERT DATA { a:b a:c a:d }",
    "# a comment\nwith <x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD<http://x/>",
    "SELECT * WHERE " + "{" * 201 + "}" * 201,
    "SELECT * WHERE { " + "?s ?p ?o . " * 700 + "}",
    "SELECT * WHERE { FILTER(" + "?a||" * 1100 + "?a) }",
]
HARMLESS = [
    "SELECT * { ?s <urn:service> 'SERVICE' } # with insert and delete",
    'SELECT ?with WHERE { ?with ex:add "load" . ?s ex:service.x ?o }',
    "SELECT * WHERE " + "{" * 200 + "}" * 200,
    "# " + "x " * 3000 + "\nASK {}",
    "SELECT ?x WHERE { BIND('" + "{(" * 300 + "' AS ?x) }",
]


@pytest.mark.parametrize(
    "text",
    HOSTILE
    + HARMLESS
    + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").rglob("*.rq"))],
)
def test_the_quick_check_refuses_what_the_lexer_refuses_with_its_message(text: str) -> None:
    assert _verdict(check_query, text) == _verdict(inspect_query, text)


def test_hostile_and_harmless_examples_are_told_apart() -> None:
    assert all(_verdict(check_query, t) is not None for t in HOSTILE)
    assert all(_verdict(check_query, t) is None for t in HARMLESS)


_PIECES = st.sampled_from(
    [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        " ",
        "\n",
        "#",
        "'",
        '"',
        "<",
        ">",
        ":",
        ".",
        "?s",
        "SERVICE",
        "service",
        "with",
        "INSERT",
        "select",
        "ex:",
        "<urn:x>",
        "\\",
        "é",
        "ſ",
        "%",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_the_quick_check_agrees_with_the_lexer_on_any_text(text: str) -> None:
    assert _verdict(check_query, text) == _verdict(inspect_query, text)
