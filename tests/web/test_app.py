"""Finer points through Flask's test client: a fresh app per test over data/sample.trig."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from conflictkg.errors import ConflictKGError
from conflictkg.store.guard import MAX_DEPTH, QueryRefused, inspect_query
from conflictkg.web.app import create_app
from conflictkg.web.mediatypes import RESULT_TYPES, negotiate
from conflictkg.web.state import state_of

ASK = "ASK { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"query_string": "query=ASK%20%7B%7D&query=ASK%20%7B%7D"}, 400, "2 'query' parameters"),
        (
            {"method": "POST", "data": ASK, "content_type": "text/plain"},
            415,
            "unsupported Content-Type",
        ),
        ({"method": "POST", "data": "query=ASK%20%7B%7D"}, 415, "needs a Content-Type"),
        (
            {
                "method": "POST",
                "data": ASK.encode("utf-16"),
                "content_type": "application/sparql-query; charset=UTF-16",
            },
            415,
            "charset",
        ),
        (
            {"method": "POST", "data": b"ASK { \xff }", "content_type": "application/sparql-query"},
            400,
            "not UTF-8",
        ),
        (
            {
                "method": "POST",
                "data": "query=%ff",
                "content_type": "application/x-www-form-urlencoded",
            },
            400,
            "percent-encoded UTF-8",
        ),
        (
            {
                "method": "POST",
                "data": "format=json",
                "content_type": "application/x-www-form-urlencoded",
            },
            400,
            "no 'query' parameter",
        ),
        ({"method": "PUT", "query_string": "query=ASK%20%7B%7D"}, 405, "Method Not Allowed"),
        (
            {"query_string": {"query": ASK, "default-graph-uri": "not an iri"}},
            400,
            "invalid graph IRI",
        ),
        ({"query_string": {"query": ASK, "format": "csv"}}, 406, "not available for ASK"),
    ],
    ids=[
        "two-queries",
        "wrong-type",
        "no-type",
        "utf16",
        "bad-utf8",
        "bad-percent",
        "no-query",
        "put",
        "bad-graph-iri",
        "csv-boolean",
    ],
)
def test_bad_requests_name_the_problem(
    client: FlaskClient, kwargs: dict, status: int, message: str
) -> None:
    method = kwargs.pop("method", "GET")
    reply = client.open("/sparql", method=method, **kwargs)
    assert reply.status_code == status
    assert message in reply.get_data(as_text=True)
    assert "Traceback" not in reply.get_data(as_text=True)


def test_union_default_graph_and_protocol_dataset(client: FlaskClient) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(**params: str | list[str]) -> int:
        reply = client.get("/sparql", query_string={"query": count, **params})
        return int(reply.get_json()["results"]["bindings"][0]["n"]["value"])

    assert n() == 44  # the union of both graphs
    assert n(**{"default-graph-uri": "https://w3id.org/conflictkg/graph/ontology"}) == 19
    assert n(**{"named-graph-uri": "https://w3id.org/conflictkg/graph/ontology"}) == 0
    from_query = (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/conflictkg/graph/001_sample> "
        "WHERE { ?s ?p ?o }"
    )
    reply = client.get("/sparql", query_string={"query": from_query})
    assert reply.get_json()["results"]["bindings"][0]["n"]["value"] == "25"


def test_unexpected_errors_are_503_without_traceback(client: FlaskClient) -> None:
    backend = state_of(client.application).backend

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail")

    backend.query = broken
    reply = client.get("/sparql", query_string={"query": ASK})
    assert reply.status_code == 503
    text = reply.get_data(as_text=True)
    assert "logged" in text
    assert "internal detail" not in text and "Traceback" not in text


def test_every_app_is_fresh(client: FlaskClient) -> None:
    other = create_app({"DATASET": client.application.config["DATASET"]})
    assert state_of(other).backend is not state_of(client.application).backend


def test_missing_dataset_names_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConflictKGError, match="dataset.trig"):
        create_app({"BUILD_DIR": tmp_path})


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE" }',
        "SELECT * WHERE { ?s ?p <http://example.org/service> } # SERVICE",
        "SELECT ?service WHERE { ?service ?p ?o }",
        'SELECT * WHERE { ?s ?p """a } SERVICE { b""" }',
        "PREFIX service: <urn:x#> SELECT * WHERE { ?s service:p ?o }",
    ],
)
def test_guard_does_not_mistake_service_in_text(query: str) -> None:
    inspect_query(query)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * WHERE { SERVICE <urn:x> { ?s ?p ?o } }", 400),
        ("select * where { service silent ?x { ?s ?p ?o } }", 400),
        ("PREFIX a: <urn:a> INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
        ("BASE <urn:x> LOAD <http://example.org/x>", 403),
        ("SELECT * WHERE " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1), 400),
        (
            "SELECT * WHERE { FILTER("
            + "(" * (MAX_DEPTH + 1)
            + "1"
            + ")" * (MAX_DEPTH + 1)
            + ") }",
            400,
        ),
    ],
)
def test_guard_refuses(query: str, status: int) -> None:
    with pytest.raises(QueryRefused) as refused:
        inspect_query(query)
    assert refused.value.status == status


def test_guard_sees_dataset_clauses() -> None:
    assert inspect_query("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }").has_dataset_clause
    assert not inspect_query('SELECT * WHERE { ?s ?p "FROM" }').has_dataset_clause


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("text/csv;q=0.3, */*;q=0.1", "csv"),
        ("application/*", "json"),
        ("application/sparql-results+xml;q=1, application/sparql-results+json;q=1", "json"),
        ("text/tab-separated-values, text/csv;q=0", "tsv"),
        ("garbage, text/csv;q=abc, text/tab-separated-values;q=0.5", "tsv"),
    ],
)
def test_negotiation_with_q_values(accept: str | None, expected: str) -> None:
    chosen = negotiate(accept, RESULT_TYPES)
    assert chosen is not None and chosen.name == expected


def test_negotiation_refuses_q_zero() -> None:
    assert negotiate("application/sparql-results+json;q=0, image/*", RESULT_TYPES) is None
