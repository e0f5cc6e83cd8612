"""Dereferenceable IRIs: the base ``https://w3id.org/conflictkg/`` is served at the server root.

IRI scheme (config ``BASE_IRI``, default ``https://w3id.org/conflictkg/``; ``{base}`` below):

==========================================  ==================  ==================================
IRI                                         served at           answer
==========================================  ==================  ==================================
``{base}id/{kind}/{slug}`` (and spans       ``/id/{kind}/...``  the resource: HTML page, or its
``{base}id/article/{a}/span/{s}-{e}``)                          description in RDF
``{base}ontology`` and every ``ckg:`` term  ``/ontology``       the ontology graph (the ``#term``
``{base}ontology#{Term}``                                       fragment never reaches a server)
``{base}graph/{name}``                      ``/graph/{name}``   every triple of that named graph
``{base}id/claim/{slug}/assertion``         ``/id/claim/...``   an account graph: every triple of
                                                                it, as for ``/graph/{name}``
==========================================  ==================  ==================================

Named graphs: ``graph/<stem>`` is an article's backbone, ``graph/outside/<slug>`` what one
outside source says, ``graph/inferred`` what the ontology implies, ``graph/ontology`` the
ontology; an account graph is named by its claim's IRI + ``/assertion``, under ``/id/``. Any
IRI under ``/id/`` that names a graph of the dataset is answered with the graph.

Resources use slash IRIs with direct content negotiation: one URL, ``200`` and
``Vary: Accept`` — no 303 redirect. ``Accept: text/html`` (and ``*/*``) gets a page with the
label, types, every property (IRIs as links: ours to their local page, others as they are),
incoming links and the article quotes the resource is attested by (``ckg:attestedBy`` →
``oa:exact``, linked to the article). RDF clients get a CBD-like description — outgoing
triples, incoming triples, and the attesting spans with their properties — in Turtle,
N-Triples, JSON-LD or RDF/XML. An IRI the data never mentions is a 404 (an HTML page, or
an empty graph in the RDF format asked for).
"""

from __future__ import annotations

import pyoxigraph
from flask import Blueprint, Response, current_app, render_template, request

from conflictkg.pipeline.iris import curie
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend, serialize_triples
from conflictkg.web.links import as_link
from conflictkg.web.mediatypes import GRAPH_TYPES, HTML, MediaType
from conflictkg.web.negotiation import choose
from conflictkg.web.pages.resource import resource_extras
from conflictkg.web.pages.views import ontology_docs
from conflictkg.web.state import state

bp = Blueprint("linkeddata", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _base() -> str:
    base: str = current_app.config["BASE_IRI"]
    return base


def _negotiate_resource(what: str) -> MediaType | Response:
    """``?format=`` (for links in pages) or the Accept header, HTML preferred on ties, so
    browsers, curl's ``*/*`` and a missing Accept get the page; or the 406 answer."""
    return choose(request.args.getlist("format"), (HTML, *GRAPH_TYPES), what)


def _rdf_response(
    triples: list[pyoxigraph.Triple], chosen: MediaType, status: int = 200
) -> Response:
    assert chosen.rdf is not None
    response = Response(
        serialize_triples(triples, chosen.rdf.oxigraph),
        status=status,
        content_type=chosen.content_type,
    )
    response.headers["Vary"] = "Accept"
    return response


def _not_found(iri: str, chosen: MediaType) -> Response:
    message = f"nothing is known about <{iri}>"
    if chosen is HTML:
        body = render_template("error.html", status=404, title="Not Found", message=message)
        response = Response(body, status=404, content_type=HTML.content_type)
    else:
        response = _rdf_response([], chosen, 404)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    iri = _base() + "id/" + rest
    if _names_a_graph(iri):  # an account graph: <claim>/assertion
        return _graph_answer(iri)
    chosen = _negotiate_resource("a resource")
    if isinstance(chosen, Response):
        return chosen
    backend = state().backend
    try:
        exists = queries.ask(backend, queries.RESOURCE_EXISTS, resource=iri)
    except ValueError:
        exists = False  # not even an IRI: nothing can be known about it
    if not exists:
        return _not_found(iri, chosen)
    if chosen is not HTML:
        triples = queries.construct(backend, queries.RESOURCE_DESCRIPTION, resource=iri)
        return _rdf_response(triples, chosen)
    return _resource_page(iri, backend)


def _resource_page(iri: str, backend: QueryBackend) -> Response:
    outgoing = queries.select(backend, queries.RESOURCE_OUTGOING, resource=iri)
    incoming = queries.select(backend, queries.RESOURCE_INCOMING, resource=iri)
    labels = [r["o"].value for r in outgoing if r["p"].value in (RDFS_LABEL, SKOS_PREF_LABEL)]
    body = render_template(
        "resource.html",
        iri=iri,
        label=labels[0] if labels else curie(iri),
        types=[as_link(r["o"], r.get("label")) for r in outgoing if r["p"].value == RDF_TYPE],
        properties=[(as_link(r["p"]), as_link(r["o"], r.get("label"))) for r in outgoing],
        incoming=[(as_link(r["s"], r.get("label")), as_link(r["p"])) for r in incoming],
        extras=resource_extras(iri),
        rdf_formats=GRAPH_TYPES,
    )
    return _html(body)


def _html(body: str) -> Response:
    response = Response(body, content_type=HTML.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _graph_iri(name: str) -> str:
    return _base() + "graph/" + name


@bp.route("/ontology")
def ontology() -> Response:
    chosen = _negotiate_resource("the ontology")
    if isinstance(chosen, Response):
        return chosen
    graph = _graph_iri("ontology")
    backend = state().backend
    if chosen is not HTML:
        triples = queries.construct(backend, queries.GRAPH_CONTENT, graph=graph)
        if not triples:
            return _not_found(_base() + "ontology", chosen)
        return _rdf_response(triples, chosen)
    page = ontology_docs()
    if page:
        return _html(page)
    rows = queries.select(backend, queries.ONTOLOGY_TERMS, graph=graph)
    if not rows:
        return _not_found(_base() + "ontology", chosen)
    terms = [
        {
            "anchor": r["term"].value.rpartition("#")[2],
            "term": as_link(r["term"]),
            "kind": curie(r["kind"].value),
            "label": r["label"].value if "label" in r else "",
            "definition": r["definition"].value if "definition" in r else "",
        }
        for r in rows
    ]
    return _html(
        render_template(
            "ontology.html", iri=_base() + "ontology", terms=terms, rdf_formats=GRAPH_TYPES
        )
    )


@bp.route("/graph/<path:name>")
def named_graph(name: str) -> Response:
    """A named graph's triples in an RDF format (HTML clients get Turtle: no page yet)."""
    return _graph_answer(_graph_iri(name))


def _names_a_graph(iri: str) -> bool:
    try:
        return queries.ask(state().backend, queries.GRAPH_EXISTS, graph=iri)
    except ValueError:
        return False  # not even an IRI


def _graph_answer(iri: str) -> Response:
    chosen = choose(request.args.getlist("format"), GRAPH_TYPES, "a named graph")
    if isinstance(chosen, Response):
        return chosen
    try:
        triples = queries.construct(state().backend, queries.GRAPH_CONTENT, graph=iri)
    except ValueError:
        triples = []
    if not triples:
        return _not_found(iri, chosen)
    return _rdf_response(triples, chosen)
