"""Run the compiled shapes on an in-memory pyoxigraph store; write a pySHACL-shaped report.

The report graph has what ``conflictkg.shacl`` and ``conflictkg.views`` read from pySHACL's:
``sh:result`` nodes with focus node, result path (copied from the shapes graph), value,
source shape (the shapes graph's own node, blank or not), constraint component, severity,
sh:sourceConstraint for SHACL-SPARQL, and the messages, filled in as pySHACL fills them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.fastshacl.compiler import (
    DERIVED_GRAPH,
    FOCUS_GRAPH,
    ILL_TYPED_GRAPH,
    INTEGER_DERIVED,
    RETYPED_GRAPH,
    Check,
    Compiler,
)
from conflictkg.pipeline.rdfio import each_triple
from conflictkg.vocab import SH

# Said when a shape has no sh:message (every shape of ontology/ has one).
DEFAULT_MESSAGES = {
    SH.ClassConstraintComponent: "the value is not an instance of the class",
    SH.DatatypeConstraintComponent: "the value is not a well-formed literal of the datatype",
    SH.NodeKindConstraintComponent: "the value is not of the node kind",
    SH.MinCountConstraintComponent: "fewer values than sh:minCount",
    SH.MaxCountConstraintComponent: "more values than sh:maxCount",
    SH.PatternConstraintComponent: "the value does not match the pattern",
    SH.InConstraintComponent: "the value is not in the list",
    SH.NodeConstraintComponent: "the value does not conform to the node shape",
    SH.OrConstraintComponent: "the value conforms to none of the shapes",
    SH.ClosedConstraintComponent: "a property the closed shape does not allow",
    SH.QualifiedMinCountConstraintComponent: "too few values conform to the qualified shape",
    SH.SPARQLConstraintComponent: "the SPARQL constraint selected this node",
}


class Loader:
    """rdflib terms -> pyoxigraph terms and back; literals keep their exact form."""

    def __init__(self) -> None:
        self._to: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}
        self._blank_back: dict[str, BNode] = {}
        self._typed_strings: set[str] = set()  # lexical forms written "..."^^xsd:string

    def term(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        found = self._to.get(node)
        if found is not None:
            return found
        made: ox.NamedNode | ox.BlankNode | ox.Literal
        if isinstance(node, URIRef):
            made = ox.NamedNode(str(node))
        elif isinstance(node, BNode):
            made = ox.BlankNode()
            self._blank_back[made.value] = node
        elif isinstance(node, Literal):
            if node.language:
                made = ox.Literal(str(node), language=node.language)
            elif node.datatype is not None:
                if node.datatype == XSD.string:
                    self._typed_strings.add(str(node))
                made = ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
            else:
                made = ox.Literal(str(node))
        else:
            raise ConflictKGError(f"cannot validate the RDF term {node!r}")
        self._to[node] = made
        return made

    def back(self, term: object) -> Node:
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return self._blank_back.get(term.value, BNode(term.value))
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == str(XSD.string) and term.value not in self._typed_strings:
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(datatype))
        raise ConflictKGError(f"unexpected term in a SHACL result: {term!r}")

    def store(self, graphs: Iterable[Graph]) -> ox.Store:
        """An in-memory store whose default graph is the union of ``graphs``, with the
        datatype graphs the compiled checks read (``compiler.ILL_TYPED_GRAPH``)."""
        store = ox.Store()
        for graph in graphs:
            try:
                store.bulk_extend(self._quads(graph))
            except ValueError as error:
                raise ConflictKGError(f"cannot load the data to validate: {error}") from None
        return store

    def _quads(self, graph: Graph) -> Iterator[ox.Quad]:
        default = ox.DefaultGraph()
        ill_typed = ox.NamedNode(ILL_TYPED_GRAPH)
        retyped = ox.NamedNode(RETYPED_GRAPH)
        known, term = self._to, self.term
        for s, p, o in each_triple(graph):
            quad = ox.Quad(
                known.get(s) or term(s),  # type: ignore[arg-type]
                known.get(p) or term(p),  # type: ignore[arg-type]
                known.get(o) or term(o),
                default,
            )
            yield quad
            if isinstance(o, Literal) and o.datatype is not None:
                if o.ill_typed:
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, ill_typed)
                elif o.datatype in INTEGER_DERIVED:
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, retyped)
                    named = ox.NamedNode(DERIVED_GRAPH + str(o.datatype))
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, named)


def report(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    *,
    shapes_name: str = "shapes",
    focus: Collection[Node] | None = None,
) -> Graph:
    """The validation report of ``data`` (with ``ontology`` mixed in) against ``shapes``.

    With ``focus``, only those of the targets' focus nodes are validated (the others are
    taken out of ``FOCUS_GRAPH`` before any check runs), so the report holds the results
    about them only: the same results a whole report holds about them, since every check
    selects its ``?this`` from that graph and reads the data around it unchanged. An
    incremental build's region of a change has edges whose data is incomplete, and its
    nodes there fail checks whose results would be made only to be thrown away.
    """
    plan = Compiler(shapes, shapes_name=shapes_name).plan()
    loader = Loader()
    store = loader.store([data] if ontology is None else [data, ontology])
    for update in plan.focus:
        _run(store.update, update, shapes_name)
    if focus is not None:
        _keep_focus(store, {loader.term(node) for node in focus})
    out = Graph()
    report_node = BNode()
    out.add((report_node, RDF.type, SH.ValidationReport))
    conforms = True
    sources = [data] if ontology is None else [data, ontology]
    for check in plan.checks:
        rows = _run(store.query, check.query, shapes_name)
        assert isinstance(rows, ox.QuerySolutions)
        names = [v.value for v in rows.variables]
        for row in rows:
            bound = {name: loader.back(row[name]) for name in names if row[name] is not None}
            if "value" in bound:
                bound["value"] = _as_written(sources, bound, shapes.value(check.shape, SH.path))
            severity = shapes.value(check.shape, SH.severity) or SH.Violation
            conforms = conforms and severity != SH.Violation
            _add_result(out, report_node, shapes, check, bound, severity)
    out.add((report_node, SH.conforms, Literal(conforms)))
    return out


def _keep_focus(store: ox.Store, kept: set[object]) -> None:
    """Take every focus node not in ``kept`` out of ``FOCUS_GRAPH``."""
    graph = ox.NamedNode(FOCUS_GRAPH)
    dropped = [q for q in store.quads_for_pattern(None, None, None, graph) if q.subject not in kept]
    for quad in dropped:
        store.remove(quad)


def _as_written(sources: list[Graph], bound: dict[str, Node], path: Node | None) -> Node:
    """The value as the data writes it: Oxigraph gives numbers in canonical form ("95" for
    "95.0"), so a literal is looked up among the focus node's values on a simple path."""
    value = bound["value"]
    path = bound.get("path", path)
    if not isinstance(value, Literal) or not isinstance(path, URIRef):
        return value
    for graph in sources:
        for written in graph.objects(bound["this"], path):
            if written == value:
                return written
        for written in graph.objects(bound["this"], path):
            try:
                if isinstance(written, Literal) and written.eq(value):
                    return written
            except TypeError:
                continue
    return value


def _run(method, text: str, shapes_name: str):  # noqa: ANN001, ANN202
    try:
        return method(text)
    except (SyntaxError, ValueError, OSError) as error:
        raise ConflictKGError(
            f"{shapes_name}: SPARQL compiled from the shapes failed: {error}"
        ) from None


def _add_result(
    out: Graph,
    report_node: Node,
    shapes: Graph,
    check: Check,
    bound: dict[str, Node],
    severity: Node,
) -> None:
    result = BNode()
    out.add((report_node, SH.result, result))
    out.add((result, RDF.type, SH.ValidationResult))
    out.add((result, SH.resultSeverity, severity))
    out.add((result, SH.sourceShape, check.shape))
    out.add((result, SH.sourceConstraintComponent, check.component))
    focus = bound["this"]
    out.add((result, SH.focusNode, focus))
    value = bound.get("value")
    path = bound.get("path")
    if path is None:
        path = shapes.value(check.shape, SH.path)
        if path is not None:
            _copy_closure(shapes, path, out)
    if (
        check.constraint is not None
        and value is None
        and shapes.value(check.shape, SH.path) is None
    ):
        value = focus  # pySHACL: a node shape's SPARQL result without ?value is about the focus
    if value is not None:
        out.add((result, SH.value, value))
    if path is not None:
        out.add((result, SH.resultPath, path))
    messages = list(shapes.objects(check.shape, SH.message))
    if check.constraint is not None:
        out.add((result, SH.sourceConstraint, check.constraint))
        own = list(shapes.objects(check.constraint, SH.message))
        variables = {"this": focus, "path": path, "value": value} | {
            k: v for k, v in bound.items() if k not in ("this", "path", "value")
        }
        for message in own + messages:
            out.add((result, SH.resultMessage, Literal(_fill(str(message), variables))))
        return
    for message in messages:
        out.add((result, SH.resultMessage, message))
    if not messages:
        default = DEFAULT_MESSAGES.get(check.component, "constraint violated")
        out.add((result, SH.resultMessage, Literal(default)))


def _fill(message: str, variables: dict[str, Node | None]) -> str:
    """``{$this}``/``{?value}``… replaced by the bound terms (as pySHACL writes them)."""
    for name, term in variables.items():
        if term is not None:
            pattern = r"\{[?$]" + re.escape(name) + r"\}"
            message = re.sub(pattern, str(term).replace("\\", "\\\\"), message)
    return message


def _copy_closure(source: Graph, node: Node, target: Graph) -> None:
    """Copy a blank node's description (a SHACL path) so the report can render it."""
    todo = [node]
    seen: set[Node] = set()
    while todo:
        current = todo.pop()
        if not isinstance(current, BNode) or current in seen:
            continue
        seen.add(current)
        for s, p, o in source.triples((current, None, None)):
            target.add((s, p, o))
            todo.append(o)
