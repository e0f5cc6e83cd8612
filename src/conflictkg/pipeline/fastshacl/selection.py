"""Which SHACL engine a run uses: the SPARQL fast path by default, pySHACL on request.

``conflictkg build --shacl-engine pyshacl`` (or ``CONFLICTKG_SHACL_ENGINE=pyshacl``) selects
pySHACL, the reference the fast path is tested against.
"""

from __future__ import annotations

import argparse
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


def add_shacl_engine_option(parser: argparse.ArgumentParser) -> None:
    """``--shacl-engine``: sets ``ENV`` for the run when given (see ``use_from_args``)."""
    parser.add_argument(
        "--shacl-engine",
        choices=ENGINES,
        default=None,
        help=f"SHACL engine: {SPARQL} (shapes compiled to SPARQL on pyoxigraph, the default) "
        f"or {PYSHACL} (the reference); also ${ENV}",
    )


def use_from_args(args: argparse.Namespace) -> None:
    """Make ``--shacl-engine``, if given, the engine of this process."""
    engine = getattr(args, "shacl_engine", None)
    if engine is not None:
        os.environ[ENV] = selected(engine)
