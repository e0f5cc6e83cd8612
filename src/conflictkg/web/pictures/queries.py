"""The named SPARQL queries behind the pictures and pages, and one helper to run them.

Every query reads the union of all graphs, so it works both on files loaded into the default
graph and on the built TriG dataset with one named graph per article.
"""

from __future__ import annotations

from typing import Any, Protocol

import pyoxigraph

from conflictkg.vocab import ONTOLOGY_GRAPH, PREFIXES

Row = dict[str, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal]

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))


def _label(var: str, out: str) -> str:
    """Bind ``?out`` to the display name of ``var``: its label, else a SKOS label, else the
    span's exact text."""
    return (
        f"OPTIONAL {{ {var} rdfs:label ?{out}1 }}\n"
        f"OPTIONAL {{ {var} skos:prefLabel ?{out}2 }}\n"
        f"OPTIONAL {{ {var} oa:exact ?{out}3 }}\n"
        f"BIND(COALESCE(?{out}1, ?{out}2, ?{out}3) AS ?{out})\n"
    )


ARTICLES = (
    _PROLOGUE
    + """
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

EVENTS = (
    _PROLOGUE
    + """
SELECT DISTINCT ?event ?label ?start ?end ?expression ?type WHERE {
  ?event a/rdfs:subClassOf* ckg:Event .
  OPTIONAL { ?event ckg:startDate ?start }
  OPTIONAL { ?event ckg:endDate ?end }
  OPTIONAL { ?event ckg:dateExpression ?expression }
  OPTIONAL { ?event a ?type . FILTER(STRSTARTS(STR(?type), STR(ckg:))) }
"""
    + _label("?event", "label")
    + """
}
ORDER BY ?start ?end ?event ?type
"""
)
"""Every event (an instance of ckg:Event or a subclass), dated or not."""

ARTICLE_EVENTS = (
    _PROLOGUE
    + """
SELECT DISTINCT ?article ?event WHERE {
  ?event a/rdfs:subClassOf* ckg:Event ; ckg:attestedBy/ckg:inArticle ?article .
}
"""
)
"""The events attested by a span of ``?article``."""

PLACES = (
    _PROLOGUE
    + """
SELECT DISTINCT ?place ?label ?lat ?long WHERE {
  ?place wgs:lat ?lat ; wgs:long ?long .
"""
    + _label("?place", "label")
    + """
}
ORDER BY ?place
"""
)
"""Every resource with a WGS84 point."""

ARTICLE_RESOURCES = (
    _PROLOGUE
    + """
SELECT DISTINCT ?article ?resource WHERE { ?resource ckg:attestedBy/ckg:inArticle ?article . }
"""
)
"""Every resource attested by a span of ``?article``."""

OUTGOING = (
    _PROLOGUE
    + """
SELECT DISTINCT ?resource ?property ?other ?label WHERE {
  ?resource ?property ?other .
  FILTER(isIRI(?other))
"""
    + _label("?other", "label")
    + """
}
ORDER BY ?property ?other
"""
)
"""The IRIs ``?resource`` points to, with their labels."""

INCOMING = (
    _PROLOGUE
    + """
SELECT DISTINCT ?resource ?property ?other ?label WHERE {
  ?other ?property ?resource .
  FILTER(isIRI(?other))
"""
    + _label("?other", "label")
    + """
}
ORDER BY ?property ?other
"""
)
"""The IRIs that point to ``?resource``, with their labels."""

LABEL = (
    _PROLOGUE
    + """
SELECT DISTINCT ?resource ?label WHERE {
"""
    + _label("?resource", "label")
    + """
}
"""
)
"""The display label of ``?resource`` (unbound when it has none)."""

CLASSES = (
    _PROLOGUE
    + """
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

OBJECT_PROPERTIES = (
    _PROLOGUE
    + """
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

SPANS_OF_ARTICLE = (
    _PROLOGUE
    + """
SELECT DISTINCT ?article ?span ?start ?end ?exact ?resource ?label WHERE {
  ?span ckg:inArticle ?article ; oa:start ?start ; oa:end ?end ; oa:exact ?exact .
  OPTIONAL { ?resource ckg:attestedBy ?span .
"""
    + _label("?resource", "label")
    + """
  }
}
ORDER BY ?start ?end ?span ?resource
"""
)
"""The spans of ``?article`` with the resources each one attests."""

SPANS_OF_RESOURCE = (
    _PROLOGUE
    + """
SELECT DISTINCT ?resource ?span ?start ?end ?exact ?article WHERE {
  ?resource ckg:attestedBy ?span .
  ?span oa:start ?start ; oa:end ?end ; oa:exact ?exact .
  OPTIONAL { ?span ckg:inArticle ?article }
}
ORDER BY ?article ?start ?end ?span
"""
)
"""The spans that attest ``?resource``, with their article."""

TYPES = (
    _PROLOGUE
    + """
SELECT DISTINCT ?resource ?type WHERE { ?resource a ?type . FILTER(isIRI(?type)) } ORDER BY ?type
"""
)
"""The asserted types of ``?resource``."""

COUNTS = (
    _PROLOGUE
    + """
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

# The union of graphs repeats a triple held in several graphs (the built store keeps every
# article both in the default graph and in its named graph), hence the DISTINCT.
TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
"""The number of distinct triples over all graphs."""

GRAPHS = "SELECT DISTINCT ?graph WHERE { GRAPH ?graph { } } ORDER BY ?graph"
"""The named graphs of the store."""


ONTOLOGY_TRIPLES = (
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + str(ONTOLOGY_GRAPH) + "> { ?s ?p ?o } }"
)
"""The triples of the ontology's named graph."""


class QuerySource(Protocol):
    """Anything that answers SPARQL like the endpoint's backends: ``query(text)`` returns a
    result whose ``raw`` is a pyoxigraph ``QuerySolutions`` (or is one itself)."""

    def query(self, sparql: str) -> Any: ...


Source = pyoxigraph.Store | QuerySource


def bind(query: str, **bindings: pyoxigraph.NamedNode) -> str:
    """``query`` with each variable fixed by a VALUES block at the start of its WHERE.

    IRIs are written by pyoxigraph's NamedNode, which only holds valid IRIs, so a value can
    never close the ``<...>`` and change the query.
    """
    if not bindings:
        return query
    values = "".join(f"VALUES ?{name} {{ {term} }}\n" for name, term in bindings.items())
    head, brace, body = query.partition("WHERE {")
    if not brace:
        raise ValueError("a parameterised query needs a WHERE clause")
    return f"{head}{brace}\n{values}{body}"


def select(source: Source, query: str, **bindings: pyoxigraph.NamedNode) -> list[Row]:
    """Run a SELECT query over the union of all graphs, with variables bound to IRIs."""
    text = bind(query, **bindings)
    if isinstance(source, pyoxigraph.Store):
        solutions = source.query(text, use_default_graph_as_union=True)
    else:
        answer = source.query(text)
        solutions = getattr(answer, "raw", answer)
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(solutions).__name__}")
    names = [v.value for v in solutions.variables]
    rows: list[Row] = []
    for solution in solutions:
        row: Row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term  # type: ignore[assignment]
        rows.append(row)
    return rows


def construct(source: Source, query: str) -> list[pyoxigraph.Triple]:
    """The triples of a CONSTRUCT query (its own dataset clauses apply)."""
    if isinstance(source, pyoxigraph.Store):
        triples = source.query(query)
    else:
        answer = source.query(query)
        triples = getattr(answer, "raw", answer)
    if not isinstance(triples, pyoxigraph.QueryTriples):
        raise TypeError(f"expected CONSTRUCT triples, got {type(triples).__name__}")
    return list(triples)
