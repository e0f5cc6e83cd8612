"""Timeline of dated events: one row per event, a bar from its start to its end date.

When the events span many years but some fall in the last year before the article, the
axis gives that year more room (a broken scale), so that days and weeks stay visible next
to a war that began a decade earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyoxigraph

from conflictkg.pipeline.iris import local_name
from conflictkg.store import queries
from conflictkg.store.backend import QueryBackend
from conflictkg.web.links import href_for
from conflictkg.web.pictures.svg import document, el, link, num, text, text_width, truncate

WIDTH = 960.0
LABEL_COLUMN = 330.0
RIGHT_MARGIN = 24.0
ROW = 26.0
TOP = 58.0
BOTTOM = 28.0
FONT_SIZE = 13.0
LABEL_CHARS = 44
FOCUS_DAYS = 366
# Share of the plot given to the last year when the axis is broken.
FOCUS_SHARE = 0.55
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class TimelineEvent:
    iri: str
    label: str
    start: date
    end: date
    expression: str | None
    kind: str


def parse_date(literal: pyoxigraph.Literal) -> date | None:
    """An xsd:date (or the date part of a dateTime) as a date; None when malformed."""
    try:
        return date.fromisoformat(literal.value[:10])
    except ValueError:
        return None


def dated_events(store: QueryBackend, article: str | None = None) -> list[TimelineEvent]:
    """The events with a start date (of one article when given), sorted by start, end, IRI.

    An event with only an end date is left out; one with only a start date is one day long.
    """
    allowed: set[str] | None = None
    if article is not None:
        rows = queries.select(store, queries.ARTICLE_EVENTS, article=article)
        allowed = {r["event"].value for r in rows}
    found: dict[str, TimelineEvent] = {}
    for row in queries.select(store, queries.EVENTS):
        iri = row["event"].value
        if allowed is not None and iri not in allowed:
            continue
        start = parse_date(row["start"]) if "start" in row else None  # type: ignore[arg-type]
        if start is None:
            continue
        end = parse_date(row["end"]) if "end" in row else None  # type: ignore[arg-type]
        end = max(end or start, start)
        kind = local_name(row["type"].value) if "type" in row else "Event"
        label = row["label"].value if "label" in row else local_name(iri)
        expression = row["expression"].value if "expression" in row else None
        previous = found.get(iri)
        # An event typed both ckg:Event and a subclass keeps the subclass name.
        if previous is not None and (kind == "Event" or previous.kind != "Event"):
            continue
        found[iri] = TimelineEvent(iri, label, start, end, expression, kind)
    return sorted(found.values(), key=lambda e: (e.start, e.end, e.iri))


@dataclass(frozen=True)
class UndatedEvent:
    """An event the timeline cannot draw: the graph gives it no start date."""

    iri: str
    label: str
    expression: str | None


def undated_events(store: QueryBackend) -> list[UndatedEvent]:
    """The events without a (well-formed) start date, by label: listed beside the timeline."""
    dated = {e.iri for e in dated_events(store)}
    found: dict[str, UndatedEvent] = {}
    for row in queries.select(store, queries.EVENTS):
        iri = row["event"].value
        if iri in dated or iri in found:
            continue
        label = row["label"].value if "label" in row else local_name(iri)
        expression = row["expression"].value if "expression" in row else None
        found[iri] = UndatedEvent(iri, label, expression)
    return sorted(found.values(), key=lambda e: (e.label.casefold(), e.iri))


TICK_FONT = 12.0
TICK_GAP = 6.0


def readable_ticks(axis_ticks: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """The ticks whose centred labels do not overlap a label kept before them (left to
    right), with :data:`TICK_GAP` between labels: near the break of the scale a year of the
    context and the first months of the last year would otherwise collide."""
    kept: list[tuple[float, str]] = []
    right_edge = float("-inf")
    for x, name in sorted(axis_ticks):
        half = text_width(name, TICK_FONT) / 2
        if x - half < right_edge + TICK_GAP:
            continue
        kept.append((x, name))
        right_edge = x + half
    return kept


def article_date(store: QueryBackend, article: str | None = None) -> date | None:
    """The article's date, or the latest article date of the dataset."""
    dates = []
    for row in queries.select(store, queries.ARTICLES):
        if article is not None and row["article"].value != article:
            continue
        if "date" in row:
            parsed = parse_date(row["date"])  # type: ignore[arg-type]
            if parsed is not None:
                dates.append(parsed)
    return max(dates) if dates else None


class _Axis:
    """A piecewise-linear map from dates to x, with an optional break before a focus year."""

    def __init__(self, first: date, last: date, x0: float, x1: float) -> None:
        self.first, self.last = first, last
        focus_start = last - timedelta(days=FOCUS_DAYS)
        self.broken = focus_start > first + timedelta(days=2 * FOCUS_DAYS)
        if self.broken:
            split = x0 + (x1 - x0) * (1 - FOCUS_SHARE)
            self.pieces = [(first, focus_start, x0, split), (focus_start, last, split, x1)]
            self.focus_start: date | None = focus_start
        else:
            self.pieces = [(first, last, x0, x1)]
            self.focus_start = None

    def x(self, day: date) -> float:
        for d0, d1, x0, x1 in self.pieces:
            if day <= d1:
                span = max((d1 - d0).days, 1)
                return x0 + (x1 - x0) * max((day - d0).days, 0) / span
        return self.pieces[-1][3]

    def ticks(self) -> list[tuple[date, str]]:
        """Year ticks on the context part, month ticks on the focus part."""
        context_end = self.focus_start or self.last
        years = context_end.year - self.first.year + 1
        step = next(
            s for s in (1, 2, 5, 10, 20, 50, 100) if years / s <= (5 if self.broken else 10)
        )
        ticks = [
            (date(y, 1, 1), str(y))
            for y in range(self.first.year, context_end.year + 1, step)
            if self.first <= date(y, 1, 1) <= context_end
        ]
        if self.focus_start is not None:
            year, month = self.focus_start.year, self.focus_start.month
            while True:
                month += 1
                if month > 12:
                    year, month = year + 1, 1
                day = date(year, month, 1)
                if day > self.last:
                    break
                name = str(year) if month == 1 else MONTHS[month - 1]
                if month % 2 == 1 or month == 1:
                    ticks.append((day, name))
        return ticks


def _date_text(event: TimelineEvent) -> str:
    if event.start == event.end:
        dates = event.start.isoformat()
    else:
        dates = f"{event.start.isoformat()} – {event.end.isoformat()}"
    return f"{dates} ({event.expression})" if event.expression else dates


def _grid(axis: _Axis, plot_bottom: float) -> list[str]:
    """The plot's background, its ticks, and the mark where the scale changes."""
    x0, x1 = axis.pieces[0][2], axis.pieces[-1][3]
    body = [
        el(
            "rect",
            x=x0,
            y=TOP - 6,
            width=x1 - x0,
            height=plot_bottom - TOP + 6,
            fill="#f8fafc",
            stroke="#cbd5e1",
        )
    ]
    for x, name in readable_ticks([(axis.x(day), name) for day, name in axis.ticks()]):
        body.append(
            el("line", x1=x, y1=TOP - 12, x2=x, y2=plot_bottom, stroke="#e2e8f0")
            + el(
                "text",
                text(name),
                x=x,
                y=TOP - 16,
                font_size=TICK_FONT,
                text_anchor="middle",
                fill="#475569",
                class_="tick",
            )
        )
    if axis.focus_start is not None:
        x, base = axis.x(axis.focus_start), plot_bottom + 8
        # Two slanted strokes mark where the scale changes.
        body.append(
            el(
                "path",
                d=f"M{num(x - 5)} {num(base)}l6 -12M{num(x)} {num(base)}l6 -12",
                stroke="#64748b",
                fill="none",
            )
            + el(
                "text",
                "last 12 months, enlarged",
                x=x + 8,
                y=plot_bottom + 20,
                font_size=10,
                fill="#64748b",
                class_="axis-note",
            )
        )
    return body


def _publication(axis: _Axis, published: date, plot_bottom: float) -> str:
    """The dashed line of the article's date."""
    x = axis.x(published)
    return el(
        "line",
        x1=x,
        y1=TOP - 30,
        x2=x,
        y2=plot_bottom,
        stroke="#b91c1c",
        stroke_dasharray="4 3",
    ) + el(
        "text",
        f"article {text(published.isoformat())}",
        x=x,
        y=TOP - 34,
        font_size=11,
        text_anchor="end",
        fill="#b91c1c",
        class_="axis-note",
    )


def _event_row(axis: _Axis, event: TimelineEvent, y: float, chosen: bool) -> str:
    """One event's label and its mark (a bar, or a diamond when too short), as a link."""
    start_x, end_x = axis.x(event.start), axis.x(event.end + timedelta(days=1))
    colour = "#dc2626" if chosen else "#2563eb"
    if end_x - start_x < 7:
        cx = (start_x + end_x) / 2
        mark = el(
            "path", d=f"M{num(cx)} {num(y - 7)}l7 7l-7 7l-7 -7z", fill=colour, stroke="#1e3a8a"
        )
    else:
        mark = el(
            "rect",
            x=start_x,
            y=y - 6,
            width=end_x - start_x,
            height=12,
            rx=3,
            fill=colour,
            stroke="#1e3a8a",
        )
    label = el(
        "text",
        text(truncate(event.label, LABEL_CHARS)),
        x=LABEL_COLUMN,
        y=y + 4,
        font_size=FONT_SIZE,
        text_anchor="end",
        fill="#0f172a",
        font_weight="bold" if chosen else None,
    )
    # A full-width transparent row makes the whole line one generous click target.
    hit = el("rect", x=4, y=y - ROW / 2 + 1, width=WIDTH - 8, height=ROW - 2, fill="transparent")
    return link(
        href_for(event.iri),
        hit + label + mark,
        title=f"{event.label} ({event.kind}): {_date_text(event)}",
        class_="event",
    )


def timeline_svg(
    store: QueryBackend, article: str | None = None, highlight: str | None = None
) -> str:
    """SVG timeline of the dated events (of ``article`` when given), up to the article date.

    Each event is a link (class ``event``) to its resource page; ``highlight`` marks one
    event, for the page of that event.
    """
    events = dated_events(store, article)
    published = article_date(store, article)
    title = "Timeline of events"
    if not events:
        empty = [el("text", "No dated events.", x=20, y=34, font_size=FONT_SIZE, fill="#444")]
        return document("timeline", WIDTH, 56, title, empty)
    first = date(events[0].start.year, 1, 1)
    last = max([e.end for e in events] + ([published] if published else []))
    last = max(last, first + timedelta(days=30))
    axis = _Axis(first, last, LABEL_COLUMN + 16, WIDTH - RIGHT_MARGIN)
    plot_bottom = TOP + ROW * len(events)
    body = _grid(axis, plot_bottom)
    if published is not None:
        body.append(_publication(axis, published, plot_bottom))
    for i, event in enumerate(events):
        body.append(_event_row(axis, event, TOP + ROW * i + ROW / 2, event.iri == highlight))
    return document("timeline", WIDTH, plot_bottom + BOTTOM, title, body)
