"""An article's text cut into segments by its anchored spans, for highlighting.

Spans may nest or overlap; every boundary of every span cuts the text, and each segment
knows all the spans that cover it (innermost first), so it can link to the narrowest one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Span:
    """One ``ckg:TextSpan``: offsets in code points, end exclusive, and what it attests."""

    iri: str
    start: int
    end: int
    exact: str
    resources: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The HTML id of this span's note on the article page."""
        return f"span-{self.start}-{self.end}"


@dataclass(frozen=True)
class Segment:
    text: str
    spans: tuple[Span, ...]

    @property
    def innermost(self) -> Span | None:
        return self.spans[0] if self.spans else None

    @property
    def depth(self) -> int:
        return len(self.spans)

    @property
    def labels(self) -> list[str]:
        """The labels of what the covering spans attest, each once, narrowest span first."""
        return list(dict.fromkeys(label for s in self.spans for _, label in s.resources))


def matching_spans(text: str, spans: list[Span]) -> tuple[list[Span], list[Span]]:
    """The spans whose offsets hold their exact text, and those that do not."""
    good: list[Span] = []
    bad: list[Span] = []
    for span in spans:
        ok = 0 <= span.start < span.end <= len(text) and text[span.start : span.end] == span.exact
        (good if ok else bad).append(span)
    return good, bad


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """``text`` cut at every span boundary; a segment's spans are ordered narrowest first."""
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    cuts = [c for c in cuts if 0 <= c <= len(text)]
    ordered = sorted(spans, key=lambda s: (s.end - s.start, s.start, s.iri))
    result = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        covering = tuple(s for s in ordered if s.start <= a and b <= s.end)
        result.append(Segment(text[a:b], covering))
    return result


SENTENCE_ENDS = ".!?"


def sentence_around(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The sentence (or line) holding ``text[start:end]``, as (before, span, after).

    A sentence ends at a full stop, question or exclamation mark followed by a space, or at
    a line break; a span crossing such a boundary keeps the whole of both sentences.
    """
    left = start
    while left > 0:
        prev = text[left - 1]
        if prev == "\n" or (prev.isspace() and left >= 2 and text[left - 2] in SENTENCE_ENDS):
            break
        left -= 1
    right = end
    while right < len(text):
        c = text[right]
        if c == "\n":
            break
        right += 1
        if c in SENTENCE_ENDS and (right == len(text) or text[right].isspace()):
            break
    return text[left:start], text[start:end], text[end:right]
