"""The named SPARQL queries every view, page and picture runs — never inline in a view —
and the one way to run them with parameters.

Each query reads the default graph, which every backend makes the merge of all graphs
(each triple once). Parameters are IRIs fixed by a ``VALUES`` block at the start of the
query's ``WHERE`` (:func:`bind`); an IRI is written by pyoxigraph's ``NamedNode``, which
only holds valid IRIs, so a value can never close the ``<…>`` and change the query.
"""

from __future__ import annotations

import re

import pyoxigraph

from conflictkg.store.backend import QueryBackend, Term
from conflictkg.vocab import PREFIXES

Row = dict[str, Term]

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
"""Every project prefix, declared once for every named query."""


def _label(var: str, out: str) -> str:
    """Bind ``?out`` to the display name of ``var``: its label, else a SKOS label, else the
    span's exact text."""
    return (
        f"OPTIONAL {{ {var} rdfs:label ?{out}1 }}\n"
        f"OPTIONAL {{ {var} skos:prefLabel ?{out}2 }}\n"
        f"OPTIONAL {{ {var} oa:exact ?{out}3 }}\n"
        f"BIND(COALESCE(?{out}1, ?{out}2, ?{out}3) AS ?{out})\n"
    )


_LABEL_LINE = re.compile(r"^LABEL\((\?\w+)\)\n", re.MULTILINE)


def _named(text: str) -> str:
    """A named query: the prologue, then ``text`` with each line ``LABEL(?var)`` replaced by
    the pattern that binds ``?label`` to the display name of ``?var``."""
    return PROLOGUE + _LABEL_LINE.sub(lambda m: _label(m[1], "label"), text)


ARTICLES = _named(
    """
SELECT ?article ?title ?date ?seedFile ?sha256
       (GROUP_CONCAT(DISTINCT ?creatorName; separator=", ") AS ?creators)
       (GROUP_CONCAT(DISTINCT ?publisherName; separator=", ") AS ?publishers)
WHERE {
  ?article a ckg:Article .
  OPTIONAL { ?article dcterms:title ?title }
  OPTIONAL { ?article dcterms:date ?date }
  OPTIONAL { ?article ckg:seedFile ?seedFile }
  OPTIONAL { ?article ckg:sha256 ?sha256 }
  OPTIONAL { ?article dcterms:creator ?creator .
             OPTIONAL { ?creator rdfs:label ?creatorLabel }
             BIND(COALESCE(?creatorLabel, STR(?creator)) AS ?creatorName) }
  OPTIONAL { ?article dcterms:publisher ?publisher .
             OPTIONAL { ?publisher rdfs:label ?publisherLabel }
             BIND(COALESCE(?publisherLabel, STR(?publisher)) AS ?publisherName) }
}
GROUP BY ?article ?title ?date ?seedFile ?sha256
ORDER BY ?date ?article
"""
)
"""Every article with its metadata; creators and publishers joined by commas."""

EVENTS = _named(
    """
SELECT DISTINCT ?event ?label ?start ?end ?expression ?type WHERE {
  ?event a/rdfs:subClassOf* ckg:Event .
  OPTIONAL { ?event ckg:startDate ?start }
  OPTIONAL { ?event ckg:endDate ?end }
  OPTIONAL { ?event ckg:dateExpression ?expression }
  OPTIONAL { ?event a ?type . FILTER(STRSTARTS(STR(?type), STR(ckg:))) }
LABEL(?event)

}
ORDER BY ?start ?end ?event ?type
"""
)
"""Every event (an instance of ckg:Event or a subclass), dated or not."""

ARTICLE_EVENTS = _named(
    """
SELECT DISTINCT ?article ?event WHERE {
  ?event a/rdfs:subClassOf* ckg:Event ; ckg:attestedBy/ckg:inArticle ?article .
}
"""
)
"""The events attested by a span of ``?article``."""

PLACES = _named(
    """
SELECT DISTINCT ?place ?label ?lat ?long WHERE {
  ?place wgs:lat ?lat ; wgs:long ?long .
LABEL(?place)

}
ORDER BY ?place
"""
)
"""Every resource with a WGS84 point."""


MAP_LOCATIONS = _named(
    """
SELECT DISTINCT ?place ?label ?type ?lat ?long ?parent ?near WHERE {
  ?place a/rdfs:subClassOf* ckg:Location .
  OPTIONAL { ?place rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
  OPTIONAL { ?place a ?type . FILTER(STRSTARTS(STR(?type), STR(ckg:))) }
  OPTIONAL { ?place wgs:lat ?lat ; wgs:long ?long }
  OPTIONAL { ?place ckg:locatedIn ?parent }
  OPTIONAL { ?place ckg:near ?near }
}
ORDER BY ?place
"""
)
"""For the map: every location: label, ckg: types, point, the places it is in and near."""

MAP_EVENTS = _named(
    """
SELECT DISTINCT ?event ?label ?place ?start WHERE {
  ?event ckg:location ?place .
  OPTIONAL { ?event rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
  OPTIONAL { ?event ckg:startDate ?start }
}
ORDER BY ?place ?start ?event
"""
)
"""For the map: every event with the place it happened at (one row per place)."""


def _linked(pattern: str) -> str:
    """The IRIs ``?other`` that ``pattern`` links to ``?resource``, with their labels."""
    return (
        PROLOGUE
        + "SELECT DISTINCT ?resource ?property ?other ?label WHERE {\n"
        + f"  {pattern}\n  FILTER(isIRI(?other))\n"
        + _label("?other", "label")
        + "}\nORDER BY ?property ?other\n"
    )


OUTGOING = _linked("?resource ?property ?other .")
"""The IRIs ``?resource`` points to, with their labels."""

INCOMING = _linked("?other ?property ?resource .")
"""The IRIs that point to ``?resource``, with their labels."""

LABEL = _named(
    """
SELECT DISTINCT ?resource ?label WHERE {
LABEL(?resource)

}
"""
)
"""The display label of ``?resource`` (unbound when it has none)."""

CLASSES = _named(
    """
SELECT DISTINCT ?class ?label ?super WHERE {
  ?class a owl:Class .
  FILTER(STRSTARTS(STR(?class), STR(ckg:)))
  OPTIONAL { ?class rdfs:label ?label }
  OPTIONAL { ?class rdfs:subClassOf ?super . FILTER(isIRI(?super)) }
}
ORDER BY ?class ?super
"""
)
"""The ontology's own classes with their named superclasses."""

OBJECT_PROPERTIES = _named(
    """
SELECT DISTINCT ?property ?label ?domain ?range WHERE {
  ?property a owl:ObjectProperty .
  FILTER(STRSTARTS(STR(?property), STR(ckg:)))
  OPTIONAL { ?property rdfs:label ?label }
  OPTIONAL { ?property rdfs:domain ?d .
             OPTIONAL { ?d owl:unionOf/rdf:rest*/rdf:first ?du }
             BIND(COALESCE(?du, ?d) AS ?domain) FILTER(isIRI(?domain)) }
  OPTIONAL { ?property rdfs:range ?r .
             OPTIONAL { ?r owl:unionOf/rdf:rest*/rdf:first ?ru }
             BIND(COALESCE(?ru, ?r) AS ?range) FILTER(isIRI(?range)) }
}
ORDER BY ?property ?domain ?range
"""
)
"""The ontology's object properties; a union domain or range gives one row per member."""

SPANS_OF_ARTICLE = _named(
    """
SELECT DISTINCT ?article ?span ?start ?end ?exact ?resource ?label WHERE {
  ?span ckg:inArticle ?article ; oa:start ?start ; oa:end ?end ; oa:exact ?exact .
  OPTIONAL { ?resource ckg:attestedBy ?span .
LABEL(?resource)

  }
}
ORDER BY ?start ?end ?span ?resource
"""
)
"""The spans of ``?article`` with the resources each one attests."""

SPANS_OF_RESOURCE = _named(
    """
SELECT DISTINCT ?resource ?span ?start ?end ?exact ?article WHERE {
  ?resource ckg:attestedBy ?span .
  ?span oa:start ?start ; oa:end ?end ; oa:exact ?exact .
  OPTIONAL { ?span ckg:inArticle ?article }
}
ORDER BY ?article ?start ?end ?span
"""
)
"""The spans that attest ``?resource``, with their article."""

COUNTS = _named(
    """
SELECT ?top (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?type .
  ?type rdfs:subClassOf* ?top .
  VALUES ?top { ckg:Actor ckg:Location ckg:Event ckg:WeaponSystem ckg:Claim ckg:Article
                ckg:TextSpan }
}
GROUP BY ?top
ORDER BY ?top
"""
)
"""How many resources fall under each top-level class of the ontology."""


# -- what the linked-data views ask about one resource or graph (``?resource``, ``?graph``)

RESOURCE_EXISTS = PROLOGUE + "ASK WHERE { { ?resource ?p ?o } UNION { ?s ?p ?resource } }"
"""Does anything mention ``?resource`` (as subject or object)?"""

RESOURCE_DESCRIPTION = _named(
    """CONSTRUCT { ?resource ?p ?o . ?s ?q ?resource . ?span ?sp ?so . }
WHERE {
  { ?resource ?p ?o }
  UNION { ?s ?q ?resource }
  UNION { ?resource ckg:attestedBy ?span . ?span ?sp ?so }
}"""
)
"""The description of ``?resource`` for RDF clients, CBD-like: its outgoing triples, its
incoming triples, and the text spans it is attested by with their own properties."""

RESOURCE_OUTGOING = _named(
    """SELECT ?p ?o (SAMPLE(?l) AS ?label)
WHERE { ?resource ?p ?o OPTIONAL { ?o rdfs:label|skos:prefLabel ?l } }
GROUP BY ?p ?o ORDER BY ?p ?o"""
)
"""The properties of ``?resource``, with a label for each object that has one."""

RESOURCE_INCOMING = _named(
    """SELECT ?s ?p (SAMPLE(?l) AS ?label)
WHERE { ?s ?p ?resource OPTIONAL { ?s rdfs:label|skos:prefLabel ?l } }
GROUP BY ?s ?p ORDER BY ?p ?s"""
)
"""Who points at ``?resource``, and through which property."""

GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?graph { ?s ?p ?o } }"
"""Every triple of the named graph ``?graph``."""

GRAPH_EXISTS = "ASK WHERE { GRAPH ?graph { ?s ?p ?o } }"
"""Is ``?graph`` a named graph of the dataset (one with a triple)?"""

ONTOLOGY_TERMS = _named(
    """SELECT ?term (SAMPLE(?k) AS ?kind) (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
WHERE {
  GRAPH ?graph {
    ?term a ?k .
    FILTER(isIRI(?term))
    FILTER(?k IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty,
                  owl:AnnotationProperty, skos:ConceptScheme, skos:Concept))
    OPTIONAL { ?term rdfs:label ?l }
    OPTIONAL { ?term skos:definition|rdfs:comment ?d }
  }
}
GROUP BY ?term ORDER BY ?kind ?term"""
)
"""The terms the ontology graph ``?graph`` declares, for the HTML list of terms."""

GRAPH_SIZES = """SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"""
"""The size of every named graph, for the service description."""

DEFAULT_GRAPH_SIZE = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
"""The size of the default graph (the merge of all graphs)."""


def bind(query: str, **bindings: str) -> str:
    """``query`` with each named variable fixed to an IRI by a VALUES block at the start of
    its WHERE. Raises ValueError for a value that is not an IRI (the caller answers 404)."""
    if not bindings:
        return query
    values = "".join(
        f"VALUES ?{name} {{ {pyoxigraph.NamedNode(iri)} }}\n" for name, iri in bindings.items()
    )
    head, brace, body = query.partition("WHERE {")
    if not brace:
        raise ValueError("a parameterised query needs a WHERE clause")
    return f"{head}{brace}\n{values}{body}"


def select(backend: QueryBackend, query: str, **bindings: str) -> list[Row]:
    """The rows of a SELECT query with its variables bound to IRIs."""
    return backend.query(bind(query, **bindings)).rows()


def ask(backend: QueryBackend, query: str, **bindings: str) -> bool:
    """The answer of an ASK query with its variables bound to IRIs."""
    return backend.query(bind(query, **bindings)).boolean()


def construct(backend: QueryBackend, query: str, **bindings: str) -> list[pyoxigraph.Triple]:
    """The triples of a CONSTRUCT query with its variables bound to IRIs."""
    return backend.query(bind(query, **bindings)).triples()
