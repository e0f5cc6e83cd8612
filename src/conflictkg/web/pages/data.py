"""What the pages read: the store, the seed texts, the example queries, the ontology files;
and the facts the pages show, each from one named query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from flask import current_app
from rdflib import Graph

from conflictkg.vocab import CKR, PREFIXES
from conflictkg.web.pages.highlight import Span, matching_spans, sentence_around
from conflictkg.web.pictures import queries
from conflictkg.web.pictures.queries import Source
from conflictkg.web.pictures.svg import local_name

EXTENSION = "conflictkg.web.pages"


@dataclass
class PagesData:
    """Where the pages find things; folders may be None on a server without a project."""

    store: Source
    seeds: Path | None = None
    queries: Path | None = None
    ontology_files: list[Path] = field(default_factory=list)
    cache_dir: Path | None = None
    downloads: list[tuple[str, str]] = field(default_factory=list)
    """(file name under /download/, media type) of each download the server offers."""


def current_data() -> PagesData:
    """The PagesData of the running app (given to ``init_app`` directly or as a factory)."""
    source: PagesData | Callable[[], PagesData] = current_app.extensions[EXTENSION]
    if isinstance(source, PagesData):
        return source
    data = source()
    current_app.extensions[EXTENSION] = data
    return data


@dataclass(frozen=True)
class Article:
    iri: str
    slug: str
    title: str
    date: str
    creators: str
    publishers: str
    seed_file: str

    @property
    def seed_stem(self) -> str:
        return self.seed_file.rsplit(".", 1)[0] if self.seed_file else ""


def _value(row: queries.Row, name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def articles(store: Source) -> list[Article]:
    """Every article of the store with its metadata, by date."""
    prefix = str(CKR) + "article/"
    result = []
    for row in queries.select(store, queries.ARTICLES):
        iri = row["article"].value
        slug = iri[len(prefix) :] if iri.startswith(prefix) else local_name(iri)
        result.append(
            Article(
                iri=iri,
                slug=slug,
                title=_value(row, "title") or slug,
                date=_value(row, "date"),
                creators=_value(row, "creators"),
                publishers=_value(row, "publishers"),
                seed_file=_value(row, "seedFile"),
            )
        )
    return result


def find_article(store: Source, key: str) -> Article | None:
    """The article whose slug, or whose seed file's stem or name, is ``key``."""
    for article in articles(store):
        if key in (article.slug, article.seed_stem, article.seed_file):
            return article
    return None


def article_text(data: PagesData, article: Article) -> str | None:
    """The seed text of ``article``, or None when this server has no such file.

    Only a plain file name directly inside the seeds folder is read, whatever the data says.
    """
    name = article.seed_file
    if data.seeds is None or not name or Path(name).name != name:
        return None
    path = data.seeds / name
    try:
        # newline="" keeps "\r\n" as two code points, as the offsets count them.
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def article_spans(store: Source, article: str) -> list[Span]:
    """The spans of ``article`` with the resources each attests, by position."""
    spans: dict[str, Span] = {}
    rows = queries.select(store, queries.SPANS_OF_ARTICLE, article=pyoxigraph.NamedNode(article))
    for row in rows:
        iri = row["span"].value
        try:
            start, end = int(row["start"].value), int(row["end"].value)
        except ValueError:
            continue
        span = spans.setdefault(iri, Span(iri, start, end, row["exact"].value))
        if "resource" in row:
            resource = row["resource"].value
            label = _value(row, "label") or local_name(resource)
            if (resource, label) not in span.resources:
                span.resources.append((resource, label))
    for span in spans.values():
        span.resources.sort(key=lambda r: (r[1].casefold(), r[0]))
    return sorted(spans.values(), key=lambda s: (s.start, s.end, s.iri))


@dataclass(frozen=True)
class Attestation:
    """A sentence of an article with the words that attest a resource marked."""

    span: str
    anchor: str
    article: Article | None
    before: str
    exact: str
    after: str


def attestations(data: PagesData, resource: str) -> list[Attestation]:
    """The sentences the spans of ``resource`` come from (just the quote when the article's
    text is not on this server)."""
    by_iri = {a.iri: a for a in articles(data.store)}
    texts: dict[str, str | None] = {}
    result = []
    for row in queries.select(
        data.store, queries.SPANS_OF_RESOURCE, resource=pyoxigraph.NamedNode(resource)
    ):
        article = by_iri.get(_value(row, "article"))
        exact = row["exact"].value
        before = after = ""
        if article is not None:
            if article.iri not in texts:
                texts[article.iri] = article_text(data, article)
            text = texts[article.iri]
            try:
                span = Span(
                    row["span"].value, int(row["start"].value), int(row["end"].value), exact
                )
            except ValueError:
                span = None
            if text is not None and span is not None and matching_spans(text, [span])[0]:
                before, exact, after = sentence_around(text, span.start, span.end)
        anchor = f"span-{_value(row, 'start')}-{_value(row, 'end')}"
        result.append(
            Attestation(row["span"].value, anchor, article, before.lstrip(), exact, after)
        )
    return result


def types_of(store: Source, resource: str) -> list[str]:
    rows = queries.select(store, queries.TYPES, resource=pyoxigraph.NamedNode(resource))
    return [r["type"].value for r in rows]


def counts(store: Source) -> list[tuple[str, int]]:
    """(top-level class local name, number of resources), in the ontology's order."""
    return [
        (local_name(r["top"].value), int(r["n"].value))
        for r in queries.select(store, queries.COUNTS)
    ]


def triple_count(store: Source) -> int:
    rows = queries.select(store, queries.TRIPLE_COUNT)
    return int(rows[0]["n"].value) if rows else 0


def graph_count(store: Source) -> int:
    return len(queries.select(store, queries.GRAPHS))


def ontology_graph(store: Source) -> Graph:
    """The ontology's named graph as an rdflib Graph (empty when the store has none), with
    the project's prefixes bound for the documentation."""
    triples = queries.construct(store, queries.ONTOLOGY_TRIPLES)
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    if triples:
        data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph
