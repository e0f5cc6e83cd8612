"""The guard's quick scan passes ordinary queries by itself; anything it cannot pass goes
to the lexer, which refuses what must not run (``tests/store/test_guard.py`` checks that
both give one verdict on any text)."""

from __future__ import annotations

import pytest

from conflictkg.store import guard
from tests.support import ROOT

QUERIES = sorted((ROOT / "queries").rglob("*.rq"))


def test_the_quick_scan_passes_the_competency_queries_without_the_lexer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lexed: list[str] = []
    inspect = guard.inspect_query

    def lexer(text: str) -> guard.QueryShape:
        lexed.append(text)
        return inspect(text)

    monkeypatch.setattr(guard, "inspect_query", lexer)
    needed = []
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        guard.check_query(text)
        if lexed:
            needed.append((path.name, len(text)))
            lexed.clear()
    # Only a query with more characters than the token limit may need the lexer to count.
    assert QUERIES and all(size > guard.MAX_TOKENS for _, size in needed), needed


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
        "# with <x:g>\nDELETE WHERE { ?s ?p ?o }",
        "SELECT * WHERE " + "{" * 201 + "}" * 201,
    ],
)
def test_what_the_quick_scan_cannot_pass_goes_to_the_lexer(text: str) -> None:
    with pytest.raises(guard.QueryRefused):
        guard.check_query(text)
