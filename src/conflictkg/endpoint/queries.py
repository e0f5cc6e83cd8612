"""The named SPARQL queries the endpoint's own views run (never inline in a view).

Each query is a ``string.Template``; ``$resource`` / ``$graph`` are filled with an IRI that
:func:`fill` has validated and written in ``<…>`` form, so a request path can never inject
SPARQL. Results come back through the query backend like any client's query.
"""

from __future__ import annotations

from string import Template

import pyoxigraph

from conflictkg.vocab import PREFIXES

_PROLOGUE = "".join(
    f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("ckg", "oa", "rdfs", "dcterms", "skos", "owl")
)

# Does anything mention the resource (as subject or object)?
RESOURCE_EXISTS = Template(_PROLOGUE + "ASK { { $resource ?p ?o } UNION { ?s ?p $resource } }")

# The resource's description for RDF clients, CBD-like: its outgoing triples, its incoming
# triples, and the text spans it is attested by with their own properties.
RESOURCE_DESCRIPTION = Template(
    _PROLOGUE
    + """CONSTRUCT { $resource ?p ?o . ?s ?q $resource . ?span ?sp ?so . }
WHERE {
  { $resource ?p ?o }
  UNION { ?s ?q $resource }
  UNION { $resource ckg:attestedBy ?span . ?span ?sp ?so }
}"""
)

# Outgoing properties with a label for each object that has one.
RESOURCE_OUTGOING = Template(
    _PROLOGUE
    + """SELECT ?p ?o (SAMPLE(?l) AS ?label)
WHERE { $resource ?p ?o OPTIONAL { ?o rdfs:label|skos:prefLabel ?l } }
GROUP BY ?p ?o ORDER BY ?p ?o"""
)

# Incoming links: who points at the resource, and through which property.
RESOURCE_INCOMING = Template(
    _PROLOGUE
    + """SELECT ?s ?p (SAMPLE(?l) AS ?label)
WHERE { ?s ?p $resource OPTIONAL { ?s rdfs:label|skos:prefLabel ?l } }
GROUP BY ?s ?p ORDER BY ?p ?s"""
)

# The article quotes a resource comes from (ckg:attestedBy → oa:exact), with the article.
RESOURCE_ATTESTATIONS = Template(
    _PROLOGUE
    + """SELECT ?span ?exact ?start ?end ?article (SAMPLE(?t) AS ?title)
WHERE {
  $resource ckg:attestedBy ?span .
  ?span oa:exact ?exact .
  OPTIONAL { ?span oa:start ?start }
  OPTIONAL { ?span oa:end ?end }
  OPTIONAL { ?span ckg:inArticle ?article OPTIONAL { ?article dcterms:title|rdfs:label ?t } }
}
GROUP BY ?span ?exact ?start ?end ?article ORDER BY ?article ?start ?span"""
)

# Every triple of one named graph (the ontology's, for /ontology).
GRAPH_CONTENT = Template("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH $graph { ?s ?p ?o } }")
GRAPH_EXISTS = Template("ASK { GRAPH $graph { ?s ?p ?o } }")

# The terms an ontology graph declares, for the HTML list of terms.
ONTOLOGY_TERMS = Template(
    _PROLOGUE
    + """SELECT ?term (SAMPLE(?k) AS ?kind) (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
WHERE {
  GRAPH $graph {
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

# Size of every named graph, for the service description.
GRAPH_SIZES = """SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"""

# Size of the default graph as the endpoint presents it (the union of all graphs).
DEFAULT_GRAPH_SIZE = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"


def fill(template: Template, **iris: str) -> str:
    """The query with each named IRI validated and written as ``<iri>``.

    Raises ValueError for a string that is not an IRI (the caller answers 404).
    """
    return template.substitute({name: str(pyoxigraph.NamedNode(iri)) for name, iri in iris.items()})
