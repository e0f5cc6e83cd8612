"""A real `conflictkg serve` on loopback over a small synthetic corpus, for fuzzing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conflictkg.synth.corpus import generate, graph_iri
from tests.support.liveserver import LiveServer


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    quads = []
    for stem, _, graph in generate(3, 5):
        name = f"<{graph_iri(stem)}>"
        quads += [f"{s.n3()} {p.n3()} {o.n3()} {name} .\n" for s, p, o in graph]
    path = tmp_path_factory.mktemp("fuzz") / "corpus.nq"
    path.write_text("".join(quads), encoding="utf-8")
    args = ["serve", "--dataset", str(path), "--timeout", "2", "--workers", "2"]
    with LiveServer(args, path.parent / "serve.log", start_seconds=120) as live:
        yield live
