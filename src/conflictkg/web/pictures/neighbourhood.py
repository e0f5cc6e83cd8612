"""Neighbourhood of one resource: its direct neighbours on a circle around it, each edge
labelled with the property's local name and pointing the way the triple does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from conflictkg.pipeline.iris import local_name
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.vocab import CKG
from conflictkg.web.links import href_for
from conflictkg.web.pictures.svg import document, el, link, text, text_width, truncate

FONT_SIZE = 13.0
EDGE_FONT_SIZE = 11.0
LABEL_CHARS = 30
NODE_HEIGHT = 26.0
MAX_NEIGHBOURS = 24
ROW_GAP = 12.0
# The spans a resource comes from are shown as highlighted text, not as nodes.
HIDDEN_OUTGOING = {str(CKG.attestedBy)}


@dataclass
class Neighbour:
    """A resource linked to the centre, with the properties of its links each way."""

    iri: str
    label: str
    outgoing: list[str] = field(default_factory=list)
    incoming: list[str] = field(default_factory=list)

    @property
    def edge_label(self) -> str:
        parts = [local_name(p) for p in self.outgoing]
        parts += [f"{local_name(p)} (in)" for p in self.incoming if p not in self.outgoing]
        return ", ".join(dict.fromkeys(parts))


def label_of(store: QueryBackend, iri: str) -> str:
    """The display label of ``iri``, or its local name."""
    rows = queries.select(store, queries.LABEL, resource=iri)
    labels = sorted(r["label"].value for r in rows if "label" in r)
    return labels[0] if labels else local_name(iri)


def neighbours(store: QueryBackend, iri: str) -> list[Neighbour]:
    """The IRIs linked to ``iri`` either way, one entry per neighbour with all its properties.

    Ordered: neighbours it points to first, then those pointing to it; each group by
    edge label, then label, then IRI.
    """
    found: dict[str, Neighbour] = {}
    for direction, query in (("out", queries.OUTGOING), ("in", queries.INCOMING)):
        for row in queries.select(store, query, resource=iri):
            other, prop = row["other"].value, row["property"].value
            if other == iri or (direction == "out" and prop in HIDDEN_OUTGOING):
                continue
            label = row["label"].value if "label" in row else local_name(other)
            entry = found.setdefault(other, Neighbour(other, label))
            entry.label = min(entry.label, label)
            (entry.outgoing if direction == "out" else entry.incoming).append(prop)
    return sorted(
        found.values(),
        key=lambda n: (not n.outgoing, n.edge_label, n.label.casefold(), n.iri),
    )


Point = tuple[float, float]
Box = tuple[float, float, float, float]


def _box(
    cx: float, cy: float, label: str, font_size: float, *, bold: bool = False
) -> tuple[float, float, float, float]:
    w = text_width(label, font_size, bold=bold) + 18
    return cx - w / 2, cy - NODE_HEIGHT / 2, w, NODE_HEIGHT


def _positions(centre_w: float, widths: list[float], edge_ws: list[float]) -> list[Point]:
    """Where each neighbour's box is centred, around the centre's box at (0, 0).

    Boxes are wide and short, so a plain circle makes them collide. Instead the first half
    of the neighbours goes down the right-hand side and the rest up the left-hand side
    (clockwise, as on a clock face), one row each, rows ROW_GAP apart, each node on an
    ellipse around the centre. A side never shares a row, and every node keeps its edge
    label's width clear of the middle, so nothing can overlap.
    """
    n = len(widths)
    right = (n + 1) // 2
    left = n - right
    spacing = NODE_HEIGHT + ROW_GAP
    ry = max(right - 1, 0) / 2 * spacing + spacing
    rx = centre_w / 2 + max(
        (w / 2 + e + 28 for w, e in zip(widths, edge_ws, strict=True)), default=0.0
    )
    positions = []
    for i in range(n):
        side, j, k = (1, i, right) if i < right else (-1, n - 1 - i, left)
        y = (j - (k - 1) / 2) * spacing
        along = rx * math.sqrt(max(0.0, 1 - (y / ry) ** 2))
        x = max(along, widths[i] / 2 + edge_ws[i] + 20)
        positions.append((side * x, y))
    return positions


_ARROW = el(
    "defs",
    el(
        "marker",
        el("path", d="M0 0L10 5L0 10z", fill="#64748b"),
        id="ckg-arrow",
        viewBox="0 0 10 10",
        refX=10,
        refY=5,
        markerWidth=8,
        markerHeight=8,
        orient="auto-start-reverse",
    ),
)


def _edge(nb: Neighbour, node: Point, box: Box, centre: Point, centre_box: Box) -> str:
    """The line from the centre to a neighbour (arrows by direction) and its label."""
    (nx, ny), (cx, cy) = node, centre
    on_right = nx > cx
    # Edges meet each node in the middle of the side that faces the centre.
    sx, sy = (nx - box[2] / 2, ny) if on_right else (nx + box[2] / 2, ny)
    ex, ey = _clip(cx, cy, sx, sy, centre_box)
    markers = {
        "marker_end": "url(#ckg-arrow)" if nb.outgoing else None,
        "marker_start": "url(#ckg-arrow)" if nb.incoming else None,
    }
    line = el("line", x1=ex, y1=ey, x2=sx, y2=sy, stroke="#94a3b8", stroke_width=1.5, **markers)
    # The label sits on the edge just before the node, in the node's own row.
    return line + el(
        "text",
        text(nb.edge_label),
        x=sx - 8 if on_right else sx + 8,
        y=sy - 5,
        font_size=EDGE_FONT_SIZE,
        text_anchor="end" if on_right else "start",
        fill="#334155",
        stroke="#ffffff",
        stroke_width=3,
        paint_order="stroke",
        class_="edge",
    )


def _node(nb: Neighbour, label: str, box: Box) -> str:
    """A neighbour's box, linked to its page."""
    bx, by, bw, bh = box
    shape = el("rect", x=bx, y=by, width=bw, height=bh, rx=6, fill="#eff6ff", stroke="#2563eb")
    shape += el(
        "text",
        text(label),
        x=bx + bw / 2,
        y=by + bh / 2 + 4,
        font_size=FONT_SIZE,
        text_anchor="middle",
        fill="#0f172a",
    )
    return link(href_for(nb.iri), shape, title=f"{nb.edge_label}: {nb.label}", class_="neighbour")


def _centre(label: str, box: Box, centre: Point) -> str:
    bx, by, bw, bh = box
    return el(
        "g",
        el("rect", x=bx, y=by, width=bw, height=bh, rx=6, fill="#1e3a8a")
        + el(
            "text",
            text(label),
            x=centre[0],
            y=centre[1] + 5,
            font_size=FONT_SIZE + 1,
            text_anchor="middle",
            fill="#ffffff",
            font_weight="bold",
        ),
        class_="centre",
    )


def _note(message: str, x: float, y: float, anchor: str | None = None, **extra: str) -> str:
    return el(
        "text",
        message,
        x=x,
        y=y,
        font_size=EDGE_FONT_SIZE,
        text_anchor=anchor,
        fill="#475569",
        **extra,
    )


def _shifted(box: Box, dx: float, dy: float) -> Box:
    return box[0] + dx, box[1] + dy, box[2], box[3]


def neighbourhood_svg(store: QueryBackend, iri: str, max_neighbours: int = MAX_NEIGHBOURS) -> str:
    """SVG of ``iri`` and its direct neighbours (at most ``max_neighbours``, the rest counted).

    Each neighbour is a link (class ``neighbour``) to its page.
    """
    everyone = neighbours(store, iri)
    shown = everyone[:max_neighbours]
    centre_label = truncate(label_of(store, iri), LABEL_CHARS + 10)
    labels = [truncate(nb.label, LABEL_CHARS) for nb in shown]
    positions = _positions(
        _box(0, 0, centre_label, FONT_SIZE + 1, bold=True)[2],
        [_box(0, 0, lab, FONT_SIZE)[2] for lab in labels],
        [text_width(nb.edge_label, EDGE_FONT_SIZE) for nb in shown],
    )
    # Lay out around (0, 0), then shift everything by the bounding box.
    boxes = [_box(0.0, 0.0, centre_label, FONT_SIZE + 1, bold=True)]
    boxes += [_box(x, y, lab, FONT_SIZE) for (x, y), lab in zip(positions, labels, strict=True)]
    min_x = min(b[0] for b in boxes) - 16
    min_y = min(b[1] for b in boxes) - 16
    width = max(b[0] + b[2] for b in boxes) + 16 - min_x
    height = max(b[1] + b[3] for b in boxes) + 16 - min_y
    height += 24.0 if len(everyone) > len(shown) else 0.0
    dx, dy = -min_x, -min_y
    centre_box = _shifted(boxes[0], dx, dy)
    body = [_ARROW]
    for nb, (x, y), box in zip(shown, positions, boxes[1:], strict=True):
        body.append(_edge(nb, (x + dx, y + dy), box, (dx, dy), centre_box))
    for nb, label, box in zip(shown, labels, boxes[1:], strict=True):
        body.append(_node(nb, label, _shifted(box, dx, dy)))
    body.append(_centre(centre_label, centre_box, (dx, dy)))
    if len(everyone) > len(shown):
        hidden = len(everyone) - len(shown)
        message = f"{hidden} more neighbour{'s' if hidden != 1 else ''} not shown"
        body.append(_note(message, 8, height - 8, class_="more"))
    if not shown:
        body.append(_note("no linked resources", width / 2, height - 4, "middle"))
        height += 8
    return document(
        "neighbourhood", width, height, f"Neighbourhood of {label_of(store, iri)}", body
    )


def _clip(
    x: float, y: float, from_x: float, from_y: float, box: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Where the segment from (from_x, from_y) to the centre (x, y) of ``box`` meets it."""
    half_w, half_h = box[2] / 2, box[3] / 2
    vx, vy = from_x - x, from_y - y
    if vx == 0 and vy == 0:
        return x, y
    t = min(
        half_w / abs(vx) if vx else math.inf,
        half_h / abs(vy) if vy else math.inf,
    )
    return x + vx * min(t, 1.0), y + vy * min(t, 1.0)
