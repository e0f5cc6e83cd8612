"""A live ``conflictkg serve`` over the W3C protocol test data, each file a named graph:
once with the embedded store (``--dataset``), once in front of a real Virtuoso 7.2
(``--store``; the data loaded with ``conflictkg load``, see tests/store/test_virtuoso.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph
import pytest

from tests.support.liveserver import LiveServer
from tests.support.virtuoso import load_into, project_with
from tests.w3c.protocol_manifest import MANIFEST, graph_data

UNION = "urn:x-conflictkg-test:w3c-protocol-union"


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def protocol_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp(f"w3c-protocol-{request.param}")
    dataset = folder / "protocol.nq"
    lines = []
    for data_file, graph_name in sorted(graph_data().items()):
        for line in (MANIFEST.parent / data_file).read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{graph_name}> .")
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["serve", "--dataset", str(dataset)]
    if request.param == "virtuoso":
        virtuoso = request.getfixturevalue("virtuoso")
        quads = pyoxigraph.parse(path=str(dataset), format=pyoxigraph.RdfFormat.N_QUADS)
        trig = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.TRIG)
        assert trig is not None
        project = project_with(folder / "project", trig)
        assert load_into(virtuoso, project, UNION) == 0
        args = ["--project", str(project), "serve", "--store", virtuoso.sparql]
        args += ["--union-graph", UNION]
    server = LiveServer([*args, "--workers", "1"], folder / "serve.log")
    yield server
    server.stop()
