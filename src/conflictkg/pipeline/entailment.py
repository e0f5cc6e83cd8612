"""The inferred graph: what the ontology implies that a consumer of the data expects to find.

The build publishes ``https://w3id.org/conflictkg/graph/inferred`` beside the asserted
graphs, and merges it into the served default graph and the merged dumps, so that
``?e a ckg:Event`` finds every event and ``?x ckg:participant ?y`` every participant
without property paths. It holds, computed from the merge of every asserted graph (the
articles, their accounts, outside knowledge) and the ontology graph:

- superclass types: ``x a C`` and ``C rdfs:subClassOf+ D`` give ``x a D``, external
  superclasses the ontology declares (``prov:Agent``, ``geo:Feature``) included;
- super-properties: ``x p y`` and ``p rdfs:subPropertyOf+ q`` give ``x q y``;
- declared inverses: ``x p y`` and ``p owl:inverseOf q`` (either way round) give ``y q x``;
  an ``owl:SymmetricProperty`` is its own inverse;
- transitive closures: for each ``owl:TransitiveProperty`` (``ckg:locatedIn``,
  ``ckg:partOfEvent``, ``ckg:includedIn``, any the ontology adds), every ``x p z`` reachable
  through a chain of ``p`` — sub-properties and inverses of ``p`` included in the chain.

Only triples not already asserted are in the graph. Deliberately NOT inferred: types from
``rdfs:domain``/``rdfs:range`` (they would type a wrongly used value instead of letting
SHACL reject it, see ``shacl``), ``owl:equivalentClass``/``owl:equivalentProperty`` (the
ontology declares none between its own terms), and anything a full OWL reasoner would add
(HermiT checks consistency; its conclusions are not served). The result is the least set
closed under the rules above, so a consumer can rely on "if the ontology says so by one of
these rules, it is in the data".

Cost: linear in the data. The ontology's closures (superclasses, the property consequences
of each predicate) are computed once; the data is read once, subject by subject for the
transitive properties (a breadth-first search from each subject over that property's
edges). At 10^6 triples this takes a few seconds, mostly rdflib's own iteration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from conflictkg.pipeline.rdfio import each_triple, fill, new_graph

Triple = tuple[Node, Node, Node]
FORWARD, BACKWARD = True, False


class Rules:
    """The ontology's closures, computed once: superclasses and property consequences."""

    def __init__(self, ontology: Graph) -> None:
        self.superclasses = _closure(_named_pairs(ontology, RDFS.subClassOf))
        self.superproperties = _closure(_named_pairs(ontology, RDFS.subPropertyOf))
        inverses: dict[URIRef, set[URIRef]] = defaultdict(set)
        for p, q in _named_pairs(ontology, OWL.inverseOf):
            inverses[p].add(q)
            inverses[q].add(p)
        for symmetric in ontology.subjects(RDF.type, OWL.SymmetricProperty):
            if isinstance(symmetric, URIRef):
                inverses[symmetric].add(symmetric)
        self.inverses = dict(inverses)
        self.transitive = {
            p for p in ontology.subjects(RDF.type, OWL.TransitiveProperty) if isinstance(p, URIRef)
        }
        self._consequences: dict[URIRef, frozenset[tuple[URIRef, bool]]] = {}

    def consequences(self, predicate: URIRef) -> frozenset[tuple[URIRef, bool]]:
        """What ``s predicate o`` implies: (q, True) for ``s q o``, (q, False) for ``o q s``."""
        known = self._consequences.get(predicate)
        if known is not None:
            return known
        found: set[tuple[URIRef, bool]] = set()
        todo = [(predicate, FORWARD)]
        while todo:
            prop, direction = todo.pop()
            if (prop, direction) in found:
                continue
            found.add((prop, direction))
            todo += [(q, direction) for q in self.superproperties.get(prop, ())]
            todo += [(q, not direction) for q in self.inverses.get(prop, ())]
        found.discard((predicate, FORWARD))
        self._consequences[predicate] = frozenset(found)
        return self._consequences[predicate]


def _named_pairs(graph: Graph, predicate: URIRef) -> list[tuple[URIRef, URIRef]]:
    return [
        (s, o)
        for s, o in graph.subject_objects(predicate)
        if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o
    ]


def _closure(pairs: Iterable[tuple[URIRef, URIRef]]) -> dict[URIRef, frozenset[URIRef]]:
    """Each node's strict ancestors over the ``(child, parent)`` pairs (cycles tolerated)."""
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for child, parent in pairs:
        parents[child].add(parent)
    result: dict[URIRef, frozenset[URIRef]] = {}
    for start in parents:
        seen: set[URIRef] = set()
        todo = list(parents[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += parents.get(node, ())
        seen.discard(start)
        result[start] = frozenset(seen)
    return result


def infer(asserted: Graph, ontology: Graph) -> Graph:
    """The inferred graph of ``asserted`` (with ``ontology`` as data too): new triples only."""
    return as_graph(inferred_triples(asserted, ontology))


def inferred_triples(asserted: Graph, ontology: Graph) -> set[Triple]:
    """What :func:`infer` returns, as a set of triples (none of them in either graph)."""
    return inferred_from(each_triple(asserted), ontology)


def inferred_from(asserted: Iterable[Triple], ontology: Graph) -> set[Triple]:
    """:func:`inferred_triples` of the graph holding the ``asserted`` triples (a triple
    may come more than once: the build's events table infers from the files' triples,
    without their merged graph).

    The triples are read once into a set: a membership test in a Python set costs a
    fraction of one in an rdflib graph, and the rules test every triple they derive.
    """
    rules = Rules(ontology)
    known: set[Triple] = set(asserted)
    known.update(ontology)
    inferred: set[Triple] = set()
    # 1. property consequences of every asserted triple, and every triple of the
    #    transitive properties (asserted or implied) as edges
    edges: dict[URIRef, dict[Node, set[Node]]] = {p: defaultdict(set) for p in rules.transitive}
    # A predicate is looked up by its IRI as a plain string: rdflib's ``==`` on terms is
    # Python code, and the same IRI parsed from two files is two objects, so a dict keyed
    # by the terms called it for most of a million triples.
    as_str = str.__str__  # a term's IRI as a plain str, in C
    plans: dict[str, tuple[tuple[URIRef, bool, dict[Node, set[Node]] | None], ...]] = {}

    def imply(s: Node, p: URIRef, o: Node) -> None:
        key = as_str(p)
        plan = plans.get(key)
        if plan is None:  # each consequence with its edges when it is transitive
            plan = tuple((q, way, edges.get(q)) for q, way in rules.consequences(p))
            plans[key] = plan
        for q, forward, adjacency in plan:
            if not forward and isinstance(o, Literal):
                continue  # a literal cannot be a subject: no inverse of a datatype value
            triple = (s, q, o) if forward else (o, q, s)
            if adjacency is not None:
                adjacency[triple[0]].add(triple[2])
            if triple not in known:
                inferred.add(triple)

    type_iri = str(RDF.type)
    own_edges = {as_str(p): adjacency for p, adjacency in edges.items()}
    typings: list[tuple[Node, Node]] = []
    for s, p, o in known:  # imply adds to ``inferred`` and the edges, never to ``known``
        if not isinstance(p, URIRef):
            continue
        key = as_str(p)
        if key == type_iri:
            typings.append((s, o))
            continue
        adjacency = own_edges.get(key)
        if adjacency is not None:
            adjacency[s].add(o)
        imply(s, p, o)
    # 2. transitive closures, each new edge's own consequences, until nothing changes
    changed = True
    while changed:
        changed = False
        for prop, adjacency in edges.items():
            for start in list(adjacency):
                for reached in _reachable(adjacency, start):
                    triple = (start, prop, reached)  # a cycle gives (start, prop, start)
                    if reached in adjacency[start]:
                        continue
                    if triple not in known:
                        inferred.add(triple)
                    adjacency[start].add(reached)
                    changed = True
                    imply(start, prop, reached)
    # 3. superclass types of every type, asserted or (none today) inferred
    rdf_type = RDF.type
    typings += ((s, o) for s, p, o in inferred if as_str(p) == type_iri)
    superclasses = {as_str(c): parents for c, parents in rules.superclasses.items()}
    for s, cls in typings:
        if not isinstance(cls, URIRef):
            continue  # only an IRI is a class of the ontology's
        for parent in superclasses.get(as_str(cls), ()):
            triple = (s, rdf_type, parent)
            if triple not in known:
                inferred.add(triple)
    return inferred


def as_graph(triples: Iterable[Triple]) -> Graph:
    """The triples (each once) as a graph, added straight into its store's indexes
    (:func:`.rdfio.fill`; ``Graph.addN`` took half the step's time, keeping each
    triple's contexts)."""
    graph = new_graph()
    fill(graph, triples, distinct=True)
    return graph


def _reachable(adjacency: dict[Node, set[Node]], start: Node) -> set[Node]:
    """Every node reachable from ``start`` over one or more edges (breadth first)."""
    seen: set[Node] = set()
    frontier = list(adjacency.get(start, ()))
    while frontier:
        following: list[Node] = []
        for node in frontier:
            if node not in seen:
                seen.add(node)
                following += adjacency.get(node, ())
        frontier = following
    return seen
