"""The ``conflictkg`` command: one sub-command per step of the flow, errors as plain messages."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from conflictkg import __version__
from conflictkg.errors import ConflictKGError
from conflictkg.fastshacl.selection import add_shacl_engine_option

# sub-command -> module that implements ``command(args) -> int``; imported only when run,
# so ``conflictkg --help`` stays fast.
COMMANDS: dict[str, str] = {
    "build": "conflictkg.build",
    "validate": "conflictkg.build",
    "query": "conflictkg.querying",
    "locate": "conflictkg.anchors",
    "serve": "conflictkg.server",
    "load": "conflictkg.remote",
    "synth": "conflictkg.synthetic",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conflictkg",
        description=(
            "Build, validate, query and serve knowledge graphs of news articles about "
            "armed conflicts. Run inside a project (a folder with seeds/, ontology/, "
            "triples/) or pass --project."
        ),
    )
    parser.add_argument("--version", action="version", version=f"conflictkg {__version__}")
    parser.add_argument(
        "--project", type=Path, default=None, help="project root (default: found from cwd)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "build",
        help="verify quotes, validate with SHACL, reason with HermiT, write the artefacts",
        description=(
            "Parse the ontology and every triples file, check every quote against its seed "
            "article, validate with the SHACL shapes, check consistency with HermiT, then "
            "write the dataset (Turtle, N-Triples, JSON-LD, TriG), the ontology (Turtle, "
            "RDF/XML), the shapes and a VoID description into the output folder, replacing "
            "the previous build only when every check passed."
        ),
    )
    p.add_argument("--output", type=Path, default=None, help="output folder (default: output/)")
    p.add_argument(
        "--if-needed",
        action="store_true",
        help="do nothing when the last build was made from the same inputs (by SHA-256)",
    )
    add_shacl_engine_option(p)

    p = sub.add_parser(
        "validate",
        help="run every check of the build and print a readable report; write nothing",
        description="Run the checks of `build` (quotes, SHACL, reasoner) without writing.",
    )
    add_shacl_engine_option(p)

    p = sub.add_parser(
        "query",
        help="run a SPARQL query over the built dataset and print a table",
        description=(
            "Run a SPARQL query file (or - for standard input) over the last build and print "
            "the result as a table (or CSV/TSV/JSON with --format)."
        ),
    )
    p.add_argument("file", help="a .rq file, or - to read the query from standard input")
    p.add_argument(
        "--format", choices=["table", "csv", "tsv", "json"], default="table", help="output format"
    )
    p.add_argument("--dataset", type=Path, default=None, help="query this RDF file instead")

    p = sub.add_parser(
        "locate",
        help="print the character offsets of a quote in a seed article",
        description=(
            "Print START END for the exact TEXT in SEED (Unicode code points, end exclusive), "
            "as needed for oa:start/oa:end. Fails when the text is absent or ambiguous; "
            "--occurrence picks one of several."
        ),
    )
    p.add_argument("seed", type=Path, help="seed article file")
    p.add_argument("text", help="exact text to find")
    p.add_argument("--occurrence", type=int, default=None, help="1-based occurrence to use")

    p = sub.add_parser(
        "serve",
        help="build if needed, then serve SPARQL, downloads and pages over HTTP",
        description=(
            "Serve the built graph (or --dataset FILE) read-only through a production WSGI "
            "server: SPARQL 1.1 Protocol at /sparql, downloads, dereferenceable IRIs, pages."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    p.add_argument(
        "--dataset", type=Path, default=None, help="serve this RDF/TriG/N-Quads file instead"
    )
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--store", default=None, help="answer through this remote SPARQL endpoint")
    p.add_argument(
        "--timeout", type=float, default=None, help="per-query time limit in seconds (default 10)"
    )
    p.add_argument(
        "--cache-mb",
        type=float,
        default=None,
        help="MiB of answers each worker keeps while the data cannot change (default 64; 0: off)",
    )

    p = sub.add_parser(
        "load",
        help="push the validated dump into a remote store (Graph Store Protocol)",
        description="Upload the last build's named graphs to a SPARQL 1.1 Graph Store.",
    )
    p.add_argument("--store", required=True, help="base URL of the remote store")

    p = sub.add_parser(
        "synth",
        help="generate a synthetic corpus (seeds + triples) for scale tests and benchmarks",
        description=(
            "Write a new project folder with N invented articles whose triples follow the "
            "ontology and pass the same shapes, for measuring cost against size."
        ),
    )
    p.add_argument("target", type=Path, help="folder to create")
    p.add_argument("--articles", type=int, default=10, help="number of articles (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (output is deterministic)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command])
    try:
        return int(module.command(args) or 0)
    except ConflictKGError as error:
        print(f"conflictkg {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
