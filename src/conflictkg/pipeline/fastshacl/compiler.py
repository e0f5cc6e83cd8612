"""Shapes graph -> SPARQL: one query per constraint, selecting the nodes that violate it.

A targeted shape's focus nodes are first written into a named graph (``FOCUS_GRAPH``), one
query per shape; each constraint's query then joins them. Nested shapes (``sh:node``,
``sh:or``, ``sh:qualifiedValueShape``) become SPARQL expressions that hold when a node
conforms. Anything the compiler does not implement is an error (``unsupported`` lists it
beforehand), never a constraint silently left out.

Semantics follow pySHACL with ``inference="none"``: class membership is
``rdf:type/rdfs:subClassOf*`` in the data graph (ontology included), sh:in compares terms,
an incomparable value fails an order constraint.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.vocab import SH

FOCUS_GRAPH = "urn:x-conflictkg:shacl:focus"
FOCUS_OF = "urn:x-conflictkg:shacl:focus-of"
# Oxigraph stores a valid literal of a type derived from xsd:integer as an xsd:integer, and
# SPARQL cannot tell an ill-typed literal from a good one: the loader writes each such triple
# into one of these graphs too (a derived type's graph is DERIVED_GRAPH + the type's IRI).
ILL_TYPED_GRAPH = "urn:x-conflictkg:shacl:ill-typed"
RETYPED_GRAPH = "urn:x-conflictkg:shacl:retyped"
DERIVED_GRAPH = "urn:x-conflictkg:shacl:datatype:"
INTEGER_DERIVED = {
    XSD.nonPositiveInteger,
    XSD.negativeInteger,
    XSD.long,
    XSD.int,
    XSD.short,
    XSD.byte,
    XSD.nonNegativeInteger,
    XSD.unsignedLong,
    XSD.unsignedInt,
    XSD.unsignedShort,
    XSD.unsignedByte,
    XSD.positiveInteger,
}

# Parameters of a shape that are no constraint (or are read with the constraint they belong to).
NON_CONSTRAINTS = {
    SH.path,
    SH.property,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.ignoredProperties,
    SH.flags,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}
# Constraint parameters that hold of each value node on their own.
VALUE_PARAMETERS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH.languageIn,
    SH["in"],
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
}
# Constraint parameters of a property shape that count or compare its values.
PROPERTY_PARAMETERS = {
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.disjoint,
    SH.equals,
    SH.qualifiedValueShape,
}
PAIR_PARAMETERS = {SH.lessThan, SH.lessThanOrEquals, SH.disjoint, SH.equals}
NODE_PARAMETERS = {SH.closed, SH.sparql}
SUPPORTED = VALUE_PARAMETERS | PROPERTY_PARAMETERS | NODE_PARAMETERS

COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
SHAPE_LINKS = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"])
SHAPE_LISTS = (SH["or"], SH["and"])

NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
ORDER = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}
INSTANCE = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


@dataclass(frozen=True)
class Check:
    """One constraint's query; each row is a result with these variables bound.

    ``?this`` is the focus node; ``?value`` and ``?path`` when the result has them.
    """

    shape: Node  # the source shape (a property shape for its own constraints)
    component: URIRef
    query: str
    constraint: Node | None = None  # the sh:SPARQLConstraint, for SHACL-SPARQL


@dataclass
class Plan:
    """The queries of a shapes graph: focus-node queries, then the checks."""

    focus: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


def shape_nodes(shapes: Graph) -> set[Node]:
    """Every shape of the graph: declared, targeted, or reached from another shape."""
    found: set[Node] = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.subjects(SH.path, None))
    for target in TARGETS:
        found |= set(shapes.subjects(target, None))
    todo = list(found)
    while todo:
        shape = todo.pop()
        reached = [o for link in SHAPE_LINKS for o in shapes.objects(shape, link)]
        for link in SHAPE_LISTS:
            for items in shapes.objects(shape, link):
                reached += list(Collection(shapes, items))
        for node in reached:
            if node not in found:
                found.add(node)
                todo.append(node)
    return found


def unsupported(shapes: Graph) -> list[str]:
    """What the shapes use that this compiler does not implement, one line each."""
    problems = set()
    for shape in shape_nodes(shapes):
        for parameter in set(shapes.predicates(shape, None)):
            if str(parameter).startswith(str(SH)) and parameter not in SUPPORTED | NON_CONSTRAINTS:
                problems.add(f"{parameter.n3(shapes.namespace_manager)}")
        for target in shapes.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in shapes:
                problems.add("sh:target that is not an sh:SPARQLTarget")
        for constraint in shapes.objects(shape, SH.sparql):
            if shapes.value(constraint, SH.select) is None:
                problems.add("sh:sparql without sh:select (sh:ask)")
            elif shapes.value(shape, SH.path) is not None:
                problems.add("sh:sparql on a property shape ($PATH)")
        if shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            problems.add("sh:qualifiedValueShapesDisjoint")
        if shapes.value(shape, SH.path) is not None and shapes.value(shape, SH.closed):
            problems.add("sh:closed on a property shape")
    return sorted(problems)


class Compiler:
    """Compiles one shapes graph; ``plan()`` gives every query."""

    def __init__(self, shapes: Graph, *, shapes_name: str = "shapes") -> None:
        self.shapes = shapes
        self.shapes_name = shapes_name
        self._names = itertools.count()
        self._shape_ids: dict[Node, int] = {}

    # -- terms and paths -----------------------------------------------------------------

    def fresh(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._names)}"

    @staticmethod
    def term(node: Node) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if isinstance(node, Literal):
            text = _string(str(node))
            if node.language:
                return f"{text}@{node.language}"
            if node.datatype is not None:
                return f"{text}^^<{node.datatype}>"
            return text
        raise ConflictKGError(f"cannot write {node!r} as a SPARQL term")

    def path(self, path: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        g = self.shapes
        if isinstance(path, URIRef):
            return f"<{path}>"
        if g.value(path, RDF.first) is not None:
            return "(" + "/".join(self.path(p) for p in Collection(g, path)) + ")"
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in Collection(g, alternatives)) + ")"
        for parameter, template in (
            (SH.inversePath, "(^{})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = g.value(path, parameter)
            if inner is not None:
                return template.format(self.path(inner))
        raise self.error(path, "is not a SHACL property path")

    def error(self, node: Node, text: str) -> ConflictKGError:
        return ConflictKGError(
            f"{self.shapes_name}: the SPARQL SHACL engine cannot use the shapes: "
            f"{self.name(node)} {text}"
        )

    def name(self, node: Node) -> str:
        """A shape as people know it: its name, or the shape that holds a blank one."""
        if not isinstance(node, BNode):
            return f"shape {node.n3(self.shapes.namespace_manager)}"
        owners = sorted(self.shapes.subjects(SH.property, node), key=str)
        if owners:
            return f"a property shape of {self.name(owners[0])}"
        return "an anonymous shape"

    def members(self, items: Node) -> list[Node]:
        return list(Collection(self.shapes, items))

    # -- expressions ---------------------------------------------------------------------

    def value_violation(
        self, parameter: URIRef, argument: Node, v: str, context: tuple[str, str] | None = None
    ) -> str:
        """A SPARQL expression that holds when the value node ``v`` violates the parameter.

        ``context`` is the focus variable and path ``v`` was reached by, if any.
        """
        if parameter == SH["class"]:
            return f"NOT EXISTS {{ {v} {INSTANCE} {self.term(argument)} }}"
        if parameter == SH.datatype:
            return f"!({self.has_datatype(argument, v, context)})"
        if parameter == SH.nodeKind:
            if argument not in NODE_KINDS:
                raise ConflictKGError(f"{self.shapes_name}: unknown sh:nodeKind {argument}")
            return "!" + NODE_KINDS[argument].format(v=v)  # type: ignore[index]
        if parameter in ORDER:
            return f"!COALESCE({v} {ORDER[parameter]} {self.term(argument)}, false)"
        if parameter == SH.minLength:
            return f"(isBlank({v}) || STRLEN(STR({v})) < {int(argument)})"  # type: ignore[call-overload]
        if parameter == SH.maxLength:
            return f"(isBlank({v}) || STRLEN(STR({v})) > {int(argument)})"  # type: ignore[call-overload]
        if parameter == SH.pattern:
            return f"(isBlank({v}) || !REGEX(STR({v}), {_string(str(argument))}{self._flags()}))"
        if parameter == SH.languageIn:
            tags = " || ".join(
                f"langMatches(LANG({v}), {_string(str(tag))})" for tag in self.members(argument)
            )
            return f"!COALESCE({tags or 'false'}, false)"
        if parameter == SH["in"]:
            options = " || ".join(f"sameTerm({v}, {self.term(o)})" for o in self.members(argument))
            return f"!({options or 'false'})"
        if parameter == SH.hasValue:
            return f"!sameTerm({v}, {self.term(argument)})"
        if parameter == SH.node:
            return f"!({self.conforms(argument, v)})"
        if parameter == SH["not"]:
            return self.conforms(argument, v)
        if parameter == SH["or"]:
            options = " || ".join(f"({self.conforms(s, v)})" for s in self.members(argument))
            return f"!({options or 'false'})"
        if parameter == SH["and"]:
            options = " && ".join(f"({self.conforms(s, v)})" for s in self.members(argument))
            return f"!({options or 'true'})"
        raise ConflictKGError(f"{self.shapes_name}: {parameter} is not a value constraint")

    _pattern_flags: str = ""

    def has_datatype(self, datatype: Node, v: str, context: tuple[str, str] | None) -> str:
        """``v`` is a well-typed literal of ``datatype`` (see ``ILL_TYPED_GRAPH``)."""
        if context is not None and context[1].startswith("<") and context[1].endswith(">"):
            triple = f"{context[0]} {context[1]} {v}"
        else:  # no triple to look up: any triple with this literal as its object
            triple = f"{self.fresh('s')} {self.fresh('p')} {v}"
        if datatype in INTEGER_DERIVED:
            return f"EXISTS {{ GRAPH <{DERIVED_GRAPH}{datatype}> {{ {triple} }} }}"
        check = f"isLiteral({v}) && DATATYPE({v}) = {self.term(datatype)}"
        check += f" && NOT EXISTS {{ GRAPH <{ILL_TYPED_GRAPH}> {{ {triple} }} }}"
        if datatype == XSD.integer:
            check += f" && NOT EXISTS {{ GRAPH <{RETYPED_GRAPH}> {{ {triple} }} }}"
        return check

    def _flags(self) -> str:
        return f", {_string(self._pattern_flags)}" if self._pattern_flags else ""

    def value_constraints(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        """The constraints that hold of each value node (of the focus itself in a node shape:
        there sh:hasValue is one of them)."""
        node_level = self.shapes.value(shape, SH.path) is None
        for parameter, argument in sorted(self.shapes.predicate_objects(shape), key=str):
            if parameter in VALUE_PARAMETERS or (node_level and parameter == SH.hasValue):
                yield parameter, argument  # type: ignore[misc]

    def conforms(self, shape: Node, x: str) -> str:
        """A SPARQL expression that holds when node ``x`` conforms to ``shape``."""
        if self.shapes.value(shape, SH.deactivated) == Literal(True):
            return "true"
        parts = []
        path = self.shapes.value(shape, SH.path)
        if path is None:
            for parameter, argument in self.value_constraints(shape):
                parts.append(self._flagged(shape, parameter, argument, x))
            if self.shapes.value(shape, SH.closed) == Literal(True):
                p, o = self.fresh("p"), self.fresh("o")
                parts.append(
                    f"EXISTS {{ {x} {p} {o} FILTER ({p} NOT IN ({self.allowed(shape)})) }}"
                )
            for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
                parts.append(f"!({self.conforms(prop, x)})")
        else:
            steps = self.path(path)
            for parameter, argument in self.value_constraints(shape):
                v = self.fresh()
                inner = self._flagged(shape, parameter, argument, v, (x, steps))
                parts.append(f"EXISTS {{ {x} {steps} {v} FILTER ({inner}) }}")
            for parameter, argument in self.property_constraints(shape):
                if parameter in PAIR_PARAMETERS:
                    v = self.fresh()
                    inner = self.pair_violation(parameter, argument, x, v)
                    parts.append(f"EXISTS {{ {x} {steps} {v} FILTER ({inner}) }}")
                else:
                    parts.append(self.focus_violation(shape, parameter, argument, x, steps))
        if self.shapes.value(shape, SH.sparql) is not None:
            raise self.error(shape, "has sh:sparql inside another shape: not supported")
        return "!(" + " || ".join(parts) + ")" if parts else "true"

    def _flagged(
        self,
        shape: Node,
        parameter: URIRef,
        argument: Node,
        v: str,
        context: tuple[str, str] | None = None,
    ) -> str:
        self._pattern_flags = str(self.shapes.value(shape, SH.flags) or "")
        try:
            return self.value_violation(parameter, argument, v, context)
        finally:
            self._pattern_flags = ""

    def focus_violation(
        self, shape: Node, parameter: URIRef, argument: Node, x: str, steps: str
    ) -> str:
        """An expression that holds when focus ``x`` violates a counting or comparing
        constraint of the property shape (any value: for the whole focus node)."""
        if parameter == SH.minCount:
            n = int(argument)  # type: ignore[call-overload]
            return f"!({self.at_least(n, x, steps)})" if n > 0 else "false"
        if parameter == SH.maxCount:
            return self.at_least(int(argument) + 1, x, steps)  # type: ignore[call-overload]
        if parameter == SH.hasValue:
            return f"NOT EXISTS {{ {x} {steps} {self.term(argument)} }}"
        if parameter == SH.qualifiedMinCount:
            qualified = self.shapes.value(shape, SH.qualifiedValueShape)
            n = int(argument)  # type: ignore[call-overload]
            return f"!({self.at_least(n, x, steps, qualified)})" if n > 0 else "false"
        if parameter == SH.qualifiedMaxCount:
            qualified = self.shapes.value(shape, SH.qualifiedValueShape)
            return self.at_least(int(argument) + 1, x, steps, qualified)  # type: ignore[call-overload]
        raise ConflictKGError(f"{self.shapes_name}: {parameter} is not a focus constraint")

    def property_constraints(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        """A property shape's counting and comparing constraints, each with its argument
        (sh:qualifiedValueShape is read through sh:qualifiedMinCount/MaxCount)."""
        for parameter in sorted(
            PROPERTY_PARAMETERS | {SH.qualifiedMinCount, SH.qualifiedMaxCount}, key=str
        ):
            if parameter == SH.qualifiedValueShape:
                continue
            for argument in sorted(self.shapes.objects(shape, parameter), key=str):
                yield parameter, argument  # type: ignore[misc]

    def pair_violation(self, parameter: URIRef, argument: Node, x: str, v: str) -> str:
        """For a value ``v`` of focus ``x``: it breaks lessThan/lessThanOrEquals/disjoint/equals."""
        w = self.fresh("w")
        other = self.term(argument)
        if parameter in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if parameter == SH.lessThan else "<="
            return f"EXISTS {{ {x} {other} {w} FILTER (!COALESCE({v} {op} {w}, false)) }}"
        if parameter == SH.disjoint:
            return f"EXISTS {{ {x} {other} {v} }}"
        if parameter == SH.equals:
            return f"NOT EXISTS {{ {x} {other} {v} }}"
        raise ConflictKGError(f"{self.shapes_name}: {parameter} is not a pair constraint")

    def at_least(self, n: int, x: str, steps: str, qualified: Node | None = None) -> str:
        """``x`` has at least ``n`` distinct values (conforming to ``qualified`` if given)."""
        values = [self.fresh() for _ in range(n)]
        patterns = " . ".join(f"{x} {steps} {v}" for v in values)
        filters = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(values, 2)]
        if qualified is not None:
            filters += [f"({self.conforms(qualified, v)})" for v in values]
        where = f" FILTER ({' && '.join(filters)})" if filters else ""
        return f"EXISTS {{ {patterns}{where} }}"

    def allowed(self, shape: Node) -> str:
        paths = [
            p
            for prop in self.shapes.objects(shape, SH.property)
            if isinstance(p := self.shapes.value(prop, SH.path), URIRef)
        ]
        ignored = self.shapes.value(shape, SH.ignoredProperties)
        if ignored is not None:
            paths += [p for p in self.members(ignored) if isinstance(p, URIRef)]
        return ", ".join(sorted({self.term(p) for p in paths})) or "<urn:x-none>"

    # -- top-level queries ---------------------------------------------------------------

    def shape_id(self, shape: Node) -> str:
        number = self._shape_ids.setdefault(shape, len(self._shape_ids))
        return f"<urn:x-conflictkg:shacl:shape:{number}>"

    def focus_pattern(self, shape: Node) -> str:
        return f"GRAPH <{FOCUS_GRAPH}> {{ ?this <{FOCUS_OF}> {self.shape_id(shape)} }}"

    def target_query(self, shape: Node) -> str | None:
        """The update that writes the shape's focus nodes into ``FOCUS_GRAPH``."""
        g = self.shapes
        branches = []
        classes = sorted(g.objects(shape, SH.targetClass), key=str)
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.append(shape)
        if classes:
            values = " ".join(self.term(c) for c in classes)
            branches.append(f"VALUES ?_class {{ {values} }} ?this {INSTANCE} ?_class .")
        nodes = sorted(g.objects(shape, SH.targetNode), key=str)
        if nodes:
            branches.append(f"VALUES ?this {{ {' '.join(self.term(n) for n in nodes)} }}")
        for p in sorted(g.objects(shape, SH.targetSubjectsOf), key=str):
            branches.append(f"?this {self.term(p)} [] .")
        for p in sorted(g.objects(shape, SH.targetObjectsOf), key=str):
            branches.append(f"[] {self.term(p)} ?this .")
        prologue = ""
        for target in sorted(g.objects(shape, SH.target), key=str):
            select = g.value(target, SH.select)
            if select is None:
                raise self.error(shape, "has an sh:target without sh:select")
            prologue += self.prefixes(target)
            branches.append(f"{{ {select} }}")
        if not branches:
            return None
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return (
            f"{prologue}INSERT {{ GRAPH <{FOCUS_GRAPH}> {{ ?this <{FOCUS_OF}> "
            f"{self.shape_id(shape)} }} }} WHERE {{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"
        )

    def prefixes(self, node: Node) -> str:
        lines = []
        for owner in self.shapes.objects(node, SH.prefixes):
            for declaration in self.shapes.objects(owner, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    lines.append(f"PREFIX {prefix}: <{namespace}>\n")
        return "".join(sorted(set(lines)))

    def checks(self, shape: Node) -> Iterator[Check]:
        """The queries of a targeted shape: its own constraints, then its property shapes'."""
        g = self.shapes
        focus = self.focus_pattern(shape)
        path = g.value(shape, SH.path)
        if path is None:
            for parameter, argument in self.value_constraints(shape):
                test = self._flagged(shape, parameter, argument, "?this")
                yield Check(
                    shape,
                    COMPONENT[parameter],
                    f"SELECT ?this (?this AS ?value) WHERE {{ {focus} FILTER ({test}) }}",
                )
            if g.value(shape, SH.closed) == Literal(True):
                yield Check(
                    shape,
                    SH.ClosedConstraintComponent,
                    f"SELECT ?this (?p AS ?path) ?value WHERE {{ {focus} ?this ?p ?value "
                    f"FILTER (?p NOT IN ({self.allowed(shape)})) }}",
                )
            for constraint in sorted(g.objects(shape, SH.sparql), key=str):
                if g.value(constraint, SH.deactivated) == Literal(True):
                    continue
                yield self.sparql_check(shape, constraint, focus)
            for prop in sorted(g.objects(shape, SH.property), key=str):
                if g.value(prop, SH.deactivated) != Literal(True):
                    yield from self.property_checks(prop, focus)
        else:
            yield from self.property_checks(shape, focus)

    def property_checks(self, prop: Node, focus: str) -> Iterator[Check]:
        g = self.shapes
        path = g.value(prop, SH.path)
        if path is None:
            raise self.error(prop, "is a property shape without sh:path")
        steps = self.path(path)
        for parameter, argument in self.value_constraints(prop):
            test = self._flagged(prop, parameter, argument, "?value", ("?this", steps))
            yield Check(
                prop,
                COMPONENT[parameter],
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {steps} ?value "
                f"FILTER ({test}) }}",
            )
        for parameter, argument in self.property_constraints(prop):
            if parameter in PAIR_PARAMETERS:
                test = self.pair_violation(parameter, argument, "?this", "?value")
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {steps} ?value "
                    f"FILTER ({test}) }}"
                )
            else:
                test = self.focus_violation(prop, parameter, argument, "?this", steps)
                query = f"SELECT ?this WHERE {{ {focus} FILTER ({test}) }}"
            yield Check(prop, COMPONENT[parameter], query)
        if g.value(prop, SH.node) is None and set(g.objects(prop, SH.property)):
            raise self.error(prop, "nests sh:property in a property shape: not supported")

    def sparql_check(self, shape: Node, constraint: Node, focus: str) -> Check:
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise self.error(shape, "has an sh:sparql constraint without sh:select")
        text = str(select)
        if re.search(r"^\s*(PREFIX|BASE)\b", text, re.IGNORECASE | re.MULTILINE):
            raise self.error(shape, "has SPARQL with its own PREFIX lines: use sh:prefixes")
        head = re.match(r"\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?(.*?)\s+WHERE\b", text, re.I | re.S)
        if head is None or not (re.search(r"[?$]this\b", head.group(2)) or head.group(2) == "*"):
            raise self.error(shape, "has an sh:sparql query that does not select $this")
        query = f"{self.prefixes(constraint)}SELECT * WHERE {{ {focus} {{ {text} }} }}"
        return Check(shape, SH.SPARQLConstraintComponent, query, constraint)

    def plan(self) -> Plan:
        """Every query, for every shape with a target."""
        problems = unsupported(self.shapes)
        if problems:
            raise ConflictKGError(
                f"{self.shapes_name}: the SPARQL SHACL engine cannot use the shapes: it does "
                f"not implement {', '.join(problems)} (`--shacl-engine pyshacl` does)"
            )
        plan = Plan()
        for shape in sorted(shape_nodes(self.shapes), key=lambda n: n.n3()):
            if self.shapes.value(shape, SH.deactivated) == Literal(True):
                continue
            update = self.target_query(shape)
            if update is None:
                continue
            plan.focus.append(update)
            plan.checks += list(self.checks(shape))
        return plan


def _string(text: str) -> str:
    """A SPARQL string literal."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def is_blank(node: Node) -> bool:
    return isinstance(node, BNode)
