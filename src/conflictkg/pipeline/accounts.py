"""The account layout of a triples file: which of its graphs is the backbone, an account, outside.

A triples file (``triples/<stem>.trig``, or ``.ttl``: Turtle is TriG with a default graph
only) holds one article. Its graphs, as ``docs/modelling.md`` describes them:

- the DEFAULT graph is the article's *backbone* (the article, its spans, every resource's
  type, labels and spans, every claim with its claim properties); the build publishes it
  as ``https://w3id.org/conflictkg/graph/<stem>``;
- an *account graph* ``<claim IRI>/assertion`` (``ckr:claim/<slug>/assertion``, or
  ``ckr:report/<slug>/assertion`` for a report, which is a claim too) holds the statements
  about the world that one claim asserts, published under its own name;
- an *outside-knowledge graph* ``https://w3id.org/conflictkg/graph/outside/<slug>`` holds
  what one outside source (a Wikidata item) says; the same graph may occur in several
  files and its triples merge.

This module owns that classification and the few terms of the layout; ``views`` checks the
rules, ``entailment`` adds the inferred graph. The build publishes three more kinds of
graph names: the backbones, ``graph/ontology`` and ``graph/inferred``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import rdfio
from conflictkg.pipeline.rdfio import new_graph, short
from conflictkg.vocab import CKG, CKR, GRAPH

# Terms of the layout
ASSERTION_GRAPH = CKG.assertionGraph
REQUIRES_ACCOUNT = CKG.requiresAccount
OUTSIDE_KNOWLEDGE = CKG.OutsideKnowledge

ASSERTION_SUFFIX = "/assertion"
CLAIM_SPACE = str(CKR)  # claims are ckr:claim/<slug>, reports ckr:report/<slug>
OUTSIDE_SPACE = str(GRAPH) + "outside/"
INFERRED_GRAPH = GRAPH.inferred
TRIPLES_SUFFIXES = (".trig", ".ttl")


def is_outside_graph(name: URIRef) -> bool:
    return str(name).startswith(OUTSIDE_SPACE) and len(str(name)) > len(OUTSIDE_SPACE)


def is_account_graph(name: URIRef) -> bool:
    iri = str(name)
    return iri.startswith(CLAIM_SPACE) and iri.endswith(ASSERTION_SUFFIX)


def claim_of(account: URIRef) -> URIRef:
    """The claim an account graph belongs to: its name without ``/assertion``."""
    return URIRef(str(account)[: -len(ASSERTION_SUFFIX)])


@dataclass
class TriplesFile:
    """One parsed triples file, its graphs sorted by kind."""

    path: Path  # as the project names it (for messages)
    backbone: Graph
    accounts: dict[URIRef, Graph] = field(default_factory=dict)
    outside: dict[URIRef, Graph] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def published_name(self) -> URIRef:
        """The named graph the backbone is published as."""
        return GRAPH[self.stem]

    def graphs(self) -> list[tuple[URIRef, Graph]]:
        """Every graph of the file under its published name, the backbone first."""
        return [
            (self.published_name, self.backbone),
            *self.accounts.items(),
            *self.outside.items(),
        ]

    def __len__(self) -> int:
        return sum(self.sizes())

    def names(self) -> list[URIRef]:
        """The published names of the file's graphs, in the order of :meth:`graphs`."""
        return [name for name, _ in self.graphs()]

    def sizes(self) -> list[int]:
        """How many triples each graph holds, in the order of :meth:`graphs`."""
        return [len(graph) for _, graph in self.graphs()]

    def outside_names(self) -> list[URIRef]:
        return list(self.outside)

    def backbone_objects(self, predicate: URIRef) -> set[Node]:
        """The objects of ``predicate`` in the backbone."""
        return set(self.backbone.objects(None, predicate))

    def about(self, subjects: AbstractSet[Node]) -> TriplesFile | None:
        """The file cut down to its triples about ``subjects``: its backbone, and those of
        its other graphs that hold any; None when no graph holds one."""
        return self._with_graphs(
            [
                [t for subject in subjects for t in graph.triples((subject, None, None))]
                for _, graph in self.graphs()
            ]
        )

    def _with_graphs(self, triples: list[list[tuple[Node, Node, Node]]]) -> TriplesFile | None:
        """A file of this one's path and graph names, its graphs holding ``triples`` (the
        backbone, and every other graph that holds any); None when there are none."""
        if not any(triples):
            return None

        def graph_of(part: list[tuple[Node, Node, Node]]) -> Graph:
            graph = Graph(bind_namespaces="none")  # read, never written: no prefixes
            rdfio.fill(graph, part)
            return graph

        result = TriplesFile(self.path, graph_of(triples[0]))
        for name, part in zip(self.names()[1:], triples[1:], strict=True):
            if part:
                kind = result.accounts if is_account_graph(name) else result.outside
                kind[name] = graph_of(part)
        return result

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        """Every graph's triples in turn (a triple in two graphs comes twice)."""
        return (triple for _, graph in self.graphs() for triple in graph)

    def prefixes(self) -> list[list[tuple[str, str]]]:
        """The prefixes each graph declares (for :func:`rdfio.bind_prefixes`)."""
        return [rdfio.prefix_pairs(graph) for _, graph in self.graphs()]

    def packed(self) -> rdfio.Packed:
        """The file's graphs as plain data (:func:`rdfio.pack`), in the order of
        :meth:`graphs`."""
        return rdfio.pack([g for _, g in self.graphs()])

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as plain data (:meth:`packed`): the incremental cache reads every
        unchanged file back at each build."""
        return (_unpickled, (self.path, self.names(), self.packed()))


class _Unpacked(TriplesFile):
    """A triples file read back from the incremental cache, its graphs made on first use.

    An incremental build reads every unchanged file back but looks into few of them: the
    merge takes their triples straight from the plain data (:meth:`triples`), and the
    counts take their sizes from it. Making each file's graphs (their three indexes)
    was 3.8 s of the 10 s the reading took at 10^6 triples. Anything that asks for a
    graph (``backbone``, ``accounts``, ``outside``, :meth:`graphs`) gets them all made.
    """

    def __init__(self, path: Path, names: list[URIRef], packed: rdfio.Packed) -> None:
        self.path = path
        self._names = names
        self._packed: rdfio.Packed | None = packed
        self._made: tuple[Graph, dict[URIRef, Graph], dict[URIRef, Graph]] | None = None

    def _graphs(self) -> tuple[Graph, dict[URIRef, Graph], dict[URIRef, Graph]]:
        if self._made is None:
            assert self._packed is not None
            backbone, *others = rdfio.unpack(self._packed)
            accounts: dict[URIRef, Graph] = {}
            outside: dict[URIRef, Graph] = {}
            for name, graph in zip(self._names[1:], others, strict=True):
                (accounts if is_account_graph(name) else outside)[name] = graph
            self._made, self._packed = (backbone, accounts, outside), None
        return self._made

    @property
    def backbone(self) -> Graph:  # type: ignore[override]
        return self._graphs()[0]

    @property
    def accounts(self) -> dict[URIRef, Graph]:  # type: ignore[override]
        return self._graphs()[1]

    @property
    def outside(self) -> dict[URIRef, Graph]:  # type: ignore[override]
        return self._graphs()[2]

    def names(self) -> list[URIRef]:
        return [self.published_name, *self._names[1:]]

    def sizes(self) -> list[int]:
        if self._packed is None:
            return super().sizes()
        return [len(flat) // 3 for _, flat in self._packed[1]]

    def outside_names(self) -> list[URIRef]:
        return [name for name in self._names[1:] if not is_account_graph(name)]

    def backbone_objects(self, predicate: URIRef) -> set[Node]:
        if self._packed is None:
            return super().backbone_objects(predicate)
        return rdfio.packed_objects(self._packed, 0, predicate)

    def about(self, subjects: AbstractSet[Node]) -> TriplesFile | None:
        if self._packed is None:
            return super().about(subjects)
        return self._with_graphs(rdfio.packed_about(self._packed, subjects))

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        if self._packed is None:
            return super().triples()
        return rdfio.unpacked_triples(self._packed)

    def prefixes(self) -> list[list[tuple[str, str]]]:
        if self._packed is None:
            return super().prefixes()
        return [pairs for pairs, _ in self._packed[1]]

    def packed(self) -> rdfio.Packed:
        return self._packed if self._packed is not None else super().packed()

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        if self._packed is None:
            return super().__reduce__()
        return (_unpickled, (self.path, self._names, self._packed))


def _unpickled(path: Path, names: list[URIRef], packed: rdfio.Packed) -> TriplesFile:
    """A :class:`TriplesFile` from what its ``__reduce__`` gave (graphs in the same order),
    its graphs made when first asked for."""
    return _Unpacked(path, names, packed)


def read_triples_file(path: Path) -> TriplesFile:
    """Parse ``path`` as TriG and sort its named graphs; an unknown kind of graph is an error."""
    parsed = rdfio.parse_dataset(path)
    result = TriplesFile(path, parsed.default)
    unknown = []
    for name, graph in parsed.named.items():
        if is_account_graph(name):
            result.accounts[name] = graph
        elif is_outside_graph(name):
            result.outside[name] = graph
        else:
            unknown.append(name)
    if unknown:
        raise ConflictKGError(
            f"{path}: named graph(s) of no known kind: an account graph is named "
            f"<{CLAIM_SPACE}claim/<slug>{ASSERTION_SUFFIX}> (its claim's IRI + "
            f"{ASSERTION_SUFFIX}), "
            f"an outside-knowledge graph <{OUTSIDE_SPACE}<slug>>",
            details=[short(name) for name in unknown],
        )
    return result


def triples_files(folder: Path) -> list[Path]:
    """The triples files of a folder (``*.trig`` and ``*.ttl``), sorted by name.

    Two files of one stem (``a.ttl`` and ``a.trig``) would publish one graph twice: an error.
    """
    files = sorted(p for p in folder.glob("*") if p.suffix in TRIPLES_SUFFIXES and p.is_file())
    stems: dict[str, list[Path]] = {}
    for path in files:
        stems.setdefault(path.stem, []).append(path)
    twice = [paths for paths in stems.values() if len(paths) > 1]
    if twice:
        raise ConflictKGError(
            "one article per triples file: these files share a stem (keep one of each)",
            details=[" and ".join(str(p) for p in paths) for paths in twice],
        )
    return files


def merged_outside(files: Sequence[TriplesFile]) -> dict[URIRef, Graph]:
    """Every outside-knowledge graph, its triples merged over the files that hold it."""
    merged: dict[URIRef, Graph] = {}
    for file in files:
        if not file.outside_names():
            continue  # its graphs are not made for nothing (see _Unpacked)
        for name, graph in file.outside.items():
            target = merged.setdefault(name, new_graph())
            rdfio.bind_missing(target, graph)
            target += graph
    return dict(sorted(merged.items()))
