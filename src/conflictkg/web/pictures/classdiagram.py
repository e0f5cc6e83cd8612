"""Class diagram of the ontology: its classes as an indented subclass tree, then its object
properties as ``domain —property→ range`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from conflictkg.pipeline.iris import curie, local_name
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.vocab import CKG
from conflictkg.web.links import href_for
from conflictkg.web.pictures.svg import document, el, link, num, text, text_width

ROW = 30.0
INDENT = 28.0
BOX_HEIGHT = 22.0
FONT_SIZE = 13.0
SMALL = 11.0
MARGIN = 16.0
CKG_NS = str(CKG._NS)


@dataclass
class OntologyClass:
    """A ``ckg:`` class, with its superclasses in ``ckg:`` and outside it (in query order)."""

    iri: str
    label: str
    parents: list[str]
    external_parents: list[str]


@dataclass(frozen=True)
class ObjectProperty:
    iri: str
    label: str
    domains: tuple[str, ...]
    ranges: tuple[str, ...]


def ontology_classes(store: QueryBackend) -> dict[str, OntologyClass]:
    """The ``ckg:`` classes by IRI, each with its named ckg and external superclasses."""
    classes: dict[str, OntologyClass] = {}
    rows = queries.select(store, queries.CLASSES)
    for row in rows:
        iri = row["class"].value
        label = row["label"].value if "label" in row else local_name(iri)
        entry = classes.setdefault(iri, OntologyClass(iri, label, [], []))
        entry.label = min(entry.label, label)
    for row in rows:
        if "super" not in row:
            continue
        iri, parent = row["class"].value, row["super"].value
        if parent == iri:
            continue
        target = classes[iri].parents if parent in classes else classes[iri].external_parents
        if parent not in target:
            target.append(parent)
    return classes


def object_properties(store: QueryBackend) -> list[ObjectProperty]:
    """The ``ckg:`` object properties with their (union-expanded) domains and ranges."""
    grouped: dict[str, tuple[str, set[str], set[str]]] = {}
    for row in queries.select(store, queries.OBJECT_PROPERTIES):
        iri = row["property"].value
        label = row["label"].value if "label" in row else local_name(iri)
        _, domains, ranges = grouped.setdefault(iri, (label, set(), set()))
        if "domain" in row:
            domains.add(row["domain"].value)
        if "range" in row:
            ranges.add(row["range"].value)
    return [
        ObjectProperty(iri, label, tuple(sorted(d)), tuple(sorted(r)))
        for iri, (label, d, r) in sorted(grouped.items(), key=lambda kv: local_name(kv[0]))
    ]


def _tree_rows(classes: dict[str, OntologyClass]) -> list[tuple[int, OntologyClass, str | None]]:
    """Depth-first rows ``(depth, class, parent)``; a class with two ckg parents appears under
    each, and a cycle (which a reasoner would reject anyway) is cut where it closes."""
    children: dict[str | None, list[OntologyClass]] = {}
    for cls in classes.values():
        parents: list[str | None] = list(cls.parents) or [None]
        for parent in parents:
            children.setdefault(parent, []).append(cls)
    for siblings in children.values():
        siblings.sort(key=lambda c: (local_name(c.iri).casefold(), c.iri))
    rows: list[tuple[int, OntologyClass, str | None]] = []

    def visit(cls: OntologyClass, depth: int, parent: str | None, path: frozenset[str]) -> None:
        rows.append((depth, cls, parent))
        for child in children.get(cls.iri, []):
            if child.iri not in path:
                visit(child, depth + 1, cls.iri, path | {child.iri})

    for root in children.get(None, []):
        visit(root, 0, None, frozenset({root.iri}))
    # Classes on a pure cycle have no root; show them at the top level rather than lose them.
    seen = {cls.iri for _, cls, _ in rows}
    for cls in sorted(classes.values(), key=lambda c: c.iri):
        if cls.iri not in seen:
            visit(cls, 0, None, frozenset({cls.iri}))
            seen |= {c.iri for _, c, _ in rows}
    return rows


def _name(iri: str, classes: dict[str, OntologyClass]) -> str:
    return local_name(iri) if iri in classes else curie(iri)


def _class_row(
    cls: OntologyClass,
    parent: str | None,
    x: float,
    top: float,
    classes: dict[str, OntologyClass],
    parent_top: float | None,
) -> tuple[list[str], float]:
    """One class of the tree: its connector to the parent's row, its linked box and the
    superclasses the tree does not show; and the width it needs."""
    body = []
    mid = top + BOX_HEIGHT / 2
    name = local_name(cls.iri)
    box_w = text_width(name, FONT_SIZE) + 16
    if parent_top is not None:
        px, py = x - INDENT + 10, parent_top + BOX_HEIGHT
        body.append(
            el("path", d=f"M{num(px)} {num(py)}V{num(mid)}H{num(x)}", stroke="#94a3b8", fill="none")
        )
    box = el(
        "rect", x=x, y=top, width=box_w, height=BOX_HEIGHT, rx=4, fill="#eff6ff", stroke="#2563eb"
    ) + el("text", text(name), x=x + 8, y=mid + 4.5, font_size=FONT_SIZE, fill="#0f172a")
    tip = cls.label
    if cls.external_parents or len(cls.parents) > 1:
        supers = [_name(p, classes) for p in cls.parents + cls.external_parents]
        tip += " — subclass of " + ", ".join(supers)
    body.append(link(href_for(cls.iri), box, title=tip, class_="class"))
    width = x + box_w + MARGIN
    notes = [curie(p) for p in cls.external_parents]
    notes += [local_name(p) for p in cls.parents if p != parent]
    if notes:
        note, note_x = "⊑ " + ", ".join(notes), x + box_w + 8
        body.append(el("text", text(note), x=note_x, y=mid + 4, font_size=SMALL, fill="#475569"))
        width = max(width, note_x + text_width(note, SMALL) + MARGIN)
    return body, width


def _property_line(
    prop: ObjectProperty, y: float, classes: dict[str, OntologyClass]
) -> tuple[str, str]:
    """``Domain —property→ Range``, the property linked to its documentation; and the
    line as plain text, to measure."""
    domain = " | ".join(_name(d, classes) for d in prop.domains) or "any"
    range_ = " | ".join(_name(r, classes) for r in prop.ranges) or "any"
    name = local_name(prop.iri)
    # One text element with tspans: the browser places the parts itself, so no
    # width estimate can make them overlap.
    arrow = link(
        href_for(prop.iri),
        el("tspan", text(f" —{name}→ "), fill="#1d4ed8", font_weight="bold"),
        title=f"{prop.label}: {domain} → {range_}",
        class_="property",
    )
    svg = el(
        "text",
        el("tspan", text(domain)) + arrow + el("tspan", text(range_)),
        x=MARGIN,
        y=y,
        font_size=SMALL + 1,
        fill="#334155",
    )
    return svg, f"{domain} —{name}→ {range_}"


def class_diagram_svg(store: QueryBackend) -> str:
    """SVG diagram of the ontology's classes (links of class ``class``) and object properties
    (links of class ``property``) to their entries in the ontology documentation."""
    classes = ontology_classes(store)
    properties = object_properties(store)
    y = MARGIN + 18
    body = [el("text", "Classes", x=MARGIN, y=y, font_size=15, font_weight="bold")]
    y += 14
    width = 480.0
    # The elbow connectors need each child's parent row; the latest row of the parent above
    # it is the one it hangs from.
    last_row_of: dict[str, float] = {}
    for depth, cls, parent in _tree_rows(classes):
        parent_top = last_row_of.get(parent) if parent is not None else None
        row, needed = _class_row(cls, parent, MARGIN + depth * INDENT, y, classes, parent_top)
        body += row
        width = max(width, needed)
        last_row_of[cls.iri] = y
        y += ROW
    if properties:
        y += 20
        body.append(
            el("text", "Object properties", x=MARGIN, y=y, font_size=15, font_weight="bold")
        )
        y += 10
        for prop in properties:
            y += 22
            svg, line = _property_line(prop, y, classes)
            body.append(svg)
            width = max(width, MARGIN + text_width(line, SMALL + 1, bold=True) + MARGIN)
    height = y + MARGIN + 8
    return document("classes", width, height, "Class diagram of the ontology", body)
