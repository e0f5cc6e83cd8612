"""What a client's SPARQL text may ask of the engine, checked before the engine sees it.

A small lexer splits the text into SPARQL tokens, skipping strings, IRIs and comments,
so keywords are found as keywords (``"SERVICE"`` in a literal or ``<…/service>`` is not
one). From the tokens it refuses:

* ``SERVICE`` — pyoxigraph would make an HTTP request for the client (federation);
* updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``…) — the endpoint is read-only and
  ``LOAD`` would fetch a URL;
* nesting deeper than ``MAX_DEPTH`` brackets or more than ``MAX_TOKENS`` tokens —
  pyoxigraph overflows its stack and kills the process on queries a few thousand
  constructs deep or long (nested groups, ``||`` chains, ``OPTIONAL`` runs, ``BIND`` runs).

and it tells the query's form, whether it names its own dataset (``FROM``/``FROM NAMED``)
and whether it holds relative IRIs. It is the one reader of SPARQL text in the project,
with the one depth limit.
The lexer is conservative: where ``<`` could be an IRI or an operator it follows the
IRIREF production, which can only make it see *more* code, never hide a keyword.

:func:`check_query`, what every query goes through before the engine, first makes a
quicker scan over the whole text in C (string methods and regular expressions): no more
brackets in all than ``MAX_DEPTH``, no ``SERVICE`` and no update keyword anywhere between
the characters no keyword holds (upper-cased as the lexer does), and no more characters
other than spaces than ``MAX_TOKENS`` (a token has at least one). It looks first at the
text after its leading comments (most queries pass there: the strings and IRIs the lexer
skips can only add words, brackets and characters), then at the text with the comments,
strings and IRIs the lexer skips made one letter each. Each bound can only overestimate,
so a query it passes is one the lexer passes; anything else goes through the lexer, whose
refusals name the place.
The lexer's loop over tokens cost more than the engine's answer to a small query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 200
MAX_TOKENS = 2000

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})

# What the lexer skips, each after the character it starts with: a comment, the four
# kinds of string (long ones first), an IRI.
_COMMENT = r"[^\r\n]*"
_STRINGS = {
    "'": (r"''(?:\\.|[^\\])*?'''", r"(?:\\.|[^'\\\r\n])*'"),
    '"': (r'""(?:\\.|[^\\])*?"""', r'(?:\\.|[^"\\\r\n])*"'),
}
_IRI = r"[^<>\"{}|^`\\\x00-\x20]*>"

_TOKEN = re.compile(
    rf"(?P<comment>\#{_COMMENT})"
    rf"|(?P<string>{'|'.join(start + rest for start, rests in _STRINGS.items() for rest in rests)})"
    rf"|(?P<iri><{_IRI})"
    r"""
  | (?P<var>[?$][\w\u00b7-\uffff]+)
  | (?P<word>[\w\u00b7-\uffff][\w\u00b7-\uffff.:\-%\\]*|:[\w\u00b7-\uffff.:\-%\\]*)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


class QueryRefused(Exception):
    """A query the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class QueryShape:
    """What the lexer learnt about an accepted query."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE or ASK (None if not recognisable)
    has_dataset_clause: bool  # FROM or FROM NAMED present
    depth: int
    tokens: int
    relative_iris: bool  # an IRI without a scheme (resolved against a base)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


# What the lexer skips: comments, strings and IRIs, its first three alternatives, grouped
# by the character they start with (so that the regular expression engine skips in C to
# the next place where one of them can start).
_SKIPPED = re.compile(
    "|".join(
        [
            r"\#" + _COMMENT,
            *(f"{start}(?:{'|'.join(rests)})" for start, rests in _STRINGS.items()),
            "<" + _IRI,
        ]
    ),
    re.DOTALL,
)
_REFUSED_WORDS = frozenset({"SERVICE", *UPDATE_KEYWORDS})
# Every ASCII character that cannot be in a keyword becomes a space: what is left between
# spaces holds every word the lexer could take for a keyword (and more).
_APART = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})
# The same for ASCII text as bytes, upper-cased in the same table look-up (in C).
_APART_BYTES = bytes(
    b if b >= 128 else ord(chr(b).upper()) if chr(b).isalnum() or chr(b) == "_" else 32
    for b in range(256)
)
_REFUSED_BYTES = frozenset(word.encode("ascii") for word in _REFUSED_WORDS)
_SPACES = " \n\t\r\f\v"
_SPACE_BYTES = _SPACES.encode("ascii")


def _passes_quickly(code: str) -> bool:
    """Whether ``code`` (the text with what the lexer skips made one letter) is within
    the bounds and holds no refused keyword between characters no keyword holds
    (upper-cased as the lexer does)."""
    if not code.isascii():
        return (
            code.count("{") + code.count("(") + code.count("[") <= MAX_DEPTH
            and len(code) - sum(map(code.count, _SPACES)) <= MAX_TOKENS
            and _REFUSED_WORDS.isdisjoint(code.upper().translate(_APART).split())
        )
    raw = code.encode("ascii")
    # No more brackets, or characters other than spaces, than there are characters.
    # Counted by deleting the others in one pass (cheaper than a count per character).
    return (
        (len(raw) <= MAX_DEPTH or len(raw) - len(raw.translate(None, b"{([")) <= MAX_DEPTH)
        and (len(raw) <= MAX_TOKENS or len(raw.translate(None, _SPACE_BYTES)) <= MAX_TOKENS)
        and _REFUSED_BYTES.isdisjoint(raw.translate(_APART_BYTES).split())
    )


# The spaces and comments a text starts with: no token of the lexer's.
_LEADING = re.compile(r"(?:\s+|\#" + _COMMENT + ")*")


def check_query(text: str) -> None:
    """Raise :class:`QueryRefused` for a query that must not run (:func:`inspect_query`'s
    rules, after a quicker scan that passes most queries without the lexer)."""
    # First the text after its leading comments as it is (what the lexer skips later on
    # can only add words, brackets and characters), then with each skipped part one
    # character (one token at most).
    rest = text[_LEADING.match(text).end() :]  # type: ignore[union-attr]
    if not (_passes_quickly(rest) or _passes_quickly(_SKIPPED.sub(" x ", text))):
        inspect_query(text)


def inspect_query(text: str) -> QueryShape:
    """Check a query's text; raise :class:`QueryRefused` for what must not run."""
    depth = max_depth = tokens = 0
    form: str | None = None
    first_keyword: str | None = None
    has_dataset = relative = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "iri" and not _SCHEME.match(match.group()[1:-1]):
            relative = True
        tokens += 1
        if tokens > MAX_TOKENS:
            raise QueryRefused(
                f"query too long: more than {MAX_TOKENS} tokens "
                f"(at {_position(text, match.start())})"
            )
        if kind == "open":
            depth += 1
            if depth > MAX_DEPTH:
                raise QueryRefused(
                    f"query nested too deeply: more than {MAX_DEPTH} levels of brackets "
                    f"(at {_position(text, match.start())})"
                )
            max_depth = max(max_depth, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "word" and ":" not in match.group():
            keyword = match.group().upper()
            if keyword == "SERVICE":
                raise QueryRefused(
                    "SERVICE (federated query) is not allowed: this endpoint never fetches "
                    f"remote data (at {_position(text, match.start())})"
                )
            if first_keyword is None and keyword not in ("BASE", "PREFIX"):
                first_keyword = keyword
            if form is None and keyword in QUERY_FORMS:
                form = keyword
            if keyword == "FROM":
                has_dataset = True
    if first_keyword in UPDATE_KEYWORDS:
        raise QueryRefused(
            f"SPARQL Update ({first_keyword}) is not allowed: this endpoint is read-only", 403
        )
    return QueryShape(form, has_dataset, max_depth, tokens, relative)
