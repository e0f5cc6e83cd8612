"""The SPARQL 1.1 Protocol at /sparql through Flask's test client: content negotiation,
the ``format`` parameter, refusals, errors, CORS and the service description. (Real
clients on a live server: test_live_sparql.py; the W3C suite: tests/w3c/.)"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictkg.web.protocol import (
    ProtocolError,
    _decode_params,
    _decode_params_quickly,
    parse_parts,
)
from tests.support.http import InProcess
from tests.web.test_live_sparql import CONSTRUCT_JANE, SELECT_LABELS, parse


@pytest.fixture
def http(app: Flask) -> InProcess:
    return InProcess(app)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.9, application/sparql-results+json;q=0.1", "text/csv"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/html;q=0.2, text/tab-separated-values;q=0.3", "text/tab-separated-values"),
    ],
)
def test_select_content_negotiation(http: InProcess, accept: str, expected: str) -> None:
    reply = http.get(
        http.base + "/sparql",
        params={"query": SELECT_LABELS},
        headers={"Accept": accept},
        timeout=10,
    )
    assert reply.status_code == 200
    media_type, _, params = reply.headers["Content-Type"].partition(";")
    assert media_type == expected
    if expected.startswith("text/"):
        assert params.strip() == "charset=utf-8"
    assert "Accept" in reply.headers["Vary"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("application/n-quads", "application/n-quads"),
        ("application/rdf+xml;q=0.4, text/turtle;q=0.8", "text/turtle"),
        ("*/*", "text/turtle"),
    ],
)
def test_construct_content_negotiation(http: InProcess, accept: str, expected: str) -> None:
    reply = http.get(
        http.base + "/sparql",
        params={"query": CONSTRUCT_JANE},
        headers={"Accept": accept},
        timeout=10,
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == expected
    assert len(parse(reply.content, expected)) == 6


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_parameter_overrides_accept(http: InProcess, name: str, media_type: str) -> None:
    reply = http.get(
        http.base + "/sparql",
        params={"query": SELECT_LABELS, "format": name},
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == media_type


def test_nothing_acceptable_is_406(http: InProcess) -> None:
    reply = http.get(
        http.base + "/sparql",
        params={"query": SELECT_LABELS},
        headers={"Accept": "image/png"},
        timeout=10,
    )
    assert reply.status_code == 406
    assert "application/sparql-results+json" in reply.text
    reply = http.get(
        http.base + "/sparql",
        params={"query": CONSTRUCT_JANE},
        headers={"Accept": "application/sparql-results+json, text/turtle;q=0"},
        timeout=10,
    )
    assert reply.status_code == 406


def test_html_results_escape_the_data(http: InProcess) -> None:
    query = 'SELECT ?x WHERE { BIND("<b>bold</b>" AS ?x) }'
    reply = http.get(
        http.base + "/sparql", params={"query": query}, headers={"Accept": "text/html"}, timeout=10
    )
    assert reply.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt;" in reply.text
    assert "<b>bold</b>" not in reply.text


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "GET", "params": {"update": "CLEAR ALL"}}, 403),
        ({"method": "POST", "data": {"update": "DROP ALL"}}, 403),
        (
            {
                "method": "POST",
                "data": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                "headers": {"Content-Type": "application/sparql-update"},
            },
            403,
        ),
        ({"method": "GET", "params": {"query": "DELETE WHERE { ?s ?p ?o }"}}, 403),
        (
            {"method": "POST", "data": {"query": "PREFIX x: <urn:x> LOAD <http://127.0.0.1:9/>"}},
            403,
        ),
    ],
    ids=["update-get", "update-form", "update-direct", "update-in-query", "load-in-query"],
)
def test_updates_are_refused_and_data_unchanged(
    http: InProcess, request_kwargs: dict, status: int
) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = http.get(http.base + "/sparql", params={"query": count}, timeout=10).json()
    method = request_kwargs.pop("method")
    reply = http.request(method, http.base + "/sparql", timeout=10, **request_kwargs)
    assert reply.status_code == status
    assert "read-only" in reply.text
    after = http.get(http.base + "/sparql", params={"query": count}, timeout=10).json()
    assert after == before


def test_syntax_error_is_400_with_the_position(http: InProcess) -> None:
    reply = http.get(
        http.base + "/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=10
    )
    assert reply.status_code == 400
    assert "syntax error" in reply.text
    assert "1:" in reply.text  # the parser's line:column
    assert "Traceback" not in reply.text


def test_cors_simple_and_preflight(http: InProcess) -> None:
    reply = http.get(
        http.base + "/sparql",
        params={"query": SELECT_LABELS},
        headers={"Origin": "https://example.org"},
        timeout=10,
    )
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    preflight = http.options(
        http.base + "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/ld+json"])
def test_service_description_by_accept(http: InProcess, accept: str) -> None:
    reply = http.get(http.base + "/sparql", headers={"Accept": accept}, timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith(accept)
    statements = parse(reply.content, accept)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = f"<{http.base}/sparql>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    assert f"{service} {rdf_type} <{sd}Service>" in statements
    assert f"{service} <{sd}supportedLanguage> <{sd}SPARQL11Query>" in statements
    assert f"{service} <{sd}feature> <{sd}UnionDefaultGraph>" in statements
    formats = {s.split()[-1] for s in statements if s.startswith(f"{service} <{sd}resultFormat>")}
    assert len(formats) == 10
    assert "<http://www.w3.org/ns/formats/SPARQL_Results_CSV>" in formats
    names = {s.split()[-1] for s in statements if f"<{sd}name>" in s}
    assert names == {
        "<https://w3id.org/conflictkg/graph/ontology>",
        "<https://w3id.org/conflictkg/graph/001_sample>",
    }


@pytest.mark.parametrize(
    ("path", "value", "status", "media_type"),
    [
        ("/id/person/jane-example", "turtle", 200, "text/turtle"),
        ("/id/person/jane-example", "text/turtle", 200, "text/turtle"),
        ("/id/person/jane-example", "csv", 406, None),
        ("/id/person/jane-example", "n3", 200, "text/html"),
        ("/sparql", "text/turtle", 200, "text/turtle"),
        ("/sparql", "csv", 406, None),
        ("/graph/ontology", "jsonld", 200, "application/ld+json"),
        ("/graph/ontology", "html", 406, None),
    ],
)
def test_format_means_the_same_on_every_route(
    http: InProcess, path: str, value: str, status: int, media_type: str | None
) -> None:
    """A known format decides (406 where the route cannot give it); an unknown one is
    left to the Accept header (here a browser's, preferring HTML)."""
    accept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
    reply = http.get(http.base + path, params={"format": value}, headers={"Accept": accept})
    assert reply.status_code == status, reply.text
    if media_type is not None:
        assert reply.headers["Content-Type"].split(";")[0] == media_type
    else:
        assert "is not available" in reply.text and value in reply.text


# Pieces of query strings: well-formed and stray escapes, UTF-8 split across escapes, '+',
# separators, a backslash and a byte that is not ASCII.
_PIECES = [
    *(b"%", b"%2", b"%25", b"%C3", b"%A9", b"%E2%82", b"%AC", b"%00", b"%7f", b"%ff", b"%zz"),
    *(b"a", b"F", b"0", b"x", b"+", b"&", b"=", b";", b" ", b"\\", b"\xc3", b"query"),
]


def _reference(raw: bytes) -> list[tuple[str, str]] | str:
    """What ``urllib.parse.parse_qsl`` makes of ``raw`` as the protocol reads it, or the
    refusal."""
    try:
        return parse_qsl(
            raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        return "refused"


@pytest.mark.unit
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map(b"".join))
def test_query_strings_decode_as_parse_qsl_decodes_them(raw: bytes) -> None:
    """The decoder in C gives parse_qsl's parameters, or leaves the string to parse_qsl:
    the same parameters, and the same refusals, for any query string."""
    try:
        decoded: list[tuple[str, str]] | str = _decode_params(raw, "URL query string")
    except ProtocolError as error:
        assert error.status == 400 and "percent-encoded UTF-8" in error.message
        decoded = "refused"
    assert decoded == _reference(raw)


@pytest.mark.unit
def test_a_real_query_decodes_as_parse_qsl_decodes_it() -> None:
    text = 'SELECT ?s WHERE { ?s ?p "é & +" } # 100% sure\n'
    raw = f"query={quote(text, safe='')}&format=json&default-graph-uri=".encode()
    request = parse_parts("GET", raw, "", None, lambda: b"")
    assert request.query == text == dict(parse_qsl(raw.decode()))["query"]
    assert request.formats == ["json"] and request.default_graphs == [""]
    assert _decode_params_quickly(raw) is not None  # decoded in C, not left to parse_qsl
