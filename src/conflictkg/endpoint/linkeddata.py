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

from dataclasses import dataclass

import pyoxigraph
from flask import Blueprint, Response, current_app, render_template, request

from conflictkg.endpoint import queries
from conflictkg.endpoint.backend import QueryBackend, Term, serialize_triples
from conflictkg.endpoint.errors import error_response
from conflictkg.endpoint.mediatypes import GRAPH_TYPES, HTML, MediaType, negotiate
from conflictkg.vocab import PREFIXES

bp = Blueprint("linkeddata", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

# Longest namespace first, so ckr: wins over a shorter prefix of it.
_NAMESPACES = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


@dataclass(frozen=True)
class Link:
    """An RDF term ready for a template: the text to show and, for IRIs, where to link."""

    text: str
    href: str | None = None
    note: str = ""  # language tag or datatype of a literal, or the IRI under a label


def _backend() -> QueryBackend:
    backend: QueryBackend = current_app.extensions["conflictkg.backend"]
    return backend


def _base() -> str:
    base: str = current_app.config["BASE_IRI"]
    return base


def local_href(iri: str) -> str:
    """Where a browser should go for ``iri``: our own page for IRIs under the base."""
    base = _base()
    if iri.startswith(base):
        return request.script_root + "/" + iri[len(base) :]
    return iri


def compact(iri: str) -> str:
    """``prefix:local`` for known namespaces, else the full IRI."""
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def as_link(term: Term, label: Term | None = None) -> Link:
    if isinstance(term, pyoxigraph.NamedNode):
        if label is not None:
            return Link(label.value, local_href(term.value), compact(term.value))
        return Link(compact(term.value), local_href(term.value))
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Link(term.value, None, "@" + term.language)
        datatype = term.datatype.value
        plain = datatype == "http://www.w3.org/2001/XMLSchema#string"
        return Link(term.value, None, "" if plain else compact(datatype))
    return Link(str(term))


def _negotiate_resource() -> MediaType | None:
    """``?format=turtle`` (for links in pages) or the Accept header, HTML preferred on ties.

    HTML comes first so browsers, curl's ``*/*`` and a missing Accept get the page.
    """
    offered = (HTML, *GRAPH_TYPES)
    wanted = request.args.get("format")
    if wanted is not None:
        return next((t for t in offered if t.name == wanted), None)
    return negotiate(request.headers.get("Accept"), offered)


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


def _not_acceptable(what: str) -> Response:
    types = ", ".join(t.media_type for t in (HTML, *GRAPH_TYPES))
    return error_response(406, f"{what} is available as: {types}")


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
    chosen = _negotiate_resource()
    if chosen is None:
        return _not_acceptable("a resource")
    backend = _backend()
    try:
        exists = backend.query(queries.fill(queries.RESOURCE_EXISTS, resource=iri)).boolean()
    except ValueError:
        exists = False  # not even an IRI: nothing can be known about it
    if not exists:
        return _not_found(iri, chosen)
    if chosen is not HTML:
        triples = backend.query(queries.fill(queries.RESOURCE_DESCRIPTION, resource=iri)).triples()
        return _rdf_response(triples, chosen)
    return _resource_page(iri, backend)


def _resource_page(iri: str, backend: QueryBackend) -> Response:
    outgoing = backend.query(queries.fill(queries.RESOURCE_OUTGOING, resource=iri)).rows()
    incoming = backend.query(queries.fill(queries.RESOURCE_INCOMING, resource=iri)).rows()
    quotes = backend.query(queries.fill(queries.RESOURCE_ATTESTATIONS, resource=iri)).rows()
    labels = [r["o"].value for r in outgoing if r["p"].value in (RDFS_LABEL, SKOS_PREF_LABEL)]
    types = [as_link(r["o"], r.get("label")) for r in outgoing if r["p"].value == RDF_TYPE]
    properties = [(as_link(r["p"]), as_link(r["o"], r.get("label"))) for r in outgoing]
    links_in = [(as_link(r["s"], r.get("label")), as_link(r["p"])) for r in incoming]
    attestations = [
        {
            "exact": r["exact"].value,
            "span": as_link(r["span"]),
            "start": r["start"].value if "start" in r else None,
            "end": r["end"].value if "end" in r else None,
            "article": as_link(r["article"], r.get("title")) if "article" in r else None,
        }
        for r in quotes
    ]
    body = render_template(
        "resource.html",
        iri=iri,
        label=labels[0] if labels else compact(iri),
        types=types,
        properties=properties,
        incoming=links_in,
        attestations=attestations,
        rdf_formats=GRAPH_TYPES,
    )
    response = Response(body, content_type=HTML.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _graph_iri(name: str) -> str:
    return _base() + "graph/" + name


@bp.route("/ontology")
def ontology() -> Response:
    chosen = _negotiate_resource()
    if chosen is None:
        return _not_acceptable("the ontology")
    graph = _graph_iri("ontology")
    backend = _backend()
    if chosen is not HTML:
        triples = backend.query(queries.fill(queries.GRAPH_CONTENT, graph=graph)).triples()
        if not triples:
            return _not_found(_base() + "ontology", chosen)
        return _rdf_response(triples, chosen)
    # The pages package, when present, supplies full documentation (pyLODE) instead.
    docs = current_app.extensions.get("conflictkg.ontology_docs")
    page = docs() if docs is not None else None
    if page:
        response = Response(page, content_type=HTML.content_type)
        response.headers["Vary"] = "Accept"
        return response
    rows = backend.query(queries.fill(queries.ONTOLOGY_TERMS, graph=graph)).rows()
    if not rows:
        return _not_found(_base() + "ontology", chosen)
    terms = [
        {
            "anchor": r["term"].value.rpartition("#")[2],
            "term": as_link(r["term"]),
            "kind": compact(r["kind"].value),
            "label": r["label"].value if "label" in r else "",
            "definition": r["definition"].value if "definition" in r else "",
        }
        for r in rows
    ]
    body = render_template(
        "ontology.html", iri=_base() + "ontology", terms=terms, rdf_formats=GRAPH_TYPES
    )
    response = Response(body, content_type=HTML.content_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/graph/<path:name>")
def named_graph(name: str) -> Response:
    """A named graph's triples in an RDF format (HTML clients get Turtle: no page yet)."""
    return _graph_answer(_graph_iri(name))


def _names_a_graph(iri: str) -> bool:
    try:
        return _backend().query(queries.fill(queries.GRAPH_EXISTS, graph=iri)).boolean()
    except ValueError:
        return False  # not even an IRI


def _graph_answer(iri: str) -> Response:
    chosen = negotiate(request.headers.get("Accept"), GRAPH_TYPES)
    if chosen is None:
        return _not_acceptable("a named graph")
    try:
        triples = _backend().query(queries.fill(queries.GRAPH_CONTENT, graph=iri)).triples()
    except ValueError:
        triples = []
    if not triples:
        return _not_found(iri, chosen)
    return _rdf_response(triples, chosen)
