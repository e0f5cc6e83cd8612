"""What a build reads: the project's ontology, shapes, triples and seeds, parsed, with
their SHA-256 digests. Errors name the file and line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import accounts, rdfio
from conflictkg.pipeline.accounts import TriplesFile
from conflictkg.pipeline.collector import settle
from conflictkg.pipeline.mergeindex import MergeIndex
from conflictkg.pipeline.rdfio import new_graph
from conflictkg.pipeline.seeds import Seed, read_seed, sha256_file
from conflictkg.project import SHAPES_FILE, VIEW_SHAPES_FILE, Project
from conflictkg.project import ontology_files as project_ontology_files


@dataclass
class Inputs:
    """Everything a build reads, parsed."""

    project: Project
    ontology: Graph
    shapes: Graph
    view_shapes: Graph
    files: dict[str, TriplesFile]  # triples-file stem -> its graphs
    seeds: dict[str, Seed]  # seed file name -> seed
    hashes: dict[str, str]  # path relative to the project -> SHA-256

    def graphs(self) -> dict[str, Graph]:
        """Every asserted graph under its published name: backbones, accounts, outside."""
        named: dict[str, Graph] = {}
        for file in self.files.values():
            named[str(file.published_name)] = file.backbone
            for name, graph in file.accounts.items():
                if str(name) in named:  # one claim's account in two files: merge them
                    named[str(name)] = named[str(name)] + graph
                else:
                    named[str(name)] = graph
        for name, graph in accounts.merged_outside(list(self.files.values())).items():
            named[str(name)] = graph
        return dict(sorted(named.items()))

    def data_graphs(self) -> list[Graph]:
        """Every asserted graph of every file: the merge is their union."""
        return [graph for file in self.files.values() for _, graph in file.graphs()]

    @property
    def data(self) -> Graph:
        """The merge of every asserted graph (each triple once): the files' triples, read
        without making the graphs of a file read back from the incremental cache."""
        files = list(self.files.values())
        return _merged(
            (pairs for file in files for pairs in file.prefixes()),
            self.asserted_triples(),
        )

    def merge_index(self) -> MergeIndex:
        """The merge as sorted numbers (:class:`.mergeindex.MergeIndex`): what an
        incremental build reads of it, made from the files' plain data."""
        return MergeIndex.of(file.packed() for file in self.files.values())

    def asserted_triples(self) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple of every asserted graph, file by file: a triple several files hold
        (a shared place's label) comes once per file. Read without making any graph."""
        return (triple for file in self.files.values() for triple in file.triples())


def merge(graphs: Sequence[Graph]) -> Graph:
    """One graph holding every triple of ``graphs`` (each once), with their prefixes."""
    return _merged(
        (rdfio.prefix_pairs(graph) for graph in graphs),
        (triple for graph in graphs for triple in graph),
    )


def _merged(
    prefixes: Iterable[Sequence[tuple[str, str]]], triples: Iterable[tuple[Node, Node, Node]]
) -> Graph:
    """A graph of ``triples`` bound to the ``prefixes`` of each source (those unbound yet).

    The triples go in in their order through :func:`rdfio.fill` (about 30 s less than
    ``+=`` at 10^6 triples). A triple several sources hold (a shared place's label) comes
    once per source: filled as distinct, its repeats set again what is set (see
    :func:`rdfio.fill`), which costs less than finding them first.
    """
    merged = new_graph()
    rdfio.bind_prefixes(merged, prefixes)
    rdfio.fill(merged, triples, distinct=True)
    return merged


def input_files(project: Project) -> list[Path]:
    """The files a build reads, in a fixed order: ontology, triples, seeds."""
    return [
        *sorted(project.ontology.glob("*.ttl")),
        *accounts.triples_files(project.triples),
        *sorted(project.seeds.glob("*.txt")),
    ]


def input_hashes(project: Project) -> dict[str, str]:
    return {
        path.relative_to(project.root).as_posix(): sha256_file(path)
        for path in input_files(project)
    }


def load_inputs(
    project: Project,
    read: Callable[[Path], TriplesFile] = accounts.read_triples_file,
    progress: Callable[[str, int, int], None] | None = None,
) -> Inputs:
    """Parse the ontology, the shapes, every triples file and every seed.

    Errors name the file (and line); a triples file without its seed is an error. ``read``
    parses one triples file (an incremental build's cache answers for unchanged files);
    ``progress`` is told each file read (``"parse"``, done, total).
    """
    ontology_files = project_ontology_files(project.ontology)
    shapes_file = project.ontology / SHAPES_FILE
    view_shapes_file = project.ontology / VIEW_SHAPES_FILE
    if not ontology_files:
        raise ConflictKGError(
            f"{project.ontology}: no ontology (*.ttl other than {SHAPES_FILE}, {VIEW_SHAPES_FILE})"
        )
    for path in (shapes_file, view_shapes_file):
        if not path.is_file():
            raise ConflictKGError(f"{path}: missing: the SHACL shapes are needed to build")
    seeds = {p.name: read_seed(p) for p in sorted(project.seeds.glob("*.txt"))}
    triples_files = accounts.triples_files(project.triples)
    missing = [p for p in triples_files if f"{p.stem}.txt" not in seeds]
    if missing:
        raise ConflictKGError(
            "triples file(s) without their seed article",
            details=[
                f"{p}: expected the seed {project.seeds / (p.stem + '.txt')}" for p in missing
            ],
        )
    ontology = new_graph()
    for path in ontology_files:
        rdfio.parse_file(path, ontology)
    shapes = rdfio.parse_file(shapes_file)
    view_shapes = rdfio.parse_file(view_shapes_file)
    files = {}
    for done, path in enumerate(triples_files, start=1):
        files[path.stem] = read(path)
        settle()  # held to the end of a build: no collection need walk it again
        if progress is not None:
            progress("parse", done, len(triples_files))
    hashes = {
        path.relative_to(project.root).as_posix(): sha256_file(path)
        for path in [*ontology_files, shapes_file, view_shapes_file, *triples_files]
    } | {f"seeds/{name}": seed.sha256 for name, seed in seeds.items()}
    return Inputs(
        project, ontology, shapes, view_shapes, files, seeds, dict(sorted(hashes.items()))
    )
