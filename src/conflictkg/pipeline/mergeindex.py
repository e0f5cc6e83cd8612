"""The merge of every asserted graph as sorted numbers: what an incremental build reads of
the merge, without making an rdflib graph of it.

A rebuild reads little of the merge: the articles' facts (quotes), the triples around the
change (its region, :func:`.incremental.region`), the events' dates and places (the
catalogue) and a few counts. Made into an rdflib graph, the merge of 10^6 triples took
about 10 s of a rebuild, most of it rdflib hashing each term in Python for its three
indexes. Here every term is numbered (a term key, :func:`.rdfio.term_key`, hashed in C)
and each triple is one integer, ``s << 2b | p << b | o`` for terms of ``b`` bits, so that
sorting and removing the repeated triples (a shared place's label comes once per file)
run in C. A sorted list of these codes finds the triples of a subject, or of a subject
and a predicate, by bisection. The triples pointing at nodes are found by one pass over a
column of the objects, in C, for all the nodes a caller asks about at once
(:meth:`MergeIndex.referrers`): a rebuild asks about a few hundred nodes in a handful of
rounds, and a second list sorted by object cost 1.3 s of a rebuild at 10^6 triples to
make, against a few hundredths of a second a pass. Answers are rdflib terms, each IRI and
literal the object the build already holds (:func:`.rdfio.terms_of`).

It answers the calls a rebuild makes on the merge, with the same results as the rdflib
graph of the same triples: ``len``, ``objects(s, p)``, ``subjects(p, o)``,
``predicate_objects(s)``, ``subject_predicates(o)``, :meth:`with_predicates` and
:meth:`described`, and :meth:`referrers` for many objects at once. A full build, whose
SHACL check reads the whole merge, still makes the rdflib graph.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import and_, eq, lshift, ne, or_, rshift

from rdflib import Graph
from rdflib.namespace import RDF
from rdflib.term import Node

from conflictkg.pipeline import rdfio
from conflictkg.pipeline.rdfio import new_graph


class MergeIndex:
    """Every distinct triple of some packed graphs (:func:`.rdfio.pack`), as sorted codes."""

    def __init__(self, keys: list[tuple[str, ...]], flat: Sequence[int]) -> None:
        """``keys``: the term table, each key once; ``flat``: three numbers into it per
        triple (a triple may come more than once)."""
        self._keys = keys
        self._numbers = dict(zip(keys, range(len(keys)), strict=True))
        bits = self._bits = max(len(keys).bit_length(), 1)
        self._mask = (1 << bits) - 1
        s, p, o = flat[0::3], flat[1::3], flat[2::3]
        self._spo = _sorted_once(_codes(s, p, o, bits))
        self._p: list[int] | None = None  # each triple's predicate, made on first use
        self._o: list[int] | None = None  # each triple's object, made on first use
        self._made: list[Node | None] = [None] * len(keys)  # terms made so far, by number

    @classmethod
    def of(cls, packs: Iterable[rdfio.Packed]) -> MergeIndex:
        """The merge of every graph of the ``packs`` (:meth:`.TriplesFile.packed`)."""
        numbers: dict[tuple[str, ...], int] = {}
        flat: list[int] = []
        for table, graphs in packs:
            local = [numbers.setdefault(key, len(numbers)) for key in table]
            renumber = local.__getitem__
            for _, triples in graphs:
                flat.extend(map(renumber, triples))
        return cls(list(numbers), flat)

    def __len__(self) -> int:
        return len(self._spo)

    def __contains__(self, triple: object) -> bool:
        """Whether the merge holds ``triple`` (three rdflib terms)."""
        if not isinstance(triple, tuple) or len(triple) != 3:
            return False
        s, p, o = (self._number(term) for term in triple)
        if s is None or p is None or o is None:
            return False
        code = s << 2 * self._bits | p << self._bits | o
        at = bisect_left(self._spo, code)
        return at < len(self._spo) and self._spo[at] == code

    # ------------------------------------------------------------------ numbers and terms

    def _number(self, term: Node) -> int | None:
        return self._numbers.get(rdfio.term_key(term))

    def _terms(self, numbers: Sequence[int]) -> list[Node]:
        """The terms of ``numbers`` (each made once: a region's walk asks for the same
        nodes again and again)."""
        made = self._made
        missing = [n for n in numbers if made[n] is None]
        if missing:
            terms = rdfio.terms_of([self._keys[n] for n in missing])
            for n, term in zip(missing, terms, strict=True):
                made[n] = term
        return [made[n] for n in numbers]  # type: ignore[misc]

    def _range(self, codes: list[int], first: int, *more: int) -> list[int]:
        """The codes of ``codes`` whose leading numbers are ``first`` (and ``more``)."""
        bits = self._bits
        low = first << 2 * bits
        width = 2 * bits
        for number in more:
            width -= bits
            low |= number << width
        start = bisect_left(codes, low)
        return codes[start : bisect_left(codes, low + (1 << width), start)]

    def _predicates(self) -> list[int]:
        """The predicate of each triple, in the order of :attr:`_spo` (made once)."""
        if self._p is None:
            spo, bits, mask = self._spo, self._bits, self._mask
            self._p = list(map(and_, map(rshift, spo, repeat(bits)), repeat(mask)))
        return self._p

    def _objects(self) -> list[int]:
        """The object of each triple, in the order of :attr:`_spo` (made once)."""
        if self._o is None:
            self._o = list(map(and_, self._spo, repeat(self._mask)))
        return self._o

    def _pointing(self, objects: set[int]) -> list[int]:
        """The codes of the triples whose object is one of ``objects``, in code order: one
        pass over the objects' column, in C."""
        if not objects:
            return []
        return list(compress(self._spo, map(objects.__contains__, self._objects())))

    # ------------------------------------------------------------------ as an rdflib graph

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """The objects of ``subject``'s ``predicate``."""
        s, p = self._number(subject), self._number(predicate)
        if s is None or p is None:
            return []
        found = self._range(self._spo, s, p)
        return self._terms([code & self._mask for code in found]) if found else []

    def subjects(self, predicate: Node, value: Node) -> list[Node]:
        """The subjects of ``predicate`` with ``value``."""
        p, o = self._number(predicate), self._number(value)
        if p is None or o is None:
            return []
        mask, bits = self._mask, self._bits
        return self._terms([c >> 2 * bits for c in self._pointing({o}) if c >> bits & mask == p])

    def predicate_objects(self, subject: Node) -> list[tuple[Node, Node]]:
        """The (predicate, object) pairs of ``subject``'s triples."""
        s = self._number(subject)
        if s is None:
            return []
        mask, bits = self._mask, self._bits
        codes = self._range(self._spo, s)
        terms = self._terms([n for c in codes for n in (c >> bits & mask, c & mask)])
        return list(zip(terms[0::2], terms[1::2], strict=True))

    def subject_predicates(self, value: Node) -> list[tuple[Node, Node]]:
        """The (subject, predicate) pairs of the triples whose object is ``value``."""
        return self.referrers([value]).get(value, [])

    def referrers(self, values: Iterable[Node]) -> dict[Node, list[tuple[Node, Node]]]:
        """For each of ``values`` that is the object of a triple, the (subject, predicate)
        pairs of those triples (ordered as ``subject_predicates`` gives them): one pass
        over the merge for all of them."""
        numbered = {n: value for value in values if (n := self._number(value)) is not None}
        codes = self._pointing(set(numbered))
        if not codes:
            return {}
        mask, bits = self._mask, self._bits
        terms = self._terms([n for c in codes for n in (c >> 2 * bits, c >> bits & mask)])
        found: dict[Node, list[tuple[Node, Node]]] = {}
        for index, code in enumerate(codes):
            pair = (terms[2 * index], terms[2 * index + 1])
            found.setdefault(numbered[code & mask], []).append(pair)
        return found

    def pairs(self, predicate: Node) -> list[tuple[Node, Node]]:
        """The (subject, object) pairs of ``predicate``'s triples."""
        return [(s, o) for s, _, o in self.with_predicates([predicate])]

    def with_predicates(self, predicates: Iterable[Node]) -> list[tuple[Node, Node, Node]]:
        """The triples of the ``predicates`` (as :func:`.rdfio.with_predicates` reads a
        graph's)."""
        spo, bits, mask = self._spo, self._bits, self._mask
        wanted = {n for n in map(self._number, predicates) if n is not None}
        if not wanted:
            return []
        found = list(compress(spo, map(wanted.__contains__, self._predicates())))
        numbers = [n for c in found for n in (c >> 2 * bits, c >> bits & mask, c & mask)]
        terms = self._terms(numbers)
        return list(zip(terms[0::3], terms[1::3], terms[2::3], strict=True))

    def typings(self) -> Counter[Node]:
        """How many ``rdf:type`` triples name each class (its distinct instances)."""
        t = self._number(RDF.type)
        if t is None:
            return Counter()
        spo, mask = self._spo, self._mask
        typed = compress(spo, map(eq, self._predicates(), repeat(t)))
        counted = Counter(map(and_, typed, repeat(mask)))
        return Counter(dict(zip(self._terms(list(counted)), counted.values(), strict=True)))

    def described(self, subjects: Iterable[Node], predicates: Iterable[Node] = ()) -> Graph:
        """An rdflib graph of every triple of the ``subjects`` (of the ``predicates`` only,
        when given); their terms made at once, not subject by subject."""
        asked = list(predicates)
        wanted = {n for n in map(self._number, asked) if n is not None} if asked else None
        mask, bits = self._mask, self._bits
        found: list[tuple[Node, int, int]] = []
        for subject in dict.fromkeys(subjects):  # each once
            s = self._number(subject)
            if s is None:
                continue
            for code in self._range(self._spo, s):
                p = code >> bits & mask
                if wanted is None or p in wanted:
                    found.append((subject, p, code & mask))
        terms = self._terms([n for _, p, o in found for n in (p, o)])
        graph = new_graph()
        rdfio.fill(
            graph,
            ((s, terms[2 * i], terms[2 * i + 1]) for i, (s, _, _) in enumerate(found)),
            distinct=True,
        )
        return graph

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple, as rdflib terms (in the order of their codes)."""
        spo, bits, mask = self._spo, self._bits, self._mask
        terms = rdfio.terms_of(self._keys)
        for code in spo:
            yield terms[code >> 2 * bits], terms[code >> bits & mask], terms[code & mask]


def _codes(a: Sequence[int], b: Sequence[int], c: Sequence[int], bits: int) -> Iterator[int]:
    """``a << 2 bits | b << bits | c`` for each position, computed in C."""
    return map(or_, map(lshift, a, repeat(2 * bits)), map(or_, map(lshift, b, repeat(bits)), c))


def _sorted_once(codes: Iterable[int]) -> list[int]:
    """The codes sorted, each once (a repeat is equal to the code before it)."""
    ordered = sorted(codes)
    if not ordered:
        return ordered
    return [ordered[0], *compress(ordered[1:], map(ne, ordered[1:], ordered))]


Merged = Graph | MergeIndex
"""The merge of every asserted graph as a build reads it: an rdflib graph (a full build's
SHACL check reads all of it) or, in an incremental build, a :class:`MergeIndex`."""
