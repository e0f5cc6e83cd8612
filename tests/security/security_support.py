"""Helpers of the security tests: the tiny dataset, a listener that must stay unused."""

from __future__ import annotations

import hashlib
import socket
import threading
from pathlib import Path

# Enough triples that a four-way cartesian product has ~10^7 rows and a six-way one
# runs for hours; one label carries markup that must come out escaped in HTML.
EVIL_LABEL = "<script>alert('pwned')</script> & \"quotes\""
TIMEOUT = 2.0
ID = "https://w3id.org/conflictkg/id/"


def tiny_dataset() -> str:
    lines = [
        "@prefix ckg: <https://w3id.org/conflictkg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "<https://w3id.org/conflictkg/graph/tiny> {",
        f"  <{ID}person/evil> a ckg:Person ; rdfs:label {json_string(EVIL_LABEL)}@en .",
    ]
    for i in range(60):
        lines.append(
            f'  <{ID}place/p{i}> a ckg:City ; rdfs:label "Place {i}"@en ; '
            f"ckg:locatedIn <{ID}place/p{(i + 1) % 60}> ."
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def json_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Listener:
    """A loopback TCP listener that counts the connections it gets (there must be none)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
