"""A live ``conflictkg serve`` over the W3C protocol test data, each file a named graph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.liveserver import LiveServer
from tests.w3c.protocol_manifest import MANIFEST, graph_data


@pytest.fixture(scope="session")
def protocol_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("w3c-protocol")
    dataset = folder / "protocol.nq"
    lines = []
    for data_file, graph_name in sorted(graph_data().items()):
        for line in (MANIFEST.parent / data_file).read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{graph_name}> .")
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    server = LiveServer(
        ["serve", "--dataset", str(dataset), "--workers", "1"], folder / "serve.log"
    )
    yield server
    server.stop()
