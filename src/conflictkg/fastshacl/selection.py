"""Which SHACL engine a run uses: the SPARQL fast path by default, pySHACL on request.

``conflictkg build --shacl-engine pyshacl`` (or ``CONFLICTKG_SHACL_ENGINE=pyshacl``) selects
pySHACL, the reference the fast path is tested against.
"""

from __future__ import annotations

import os

from conflictkg.errors import ConflictKGError

ENV = "CONFLICTKG_SHACL_ENGINE"
SPARQL = "sparql"
PYSHACL = "pyshacl"
ENGINES = (SPARQL, PYSHACL)
DEFAULT = SPARQL


def selected(engine: str | None = None) -> str:
    """``engine`` if given, else the environment's choice, else the default; checked."""
    name = engine if engine is not None else os.environ.get(ENV, DEFAULT)
    if name not in ENGINES:
        source = "engine" if engine is not None else ENV
        raise ConflictKGError(
            f"{source}={name!r}: unknown SHACL engine; choose one of {', '.join(ENGINES)}"
        )
    return name
