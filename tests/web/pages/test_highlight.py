"""Cutting an article into highlight segments, and finding the sentence around a span."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conflictkg.web.pages.highlight import Span, matching_spans, segments, sentence_around

TEXT = "Forces took Riverton on Tuesday. Talks follow.\nNew line here."


def span(start: int, end: int, name: str = "") -> Span:
    return Span(name or f"s{start}-{end}", start, end, TEXT[start:end])


def test_nested_and_overlapping_spans_cut_the_text_at_every_boundary() -> None:
    outer, inner, crossing = span(0, 31), span(12, 20), span(24, 39)
    parts = segments(TEXT, [outer, inner, crossing])
    assert "".join(p.text for p in parts) == TEXT
    by_text = {p.text: p for p in parts}
    assert by_text["Riverton"].spans == (inner, outer), "narrowest span first"
    assert by_text["Tuesday"].spans == (crossing, outer)
    assert by_text[". Talks "].spans == (crossing,)
    assert by_text["Forces took "].innermost is outer
    assert by_text["Riverton"].depth == 2


def test_segment_labels_come_once_narrowest_first() -> None:
    outer, inner = span(0, 31), span(12, 20)
    outer.resources = [("a", "Army"), ("r", "Riverton")]
    inner.resources = [("r", "Riverton")]
    riverton = next(p for p in segments(TEXT, [outer, inner]) if p.text == "Riverton")
    assert riverton.labels == ["Riverton", "Army"]


def test_spans_whose_offsets_do_not_hold_their_text_are_set_apart() -> None:
    good = span(12, 20)
    moved = Span("moved", 13, 21, "Riverton")
    outside = Span("outside", 50, 500, "x")
    assert matching_spans(TEXT, [good, moved, outside]) == ([good], [moved, outside])


@given(st.lists(st.tuples(st.integers(0, len(TEXT)), st.integers(0, len(TEXT))), max_size=12))
def test_segments_always_rebuild_the_text(pairs: list[tuple[int, int]]) -> None:
    spans = [span(min(a, b), max(a, b)) for a, b in pairs if a != b]
    parts = segments(TEXT, spans)
    assert "".join(p.text for p in parts) == TEXT
    position = 0
    for part in parts:
        end = position + len(part.text)
        assert all(s.start <= position and end <= s.end for s in part.spans)
        covering = [s for s in spans if s.start <= position and end <= s.end]
        assert len(part.spans) == len(covering)
        position = end


def test_sentence_around_a_span() -> None:
    start = TEXT.index("Riverton")
    assert sentence_around(TEXT, start, start + 8) == (
        "Forces took ",
        "Riverton",
        " on Tuesday.",
    )
    start = TEXT.index("Talks")
    assert sentence_around(TEXT, start, start + 5) == ("", "Talks", " follow.")
    start = TEXT.index("line")
    assert sentence_around(TEXT, start, start + 4) == ("New ", "line", " here.")
