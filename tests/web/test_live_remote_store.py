"""``conflictkg serve --store URL`` against a real ``oxigraph serve`` on a loopback port.

The store is filled with ``conflictkg load --store``, then a real ``conflictkg serve
--store`` answers through it: formats, the union default graph, the protocol's dataset,
refusals before anything reaches the store, syntax errors, time limits, a store that goes
away (503), resource pages and downloads. A few checks of the backend itself run in-process
against tiny fake servers.
"""

from __future__ import annotations

import argparse
import csv
import http.server
import io
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest
import requests

from conflictkg.cli import main
from conflictkg.errors import ConflictKGError
from conflictkg.serving import store_config as serve_store
from conflictkg.store.backend import QueryFailed
from conflictkg.store.remote import RemoteBackend, difference
from tests.support.liveserver import Listener, LiveServer, free_port

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
SAMPLE = Path(__file__).resolve().parent / "data" / "sample.trig"

BASE = "https://w3id.org/conflictkg/"
JANE = BASE + "id/person/jane-example"
ONTOLOGY_GRAPH = BASE + "graph/ontology"
MORE_GRAPH = BASE + "graph/002_more"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# The sample, plus Jane's label again in a second graph (the union holds it once) and a
# triple in the dump's default graph only.
DUMP = (
    SAMPLE.read_text(encoding="utf-8")
    + f"""
<{MORE_GRAPH}> {{
  <{JANE}> rdfs:label "Jane Example"@en .
  <{BASE}id/person/john-example> rdfs:label "John Example"@en .
}}
<{BASE}id/org/sample-ministry> dcterms:identifier "M-1" .
"""
)
QUADS = set(pyoxigraph.parse(DUMP, pyoxigraph.RdfFormat.TRIG))
UNION = {q.triple for q in QUADS}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TIMEOUT = 3  # serve --timeout


def graph_size(name: str) -> int:
    return sum(
        1
        for q in QUADS
        if isinstance(q.graph_name, pyoxigraph.NamedNode) and q.graph_name.value == name
    )


# ----------------------------------------------------------------------------- processes


@dataclass
class Store:
    """A running ``oxigraph serve`` (which stops its own queries after 5 s)."""

    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_store(location: Path, *options: str) -> Store:
    assert OXIGRAPH.exists() or shutil.which("oxigraph"), "the oxigraph package is not installed"
    binary = str(OXIGRAPH) if OXIGRAPH.exists() else "oxigraph"
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
        + ["--timeout-s", "5", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Store(process, f"http://127.0.0.1:{port}")
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("oxigraph did not listen within 20 s")


def make_project(root: Path, dump: str | None) -> Path:
    for folder in ("seeds", "ontology", "triples"):
        (root / folder).mkdir(parents=True)
    if dump is not None:
        current = root / "output" / "current"
        current.mkdir(parents=True)
        (current / "dataset.trig").write_text(dump, encoding="utf-8")
    return root


def serve(project: Path, store: str, log: Path) -> LiveServer:
    args = ["--project", str(project), "serve", "--store", store, "--workers", "1"]
    return LiveServer([*args, "--timeout", str(TIMEOUT)], log)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose current build is DUMP."""
    return make_project(tmp_path_factory.mktemp("built"), DUMP)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, built: Path) -> Iterator[Store]:
    """A real Oxigraph server, filled by ``conflictkg load --store``."""
    running = start_store(tmp_path_factory.mktemp("oxigraph"))
    try:
        assert main(["--project", str(built), "load", "--store", running.url]) == 0
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, built: Path, store: Store
) -> Iterator[LiveServer]:
    """``conflictkg serve --store`` in the project whose build was loaded."""
    running = serve(built, store.url, tmp_path_factory.mktemp("live") / "serve.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def lonely(
    tmp_path_factory: pytest.TempPathFactory, built: Path
) -> Iterator[tuple[LiveServer, Store]]:
    """``serve --store`` in a project without a build, on a store of its own (to stop)."""
    own = start_store(tmp_path_factory.mktemp("oxigraph-own"))
    try:
        assert main(["--project", str(built), "load", "--store", own.url]) == 0
        project = make_project(tmp_path_factory.mktemp("nobuild"), None)
        running = serve(project, own.url, tmp_path_factory.mktemp("lonely") / "serve.log")
        try:
            yield running, own
        finally:
            running.stop()
    finally:
        own.stop()


def sparql(live: LiveServer, query: str, **params: str | list[str]) -> requests.Response:
    return requests.post(live.base + "/sparql", data={"query": query, **params}, timeout=30)


def number(reply: requests.Response) -> int:
    assert reply.status_code == 200, reply.text
    return int(reply.json()["results"]["bindings"][0]["n"]["value"])


# ----------------------------------------------------------------------------- answers


SELECT_JANE = f"SELECT ?label WHERE {{ <{JANE}> <{LABEL}> ?label }}"


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_select_in_each_results_format(live: LiveServer, fmt: str, media_type: str) -> None:
    reply = requests.get(
        live.base + "/sparql", params={"query": SELECT_JANE, "format": fmt}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith(media_type)
    # Jane's label is in two graphs; the union default graph holds it once.
    assert reply.text.count("Jane Example") == 1
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(reply.text))) == [["label"], ["Jane Example"]]
    if fmt == "json":
        assert reply.json()["results"]["bindings"] == [
            {"label": {"type": "literal", "value": "Jane Example", "xml:lang": "en"}}
        ]


def test_ask_true_and_false(live: LiveServer) -> None:
    yes = sparql(live, f"ASK {{ <{JANE}> ?p ?o }}")
    no = requests.get(
        live.base + "/sparql",
        params={"query": "ASK { <urn:nothing> ?p ?o }"},
        headers={"Accept": "application/sparql-results+xml"},
        timeout=30,
    )
    assert yes.status_code == no.status_code == 200
    assert yes.json()["boolean"] is True
    assert no.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert "<boolean>false</boolean>" in no.text


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", pyoxigraph.RdfFormat.TURTLE),
        ("application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
    ],
)
def test_construct_in_turtle_and_ntriples(
    live: LiveServer, accept: str, fmt: pyoxigraph.RdfFormat
) -> None:
    query = f"CONSTRUCT {{ <{JANE}> ?p ?o }} WHERE {{ <{JANE}> ?p ?o }}"
    reply = requests.post(
        live.base + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith(accept)
    triples = {q.triple for q in pyoxigraph.parse(reply.content, fmt)}
    assert triples == {t for t in UNION if t.subject == pyoxigraph.NamedNode(JANE)}


def test_default_graph_is_the_union_each_triple_once(live: LiveServer) -> None:
    assert len(UNION) < len(QUADS)  # the fixture does repeat a triple
    assert number(sparql(live, COUNT)) == len(UNION)
    named = sparql(live, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert number(named) == sum(1 for q in QUADS if isinstance(q.graph_name, pyoxigraph.NamedNode))
    health = requests.get(live.base + "/health", timeout=30).json()
    assert health["triples"] == len(UNION) and health["graphs"] == 3


def test_default_graph_uri_and_named_graph_uri_replace_the_dataset(live: LiveServer) -> None:
    assert number(sparql(live, COUNT, **{"default-graph-uri": MORE_GRAPH})) == 2
    both = [ONTOLOGY_GRAPH, MORE_GRAPH]
    assert (
        number(sparql(live, COUNT, **{"default-graph-uri": both})) == graph_size(ONTOLOGY_GRAPH) + 2
    )
    # a graph the store does not hold is empty; nothing is fetched
    assert number(sparql(live, COUNT, **{"default-graph-uri": "http://127.0.0.1:9/none"})) == 0
    by_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    reply = sparql(live, by_graph, **{"named-graph-uri": MORE_GRAPH})
    rows = reply.json()["results"]["bindings"]
    assert [(r["g"]["value"], r["n"]["value"]) for r in rows] == [(MORE_GRAPH, "2")]
    # only named-graph-uri given: the default graph is empty
    assert number(sparql(live, COUNT, **{"named-graph-uri": MORE_GRAPH})) == 0
    # the protocol's graphs replace the query's FROM
    from_ontology = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert number(sparql(live, from_ontology)) == graph_size(ONTOLOGY_GRAPH)
    assert number(sparql(live, from_ontology, **{"default-graph-uri": MORE_GRAPH})) == 2


def test_relative_iris_resolve_against_the_endpoint(live: LiveServer) -> None:
    reply = requests.post(
        live.base + "/sparql",
        data={"query": "CONSTRUCT { <rel> <p> <o> } WHERE {}"},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.text.strip() == f"<{live.base}/rel> <{live.base}/p> <{live.base}/o> ."


# ----------------------------------------------------------------------------- refusals


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def test_service_is_refused_and_nothing_is_fetched(live: LiveServer, listener: Listener) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
    reply = sparql(live, query)
    time.sleep(0.3)
    assert reply.status_code == 400
    assert "SERVICE" in reply.text
    assert listener.connections == 0


def test_graph_iris_are_never_fetched(live: LiveServer, listener: Listener) -> None:
    # FROM and the protocol's graphs name graphs; the store must not dereference them
    url = f"{listener.url}/data.ttl"
    query = f"SELECT (COUNT(*) AS ?n) FROM <{url}> FROM NAMED <{url}> WHERE {{ ?s ?p ?o }}"
    assert number(sparql(live, query)) == 0
    assert number(sparql(live, COUNT, **{"default-graph-uri": url, "named-graph-uri": url})) == 0
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {
            "data": b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"data": {"query": "DROP ALL"}},
        {"data": {"update": "CLEAR DEFAULT"}},
    ],
    ids=["update-direct", "update-in-query", "update-form"],
)
def test_updates_are_refused_and_the_store_unchanged(
    live: LiveServer, request_kwargs: dict[str, object]
) -> None:
    reply = requests.post(live.base + "/sparql", timeout=30, **request_kwargs)  # type: ignore[arg-type]
    assert reply.status_code == 403
    assert "read-only" in reply.text
    assert number(sparql(live, COUNT)) == len(UNION)


def test_syntax_error_is_400_with_the_store_message(live: LiveServer) -> None:
    reply = sparql(live, "SELECT * WHERE { ?s ?p }")
    assert reply.status_code == 400
    assert "syntax error" in reply.text and "error at 1:" in reply.text
    assert "Traceback" not in reply.text
    # with a relative IRI the store is sent a BASE line first; positions stay the client's
    shifted = sparql(live, "PREFIX x: <rel/>\nSELEKT")
    assert shifted.status_code == 400 and "error at 2:" in shifted.text


def test_query_time_limit_applies(live: LiveServer) -> None:
    patterns = " ".join(f"GRAPH ?g{i} {{ ?s{i} ?p{i} ?o{i} }}" for i in range(12))
    reply = sparql(live, f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}")
    assert reply.status_code == 503
    assert f"time limit of {TIMEOUT} s" in reply.text
    assert number(sparql(live, COUNT)) == len(UNION)


# ----------------------------------------------------------------------------- pages, downloads


def test_resource_dereferences_through_the_store(live: LiveServer) -> None:
    turtle = requests.get(
        live.base + "/id/person/jane-example", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert turtle.status_code == 200, turtle.text
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    triples = {q.triple for q in pyoxigraph.parse(turtle.content, pyoxigraph.RdfFormat.TURTLE)}
    jane = pyoxigraph.NamedNode(JANE)
    assert {t for t in UNION if t.subject == jane} <= triples
    page = requests.get(live.base + "/id/person/jane-example", timeout=30)
    assert page.status_code == 200 and "Jane Example" in page.text
    missing = requests.get(
        live.base + "/id/person/nobody", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/", "text/html", "Ministers meet in a sample town"),
        ("/sparql", "text/turtle", "UnionDefaultGraph"),
        ("/ontology", "text/turtle", "conflictkg test ontology"),
        ("/graph/002_more", "application/n-triples", "John Example"),
    ],
)
def test_pages_and_descriptions_through_the_store(
    live: LiveServer, path: str, accept: str, expected: str
) -> None:
    reply = requests.get(live.base + path, headers={"Accept": accept}, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith(accept)
    assert expected in reply.text


def test_downloads_come_from_the_matching_local_build(live: LiveServer, built: Path) -> None:
    reply = requests.get(live.base + "/download/dataset.trig", timeout=30)
    assert reply.status_code == 200
    assert reply.content == (built / "output" / "current" / "dataset.trig").read_bytes()


def test_without_a_local_build_downloads_are_dumped_through_the_store(
    lonely: tuple[LiveServer, Store],
) -> None:
    live, _ = lonely
    nt = requests.get(live.base + "/download/dataset.nt", timeout=30)
    assert nt.status_code == 200
    assert {q.triple for q in pyoxigraph.parse(nt.content, pyoxigraph.RdfFormat.N_TRIPLES)} == UNION
    trig = requests.get(live.base + "/download/dataset.trig", timeout=30)
    assert set(pyoxigraph.parse(trig.content, pyoxigraph.RdfFormat.TRIG)) == QUADS


def test_a_stopped_store_is_answered_503(lonely: tuple[LiveServer, Store]) -> None:
    live, own = lonely
    own.stop()
    reply = sparql(live, COUNT)
    assert reply.status_code == 503
    assert "SPARQL store behind this endpoint is unavailable" in reply.text
    assert own.url not in reply.text  # the store's address stays private
    page = requests.get(live.base + "/id/person/jane-example", timeout=30)
    assert page.status_code == 503
    assert live.alive()


# ----------------------------------------------------------------------------- start-up


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conflictkg.cli", *args, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_fails_clearly_when_no_store_listens() -> None:
    done = run_cli("serve", "--store", "http://127.0.0.1:1")
    assert done.returncode == 1
    assert "error: --store http://127.0.0.1:1: " in done.stderr
    assert "cannot reach the store" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "file:///etc/passwd"], "expected an http:// or https:// URL"),
        (["--store", "http://127.0.0.1:1", "--dataset", str(SAMPLE)], "cannot be combined"),
    ],
)
def test_serve_rejects_bad_store_arguments(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["serve", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "--store" in err


def test_a_store_whose_default_graph_is_the_union_is_refused(tmp_path: Path, built: Path) -> None:
    # Oxigraph's union default graph keeps duplicates: with the union loaded into the
    # default graph, every triple would be answered more than once.
    union_mode = start_store(tmp_path / "oxigraph", "--union-default-graph")
    try:
        assert main(["--project", str(built), "load", "--store", union_mode.url]) == 0
        args = argparse.Namespace(project=str(built), store=union_mode.url, dataset=None)
        with pytest.raises(ConflictKGError) as caught:
            serve_store.store_config(args, 3.0)
        message = str(caught.value)
        assert message.startswith(f"--store {union_mode.url}: ")
        assert "repeats triples" in message and "--union-default-graph" in message
    finally:
        union_mode.stop()


def test_a_build_that_differs_from_the_store_is_not_used(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = make_project(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    with RemoteBackend(store.url) as backend:
        assert difference(backend, other / "output" / "current" / "dataset.trig") == (
            f"graph <{MORE_GRAPH}>: 0 triples in the dump, 2 in the store"
        )
    args = argparse.Namespace(project=str(other), store=store.url, dataset=None)
    config = serve_store.store_config(args, 3.0)
    config["BACKEND"].close()
    assert "BUILD_DIR" not in config and "not what the store holds" in caplog.text


# ----------------------------------------------------------------------------- the backend


def test_refused_queries_never_reach_the_store(listener: Listener) -> None:
    backend = RemoteBackend(listener.url)  # the guard refuses: no connection is ever opened
    with pytest.raises(QueryFailed) as service:
        backend.query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    with pytest.raises(QueryFailed) as update:
        backend.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    deep = "ASK " + "{" * 300 + "}" * 300
    with pytest.raises(QueryFailed) as nested:
        backend.query(deep)
    time.sleep(0.2)
    assert (service.value.status, update.value.status, nested.value.status) == (400, 403, 400)
    assert listener.connections == 0


def test_a_silent_store_is_503_after_the_client_timeout() -> None:
    silent = Listener(hold=True)
    try:
        with (
            RemoteBackend(silent.url, timeout=0.5) as backend,
            pytest.raises(QueryFailed) as caught,
        ):
            backend.query("ASK {}")
        assert caught.value.status == 503
        assert "did not answer in time" in caught.value.message
    finally:
        silent.close()


def test_other_statuses_of_the_store_are_503(store: Store) -> None:
    with (
        RemoteBackend(store.url + "/no-such-path") as backend,
        pytest.raises(QueryFailed) as caught,
    ):
        backend.query("ASK {}")
    assert caught.value.status == 503 and "HTTP 404" in caught.value.message


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Answers 200 and then stops part-way, as Oxigraph does at its own time limit."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"head":{"vars":["n"]},"results":{"bindings":[The operation has been cancelled'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_cut_short_is_503() -> None:
    fake = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutShort)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{fake.server_address[1]}"
        with RemoteBackend(url) as backend, pytest.raises(QueryFailed) as caught:
            backend.query("SELECT ?n WHERE { ?s ?p ?n }")
        assert caught.value.status == 503
        assert "incomplete or invalid answer" in caught.value.message
    finally:
        fake.shutdown()
        fake.server_close()


def test_an_answer_over_the_size_limit_is_refused_unread(store: Store) -> None:
    with RemoteBackend(store.url, max_answer_bytes=1000) as backend:
        with pytest.raises(QueryFailed) as caught:
            backend.query("CONSTRUCT WHERE { ?s ?p ?o }")
        assert caught.value.status == 400 and "larger than" in caught.value.message
        assert backend.client.http.connections_opened(backend.url) == 1
        assert backend.query("ASK { ?s ?p ?o }").boolean() is True
        # the unread rest was dropped with its connection: the next query needed a new one
        assert backend.client.http.connections_opened(backend.url) == 2
        assert len(backend.dump(pyoxigraph.RdfFormat.N_TRIPLES)) > 1000  # dumps: no limit


def test_query_results_are_pyoxigraph_objects(store: Store) -> None:
    with RemoteBackend(store.url) as backend:
        rows = backend.query(SELECT_JANE).rows()
        assert rows == [{"label": pyoxigraph.Literal("Jane Example", language="en")}]
        assert backend.query("ASK { ?s ?p ?o }").boolean() is True
        assert len(backend.query("CONSTRUCT WHERE { ?s ?p ?o }").triples()) == len(UNION)
        assert backend.triple_count() == len(QUADS)
        assert json.loads(backend.dump(pyoxigraph.RdfFormat.JSON_LD))
