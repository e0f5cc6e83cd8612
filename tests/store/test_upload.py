"""``load --store``'s PUTs against a fake Graph Store on a loopback port: a PUT the store
refuses as deadlocked is sent again; any other refusal is an error at once."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pyoxigraph
import pytest

from conflictkg.errors import ConflictKGError
from conflictkg.store import upload

DEADLOCK = b"<html><body><h3>Error 40001</h3><xmp>SR172: Transaction deadlocked</xmp></body></html>"


class _Store(http.server.BaseHTTPRequestHandler):
    """Answers each PUT with the next (status, body) of ``answers``, then 204."""

    answers: list[tuple[int, bytes]] = []
    received: list[bytes] = []

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        status, body = self.answers.pop(0) if self.answers else (204, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def store() -> Iterator[str]:
    _Store.answers, _Store.received = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store"
    finally:
        server.shutdown()
        server.server_close()


GRAPHS = {
    "https://example.org/g": [
        pyoxigraph.Quad(
            pyoxigraph.NamedNode("https://example.org/a"),
            pyoxigraph.NamedNode("https://example.org/p"),
            pyoxigraph.Literal("x"),
            pyoxigraph.NamedNode("https://example.org/g"),
        )
    ]
}


def test_a_deadlocked_put_is_sent_again(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload.time, "sleep", lambda _: None)
    _Store.answers = [(500, DEADLOCK)]
    assert upload.put_graphs(store, GRAPHS) == 1
    assert len(_Store.received) == 2 and _Store.received[0] == _Store.received[1]


def test_a_store_that_stays_deadlocked_is_an_error_naming_the_graph(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload.time, "sleep", lambda _: None)
    _Store.answers = [(500, DEADLOCK)] * upload.DEADLOCK_ATTEMPTS
    with pytest.raises(ConflictKGError, match=r"PUT of graph <https://example.org/g> failed"):
        upload.put_graphs(store, GRAPHS)
    assert len(_Store.received) == upload.DEADLOCK_ATTEMPTS


def test_another_server_error_is_not_sent_again(store: str) -> None:
    _Store.answers = [(500, b"out of disk space")]
    with pytest.raises(ConflictKGError, match="HTTP 500: out of disk space"):
        upload.put_graphs(store, GRAPHS)
    assert len(_Store.received) == 1
