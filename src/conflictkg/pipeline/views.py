"""The view checks: rules that depend on which graph of a triples file a triple is in.

``ontology/shapes.ttl`` checks the merge of all asserted graphs, where a triple's graph is
lost. The account layout (``accounts``) adds rules about graphs, checked here:

- SHACL shapes in ``ontology/view-shapes.ttl``, each run on the view it names (``cks:view``):
  the backbones (no statement about the world outside an account), the account graphs (no
  types, labels or spans), the outside graphs (no article spans; the source named), and
  the article view (backbones + accounts: every resource typed there has a span — a
  resource typed only in outside graphs needs none);
- in Python, what SHACL cannot see from a union of graphs: every account graph is named
  ``<claim>/assertion`` and described by that claim in the same file's backbone, which has
  a claimant; every outside graph holds its ``ckg:OutsideKnowledge`` node pointing to it.

Cost: each view's shapes run ONCE, on the union of the view's graphs over all files, and
only on the triples those shapes can look at (``View.predicates``) plus the ontology (for
``rdfs:subClassOf*``); correct data gives views of a few thousand triples even at 10^6
triples in all. The offending triple is then looked up in the files to name each one.

Incrementally (:func:`check` with ``changed``, the changed files' new and last good
versions), each view is checked on its *focus*: the subjects of every triple of the
changed files, old and new. That is enough because every view shape reads only its focus
node's own triples in the view (its types from every graph, and the ontology's class
hierarchy and annotations): its targets are subjects of the view's triples, its paths one
link long, its SPARQL about ``$this ?p ?value``. A node outside the focus has the same
triples in every graph as in the last good build, which passed, so its verdict is the
same. :func:`shapes_read_own_triples` states that condition on the shapes, and the test
of this module holds ``ontology/view-shapes.ttl`` to it. The Python rules are per file
(``check_accounts``: the changed files) and per outside graph (``check_outside_nodes``:
the outside graphs the changed files hold, merged over every file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from conflictkg import project
from conflictkg.pipeline import shacl
from conflictkg.pipeline.accounts import (
    ASSERTION_GRAPH,
    ASSERTION_SUFFIX,
    OUTSIDE_KNOWLEDGE,
    REQUIRES_ACCOUNT,
    TriplesFile,
    claim_of,
    merged_outside,
)
from conflictkg.pipeline.rdfio import (
    each_triple,
    fill,
    new_graph,
    short,
    with_predicates,
)
from conflictkg.vocab import CKG, CKS, SH

VIEW_SHAPES_FILE = project.VIEW_SHAPES_FILE
Triple = tuple[Node, Node, Node]
VIEW = CKS.view


@dataclass(frozen=True)
class Place:
    """Where a graph of the view comes from: its file and, unless the backbone, its name."""

    file: Path
    graph: URIRef | None = None

    def __str__(self) -> str:
        return str(self.file) if self.graph is None else f"{self.file}, graph {short(self.graph)}"


@dataclass(frozen=True)
class View:
    name: str
    shapes_view: URIRef
    graphs: Callable[[TriplesFile], list[tuple[Place, Graph]]]
    predicates: Callable[[Graph], set[URIRef]] | None  # None: every triple
    with_types_of_all_graphs: bool = False
    with_ontology: bool = False  # its class hierarchy and ckg:requiresAccount annotations


def _backbone(file: TriplesFile) -> list[tuple[Place, Graph]]:
    return [(Place(file.path), file.backbone)]


def _accounts(file: TriplesFile) -> list[tuple[Place, Graph]]:
    return [(Place(file.path, name), graph) for name, graph in file.accounts.items()]


def _outside(file: TriplesFile) -> list[tuple[Place, Graph]]:
    return [(Place(file.path, name), graph) for name, graph in file.outside.items()]


def _article(file: TriplesFile) -> list[tuple[Place, Graph]]:
    return _backbone(file) + _accounts(file)


def _annotated(ontology: Graph) -> set[URIRef]:
    found = {
        p
        for p, v in ontology.subject_objects(REQUIRES_ACCOUNT)
        if isinstance(p, URIRef) and isinstance(v, Literal) and v.toPython() is True
    }
    return found | {RDF.type}


VIEWS = (
    View(
        "backbone",
        CKS.BackboneView,
        _backbone,
        _annotated,
        with_types_of_all_graphs=True,
        with_ontology=True,
    ),
    View("account", CKS.AccountView, _accounts, lambda _: {RDF.type, RDFS.label, CKG.attestedBy}),
    View("outside", CKS.OutsideView, _outside, None),
    View(
        "article",
        CKS.ArticleView,
        _article,
        lambda _: {RDF.type, CKG.attestedBy},
        with_ontology=True,
    ),
)


def shapes_of_view(shapes: Graph, view: URIRef) -> Graph:
    """The shapes of one view: each node shape marked ``cks:view`` with everything it
    reaches through blank nodes, and the ``sh:prefixes`` declarations its SPARQL uses."""
    result = new_graph()
    todo: list[Node] = list(shapes.subjects(VIEW, view))
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for s, p, o in shapes.triples((node, None, None)):
            result.add((s, p, o))
            if isinstance(o, BNode) or p == SH.prefixes:  # sh:declare lists are blank nodes
                todo.append(o)
    return result


def check(
    files: Sequence[TriplesFile],
    ontology: Graph,
    view_shapes: Graph,
    *,
    shapes_name: str,
    changed: Sequence[TriplesFile] | None = None,
) -> list[str]:
    """Every view problem, each naming the triple (or resource) and its file.

    With ``changed`` (the changed files as read now and at the last good build, which
    passed), only what they can affect is checked: see the module's docstring.
    """
    if changed is None:
        problems = check_accounts(files) + check_outside_nodes(files)
        focus = None
    else:
        stems = {file.stem for file in changed}
        problems = check_accounts([f for f in files if f.stem in stems])
        names = {name for file in changed for name in file.outside}
        problems += check_outside_nodes(files, names)
        focus = frozenset(
            s for file in changed for _, graph in file.graphs() for s in graph.subjects()
        )
        # only the triples about those nodes are read (and where a problem is, is where
        # they are): each file cut down to them once for every view, without making the
        # graphs of a file read back from the cache. The cut files hold nothing else, so
        # each view reads them whole: looking each focus node up again in every graph of
        # every file, for every view, was 156,000 lookups for an added article at 10^6.
        files = [cut for file in files if (cut := file.about(focus)) is not None]
    for view in VIEWS:
        problems += check_view(view, files, ontology, view_shapes, shapes_name=shapes_name)
    return problems


def check_view(
    view: View,
    files: Sequence[TriplesFile],
    ontology: Graph,
    view_shapes: Graph,
    *,
    shapes_name: str,
) -> list[str]:
    """The problems of one view, read from ``files`` (whole, or cut down to the nodes an
    incremental check is about: :meth:`.TriplesFile.about`)."""
    shapes = shapes_of_view(view_shapes, view.shapes_view)
    if not len(shapes):
        return []
    places = [pair for file in files for pair in view.graphs(file)]
    if not places:
        return []
    wanted = view.predicates(ontology) if view.predicates is not None else None
    found: list[Triple] = []
    for _, graph in places:
        found += _triples(graph, wanted)
    if view.with_types_of_all_graphs:
        for file in files:
            for _, graph in file.graphs():
                found += _triples(graph, {RDF.type})
    if view.with_ontology:
        found += _triples(ontology, {RDFS.subClassOf, REQUIRES_ACCOUNT})
    data = new_graph()
    fill(data, found)  # once, into the empty graph's indexes: Graph.add per triple costs 5x
    report = shacl.run(data, shapes, shapes_name=shapes_name, inplace=True)
    problems = []
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = str(report.value(result, SH.resultMessage) or "violation of a view shape")
        problems.append(_problem(message, focus, path, value, places))
    return sorted(set(problems))


def _triples(source: Graph, predicates: set[URIRef] | None) -> list[Triple]:
    """``source``'s triples of ``predicates`` (None: all)."""
    if predicates is None:
        return list(each_triple(source))
    return with_predicates(source, predicates)


def shapes_read_own_triples(view_shapes: Graph) -> list[str]:
    """Why a view shape may read more than its focus node's own triples (none: it reads
    only them, which the incremental check needs): a path longer than one link or
    inverse, a value shape or class (``sh:node``, ``sh:class``...), or SPARQL whose
    triple patterns do not all start at ``$this`` / ``?this`` or at an ontology term."""
    reasons = []
    for key in (SH.node, SH["class"], SH.qualifiedValueShape, SH["property"]):
        for shape, value in view_shapes.subject_objects(key):
            if key == SH["property"] and isinstance(view_shapes.value(value, SH.path), URIRef):
                continue
            reasons.append(f"{short(shape)} {short(key)} {short(value)}")
    for _, query in view_shapes.subject_objects(SH.select):
        for pattern in re.findall(r"[$?](\w+)\s+(?:[$?]|rdf:type|ckg:)", str(query)):
            if pattern not in ("this", "property", "path"):
                reasons.append(f"SPARQL pattern from ?{pattern}: {str(query).split()[:4]}")
    return reasons


def _problem(
    message: str,
    focus: Node | None,
    path: Node | None,
    value: Node | None,
    places: Iterable[tuple[Place, Graph]],
) -> str:
    what, _, todo = message.partition(": ")
    terms = [t for t in (focus, path, value) if t is not None]
    triple = " ".join(short(t) for t in terms)
    where = _places_of(focus, path, value, places)
    text = f"{what}: {triple} ({'; '.join(where) or 'no file'})"
    return text + (f": {todo}" if todo else "")


def _places_of(
    focus: Node | None,
    path: Node | None,
    value: Node | None,
    places: Iterable[tuple[Place, Graph]],
) -> list[str]:
    """The graphs holding the triple; failing that, those holding the focus node."""
    places = list(places)
    if value is not None and isinstance(path, URIRef):
        found = [str(place) for place, graph in places if (focus, path, value) in graph]
    else:  # a missing value: where the resource is typed
        found = [str(place) for place, graph in places if (focus, RDF.type, None) in graph]
    return found or [str(place) for place, graph in places if (focus, None, None) in graph]


def check_accounts(files: Sequence[TriplesFile]) -> list[str]:
    """Every account graph is described by its claim in the same file's backbone.

    The graph is named ``<claim>/assertion``; that claim has ``ckg:assertionGraph`` pointing
    to it and a ``ckg:claimant``. A claim's ``ckg:assertionGraph`` is always its own IRI +
    ``/assertion``.
    """
    problems = []
    for file in files:
        backbone = file.backbone
        for account in file.accounts:
            claim = claim_of(account)
            if (claim, ASSERTION_GRAPH, account) not in backbone:
                problems.append(
                    f"account graph with no describing claim: {short(account)} ({file.path}): "
                    f"the claim {short(claim)} must be in this file's default graph with "
                    f"ckg:assertionGraph {short(account)}"
                )
            elif backbone.value(claim, CKG.claimant) is None:
                problems.append(
                    f"account without a claimant: {short(claim)} ckg:assertionGraph "
                    f"{short(account)} ({file.path}): give the claim a ckg:claimant, who "
                    "makes it"
                )
        for owner, named in backbone.subject_objects(ASSERTION_GRAPH):
            if str(named) != f"{owner}{ASSERTION_SUFFIX}":
                problems.append(
                    f"account graph misnamed: {short(owner)} ckg:assertionGraph {short(named)} "
                    f"({file.path}): a claim's account graph is its own IRI + "
                    f"{ASSERTION_SUFFIX}"
                )
    return problems


def check_outside_nodes(
    files: Sequence[TriplesFile], names: set[URIRef] | None = None
) -> list[str]:
    """Every outside graph (merged over the files) holds the node that describes it; with
    ``names``, only those graphs."""
    problems = []
    if names is not None:
        files = [
            TriplesFile(
                f.path, f.backbone, outside={n: g for n, g in f.outside.items() if n in names}
            )
            for f in files
            if names.intersection(f.outside_names())
        ]
    for name, graph in merged_outside(files).items():
        nodes = [
            node
            for node in graph.subjects(ASSERTION_GRAPH, name)
            if (node, RDF.type, OUTSIDE_KNOWLEDGE) in graph
        ]
        if not nodes:
            where = "; ".join(str(file.path) for file in files if name in file.outside_names())
            problems.append(
                f"outside graph without its source: {short(name)} ({where}): the graph holds a "
                f"ckg:OutsideKnowledge node with ckg:assertionGraph {short(name)} and "
                "prov:wasDerivedFrom its source item"
            )
    return problems
