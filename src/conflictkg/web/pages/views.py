"""The pages for people: home, SPARQL editor, article, timeline, map, class diagram."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pyoxigraph
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef

from conflictkg.pipeline.artefacts import DOCS_FILE
from conflictkg.pipeline.iris import local_name
from conflictkg.store import queries
from conflictkg.store.guard import QueryRefused, inspect_query
from conflictkg.vocab import BASE_IRI, ONTOLOGY_GRAPH, PREFIXES
from conflictkg.web.assets import EDITOR_JS, AssetsMissing, built_assets, editor_terms, load_region
from conflictkg.web.links import page_href
from conflictkg.web.mediatypes import RDF_TYPES, RESULT_TYPES
from conflictkg.web.pages import data as pagedata
from conflictkg.web.pages.examples import load_examples
from conflictkg.web.pages.highlight import matching_spans, segments
from conflictkg.web.pages.resource import seeds_folder
from conflictkg.web.pictures import class_diagram_svg, place_map, timeline_svg
from conflictkg.web.pictures.timeline import undated_events
from conflictkg.web.state import state

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__)

# Formats offered for downloading a query's results, by query form; the names are the
# endpoint's ``format`` parameter values.
RESULT_FORMATS = {
    "select": [(t.name, t.label) for t in RESULT_TYPES],
    "graph": [(t.name, t.label) for t in RDF_TYPES],
}


def init_templates(app: Flask) -> None:
    """The filters every template may use: ``href`` (where this server shows an IRI) and
    ``local_name``."""
    app.add_template_filter(page_href, "href")
    app.add_template_filter(local_name, "local_name")


def _picture(svg: str) -> Markup:
    # The renderers escape every text they write, so their output is safe markup.
    return Markup(svg)  # noqa: S704


@bp.route("/")
def home() -> str:
    served = state()
    store = served.backend
    return render_template(
        "pages/home.html",
        articles=pagedata.articles(store),
        counts=pagedata.counts(store),
        triples=served.sizes.default,
        graphs=len(served.sizes.named),
        examples=load_examples(_queries_folder()),
        downloads=served.downloads.listing(),
    )


def _queries_folder() -> Path | None:
    project = state().project
    return project.queries if project is not None else None


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page, the endpoint's included."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/query")
def query_page() -> str:
    examples = load_examples(_queries_folder())
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
        editor=EDITOR_JS if built_assets().ready else None,
    )


def _rdflib_term(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal) -> object:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def ontology_graph() -> Graph:
    """The served ontology graph (``ONTOLOGY_GRAPH``) as an rdflib graph."""
    graph = Graph()
    triples = queries.construct(state().backend, queries.GRAPH_CONTENT, graph=str(ONTOLOGY_GRAPH))
    for t in triples:
        graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate), _rdflib_term(t.object)))  # type: ignore[arg-type]
    return graph


@bp.route("/editor/terms.json")
def editor_terms_json() -> Response:
    """The ontology's classes and properties the query editor completes, as
    ``[{iri, curie, label, kind}]`` (``web.assets.editor_terms``)."""
    response = jsonify(editor_terms(ontology_graph(), PREFIXES))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


_DEFAULT_QUERY = """SELECT ?type (COUNT(?resource) AS ?count) WHERE {
  ?resource a ?type .
}
GROUP BY ?type
ORDER BY DESC(?count)
"""


@bp.route("/article/<key>")
def article_page(key: str) -> str:
    store = state().backend
    article = pagedata.find_article(store, key)
    if article is None:
        abort(404, description=f"No article {key!r} in this dataset.")
    text = pagedata.article_text(seeds_folder(), article)
    if text is None:
        abort(
            404,
            description=(
                f"The text of {article.title!r} (seed file {article.seed_file!r}) "
                "is not available on this server."
            ),
        )
    good, bad = matching_spans(text, pagedata.article_spans(store, article.iri))
    return render_template(
        "pages/article.html",
        article=article,
        segments=segments(text, good),
        spans=good,
        bad_spans=bad,
    )


@bp.route("/articles")
def articles_page() -> str:
    store = state().backend
    return render_template("pages/articles.html", articles=pagedata.articles(store))


@bp.route("/timeline")
def timeline_page() -> str:
    store = state().backend
    return render_template(
        "pages/timeline.html",
        title="Timeline",
        picture=_picture(timeline_svg(store)),
        undated=undated_events(store),
    )


@bp.route("/map")
def map_page() -> str:
    store = state().backend
    try:
        region = load_region()
    except AssetsMissing as missing:
        abort(503, description=f"The map's outlines are not built on this server: {missing}")
    drawn = place_map(store, region)
    return render_template(
        "pages/map.html",
        title="Map",
        picture=_picture(drawn.svg),
        places=drawn.places,
        events=drawn.events,
        unplaced=drawn.unplaced,
        attribution=region.get("metadata", {}).get("attribution", ""),
    )


@bp.route("/ontology/diagram")
def diagram_page() -> str:
    store = state().backend
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
    """The ontology's documentation, as the build wrote it (pyLODE, ``ontology.html``), or
    None when the served build has none (a ``--dataset`` file, a store without a matching
    build): then /ontology answers with its own list of terms."""
    build_dir = state().build_dir
    page = build_dir / DOCS_FILE if build_dir is not None else None
    if page is None or not page.is_file():
        return None
    # pyLODE's page stands alone; a line of links takes readers back to the site.
    back = (
        '<p class="site-links"><a href="/">conflictkg home</a> · '
        '<a href="/ontology/diagram">class diagram</a> · <a href="/query">query</a></p>'
    )
    html = page.read_text(encoding="utf-8")
    html = html.replace('<div id="content">', '<div id="content">' + back, 1)
    # Its language stated, and a style sheet of the site that darkens pyLODE's lightest
    # colours (axe-core: html-has-lang, color-contrast); pyLODE's own <style> is untouched,
    # so the hashes web.headers allows for it still match.
    if re.match(r"\s*(<!DOCTYPE[^>]*>\s*)?<html>", html, re.IGNORECASE):
        html = html.replace("<html>", '<html lang="en">', 1)
    sheet = f'<link rel="stylesheet" href="{url_for("static", filename="pylode.css")}">'
    return html.replace("</head>", sheet + "</head>", 1)


def query_form(query: str) -> str:
    """``select`` for SELECT/ASK queries, ``graph`` for CONSTRUCT/DESCRIBE (read by the one
    reader of SPARQL text, :mod:`conflictkg.store.guard`)."""
    try:
        form = inspect_query(query).form
    except QueryRefused:
        form = None
    return "graph" if form in ("CONSTRUCT", "DESCRIBE") else "select"
