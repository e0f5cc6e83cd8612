"""How an IRI is shown to people: ``prefix:local`` with the project's prefixes, or its local
name. The one shortener of the project: the CLI's tables, the build's messages, the web
pages and the pictures all write IRIs through it."""

from __future__ import annotations

from conflictkg.vocab import PREFIXES

# Longest namespace first, so that ckr: (…/id/) wins over a shorter namespace it extends.
_NAMESPACES = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def curie(iri: str) -> str:
    """``iri`` as ``prefix:local`` when a project prefix covers it, else the IRI itself."""
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def local_name(iri: str) -> str:
    """The part of ``iri`` after its last ``#`` or ``/``."""
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri
