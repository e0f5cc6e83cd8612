"""Answers too big for one response get a clear 400, however they are asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from conflictkg.web.app import create_app
from tests.support.liveserver import SAMPLE, LiveServer

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


def test_serve_takes_its_answer_limit_from_the_command_line(tmp_path: Path) -> None:
    # 0.001 MiB: 1,048 bytes. Asked twice, so the second answer comes through the cache.
    command = ["serve", "--dataset", str(SAMPLE), "--workers", "1", "--max-answer-mb", "0.001"]
    with LiveServer(command, tmp_path / "serve.log") as server:
        for _ in range(2):
            big = _csv(server, ALL)
            assert big.status_code == 400
            assert "limit of 1,048 bytes" in big.text and "LIMIT and OFFSET" in big.text
            small = _csv(server, ALL + " LIMIT 1")
            assert small.status_code == 200 and 0 < len(small.content) <= 1048


def _csv(server: LiveServer, query: str) -> requests.Response:
    return requests.get(
        server.base + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=10
    )
