"""The ``conflictkg`` command: one sub-command per step of the flow, errors as plain messages."""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conflictkg import __version__
from conflictkg.errors import ConflictKGError

# The default per-query time limit of ``serve``, in seconds, and the longest it takes: a
# worker being stopped waits that long for its queries, no query is worth more than a day,
# and far larger values overflow the clock Granian waits on (a traceback at shutdown).
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 86_400.0


def _number(text: str) -> float:
    """A finite number (``float`` also reads ``inf`` and ``nan``, which no option means)."""
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _not_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _seconds(text: str) -> float:
    value = _positive(text)
    if value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMEOUT:g} (a day), got {text}")
    return value


def _host(text: str) -> str:
    """An IP address to bind: Granian takes addresses, not host names."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an IP address such as 127.0.0.1 or 0.0.0.0, got {text}"
        ) from None


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 1 to 65535, got {text}")
    return value


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return path


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``conflictkg serve``, each checked as it is parsed."""
    parser.add_argument(
        "--host", type=_host, default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=_port, default=5000, help="port (default 5000)")
    parser.add_argument(
        "--dataset", type=_existing_file, default=None, help="serve this RDF/TriG/N-Quads file"
    )
    parser.add_argument(
        "--workers", type=_at_least_one, default=None, help="worker processes (default: 2 a core)"
    )
    parser.add_argument("--store", default=None, help="answer through this remote SPARQL endpoint")
    _union_graph_argument(parser)
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"per-query time limit in seconds (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--cache-mb",
        type=_not_negative,
        default=None,
        help="MiB of answers each worker keeps while the data cannot change (default 64; 0: off)",
    )
    parser.add_argument(
        "--max-answer-mb",
        type=_positive,
        default=None,
        help="largest answer /sparql gives, in MiB (default 32); a larger one gets 400 asking "
        "for LIMIT/OFFSET. A worker's memory may grow by 4 answers of this size before it is "
        "recycled (at least 256 MiB)",
    )


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", type=Path, default=None, help="output folder (default: output/)"
    )
    parser.add_argument(
        "--if-needed",
        action="store_true",
        help="do nothing when the last build was made from the same inputs (by SHA-256)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="parse and check everything again, reading nothing from the incremental cache "
        "in OUTPUT/cache/ (which it refills)",
    )
    _shacl_engine_argument(parser)


def _shacl_engine_argument(parser: argparse.ArgumentParser) -> None:
    # The names of conflictkg.pipeline.fastshacl.selection.ENGINES, which checks them again;
    # spelled here so that parsing the command line imports nothing of the pipeline.
    parser.add_argument(
        "--shacl-engine",
        choices=("sparql", "pyshacl"),
        default=None,
        help="SHACL engine: sparql (the shapes compiled to SPARQL on pyoxigraph, the default) "
        "or pyshacl (the reference); also $CONFLICTKG_SHACL_ENGINE",
    )


def _query_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .rq file, or - to read the query from standard input")
    parser.add_argument(
        "--format", choices=["table", "csv", "tsv", "json"], default="table", help="output format"
    )
    parser.add_argument("--dataset", type=Path, default=None, help="query this RDF file instead")


def _locate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("seed", type=Path, help="seed article file")
    parser.add_argument("text", help="exact text to find")
    parser.add_argument("--occurrence", type=int, default=None, help="1-based occurrence to use")


def _load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="base URL of the remote store")
    parser.add_argument(
        "--graph-store",
        default=None,
        help="the Graph Store endpoint when it is not --store's "
        "(Virtuoso: http://HOST:8890/sparql-graph-crud-auth)",
    )
    parser.add_argument(
        "--user",
        default=None,
        help="user for a store that asks for one; the password is read from "
        "CONFLICTKG_STORE_PASSWORD",
    )
    _union_graph_argument(parser)


def _union_graph_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--union-graph",
        default=None,
        metavar="IRI",
        help="keep the union of all graphs in this named graph, for a store whose default "
        "graph is not a plain graph (Virtuoso); give the same IRI to load and serve",
    )


def _synth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", type=Path, help="folder to create")
    parser.add_argument(
        "--articles", type=_at_least_one, default=10, help="number of articles (default 10)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (output is deterministic)")


@dataclass(frozen=True)
class Command:
    """One sub-command: the module whose ``command(args) -> int`` runs it (imported only
    when it runs, so ``conflictkg --help`` stays fast), its help, and its arguments."""

    module: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


COMMANDS: dict[str, Command] = {
    "build": Command(
        "conflictkg.pipeline.build",
        "verify quotes, validate with SHACL, reason with HermiT, write the artefacts",
        "Parse the ontology and every triples file, check every quote against its seed "
        "article, validate with the SHACL shapes, check consistency with HermiT, then "
        "write the dataset (Turtle, N-Triples, JSON-LD, TriG), the ontology (Turtle, "
        "RDF/XML), the shapes and a VoID description into the output folder, replacing "
        "the previous build only when every check passed.",
        _build_arguments,
    ),
    "validate": Command(
        "conflictkg.pipeline.build",
        "run every check of the build and print a readable report; write nothing",
        "Run the checks of `build` (quotes, SHACL, reasoner) without writing.",
        _shacl_engine_argument,
    ),
    "query": Command(
        "conflictkg.store.querying",
        "run a SPARQL query over the built dataset and print a table",
        "Run a SPARQL query file (or - for standard input) over the last build and print "
        "the result as a table (or CSV/TSV/JSON with --format).",
        _query_arguments,
    ),
    "locate": Command(
        "conflictkg.pipeline.anchors",
        "print the character offsets of a quote in a seed article",
        "Print START END for the exact TEXT in SEED (Unicode code points, end exclusive), "
        "as needed for oa:start/oa:end. Fails when the text is absent or ambiguous; "
        "--occurrence picks one of several.",
        _locate_arguments,
    ),
    "serve": Command(
        "conflictkg.serving.server",
        "build if needed, then serve SPARQL, downloads and pages over HTTP",
        "Serve the built graph (or --dataset FILE) read-only through a production WSGI "
        "server: SPARQL 1.1 Protocol at /sparql, downloads, dereferenceable IRIs, pages.",
        serve_arguments,
    ),
    "load": Command(
        "conflictkg.store.upload",
        "push the validated dump into a remote store (Graph Store Protocol)",
        "Upload the last build's named graphs to a SPARQL 1.1 Graph Store.",
        _load_arguments,
    ),
    "synth": Command(
        "conflictkg.synth.corpus",
        "generate a synthetic corpus (seeds + triples) for scale tests and benchmarks",
        "Write a new project folder with N invented articles whose triples follow the "
        "ontology and pass the same shapes, for measuring cost against size.",
        _synth_arguments,
    ),
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
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.description)
        if command.arguments is not None:
            command.arguments(p)
    return parser


# Commands after which the console script ends the process at once (:func:`run`).
ENDS_AT_ONCE = frozenset({"build", "validate"})


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; its exit status (errors printed as plain messages)."""
    return _command(_parser().parse_args(argv))


def run() -> None:
    """The ``conflictkg`` console script.

    After ``build`` or ``validate`` the process ends without the interpreter's teardown:
    a build of 10^6 triples leaves millions of rdflib objects in reference cycles, which
    the interpreter would collect and free one by one at exit (about 7 s of a 60 s
    rebuild) after everything was written, published and printed. The output streams
    are flushed first; those commands register no exit handlers. Every other command
    (``serve`` removes its folders at exit) ends the ordinary way. The process is declared
    so (:func:`.pipeline.forked.ends_at_once`): the build frees nothing of what it made as
    it returns either.
    """
    args = _parser().parse_args()
    if args.command in ENDS_AT_ONCE:  # what it makes need not be freed
        from conflictkg.pipeline import forked

        forked.ends_at_once()
    code = _command(args)
    if args.command in ENDS_AT_ONCE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _command(args: argparse.Namespace) -> int:
    module = importlib.import_module(COMMANDS[args.command].module)
    try:
        return int(module.command(args) or 0)
    except ConflictKGError as error:
        print(f"conflictkg {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    run()
