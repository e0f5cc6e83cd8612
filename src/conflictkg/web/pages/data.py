"""The facts the pages show, each from one named query through the app's backend, and the
seed texts the articles' spans point into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conflictkg.pipeline.iris import local_name
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.vocab import CKR
from conflictkg.web.pages.highlight import Span, matching_spans, sentence_around


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


@dataclass(frozen=True)
class Attestation:
    """A sentence of an article with the words that attest a resource marked."""

    span: str
    anchor: str
    article: Article | None
    before: str
    exact: str
    after: str


def _value(row: queries.Row, name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def articles(store: QueryBackend) -> list[Article]:
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


def find_article(store: QueryBackend, key: str) -> Article | None:
    """The article whose slug, or whose seed file's stem or name, is ``key``."""
    for article in articles(store):
        if key in (article.slug, article.seed_stem, article.seed_file):
            return article
    return None


def article_text(seeds: Path | None, article: Article) -> str | None:
    """The seed text of ``article``, or None when this server has no such file.

    Only a plain file name directly inside the seeds folder is read, whatever the data says.
    """
    name = article.seed_file
    if seeds is None or not name or Path(name).name != name:
        return None
    path = seeds / name
    try:
        # newline="" keeps "\r\n" as two code points, as the offsets count them.
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def article_spans(store: QueryBackend, article: str) -> list[Span]:
    """The spans of ``article`` with the resources each attests, by position."""
    spans: dict[str, Span] = {}
    rows = queries.select(store, queries.SPANS_OF_ARTICLE, article=article)
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


def attestations(store: QueryBackend, seeds: Path | None, resource: str) -> list[Attestation]:
    """The sentences the spans of ``resource`` come from (just the quote when the article's
    text is not on this server)."""
    by_iri = {a.iri: a for a in articles(store)}
    texts: dict[str, str | None] = {}
    result = []
    for row in queries.select(store, queries.SPANS_OF_RESOURCE, resource=resource):
        article = by_iri.get(_value(row, "article"))
        exact = row["exact"].value
        before = after = ""
        if article is not None:
            if article.iri not in texts:
                texts[article.iri] = article_text(seeds, article)
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


def counts(store: QueryBackend) -> list[tuple[str, int]]:
    """(top-level class local name, number of resources), in the ontology's order."""
    return [
        (local_name(r["top"].value), int(r["n"].value))
        for r in queries.select(store, queries.COUNTS)
    ]
