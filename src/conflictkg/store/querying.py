"""``conflictkg query``: a SPARQL query over the last build (or a file), printed for people.

The last build's ``dataset.trig`` is loaded into Oxigraph: one named graph per article
plus the ontology's; the default graph is their merge (each triple once), as on the
endpoint. The project's prefixes (``ckg:``, ``ckr:``, ...) need no declaration.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph
from rdflib import URIRef

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.build import current_build, project_from_args
from conflictkg.pipeline.rdfio import short
from conflictkg.store.files import load_merged
from conflictkg.vocab import PREFIXES

# pyoxigraph overflows its stack (killing the process) on groups nested ~5,000 deep.
MAX_NESTING = 1000


def nesting_depth(query: str) -> int:
    """Deepest nesting of ``{}``/``()`` outside string literals and comments."""
    depth = deepest = 0
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else c
            i += len(quote)
            while i < n and query[i : i + len(quote)] != quote:
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            continue
        if c == "<":  # an IRI (which may hold "(" or "#"), unless it is "less than"
            end = query.find(">", i)
            if end > 0 and not re.search(r'[\s<"{}|^`\\]', query[i + 1 : end]):
                i = end + 1
                continue
        if c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "})":
            depth -= 1
        i += 1
    return deepest


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


def open_store(dataset: Path | None, build_folder: Path | None) -> pyoxigraph.Store:
    """A store with the data, its default graph the merge of all its graphs."""
    if dataset is not None:
        return load_merged([dataset])
    assert build_folder is not None
    # The same dataset the endpoint serves: a named graph per article plus the ontology's,
    # their merge in the default graph (so class and concept labels are there too).
    return load_merged([build_folder / "dataset.trig"])


def run_query(
    store: pyoxigraph.Store, query: str, *, source: str = "query"
) -> pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples:
    """Evaluate ``query``; errors name ``source`` and say what is wrong."""
    if nesting_depth(query) > MAX_NESTING:
        raise ConflictKGError(f"{source}: the query nests more than {MAX_NESTING} levels deep")
    try:
        return store.query(query, prefixes=PREFIXES)
    except SyntaxError as error:
        raise ConflictKGError(f"{source}: SPARQL syntax error: {error}") from None
    except (OSError, ValueError, RuntimeError) as error:
        raise ConflictKGError(f"{source}: the query failed: {error}") from None


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


def render(
    results: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples,
    output_format: str,
) -> str:
    """The results as text in ``table``, ``csv``, ``tsv`` or ``json``."""
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
        store = open_store(args.dataset, None)
    else:
        project = project_from_args(args)
        store = open_store(None, current_build(project.output))
    results = run_query(store, query, source=source)
    sys.stdout.write(render(results, args.format))
    return 0
