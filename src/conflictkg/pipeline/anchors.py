"""Quotes anchored in seed articles: finding offsets (``conflictkg locate``) and checking spans.

Offsets are Python string indices into the seed decoded as UTF-8 exactly as stored
(code points; start inclusive, end exclusive), so ``text[start:end] == oa:exact``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.rdfio import short, subject_index
from conflictkg.pipeline.seeds import Seed, read_seed
from conflictkg.vocab import CKG, OA

# Typographic variants a person typing a quote is likely to replace with ASCII.
_LOOSE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
_SPAN_IRI = re.compile(r"/span/(\d+)-(\d+)$")


def find_all(text: str, quote: str) -> list[int]:
    """Start offsets of every occurrence of ``quote`` in ``text`` (overlapping ones too)."""
    if not quote:
        return []
    starts = []
    index = text.find(quote)
    while index >= 0:
        starts.append(index)
        index = text.find(quote, index + 1)
    return starts


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a code-point offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _where(text: str, start: int, length: int) -> str:
    line, column = line_and_column(text, start)
    return f"{start}-{start + length} (line {line}, column {column})"


def _loose(text: str) -> str:
    # one character in, one character out, so offsets in the loose text are offsets in text
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(_LOOSE))


def near_matches(text: str, quote: str) -> list[tuple[int, str]]:
    """Occurrences of ``quote`` ignoring case and typographic quotes/dashes: (start, text)."""
    return [(s, text[s : s + len(quote)]) for s in find_all(_loose(text), _loose(quote))]


def locate(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """``(start, end)`` of ``quote`` in ``text``; an error when absent or ambiguous.

    ``occurrence`` (1-based) picks one of several occurrences.
    """
    if not quote:
        raise ConflictKGError("the text to locate is empty")
    starts = find_all(text, quote)
    if not starts:
        message = f"{quote!r} does not occur in the seed"
        near = near_matches(text, quote)
        if near:
            message += "; near matches (case, quotes or dashes differ): " + "; ".join(
                f"{_where(text, s, len(quote))}: {found!r}" for s, found in near[:5]
            )
        raise ConflictKGError(message)
    if occurrence is not None:
        if not 1 <= occurrence <= len(starts):
            raise ConflictKGError(
                f"--occurrence {occurrence}: {quote!r} occurs {len(starts)} time(s)"
            )
        start = starts[occurrence - 1]
    elif len(starts) > 1:
        raise ConflictKGError(
            f"{quote!r} occurs {len(starts)} times; pick one with --occurrence N "
            "or quote more context",
            details=[f"{n}: {_where(text, s, len(quote))}" for n, s in enumerate(starts, 1)],
        )
    else:
        start = starts[0]
    return start, start + len(quote)


def command(args: argparse.Namespace) -> int:
    """``conflictkg locate SEED TEXT``: print ``START END``."""
    seed = read_seed(args.seed)
    try:
        start, end = locate(seed.text, args.text, args.occurrence)
    except ConflictKGError as error:
        error.message = f"{args.seed}: {error.message}"
        raise
    print(start, end)
    return 0


# -- checking the spans of a graph against the seeds --------------------------------------


def _n3(node: Node) -> str:
    return node.n3()


def _one(graph: Graph, subject: Node, prop: URIRef, problems: list[str]) -> Node | None:
    index = subject_index(graph)  # a parsed graph: its index read without context checks
    if index is not None:
        values = list(index.get(subject, {}).get(prop, ()))
    else:
        values = list(graph.objects(subject, prop))
    if len(values) != 1:
        found = ", ".join(short(v) for v in sorted(values, key=_n3)) or "none"
        problems.append(f"{short(subject)}: needs exactly one {short(prop)} (found {found})")
        return None
    return values[0]


def _offset(value: object, subject: URIRef, prop: URIRef, problems: list[str]) -> int | None:
    number = value.toPython() if isinstance(value, Literal) else None
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        problems.append(
            f"{short(subject)}: {short(prop)} must be a non-negative integer, not {short(value)}"
        )
        return None
    return number


def article_seed(
    graph: Graph, article: object, seeds: Mapping[str, Seed], problems: list[str]
) -> Seed | None:
    """The seed an article's ``ckg:seedFile`` names (file name in ``seeds/``)."""
    if not isinstance(article, URIRef):
        problems.append(f"ckg:inArticle must name an article IRI, not {short(article)}")
        return None
    name = _one(graph, article, CKG.seedFile, problems)
    if name is None:
        return None
    seed = seeds.get(str(name))
    if seed is None:
        known = ", ".join(sorted(seeds)) or "none"
        problems.append(
            f"{short(article)}: ckg:seedFile {str(name)!r} is not a file in seeds/ (seeds: {known})"
        )
    return seed


ARTICLE_FACTS = (CKG.seedFile, CKG.sha256)
"""What :func:`verify_articles` reads of each article (besides its type)."""


def verify_articles(graph: Graph, seeds: Mapping[str, Seed]) -> list[str]:
    """Problems with the articles: a seed file that is absent, a SHA-256 that differs
    (it reads their :data:`ARTICLE_FACTS`)."""
    problems: list[str] = []
    for article in sorted(set(graph.subjects(RDF.type, CKG.Article)), key=_n3):
        seed = article_seed(graph, article, seeds, problems)
        digest = _one(graph, article, CKG.sha256, problems)
        if seed is not None and digest is not None and str(digest).lower() != seed.sha256:
            problems.append(
                f"{short(article)}: ckg:sha256 is {digest} but {seed.path} has SHA-256 "
                f"{seed.sha256} (the seed changed, or the hash is wrong)"
            )
    return problems


def verify_spans(graph: Graph, seeds: Mapping[str, Seed]) -> list[str]:
    """Problems with the text spans of ``graph``: every one must quote its seed exactly."""
    problems: list[str] = []
    for span in sorted(set(graph.subjects(RDF.type, CKG.TextSpan)), key=_n3):
        if not isinstance(span, URIRef):
            problems.append(f"{short(span)}: a text span must have an IRI")
            continue
        exact = _one(graph, span, OA.exact, problems)
        start_value = _one(graph, span, OA.start, problems)
        end_value = _one(graph, span, OA.end, problems)
        article = _one(graph, span, CKG.inArticle, problems)
        start = _offset(start_value, span, OA.start, problems) if start_value is not None else None
        end = _offset(end_value, span, OA.end, problems) if end_value is not None else None
        seed = article_seed(graph, article, seeds, problems) if article is not None else None
        if exact is None or start is None or end is None or seed is None:
            continue
        problems += _check_span(span, str(exact), start, end, seed)
    return problems


def _check_span(span: URIRef, exact: str, start: int, end: int, seed: Seed) -> list[str]:
    problems = []
    text = seed.text
    name = short(span)
    iri_offsets = _SPAN_IRI.search(str(span))
    if iri_offsets and (int(iri_offsets[1]), int(iri_offsets[2])) != (start, end):
        problems.append(
            f"{name}: its IRI says {iri_offsets[1]}-{iri_offsets[2]} but oa:start/oa:end "
            f"are {start}-{end}"
        )
    if end < start or end > len(text):
        problems.append(
            f"{name}: oa:start {start} / oa:end {end} do not fit in {seed.path} "
            f"({len(text)} characters)"
        )
        return problems
    found = text[start:end]
    if found == exact:
        return problems
    line, column = line_and_column(text, start)
    message = (
        f"{name}: oa:start {start} / oa:end {end} (line {line}, column {column} of "
        f"{seed.path}): oa:exact is {exact!r} but the seed has {found!r} there"
    )
    starts = find_all(text, exact)
    if starts:
        message += "; the quote occurs at " + ", ".join(
            _where(text, s, len(exact)) for s in starts[:5]
        )
    else:
        near = near_matches(text, exact)
        message += "; the quote does not occur in the seed" + (
            " (near match at " + _where(text, near[0][0], len(exact)) + f": {near[0][1]!r})"
            if near
            else ""
        )
    problems.append(message)
    return problems


def read_seeds(folder: Path) -> dict[str, Seed]:
    """Every ``*.txt`` seed of a folder, by file name."""
    return {path.name: read_seed(path) for path in sorted(folder.glob("*.txt"))}
