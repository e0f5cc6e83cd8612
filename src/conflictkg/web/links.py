"""How an RDF term appears on a page: the text to show, and where a link to it goes.

An IRI under the served base (``https://w3id.org/conflictkg/`` by default) is shown by
this server at the same path under its root, ontology terms included
(``…/ontology#Event`` → ``/ontology#Event``); any other IRI is linked as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph
from flask import current_app, has_request_context, request

from conflictkg.pipeline.iris import curie
from conflictkg.store.backend import Term
from conflictkg.vocab import BASE_IRI

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def href_for(iri: str, base: str = BASE_IRI, root: str = "") -> str:
    """The path on this server that shows ``iri`` (under ``root``), or ``iri`` itself."""
    if iri.startswith(base):
        return root + "/" + iri[len(base) :]
    return iri


def page_href(iri: str) -> str:
    """:func:`href_for` with the running app's base IRI and the request's script root."""
    if not has_request_context():
        return href_for(iri)
    return href_for(iri, current_app.config["BASE_IRI"], request.script_root)


@dataclass(frozen=True)
class Link:
    """An RDF term ready for a template: the text to show and, for IRIs, where to link."""

    text: str
    href: str | None = None
    note: str = ""  # language tag or datatype of a literal, or the IRI under a label


def as_link(term: Term, label: Term | None = None) -> Link:
    """``term`` for a page: an IRI by its label (IRI as a note) or prefixed name, a literal
    with its language tag or (other than a plain string) its datatype."""
    if isinstance(term, pyoxigraph.NamedNode):
        if label is not None:
            return Link(label.value, page_href(term.value), curie(term.value))
        return Link(curie(term.value), page_href(term.value))
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Link(term.value, None, "@" + term.language)
        datatype = term.datatype.value
        return Link(term.value, None, "" if datatype == XSD_STRING else curie(datatype))
    return Link(str(term))
