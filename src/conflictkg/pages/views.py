"""The pages for people: home, SPARQL editor, article, timeline, map, class diagram."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup

from conflictkg import ontodocs
from conflictkg.errors import ConflictKGError
from conflictkg.pages import data as pagedata
from conflictkg.pages.examples import load_examples
from conflictkg.pages.highlight import matching_spans, segments
from conflictkg.pictures import class_diagram_svg, map_svg, timeline_svg
from conflictkg.pictures.svg import href_for, local_name
from conflictkg.vocab import BASE_IRI, PREFIXES

PACKAGE = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)

bp = Blueprint(
    "pages",
    __name__,
    template_folder=str(PACKAGE / "templates"),
    static_folder=str(PACKAGE / "static"),
    static_url_path="/assets",
)

# Formats offered for downloading a query's results, by query form; the names are the
# endpoint's ``format`` parameter values.
RESULT_FORMATS = {
    "select": [("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV")],
    "graph": [
        ("turtle", "Turtle"),
        ("ntriples", "N-Triples"),
        ("jsonld", "JSON-LD"),
        ("rdfxml", "RDF/XML"),
        ("trig", "TriG"),
        ("nquads", "N-Quads"),
    ],
}

# What each download of a build holds, by the file names the endpoint serves under /download/.
DOWNLOAD_NOTES = {
    "dataset.ttl": "the dataset, Turtle",
    "dataset.nt": "the dataset, N-Triples",
    "dataset.jsonld": "the dataset, JSON-LD",
    "dataset.trig": "the dataset with every named graph (articles, accounts, inferred...), TriG",
    "dataset.rdf": "the dataset, RDF/XML",
    "ontology.ttl": "the ontology, Turtle",
    "ontology.rdf": "the ontology, RDF/XML (for Protégé and other editors)",
    "shapes.ttl": "the SHACL shapes, Turtle",
    "view-shapes.ttl": "the SHACL shapes of each view (backbone, accounts, outside), Turtle",
}


@bp.app_template_filter("href")
def href_filter(iri: str) -> str:
    """The page that shows ``iri`` (see :func:`conflictkg.pictures.svg.href_for`)."""
    return href_for(iri)


@bp.app_template_filter("local_name")
def local_name_filter(iri: str) -> str:
    return local_name(iri)


def _picture(svg: str) -> Markup:
    # The renderers escape every text they write, so their output is safe markup.
    return Markup(svg)  # noqa: S704


@bp.route("/")
def home() -> str:
    data = pagedata.current_data()
    store = data.store
    return render_template(
        "pages/home.html",
        articles=pagedata.articles(store),
        counts=pagedata.counts(store),
        triples=pagedata.triple_count(store),
        graphs=pagedata.graph_count(store),
        examples=load_examples(data.queries),
        downloads=[(name, DOWNLOAD_NOTES.get(name, kind)) for name, kind in data.downloads],
    )


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page, the endpoint's included."""
    return bp.send_static_file("favicon.svg")


@bp.route("/query")
def query_page() -> str:
    data = pagedata.current_data()
    examples = load_examples(data.queries)
    chosen = request.args.get("example", "")
    text = request.args.get("query", "")
    if not text:
        match = next((e for e in examples if e.name == chosen), None)
        text = match.query if match else (examples[0].query if examples else _DEFAULT_QUERY)
    return render_template(
        "pages/query.html",
        examples=examples,
        query=text,
        form=query_form(text),
        formats=RESULT_FORMATS,
        base=BASE_IRI,
        prefixes=PREFIXES,
    )


_DEFAULT_QUERY = """SELECT ?type (COUNT(?resource) AS ?count) WHERE {
  ?resource a ?type .
}
GROUP BY ?type
ORDER BY DESC(?count)
"""


@bp.route("/article/<key>")
def article_page(key: str) -> str:
    data = pagedata.current_data()
    article = pagedata.find_article(data.store, key)
    if article is None:
        abort(404, description=f"No article {key!r} in this dataset.")
    text = pagedata.article_text(data, article)
    if text is None:
        abort(
            404,
            description=(
                f"The text of {article.title!r} (seed file {article.seed_file!r}) "
                "is not available on this server."
            ),
        )
    good, bad = matching_spans(text, pagedata.article_spans(data.store, article.iri))
    return render_template(
        "pages/article.html",
        article=article,
        segments=segments(text, good),
        spans=good,
        bad_spans=bad,
    )


@bp.route("/articles")
def articles_page() -> str:
    store = pagedata.current_data().store
    return render_template("pages/articles.html", articles=pagedata.articles(store))


@bp.route("/timeline")
def timeline_page() -> str:
    store = pagedata.current_data().store
    return render_template(
        "pages/picture.html",
        title="Timeline",
        intro=(
            "Every dated event, from the earliest to the article's date. Click an event "
            "for its page. Events the article gives no date for are not drawn."
        ),
        picture=_picture(timeline_svg(store)),
    )


@bp.route("/map")
def map_page() -> str:
    store = pagedata.current_data().store
    return render_template(
        "pages/picture.html",
        title="Map",
        intro=(
            "Every place with coordinates, on an equirectangular projection fitted to the "
            "points (dashed lines: the degree grid). Click a place for its page."
        ),
        picture=_picture(map_svg(store)),
    )


@bp.route("/ontology/diagram")
def diagram_page() -> str:
    store = pagedata.current_data().store
    return render_template(
        "pages/picture.html",
        title="Class diagram",
        intro=(
            "The ontology's classes as a tree of subclasses, then its object properties "
            "from domain to range. Every name links to its documentation."
        ),
        picture=_picture(class_diagram_svg(store)),
    )


def ontology_docs() -> str | None:
    """The pyLODE page of the ontology (cached), or None when it cannot be made here, so that
    the endpoint answers with its own list of terms instead of an error."""
    data = pagedata.current_data()
    if data.cache_dir is None:
        return None
    try:
        if data.ontology_files:
            page = ontodocs.cached_html(data.ontology_files, data.cache_dir)
        else:
            graph = pagedata.ontology_graph(data.store)
            if len(graph) == 0:
                return None
            page = ontodocs.cached_graph_html(graph, data.cache_dir)
    except ConflictKGError as error:
        log.warning("ontology documentation unavailable: %s", error)
        return None
    # pyLODE's page stands alone; a line of links takes readers back to the site.
    back = (
        '<p class="site-links"><a href="/">conflictkg home</a> · '
        '<a href="/ontology/diagram">class diagram</a> · <a href="/query">query</a></p>'
    )
    return page.replace('<div id="content">', '<div id="content">' + back, 1)


def query_form(query: str) -> str:
    """``select`` for SELECT/ASK queries, ``graph`` for CONSTRUCT/DESCRIBE."""
    body = re.sub(r"#[^\n]*", " ", query)
    match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
    return "graph" if match and match.group(1).upper() in ("CONSTRUCT", "DESCRIBE") else "select"
