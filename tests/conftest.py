"""Markers by kind of test, so a developer can run the fast part alone.

``unit``    everything that runs in this process (Flask's test client, pure functions)
``live``    starts a real ``conflictkg serve`` (or another server) on a loopback port
``browser`` drives headless Chromium
``slow``    runs a tool that takes seconds (HermiT, ruff and mypy, whole builds)

``make test`` runs every marker; ``make test-fast`` runs ``unit`` only. A test gets its
marker here, from where it lives and what it uses, so a new test file in a folder is
marked like its neighbours without remembering to.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import virtuoso as virtuoso_server

# Folders (relative to tests/) and files whose tests start servers.
LIVE = (
    "w3c/",
    "security/",
    "fuzz/",
    "web/test_live_",
    "store/test_remote.py",
    "store/test_virtuoso.py",
)
BROWSER = ("browser/",)
SLOW = (
    "test_lint.py",
    "test_frontend_js.py",
    "test_ontology.py",
    "test_triples.py",
    "test_competency_queries.py",
    "test_shapes.py",
    "pipeline/test_build.py",
    "pipeline/test_published.py",
    "pipeline/test_reasoning.py",
    "pipeline/test_ontodocs.py",
    "synth/",
)
LIVE_FIXTURES = frozenset(
    {"live", "protocol_server", "server", "fuzz_server", "oxigraph", "virtuoso"}
)


def _kind(relative: str, fixtures: set[str]) -> str:
    if relative.startswith(BROWSER):
        return "browser"
    if relative.startswith(LIVE) or fixtures & LIVE_FIXTURES:
        return "live"
    if relative.startswith(SLOW):
        return "slow"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = config.rootpath / "tests"
    for item in items:
        relative = item.path.relative_to(tests).as_posix()
        item.add_marker(_kind(relative, set(getattr(item, "fixturenames", ()))))


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso_server.Virtuoso]:
    """One Virtuoso for the session (tests/support/virtuoso.py): each test's data goes in
    graphs of its own, under a union graph of its own. Without Debian's
    ``virtuoso-opensource`` the tests that need it are skipped, saying so."""
    if not virtuoso_server.available():
        pytest.skip(virtuoso_server.INSTALL_HINT)
    server = virtuoso_server.Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
