"""``conflictkg serve`` without --dataset: the `make run` path, from an empty output folder.

serve builds the project's real graph first (``build --if-needed``), then serves it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import requests

from tests.support.liveserver import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def test_builds_then_serves_the_real_graph(tmp_path: Path) -> None:
    # Its own output folder, so the test never touches the project's output/.
    server = LiveServer(
        ["--project", str(ROOT), "serve", "--workers", "1"],
        tmp_path / "serve.log",
        start_seconds=300,
        env={"CONFLICTKG_OUTPUT": str(tmp_path / "output")},
    )
    try:
        served = (tmp_path / "output" / "current").resolve()
        health = requests.get(server.base + "/health", timeout=10).json()
        assert health["source"] == str(tmp_path / "output" / "current" / "dataset.trig")
        # The default graph is the union of every graph of dataset.trig (ontology included).
        quads = pyoxigraph.parse(path=str(served / "dataset.trig"))
        expected = len({(q.subject, q.predicate, q.object) for q in quads})
        count = requests.get(
            server.base + "/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
            timeout=10,
        ).json()["results"]["bindings"][0]["n"]["value"]
        assert int(count) == expected
        for name in ("dataset.ttl", "dataset.trig", "ontology.ttl", "ontology.rdf", "shapes.ttl"):
            reply = requests.get(server.base + "/download/" + name, timeout=10)
            assert reply.status_code == 200, name
            assert reply.content == (served / name).read_bytes()
        void = requests.get(
            server.base + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=10
        )
        assert void.status_code == 200
        assert void.content == (served / "void.ttl").read_bytes()
        void_xml = requests.get(
            server.base + "/.well-known/void", headers={"Accept": "application/rdf+xml"}, timeout=10
        )
        assert void_xml.headers["Content-Type"].startswith("application/rdf+xml")
        person = requests.get(
            server.base + "/sparql",
            params={
                "query": "SELECT ?p WHERE { ?p a <https://w3id.org/conflictkg/ontology#Person> } "
                "ORDER BY ?p LIMIT 1"
            },
            timeout=10,
        ).json()["results"]["bindings"][0]["p"]["value"]
        path = person.removeprefix("https://w3id.org/conflictkg/")
        page = requests.get(server.base + "/" + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200
        turtle = requests.get(
            server.base + "/" + path, headers={"Accept": "text/turtle"}, timeout=10
        )
        assert turtle.status_code == 200
        assert "http://www.w3.org/ns/oa#" in turtle.text  # the attesting span's words
    finally:
        server.stop()
