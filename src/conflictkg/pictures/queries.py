"""The named SPARQL queries behind the pictures and pages, and one helper to run them.

Every query reads the union of all graphs, so it works both on files loaded into the default
graph and on the built TriG dataset with one named graph per article.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph

from conflictkg.vocab import PREFIXES

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
SELECT ?resource ?label WHERE {
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
SELECT ?article ?span ?start ?end ?exact ?resource ?label WHERE {
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
SELECT ?resource ?span ?start ?end ?exact ?article WHERE {
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

TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
"""The number of distinct triples over all graphs."""


# Bound variables are passed as substitutions, which Oxigraph only accepts for variables
# that the query projects: every parameterised query above selects its parameters too.
def select(
    store: pyoxigraph.Store, query: str, **bindings: pyoxigraph.NamedNode | pyoxigraph.Literal
) -> list[Row]:
    """Run a SELECT query with variables bound to terms (never spliced into the text)."""
    substitutions: Mapping[pyoxigraph.Variable, pyoxigraph.NamedNode | pyoxigraph.Literal] = {
        pyoxigraph.Variable(name): term for name, term in bindings.items()
    }
    solutions = store.query(query, use_default_graph_as_union=True, substitutions=substitutions)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
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
