"""The merge of the asserted graphs: the same graph as adding each one in turn
(:func:`rdfio.fill` under it)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from conflictkg.pipeline.inputs import merge
from conflictkg.pipeline.rdfio import fill, new_graph

EX = "https://example.org/"


def graph(*triples: tuple[str, str, object], prefix: str = "") -> Graph:
    g = new_graph()
    if prefix:
        g.bind(prefix, EX + prefix + "/")
    for s, p, o in triples:
        value = o if isinstance(o, (Literal, BNode)) else URIRef(EX + str(o))
        g.add((URIRef(EX + s), URIRef(EX + p), value))
    return g


def test_the_merge_holds_each_triple_once_and_answers_every_pattern() -> None:
    blank = BNode()
    parts = [
        graph(("a", "p", "b"), ("a", "q", Literal("x", lang="en")), prefix="one"),
        graph(("a", "p", "b"), ("b", "p", "c"), ("c", "r", Literal(3)), prefix="two"),
        graph(("c", "r", Literal(3)), ("d", "s", blank)),
    ]
    expected = new_graph()
    for part in parts:
        expected += part
    merged = merge(parts)
    assert len(merged) == len(expected) == 5
    assert list(merged) == list(expected)  # the same order, so the same walks downstream
    a, p, b = URIRef(EX + "a"), URIRef(EX + "p"), URIRef(EX + "b")
    for pattern in [(a, None, None), (None, p, None), (None, None, b), (None, p, b)]:
        assert set(merged.triples(pattern)) == set(expected.triples(pattern))
    assert (URIRef(EX + "d"), URIRef(EX + "s"), blank) in merged
    assert {"one", "two"} <= {prefix for prefix, _ in merged.namespaces()}
    merged.remove((a, p, b))  # still an ordinary graph afterwards
    merged.add((b, p, a))
    assert len(merged) == 5 and (b, p, a) in merged and (a, p, b) not in merged
    assert len(merged + graph(("z", "p", "z"))) == 6


def test_the_merge_of_nothing_is_empty() -> None:
    assert len(merge([])) == 0
    assert len(merge([new_graph()])) == 0


def test_filling_a_graph_that_is_not_empty_adds_as_usual() -> None:
    target = graph(("a", "p", "b"))
    fill(target, list(graph(("a", "p", "b"), ("a", "p", "c"), ("a", "p", "c"))))
    assert len(target) == 2
    assert set(target.objects(URIRef(EX + "a"), URIRef(EX + "p"))) == {
        URIRef(EX + "b"),
        URIRef(EX + "c"),
    }
