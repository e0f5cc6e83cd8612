"""What the one reader of SPARQL text learns about a query it lets through."""

from __future__ import annotations

import pytest

from conflictkg.store.guard import inspect_query


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
