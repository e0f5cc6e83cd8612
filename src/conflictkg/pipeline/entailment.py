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
of each predicate) are computed once; the data is read once, as numbers into a table of
its terms (:func:`inferred_numbered`: a set of rdflib terms hashes each term in Python),
grouped by predicate, and subject by subject for the transitive properties (a
breadth-first search from each subject over that property's edges). At 10^6 triples this
takes about three seconds, half of it reading the triples into a set.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, groupby
from operator import itemgetter

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from conflictkg.pipeline import rdfio
from conflictkg.pipeline.rdfio import each_triple, fill, new_graph

Triple = tuple[Node, Node, Node]
Parcel = tuple[list[tuple[str, ...]], Sequence[int]]
"""Triples as plain data: a table of term keys, then three numbers into it per triple."""
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
    may come more than once), as rdflib terms: numbered (:func:`.rdfio.pack_triples`),
    inferred by :func:`inferred_numbered`, and made back into terms."""
    table, flat = rdfio.pack_triples(asserted)
    return inferred_numbered([(table, [([], flat)])], ontology).as_triples()


@dataclass
class Numbered:
    """Triples as numbers into a table of term keys (:func:`.rdfio.term_key`): a term is
    its number, so sets and dicts of them hash in C, where hashing an rdflib term runs
    Python code (most of the inference's time when it read rdflib terms)."""

    keys: list[tuple[str, ...]]
    triples: set[tuple[int, int, int]]
    # what the inference read, when it came from packs (:func:`inferred_numbered`): every
    # asserted triple once (the ontology's too), and each packed graph's triples as it
    # came, in the order of the packs and their graphs (the ontology's last, apart)
    asserted: set[tuple[int, int, int]] = field(default_factory=set)
    graphs: list[list[int]] = field(default_factory=list)

    def as_triples(self) -> set[Triple]:
        """The triples as rdflib terms (each IRI and literal the object this process
        already has, see :func:`.rdfio.terms_of`)."""
        used = sorted({n for triple in self.triples for n in triple})
        terms = dict(zip(used, rdfio.terms_of([self.keys[n] for n in used]), strict=True))
        return {(terms[s], terms[p], terms[o]) for s, p, o in self.triples}

    def parcel(self) -> Parcel:
        """Plain data for :class:`Inferred` in another process: the keys and the triples'
        numbers, three per triple."""
        return self.keys, array("q", chain.from_iterable(self.triples))


def inferred_numbered(packs: Iterable[rdfio.Packed], ontology: Graph) -> Numbered:
    """:func:`inferred_triples` of the graphs the ``packs`` hold (:func:`.rdfio.pack`: the
    incremental cache keeps each triples file so), read as numbers without making a term.

    Every triple is read once into a set (a triple may come from several files), and the
    rules test every triple they derive against it. The triples are grouped by predicate
    first (a sort in C), so that those of a predicate with no consequence (most of them)
    cost nothing more.
    """
    numbers, known, graphs = _numbered(packs, ontology)
    rules = Rules(ontology)

    def number(iri: URIRef) -> int:
        return numbers.setdefault(("I", str(iri)), len(numbers))

    transitive = {number(p) for p in rules.transitive}
    superclasses = {number(c): [number(p) for p in ps] for c, ps in rules.superclasses.items()}
    type_number = number(RDF.type)
    keys = list(numbers)  # numbered in order of insertion; the data's and ontology's terms
    kind = [key[0] for key in keys]  # "I" an IRI, "L" a literal, "B" a blank node
    inferred: set[tuple[int, int, int]] = set()
    # 1. property consequences of every asserted triple, and every triple of the
    #    transitive properties (asserted or implied) as edges
    edges: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in transitive}
    plans: dict[int, tuple[tuple[int, bool, dict[int, set[int]] | None], ...]] = {}

    def plan_of(p: int) -> tuple[tuple[int, bool, dict[int, set[int]] | None], ...]:
        plan = plans.get(p)
        if plan is None:  # each consequence with its edges when it is transitive
            consequences = rules.consequences(URIRef(keys[p][1]))
            plan = tuple((number(q), way, edges.get(number(q))) for q, way in consequences)
            plans[p] = plan
        return plan

    def imply(s: int, p: int, o: int) -> None:
        for q, forward, adjacency in plan_of(p):
            if not forward and kind[o] == "L":
                continue  # a literal cannot be a subject: no inverse of a datatype value
            triple = (s, q, o) if forward else (o, q, s)
            if adjacency is not None:
                adjacency[triple[0]].add(triple[2])
            if triple not in known:
                inferred.add(triple)

    typed: dict[int, list[int]] = defaultdict(list)  # class -> its instances
    predicate = itemgetter(1)
    for p, group in groupby(sorted(known, key=predicate), key=predicate):
        if kind[p] != "I":
            continue
        if p == type_number:
            for s, _, o in group:
                typed[o].append(s)
            continue
        adjacency = edges.get(p)
        if adjacency is not None:
            for s, _, o in group:
                adjacency[s].add(o)
                imply(s, p, o)
        elif plan_of(p):  # imply adds to ``inferred`` and the edges, never to ``known``
            for s, _, o in group:
                imply(s, p, o)
    # 2. transitive closures, each new edge's own consequences, until nothing changes
    _close(edges, known, inferred, imply)
    # 3. superclass types of every type, asserted or (none today) inferred
    for s, p, o in inferred:
        if p == type_number:
            typed[o].append(s)
    for cls, instances in typed.items():
        if kind[cls] != "I":
            continue  # only an IRI is a class of the ontology's
        for parent in superclasses.get(cls, ()):
            inferred.update({(s, type_number, parent) for s in instances} - known)
    return Numbered(list(numbers), inferred, known, graphs)  # with any term numbered since


def _numbered(
    packs: Iterable[rdfio.Packed], ontology: Graph
) -> tuple[dict[tuple[str, ...], int], set[tuple[int, int, int]], list[list[int]]]:
    """Every term of the ``packs`` and the ``ontology`` numbered (key -> number, in order
    of insertion), every triple once as numbers (the ontology is data too), and each
    packed graph's triples as numbers, in turn."""
    numbers: dict[tuple[str, ...], int] = {}
    graphs: list[list[int]] = []
    for table, packed in packs:
        local = [numbers.setdefault(key, len(numbers)) for key in table]
        renumber = local.__getitem__
        graphs += [list(map(renumber, triples)) for _, triples in packed]
    flat = list(chain.from_iterable(graphs))
    for terms in ontology:
        flat.extend(numbers.setdefault(rdfio.term_key(term), len(numbers)) for term in terms)
    return numbers, set(zip(flat[0::3], flat[1::3], flat[2::3], strict=True)), graphs


def _close(
    edges: dict[int, dict[int, set[int]]],
    known: set[tuple[int, int, int]],
    inferred: set[tuple[int, int, int]],
    imply: Callable[[int, int, int], None],
) -> None:
    """Close each transitive property's ``edges`` (property -> subject -> objects): every
    new edge is inferred (unless known) and its consequences implied, until nothing
    changes (``imply`` may add edges)."""
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


class Inferred:
    """The inferred graph as the build reads it for its record and its catalogue: its
    triples as numbers (:meth:`Numbered.parcel`), looked up by term.

    The events table's child infers the graph and hands it over in this form: made into
    an rdflib graph, its 362,447 triples at 10^6 cost the build two seconds (the terms
    made again, then three indexes) for a few lookups. Here each predicate's subjects and
    objects are read into two columns of numbers when first asked about.
    """

    def __init__(self, keys: list[tuple[str, ...]], flat: Sequence[int]) -> None:
        numbers = dict(zip(keys, range(len(keys)), strict=True))  # built in C
        if len(numbers) != len(keys):  # two numbers for one term: each takes one of them
            canonical = [numbers[key] for key in keys]
            flat = [canonical[n] for n in flat]
        self._keys, self._numbers = keys, numbers
        self._flat = flat
        self._predicates = set(flat[1::3])
        # made on first use, kept by the predicate's term, which the catalogue asks about
        # for every event: its subjects and objects in two columns, and by subject
        self._columns: dict[Node, tuple[list[int], list[int]]] = {}
        self._by_subject: dict[Node, dict[int, list[int]]] = {}

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> Inferred:
        """The inferred graph of ``triples`` (each once), as rdflib terms."""
        return cls(*rdfio.pack_triples(triples))

    def __len__(self) -> int:
        return len(self._flat) // 3

    def _number(self, term: Node) -> int | None:
        return self._numbers.get(rdfio.term_key(term))

    def _terms(self, numbers: Iterable[int]) -> list[Node]:
        """The terms of ``numbers`` (each IRI and literal one object, see
        :func:`.rdfio.terms_of`)."""
        return rdfio.terms_of([self._keys[n] for n in numbers])

    def _pairs(self, predicate: Node) -> tuple[list[int], list[int]]:
        """The subjects and the objects of ``predicate``'s triples, in two columns."""
        found = self._columns.get(predicate)
        if found is None:
            p = self._number(predicate)
            if p is None or p not in self._predicates:
                found = ([], [])
            else:
                flat = self._flat
                mask = [q == p for q in flat[1::3]]
                found = (list(compress(flat[0::3], mask)), list(compress(flat[2::3], mask)))
            self._columns[predicate] = found
        return found

    def typings(self) -> Counter[Node]:
        """How many ``rdf:type`` triples name each class."""
        counted = Counter(self._pairs(RDF.type)[1])
        return Counter(dict(zip(self._terms(counted), counted.values(), strict=True)))

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        """The (subject, object) pairs of ``predicate``'s triples."""
        subjects, objects = self._pairs(predicate)
        terms = self._terms([n for pair in zip(subjects, objects, strict=True) for n in pair])
        return list(zip(terms[0::2], terms[1::2], strict=True))

    def subjects(self, predicate: Node, value: Node) -> list[Node]:
        """The subjects of ``predicate`` with ``value``."""
        subjects, objects = self._pairs(predicate)
        o = self._number(value) if subjects else None
        return self._terms(s for s, v in zip(subjects, objects, strict=True) if v == o)

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """The objects of ``subject``'s ``predicate``."""
        subjects, objects = self._pairs(predicate)
        if not subjects:  # most of what is asked: nothing to look up
            return []
        index = self._by_subject.get(predicate)
        if index is None:
            index = self._by_subject[predicate] = {}
            for s, o in zip(subjects, objects, strict=True):
                index.setdefault(s, []).append(o)
        number = self._number(subject)
        return self._terms(index.get(number, ())) if number is not None else []


def as_graph(triples: Iterable[Triple]) -> Graph:
    """The triples (each once) as a graph, added straight into its store's indexes
    (:func:`.rdfio.fill`; ``Graph.addN`` took half the step's time, keeping each
    triple's contexts)."""
    graph = new_graph()
    fill(graph, triples, distinct=True)
    return graph


def _reachable(adjacency: dict[int, set[int]], start: int) -> set[int]:
    """Every node reachable from ``start`` over one or more edges (breadth first)."""
    seen: set[int] = set()
    frontier = list(adjacency.get(start, ()))
    while frontier:
        following: list[int] = []
        for node in frontier:
            if node not in seen:
                seen.add(node)
                following += adjacency.get(node, ())
        frontier = following
    return seen
