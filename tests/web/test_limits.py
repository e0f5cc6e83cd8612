"""Answers too big for one response get a clear 400, however they are asked for."""

from __future__ import annotations

import pytest

from conflictkg.web.app import create_app
from tests.support.liveserver import SAMPLE

ALL = "SELECT * WHERE { ?s ?p ?o }"
GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (ALL, "application/sparql-results+json"),
        (ALL, "text/csv"),
        (ALL, "application/sparql-results+xml"),
        (GRAPH, "text/turtle"),
        (GRAPH, "application/n-triples"),
        (GRAPH, "application/rdf+xml"),
    ],
)
def test_an_answer_over_the_byte_limit_is_refused(query: str, accept: str) -> None:
    client = create_app({"DATASET": SAMPLE, "MAX_RESULT_BYTES": 800}).test_client()
    reply = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert reply.status_code == 400
    assert "limit of 800 bytes" in reply.text and "LIMIT and OFFSET" in reply.text
    small = client.get(
        "/sparql", query_string={"query": query + " LIMIT 1"}, headers={"Accept": accept}
    )
    assert small.status_code == 200 and len(small.data) <= 800


def test_an_html_table_over_the_row_limit_is_refused() -> None:
    client = create_app({"DATASET": SAMPLE, "MAX_HTML_ROWS": 2}).test_client()
    reply = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": "text/html"})
    assert reply.status_code == 400
    assert "limit of 2 rows" in reply.text and "JSON or CSV" in reply.text
    fits = client.get(
        "/sparql", query_string={"query": ALL + " LIMIT 2"}, headers={"Accept": "text/html"}
    )
    assert fits.status_code == 200
