"""``conflictkg query``: a SPARQL query over the last build (or a file), printed for people.

The query goes the way every query goes: through a :class:`~conflictkg.store.local.
OxigraphBackend` loaded with the last build's ``dataset.trig`` (the default graph is the
merge of all graphs, each triple once, as on the endpoint), past the one guard of SPARQL
text (:mod:`conflictkg.store.guard`: its depth and size limits, no SERVICE, no update).
For people at a terminal, the project's prefixes (``ckg:``, ``ckr:``, ...) need no
declaration: the CLI puts them on a line of their own before the query, and takes that
line out of the positions in error messages again. (The endpoint does not: its clients
send standard SPARQL.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph
from rdflib import URIRef

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.publish import current_build
from conflictkg.pipeline.rdfio import short
from conflictkg.project import Project
from conflictkg.store.backend import QueryBackend, QueryFailed, QueryResult, lines_back
from conflictkg.store.local import OxigraphBackend
from conflictkg.vocab import PREFIXES


def read_query(source: str) -> str:
    """The query text of a file, or of standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConflictKGError(f"{path}: cannot read the query: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConflictKGError(f"{path}: the query is not UTF-8 text") from None


def open_backend(dataset: Path | None, build_folder: Path | None) -> OxigraphBackend:
    """The backend over ``dataset``, else over the build's ``dataset.trig`` (a named graph
    per article plus the ontology's, so class and concept labels are there too)."""
    if dataset is not None:
        return OxigraphBackend.from_files([dataset])
    assert build_folder is not None
    return OxigraphBackend.from_files([build_folder / "dataset.trig"])


# Every project prefix on one line: a query's own line numbers are one more.
PREFIX_LINE = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in sorted(PREFIXES.items()))


def run_query(backend: QueryBackend, query: str, *, source: str = "query") -> QueryResult:
    """Evaluate ``query`` with the project's prefixes; errors name ``source`` and say what
    is wrong."""
    try:
        return backend.query(f"{PREFIX_LINE}\n{query}")
    except QueryFailed as failed:
        raise ConflictKGError(f"{source}: {lines_back(failed.message, 1)}") from None


def cell(term: object) -> str:
    """A term in a table cell: IRIs with prefixes, literals as their text, on one line."""
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.NamedNode):
        text = short(URIRef(term.value))
    elif isinstance(term, pyoxigraph.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, pyoxigraph.Literal):
        text = term.value + (f"@{term.language}" if term.language else "")
    else:
        text = str(term)
    return text.replace("\r", "").replace("\n", "\u23ce")


def table(variables: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned text table with a header, a rule and a row count."""
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _bytes(data: bytes | None) -> bytes:
    assert data is not None  # pyoxigraph returns bytes when given no output file
    return data


def render(result: QueryResult, output_format: str) -> str:
    """The results as text in ``table``, ``csv``, ``tsv`` or ``json``."""
    results = result.raw
    if isinstance(results, pyoxigraph.QueryTriples):
        if output_format in ("csv", "tsv"):
            raise ConflictKGError(
                "a CONSTRUCT/DESCRIBE query returns triples: use --format table (Turtle) "
                "or json (JSON-LD)"
            )
        triples = list(results)
        if output_format == "json":
            data = _bytes(pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD))
            return json.dumps(json.loads(data), indent=1, ensure_ascii=False) + "\n"
        turtle = pyoxigraph.serialize(
            triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES
        )
        return _bytes(turtle).decode("utf-8")
    if isinstance(results, pyoxigraph.QueryBoolean):
        value = bool(results)
        if output_format == "json":
            return json.dumps({"head": {}, "boolean": value}) + "\n"
        return ("true" if value else "false") + "\n"
    variables = [v.value for v in results.variables]
    if output_format == "json":
        data = _bytes(results.serialize(format=pyoxigraph.QueryResultsFormat.JSON))
        return json.dumps(json.loads(data), indent=1, ensure_ascii=False) + "\n"
    if output_format in ("csv", "tsv"):  # the W3C formats: full IRIs, for programs
        fmt = getattr(pyoxigraph.QueryResultsFormat, output_format.upper())
        return _bytes(results.serialize(format=fmt)).decode("utf-8")
    rows = [[cell(solution[v]) for v in variables] for solution in results]
    return table(variables, rows)


def command(args: argparse.Namespace) -> int:
    """``conflictkg query FILE|- [--format F] [--dataset FILE]``."""
    query = read_query(args.file)
    source = "standard input" if args.file == "-" else args.file
    if args.dataset is not None:
        backend = open_backend(args.dataset, None)
    else:
        backend = open_backend(None, current_build(Project.at(args.project).output))
    sys.stdout.write(render(run_query(backend, query, source=source), args.format))
    return 0
