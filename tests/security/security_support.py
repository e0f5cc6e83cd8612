"""Helpers of the security tests: the tiny dataset, a listener that must stay unused."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.support.liveserver import Listener

__all__ = ["EVIL_LABEL", "ID", "TIMEOUT", "Listener", "json_string", "sha256", "tiny_dataset"]

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


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
