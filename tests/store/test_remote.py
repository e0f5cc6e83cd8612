"""``conflictkg load --store`` and the remote SPARQL client, against a real ``oxigraph serve``."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conflictkg.cli import main
from conflictkg.errors import ConflictKGError
from conflictkg.store.client import (
    RemoteQueryError,
    RemoteSparqlClient,
    RemoteTimeoutError,
    endpoints,
)
from conflictkg.store.upload import graphs_of

OXIGRAPH = Path(sys.executable).parent / "oxigraph"

DUMP = """\
@prefix ex: <https://example.org/> .
ex:a ex:p ex:b .
<https://w3id.org/conflictkg/graph/one> {
  ex:s1 ex:p "one" , "uno" .
  ex:s1 ex:q ex:s2 .
}
<https://w3id.org/conflictkg/graph/two> {
  ex:s2 ex:p "two"@en .
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not listen on port {port} within {seconds} s")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on loopback, with a server-side query limit of 5 s."""
    assert OXIGRAPH.exists() or shutil.which("oxigraph"), "the oxigraph package is not installed"
    binary = str(OXIGRAPH) if OXIGRAPH.exists() else "oxigraph"
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            "5",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("seeds", "ontology", "triples"):
        (tmp_path / folder).mkdir()
    monkeypatch.delenv("CONFLICTKG_OUTPUT", raising=False)
    monkeypatch.delenv("CONFLICTKG_ROOT", raising=False)
    return tmp_path


def write_build(project: Path, text: str = DUMP) -> Path:
    current = project / "output" / "current"
    current.mkdir(parents=True)
    (current / "dataset.trig").write_text(text, encoding="utf-8")
    return current / "dataset.trig"


def graph_counts(url: str) -> dict[str, int]:
    with RemoteSparqlClient(url) as client:
        body, content_type = client.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION "
            '{ ?s ?p ?o BIND("default" AS ?g) } } GROUP BY ?g',
            "application/sparql-results+json",
        )
    assert content_type.startswith("application/sparql-results+json")
    rows = json.loads(body)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_load_puts_each_named_graph_and_their_union_as_default(
    oxigraph: str, project: Path
) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    counts = graph_counts(oxigraph)
    assert counts["https://w3id.org/conflictkg/graph/one"] == 3
    assert counts["https://w3id.org/conflictkg/graph/two"] == 1
    assert counts["default"] == 1 + 3 + 1  # the dump's default graph and both named graphs


def test_load_puts_each_triple_once_in_the_default_graph(oxigraph: str, project: Path) -> None:
    write_build(project, DUMP + "<https://w3id.org/conflictkg/graph/two> { ex:a ex:p ex:b . }\n")
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    counts = graph_counts(oxigraph)
    assert counts["https://w3id.org/conflictkg/graph/two"] == 2
    assert counts["default"] == 5  # ex:a ex:p ex:b is in two graphs, once in the union


def test_load_replaces_graphs_rather_than_adding(oxigraph: str, project: Path) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    assert main(["--project", str(project), "load", "--store", oxigraph + "/"]) == 0
    assert graph_counts(oxigraph)["https://w3id.org/conflictkg/graph/one"] == 3


def test_load_reports_an_unreachable_store(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_build(project)
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["--project", str(project), "load", "--store", url]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the store" in err and url in err
    assert "Traceback" not in err


def test_load_reports_http_errors_with_status_and_body(
    oxigraph: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph + "/no-such-path"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "PUT of the default graph" in err
    assert "is not supported by this server" in err  # the store's own message


def test_load_without_a_build_names_the_missing_dump(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--project", str(project), "load", "--store", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "dataset.trig" in err and "conflictkg build" in err


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://[::1",  # urlsplit raises on the unclosed bracket
        "http://127.0.0.1:99999",  # and on a port out of range or not a number, when read
        "http://127.0.0.1:abc",
    ],
)
def test_load_rejects_a_url_that_is_not_http(
    project: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", url]) == 1
    err = capsys.readouterr().err
    assert "expected an http:// or https:// URL" in err and repr(url) in err


def test_load_names_a_dump_that_does_not_parse(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write_build(project, "<https://example.org/a> <broken")
    assert main(["--project", str(project), "load", "--store", "http://127.0.0.1:9"]) == 1
    assert str(dump) in capsys.readouterr().err


def test_graphs_of_groups_quads_by_graph(project: Path) -> None:
    groups = graphs_of(write_build(project))
    assert {k: len(v) for k, v in groups.items()} == {
        "": 1,
        "https://w3id.org/conflictkg/graph/one": 3,
        "https://w3id.org/conflictkg/graph/two": 1,
    }


def test_endpoints_of_an_oxigraph_root_and_of_an_explicit_url() -> None:
    assert endpoints("http://127.0.0.1:7878").query == "http://127.0.0.1:7878/query"
    assert endpoints("http://127.0.0.1:7878/").store == "http://127.0.0.1:7878/store"
    explicit = endpoints("http://127.0.0.1:3030/ds/sparql")
    assert explicit.query == explicit.store == "http://127.0.0.1:3030/ds/sparql"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_client_returns_raw_bytes_in_the_requested_format(
    oxigraph: str, project: Path, accept: str, expected: str
) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    with RemoteSparqlClient(oxigraph) as client:
        body, content_type = client.query(
            "SELECT ?o WHERE { GRAPH <https://w3id.org/conflictkg/graph/two> { ?s ?p ?o } }",
            accept,
        )
    assert content_type.startswith(expected)
    assert b"two" in body


def test_client_returns_rdf_for_construct(oxigraph: str, project: Path) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    with RemoteSparqlClient(oxigraph) as client:
        body, content_type = client.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "application/n-triples"
        )
    assert content_type.startswith("application/n-triples")
    assert body.count(b"\n") == 4


def test_client_reports_a_syntax_error_with_status_and_excerpt(oxigraph: str) -> None:
    with RemoteSparqlClient(oxigraph) as client, pytest.raises(RemoteQueryError) as caught:
        client.query("SELEKT nonsense", "application/sparql-results+json")
    assert caught.value.status == 400
    assert "HTTP 400" in str(caught.value) and oxigraph in str(caught.value)


def test_client_gives_up_after_its_timeout(oxigraph: str, project: Path) -> None:
    write_build(project)
    assert main(["--project", str(project), "load", "--store", oxigraph]) == 0
    # a cartesian product that Oxigraph cannot finish in 0.5 s (it stops itself at 5 s)
    patterns = " ".join(f"GRAPH ?g{i} {{ ?s{i} ?p{i} ?o{i} }}" for i in range(20))
    runaway = f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"  # 4^20 rows
    with (
        RemoteSparqlClient(oxigraph, timeout=0.5) as client,
        pytest.raises(RemoteTimeoutError) as caught,
    ):
        client.query(runaway, "application/sparql-results+json")
    assert "no answer within 0.5 s" in str(caught.value)


def test_client_reports_an_unreachable_endpoint() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with RemoteSparqlClient(url) as client:
        with pytest.raises(ConflictKGError, match="cannot reach the store"):
            client.query("ASK {}", "application/sparql-results+json")
        assert not client.ask_alive()


def test_client_keeps_its_connection_alive(oxigraph: str) -> None:
    with RemoteSparqlClient(oxigraph) as client:
        for _ in range(20):
            body, _ = client.query("ASK {}", "application/sparql-results+json")
            assert json.loads(body)["boolean"] is True
        # one connection served all twenty queries
        assert client.http.connections_opened(client.url) == 1
        assert client.ask_alive()


def test_client_threads_share_kept_alive_connections(oxigraph: str) -> None:
    # the endpoint runs each query in a fresh thread: they must not each keep a socket
    with RemoteSparqlClient(oxigraph) as client:
        for _ in range(10):
            thread = threading.Thread(
                target=client.query, args=("ASK {}", "application/sparql-results+json")
            )
            thread.start()
            thread.join()
        assert client.http.connections_opened(client.url) == 1
