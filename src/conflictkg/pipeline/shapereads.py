"""Which predicates the SHACL shapes read only at the focus node itself.

A rebuild re-checks the *region* of its change (:func:`.incremental.region`): by default a
changed triple ``(s, p, o)`` may change the verdict of every node from which ``s`` lies
less than ``DEPTH`` links away, since a shape may follow a path of that length before it
reads ``p``. For most predicates that is needlessly wide. The shapes read
``ckg:attestedBy``, for instance, only from the node being validated (``sh:path
ckg:attestedBy``, ``$this ckg:attestedBy/...`` in SPARQL), and every place and actor an
article names holds a ``ckg:attestedBy`` to it: taken at the full depth, an added
article's hubs made most of a 10^6 corpus the region.

A predicate is *local* when every read of it by the shapes is from the focus node itself:
the first step of a property shape's path (or of an alternative there, or an inverse
path's one step, which reads the triples pointing at the node), the parameter of
``sh:equals``, ``sh:disjoint``, ``sh:lessThan(OrEquals)`` or ``sh:targetSubjectsOf`` /
``sh:targetObjectsOf``, or, in a SPARQL constraint or target, a triple pattern whose
subject is ``$this`` (the path's first step) or whose object is ``$this`` (the path's last
step). A changed triple of a local predicate can change the verdicts of its subject and
its object only (whose own shapes read it), and a rebuild re-checks just those.

The analysis errs one way only: whatever it cannot place makes predicates non-local (the
full depth, as before). A shape used as the value shape of another (``sh:node``,
``sh:qualifiedValueShape``, ``sh:or``... under a property shape, or a property shape's
own ``sh:property``) reads from nodes at least one link away: every predicate it reads is
non-local, and if it is closed, or its SPARQL has a variable predicate away from
``$this``, no predicate is local at all. Longer paths (``sh:zeroOrMorePath``...) make their
predicates non-local; so do ``rdf:type`` and the predicates the ontology declares
transitive or names in a property chain or key (HermiT follows those further than one
link; see :mod:`.incremental`). SHACL runs without inference here
(:data:`.shacl.INFERENCE`), so no domain or range adds a triple behind the shapes' back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, SH
from rdflib.paths import AlternativePath, InvPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node, Variable

# a value shape (or list of them) under a property shape: applied to the values
_VALUE_SHAPES = (SH.node, SH.qualifiedValueShape, SH["not"], SH.property)
_VALUE_SHAPE_LISTS = (SH["or"], SH["and"], SH.xone)
# parameters naming a predicate read from the focus node
_FOCUS_PREDICATES = (
    SH.equals,
    SH.disjoint,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
)
_LONG_PATHS = (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)
_VALIDATORS = (SH.validator, SH.nodeValidator, SH.propertyValidator)
_SHAPE_PARAMETERS = (
    SH.path,
    SH.property,
    SH.sparql,
    SH.target,
    SH.targetClass,
    SH.targetNode,
    SH.closed,
    *_VALUE_SHAPES,
    *_VALUE_SHAPE_LISTS,
    *_FOCUS_PREDICATES,
)
THIS = Variable("this")


class _ReadsEverything(Exception):
    """A pattern that reads every predicate (a negated path)."""


class _Reads:
    """What the walk found: predicates read at the focus node, those read elsewhere, and
    whether anything read every predicate away from the focus node."""

    def __init__(self) -> None:
        self.at_focus: set[URIRef] = set()
        self.elsewhere: set[URIRef] = set()
        self.anything_elsewhere = False

    def local(self) -> set[URIRef]:
        if self.anything_elsewhere:
            return set()
        return self.at_focus - self.elsewhere


def local_predicates(shapes: Graph, ontology: Graph) -> frozenset[URIRef]:
    """The predicates the ``shapes`` read only at the focus node (see the module)."""
    reads = _Reads()
    if any((None, predicate, None) in shapes for predicate in _VALIDATORS):
        return frozenset()  # constraint components of the shapes' own: not read here
    nested = _nested_shapes(shapes)
    for shape in _shapes(shapes):
        _shape_reads(shapes, shape, reads, away=shape in nested)
    local = reads.local() - {RDF.type}
    local -= set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
    for predicate in (OWL.propertyChainAxiom, OWL.hasKey):
        for _, value in ontology.subject_objects(predicate):
            local -= {m for m in _members(ontology, value) if isinstance(m, URIRef)}
    for chained, _ in ontology.subject_objects(OWL.propertyChainAxiom):
        local.discard(chained)  # type: ignore[arg-type]
    return frozenset(local)


def _shapes(shapes: Graph) -> set[Node]:
    """Every node shape and property shape of the graph (whether targeted or not: a shape
    counted at the focus node that no target selects reads nothing, so no harm)."""
    found: set[Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    for predicate in _SHAPE_PARAMETERS:  # a shape needs no rdf:type to be one
        found |= set(shapes.subjects(predicate, None))
    for predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        found |= set(shapes.objects(None, predicate))
    for predicate in _VALUE_SHAPE_LISTS:
        for value in shapes.objects(None, predicate):
            found |= set(_members(shapes, value))
    return found


def _nested_shapes(shapes: Graph) -> set[Node]:
    """The shapes applied to nodes one link or more from a focus node: the value shapes of
    property shapes, and every shape those use in turn (at any depth)."""
    todo: list[Node] = []
    for shape in set(shapes.subjects(SH.path, None)):
        todo += list(_used_by(shapes, shape))
    nested: set[Node] = set()
    while todo:  # what a nested shape uses (its properties included) is nested too
        shape = todo.pop()
        if shape not in nested:
            nested.add(shape)
            todo += list(_used_by(shapes, shape))
    return nested


def _used_by(shapes: Graph, shape: Node) -> Iterator[Node]:
    """The shapes ``shape`` refers to (value shapes, logical members, nested properties)."""
    for predicate in _VALUE_SHAPES:
        yield from shapes.objects(shape, predicate)
    for predicate in _VALUE_SHAPE_LISTS:
        for value in shapes.objects(shape, predicate):
            yield from _members(shapes, value)


def _members(graph: Graph, node: Node) -> list[Node]:
    """The members of an RDF list (none when ``node`` is not one)."""
    if node == RDF.nil or (node, RDF.first, None) in graph:
        return list(Collection(graph, node))
    return []


def _shape_reads(shapes: Graph, shape: Node, reads: _Reads, *, away: bool) -> None:
    """Record what one shape reads; ``away``: it is applied one link or more from a focus."""
    if away and (shape, SH.closed, None) in shapes:
        if any(shapes.objects(shape, SH.closed)):  # a closed shape reads every predicate
            reads.anything_elsewhere = True
    for path in shapes.objects(shape, SH.path):
        _path_reads(shapes, path, reads, away=away)
    for predicate in _FOCUS_PREDICATES:
        for value in shapes.objects(shape, predicate):
            if isinstance(value, URIRef):
                (reads.elsewhere if away else reads.at_focus).add(value)
    for constraint in shapes.objects(shape, SH.sparql):
        _sparql_reads(shapes, constraint, reads, away=away)
    for target in shapes.objects(shape, SH.target):
        _sparql_reads(shapes, target, reads, away=away)


def _path_reads(shapes: Graph, path: Node, reads: _Reads, *, away: bool) -> None:
    """A property shape's path: its first step is read at the focus node, the rest away."""
    steps = _members(shapes, path) or [path]
    for index, step in enumerate(steps):
        at_focus = index == 0 and not away
        for predicate, direct in _step_predicates(shapes, step):
            (reads.at_focus if at_focus and direct else reads.elsewhere).add(predicate)


def _step_predicates(shapes: Graph, step: Node) -> Iterator[tuple[URIRef, bool]]:
    """The predicates of one step of a path, each with whether it is read at the step's
    start node (an IRI, an alternative of them, an inverse of one; a longer path is not)."""
    if isinstance(step, URIRef):
        yield step, True
        return
    for inverse in shapes.objects(step, SH.inversePath):
        if isinstance(inverse, URIRef):
            yield inverse, True
        else:
            yield from ((p, False) for p in _all_predicates(shapes, inverse))
    for alternatives in shapes.objects(step, SH.alternativePath):
        for member in _members(shapes, alternatives):
            yield from _step_predicates(shapes, member)
    for long in _LONG_PATHS:
        for inner in shapes.objects(step, long):
            yield from ((p, False) for p in _all_predicates(shapes, inner))
    if _members(shapes, step):  # a sequence inside a step
        yield from ((p, False) for p in _all_predicates(shapes, step))


def _all_predicates(shapes: Graph, node: Node) -> set[URIRef]:
    """Every IRI in a path expression (its list members and nested path nodes)."""
    if isinstance(node, URIRef):
        return {node}
    found: set[URIRef] = set()
    for member in _members(shapes, node):
        found |= _all_predicates(shapes, member)
    for predicate in (SH.inversePath, SH.alternativePath, *_LONG_PATHS):
        for inner in shapes.objects(node, predicate):
            found |= _all_predicates(shapes, inner)
    return found


def _sparql_reads(shapes: Graph, node: Node, reads: _Reads, *, away: bool) -> None:
    """A SPARQL constraint's or target's query: its triple patterns read at ``$this``."""
    text = next(iter(shapes.objects(node, SH.select)), None)
    text = text if text is not None else next(iter(shapes.objects(node, SH.ask)), None)
    if text is None:
        return
    namespaces = {
        str(prefix): URIRef(str(namespace))
        for prefixes in shapes.objects(node, SH.prefixes)
        for declared in shapes.objects(prefixes, SH.declare)
        for prefix in shapes.objects(declared, SH.prefix)
        for namespace in shapes.objects(declared, SH.namespace)
    }
    try:
        algebra = prepareQuery(str(text), initNs=namespaces).algebra
    except Exception:  # noqa: BLE001 - a query this cannot read: nothing is local
        reads.anything_elsewhere = True
        return
    try:
        for s, p, o in triple_patterns(algebra):
            _pattern_reads(s, p, o, reads, away=away)
    except _ReadsEverything:
        reads.anything_elsewhere = True


def _pattern_reads(s: Node, p: object, o: Node, reads: _Reads, *, away: bool) -> None:
    """One triple pattern: a predicate read at ``$this`` is its path's first step from
    ``$this`` as subject, or its last step to ``$this`` as object."""
    if isinstance(p, InvPath):
        s, p, o = o, p.arg, s
    if isinstance(p, Variable):
        if away or THIS not in (s, o):
            reads.anything_elsewhere = True
        return
    steps = list(p.args) if isinstance(p, SequencePath) else [p]
    for index, step in enumerate(steps):
        at_focus = not away and (
            (index == 0 and s == THIS) or (index == len(steps) - 1 and o == THIS)
        )
        for predicate, direct in _sparql_step(step):
            (reads.at_focus if at_focus and direct else reads.elsewhere).add(predicate)


def _sparql_step(step: object) -> Iterator[tuple[URIRef, bool]]:
    """The predicates of one step of a SPARQL path, each with whether it is read at the
    step's start (as :func:`_step_predicates`); a negated path, at any depth of the step,
    reads every predicate."""
    if isinstance(step, URIRef):
        yield step, True
    elif isinstance(step, AlternativePath):
        for member in step.args:
            yield from _sparql_step(member)
    elif isinstance(step, InvPath) and isinstance(step.arg, URIRef):
        yield step.arg, True
    elif isinstance(step, Path):
        iris = path_iris(step)
        if iris is None:
            raise _ReadsEverything
        yield from ((p, False) for p in iris)


def path_iris(path: object) -> set[URIRef] | None:
    """Every IRI of a SPARQL path (rdflib's ``Path`` objects, or one IRI); None when a
    negated path anywhere in it (``!p``, ``(!p)*``, ``^(!p)``...) reads every predicate."""
    if isinstance(path, URIRef):
        return {path}
    if isinstance(path, NegatedPath):
        return None
    found: set[URIRef] = set()
    for name in ("args", "arg", "path"):
        inner = getattr(path, name, None)
        for part in inner if isinstance(inner, list) else [inner] if inner is not None else []:
            iris = path_iris(part)
            if iris is None:
                return None
            found |= iris
    return found


def triple_patterns(
    algebra: object, *, default_graph: bool = False
) -> Iterable[tuple[Node, object, Node]]:
    """Every triple pattern anywhere in a query's algebra (FILTER (NOT) EXISTS, OPTIONAL,
    MINUS and subqueries included); with ``default_graph``, only those outside ``GRAPH``
    blocks (the ones read from the default graph)."""
    found: list[tuple[Node, object, Node]] = []
    seen: set[int] = set()
    todo: list[object] = [algebra]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if default_graph and getattr(node, "name", None) == "Graph":
            continue
        if isinstance(node, dict):
            triples = node.get("triples")
            if isinstance(triples, list):
                found += [tuple(t) for t in triples if len(t) == 3]  # type: ignore[misc]
            todo += list(node.values())
        elif isinstance(node, (list, tuple, set)):
            todo += list(node)
    return found
