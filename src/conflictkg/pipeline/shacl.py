"""SHACL validation with pySHACL, its report turned into lines a person can act on.

Inference is ``none``: shapes list their target classes (and pySHACL follows
``rdfs:subClassOf`` of the ontology, which it mixes into the data graph). RDFS inference
would also apply ``rdfs:domain``/``rdfs:range``, typing every subject of ``ckg:memberOf``
a ``ckg:Person`` and so making every ``sh:class`` check on such a node pass vacuously.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.rdfio import short
from conflictkg.vocab import SH

INFERENCE = "none"


@dataclass(frozen=True, order=True)
class ShaclResult:
    """One ``sh:ValidationResult``, every part already written out for people."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str
    value: str
    shape: str
    component: str
    message: str

    def __str__(self) -> str:
        parts = [f"focus node {self.focus}"]
        if self.path:
            parts.append(f"path {self.path}")
        if self.value:
            parts.append(f"value {self.value}")
        parts.append(f"shape {self.shape}")
        text = ", ".join(parts) + f": {self.message or self.component}"
        return text if self.severity == "Violation" else f"[{self.severity}] {text}"


@dataclass(frozen=True)
class ShaclReport:
    results: tuple[ShaclResult, ...]

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        """No violations (warnings and infos do not fail a build)."""
        return not self.violations


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    *,
    shapes_name: str = "shapes",
    focus_nodes: set[Node] | None = None,
) -> ShaclReport:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``.

    With ``focus_nodes``, only the results about those nodes are kept (an incremental
    build validates the region of a change, whose edges are incomplete): the SPARQL
    engine validates only those of the targets' focus nodes, pySHACL every one and the
    others' results are dropped. A shapes graph pySHACL cannot use is an error naming
    ``shapes_name``.
    """
    report = run(data, shapes, ontology, shapes_name=shapes_name, focus_nodes=focus_nodes)
    return ShaclReport(tuple(sorted(_results(report, shapes, focus_nodes))))


def run(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    *,
    shapes_name: str = "shapes",
    inplace: bool = False,
    engine: str | None = None,
    focus_nodes: set[Node] | None = None,
) -> Graph:
    """The report graph for ``data``: pySHACL's, or the SPARQL engine's (the default; see
    ``conflictkg.pipeline.fastshacl.selection``). ``inplace`` lets pySHACL mix the ontology
    into ``data``. With ``focus_nodes`` the SPARQL engine validates only those of the
    focus nodes (pySHACL validates every one; :func:`validate` keeps their results only).
    """
    from conflictkg.pipeline.fastshacl import selection

    if selection.selected(engine) == selection.SPARQL:
        from conflictkg.pipeline.fastshacl import engine as fast

        return fast.report(data, shapes, ontology, shapes_name=shapes_name, focus=focus_nodes)
    import pyshacl  # slow to import (~0.7 s): only validation needs it
    from pyshacl.errors import ReportableRuntimeError

    try:
        _, report, text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology,
            inference=INFERENCE,
            advanced=True,
            abort_on_first=False,
            allow_warnings=True,
            inplace=inplace,
            do_owl_imports=False,
        )
    except ReportableRuntimeError as error:
        raise ConflictKGError(f"{shapes_name}: pySHACL cannot use the shapes: {error}") from None
    except RecursionError:
        raise ConflictKGError(
            f"{shapes_name}: pySHACL gave up: the shapes recurse too deeply"
        ) from None
    if not isinstance(report, Graph):  # pySHACL returns its failure instead of raising it
        raise ConflictKGError(f"{shapes_name}: pySHACL cannot use the shapes: {text}")
    return report


def _results(report: Graph, shapes: Graph, focus: set[Node] | None = None) -> list[ShaclResult]:
    results = []
    # Only the report's top-level results: pySHACL nests the results of value shapes
    # under sh:detail, and listing those too would report one violation twice.
    for result in report.objects(None, SH.result):
        if focus is not None and report.value(result, SH.focusNode) not in focus:
            continue
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        component = report.value(result, SH.sourceConstraintComponent)
        results.append(
            ShaclResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=short(report.value(result, SH.focusNode)),
                path=render_path(report, path) if path is not None else "",
                value=short(value) if value is not None else "",
                shape=describe_shape(shapes, report.value(result, SH.sourceShape)),
                component=short(component) if component is not None else "",
                message="; ".join(messages),
            )
        )
    return results


def render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL syntax (``^p``, ``p/q``, ``(p|q)``, ``p*``)."""
    if isinstance(path, URIRef):
        return short(path)
    if graph.value(path, RDF.first) is not None:
        return "/".join(render_path(graph, p) for p in Collection(graph, path))
    for prop, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, prop)
        if inner is not None:
            return template.format(render_path(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(render_path(graph, p) for p in Collection(graph, alternatives)) + ")"
    return short(path)


def describe_shape(shapes: Graph, shape: Node | None) -> str:
    """A shape's name; a blank property shape as ``<node shape> property <path>``."""
    if shape is None:
        return "(unknown shape)"
    if not isinstance(shape, BNode):
        return short(shape)
    path = shapes.value(shape, SH.path)
    rendered = render_path(shapes, path) if path is not None else "?"
    parents = sorted(shapes.subjects(SH.property, shape), key=lambda n: n.n3())
    if parents:
        return f"{describe_shape(shapes, parents[0])} property {rendered}"
    return f"anonymous shape on {rendered}"
