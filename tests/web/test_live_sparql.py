"""/sparql on a live ``conflictkg serve``: real clients, every result format, refusals."""

from __future__ import annotations

import csv
import io
import json
import threading
import time

import pyoxigraph
import pytest
import requests
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.support.liveserver import Listener, LiveServer

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
JANE = "https://w3id.org/conflictkg/id/person/jane-example"
SELECT_LABELS = f"SELECT ?s ?label WHERE {{ ?s <{LABEL}> ?label }} ORDER BY ?s"
CONSTRUCT_JANE = f"CONSTRUCT {{ <{JANE}> ?p ?o }} WHERE {{ <{JANE}> ?p ?o }}"
# rdfs:labels in data/sample.trig: the ontology and its 8 terms, and 3 resources.
EXPECTED_LABELS = 9 + 3


def wrapper(live: LiveServer, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(live.base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_json_with_sparqlwrapper(live: LiveServer, method: str) -> None:
    result = wrapper(live, SELECT_LABELS, JSON, method).queryAndConvert()
    assert isinstance(result, dict)
    assert result["head"]["vars"] == ["s", "label"]
    bindings = result["results"]["bindings"]
    assert len(bindings) == EXPECTED_LABELS
    jane = [b for b in bindings if b["s"]["value"] == JANE]
    assert jane[0]["label"] == {"type": "literal", "value": "Jane Example", "xml:lang": "en"}


def test_select_xml_with_sparqlwrapper(live: LiveServer) -> None:
    document = wrapper(live, SELECT_LABELS, XML).queryAndConvert()
    ns = "{http://www.w3.org/2005/sparql-results#}"
    results = document.getElementsByTagNameNS(ns[1:-1], "result")
    assert len(results) == EXPECTED_LABELS


def test_select_csv_and_tsv_with_sparqlwrapper(live: LiveServer) -> None:
    text = wrapper(live, SELECT_LABELS, CSV).queryAndConvert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["s", "label"]
    assert [JANE, "Jane Example"] in rows
    assert len(rows) == EXPECTED_LABELS + 1
    text = wrapper(live, SELECT_LABELS, TSV).queryAndConvert().decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "?s\t?label"
    assert f'<{JANE}>\t"Jane Example"@en' in lines


def test_ask_with_sparqlwrapper(live: LiveServer) -> None:
    result = wrapper(live, f"ASK {{ <{JANE}> ?p ?o }}", JSON).queryAndConvert()
    assert result == {"head": {}, "boolean": True}
    result = wrapper(live, "ASK { <urn:nothing> ?p ?o }", XML).queryAndConvert()
    assert result.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        (TURTLE, "text/turtle"),
        (N3, "text/turtle"),  # SPARQLWrapper asks for N3 or Turtle; we write Turtle
        (RDFXML, "application/rdf+xml"),
        (JSONLD, "application/ld+json"),
    ],
)
def test_construct_in_every_graph_format_with_sparqlwrapper(
    live: LiveServer, fmt: str, media_type: str
) -> None:
    # Parsed with pyoxigraph: SPARQLWrapper's own conversion uses deprecated rdflib classes.
    response = wrapper(live, CONSTRUCT_JANE, fmt).query().response
    assert response.headers["Content-Type"].split(";")[0] == media_type
    triples = parse(response.read(), media_type)
    assert len(triples) == 6
    assert f'<{JANE}> <{LABEL}> "Jane Example"@en' in triples


def parse(body: bytes, media_type: str) -> set[str]:
    """The statements of an RDF document, as N-Triples/N-Quads lines."""
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    return {str(q).removesuffix(" .").strip() for q in pyoxigraph.parse(body, format=fmt)}


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ service silent <{url}> {{ ?s ?p ?o }} }} }}",
        "PREFIX remote: <{url}#>\nSELECT * WHERE {{ SERVICE remote:x {{ ?s ?p ?o }} }}",
    ],
    ids=["service", "service-silent-lowercase", "service-prefixed"],
)
def test_service_is_refused_and_never_connects(live: LiveServer, template: str) -> None:
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/sparql"
        reply = requests.get(
            live.base + "/sparql", params={"query": template.format(url=url)}, timeout=10
        )
        time.sleep(0.3)
        assert reply.status_code == 400
        assert "SERVICE" in reply.text
        assert listener.connections == 0
    finally:
        listener.close()


def test_from_a_foreign_iri_is_answered_locally(live: LiveServer) -> None:
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/data.ttl"
        query = f"SELECT * FROM <{url}> FROM NAMED <{url}> WHERE {{ ?s ?p ?o }}"
        reply = requests.get(
            live.base + "/sparql", params={"query": query, "default-graph-uri": url}, timeout=10
        )
        reply2 = requests.get(live.base + "/sparql", params={"query": query}, timeout=10)
        time.sleep(0.3)
        assert reply.status_code == reply2.status_code == 200
        assert reply.json()["results"]["bindings"] == []
        assert reply2.json()["results"]["bindings"] == []
        assert listener.connections == 0
    finally:
        listener.close()


def test_word_service_in_literals_iris_and_comments_is_fine(live: LiveServer) -> None:
    query = (
        "# SERVICE in a comment\n"
        "SELECT ?c WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#comment> ?c "
        'FILTER(CONTAINS(?c, "SERVICE") || ?s = <http://example.org/SERVICE>) }'
    )
    reply = requests.get(live.base + "/sparql", params={"query": query}, timeout=10)
    assert reply.status_code == 200
    assert len(reply.json()["results"]["bindings"]) == 1


def post_query(live: LiveServer, query: str) -> requests.Response:
    """``query`` sent in the body of a POST, as application/sparql-query."""
    return requests.post(
        live.base + "/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=10,
    )


@pytest.mark.parametrize("depth", [201, 5000, 50_000])
def test_deep_nesting_is_400_and_server_survives(live: LiveServer, depth: int) -> None:
    query = "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth
    reply = post_query(live, query)
    assert reply.status_code == 400
    assert "nested too deeply" in reply.text
    assert "line 1, column" in reply.text
    assert live.alive()


def test_long_flat_query_is_400_and_server_survives(live: LiveServer) -> None:
    query = "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(5000)) + " }"
    reply = post_query(live, query)
    assert reply.status_code == 400
    assert "too long" in reply.text
    assert live.alive()


def test_nesting_within_the_limit_is_answered(live: LiveServer) -> None:
    query = "ASK " + "{" * 150 + " ?s ?p ?o " + "}" * 150
    reply = requests.get(live.base + "/sparql", params={"query": query}, timeout=10)
    assert reply.status_code == 200
    assert reply.json()["boolean"] is True


def test_runaway_query_is_503_and_others_are_served(live: LiveServer) -> None:
    runaway = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    )
    outcome: dict[str, object] = {}

    def run() -> None:
        reply = requests.get(live.base + "/sparql", params={"query": runaway}, timeout=30)
        outcome.update(status=reply.status_code, text=reply.text)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)
    quick = requests.get(live.base + "/sparql", params={"query": SELECT_LABELS}, timeout=10)
    assert quick.status_code == 200
    thread.join()
    assert outcome["status"] == 503
    assert "time limit of 3 s" in str(outcome["text"])
    assert live.alive()


def test_one_log_line_per_request(live: LiveServer) -> None:
    marker = f"/sparql-not-here-{time.monotonic_ns()}"
    reply = requests.get(live.base + marker, timeout=10)
    assert reply.status_code == 404
    lines: list[str] = []
    waited = 0.0
    while not lines and waited < 5:  # a worker writes its access lines in batches
        time.sleep(0.1)
        waited += 0.1
        lines = [line for line in live.log.read_text().splitlines() if marker in line]
    time.sleep(0.3)  # and a second line for the one request would be there by now
    lines = [line for line in live.log.read_text().splitlines() if marker in line]
    assert len(lines) == 1
    assert lines[0].rstrip().split()[-4:-1] == ["GET", marker, "404"]
    assert lines[0].rstrip().endswith("ms")


def test_health_is_json(live: LiveServer) -> None:
    reply = requests.get(live.base + "/health", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply.text)["status"] == "ok"
