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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

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
        return sum(len(graph) for _, graph in self.graphs())

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as plain data (:func:`rdfio.pack`): the incremental cache reads every
        unchanged file back at each build."""
        names = [name for name, _ in self.graphs()]
        return (_unpickled, (self.path, names, rdfio.pack([g for _, g in self.graphs()])))


def _unpickled(path: Path, names: list[URIRef], packed: rdfio.Packed) -> TriplesFile:
    """A :class:`TriplesFile` from what its ``__reduce__`` gave (graphs in the same order)."""
    backbone, *others = rdfio.unpack(packed)
    result = TriplesFile(path, backbone)
    for name, graph in zip(names[1:], others, strict=True):
        if is_account_graph(name):
            result.accounts[name] = graph
        else:
            result.outside[name] = graph
    return result


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
        for name, graph in file.outside.items():
            target = merged.setdefault(name, new_graph())
            rdfio.bind_missing(target, graph)
            target += graph
    return dict(sorted(merged.items()))
