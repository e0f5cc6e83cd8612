"""A real `conflictkg serve` on loopback over a tiny dataset written for these tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.security_support import TIMEOUT, Listener, tiny_dataset
from tests.support.liveserver import LiveServer


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("security") / "tiny.trig"
    path.write_text(tiny_dataset(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def server(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    args = ["serve", "--dataset", str(dataset), "--timeout", f"{TIMEOUT:g}", "--workers", "2"]
    log = tmp_path_factory.mktemp("security-serve") / "serve.log"
    with LiveServer(args, log, start_seconds=120) as live:
        yield live


@pytest.fixture
def listener() -> Iterator[Listener]:
    live = Listener()
    yield live
    live.close()
