"""OWL reasoning with HermiT (owlready2's): consistency and unsatisfiable classes.

owlready2 reads N-Triples (not Turtle), keeps everything in a "world", and follows
``owl:imports`` over the network; so each check writes the ontology (and ontology + data)
as N-Triples without imports into a private folder and loads it into a new ``World``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.rdfio import new_graph, short


@dataclass(frozen=True)
class ReasonerReport:
    consistent: bool
    unsatisfiable: tuple[str, ...]  # IRIs of classes equivalent to owl:Nothing
    clashes: tuple[str, ...]  # individuals found in two disjoint classes (a cheap explanation)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable

    def problems(self) -> list[str]:
        """What is wrong, in sentences; empty when ``ok``."""
        found = []
        if not self.consistent:
            found.append(
                "the ontology and the data are inconsistent together (HermiT)"
                + ("" if self.clashes else "; no individual in two disjoint classes was found")
            )
            found += list(self.clashes)
        found += [
            f"unsatisfiable class (no individual can belong to it): {short(URIRef(iri))}"
            for iri in self.unsatisfiable
        ]
        return found


@contextmanager
def _temporary_files_in(folder: str) -> Iterator[None]:
    # owlready2 hands HermiT a NamedTemporaryFile in the default temp folder and leaves it
    # behind when HermiT fails; pointing the default at our own folder cleans that up too.
    previous = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield
    finally:
        tempfile.tempdir = previous


def check(ontology: Graph, data: Graph, *, classify: bool = True) -> ReasonerReport:
    """HermiT's verdict on ``ontology`` and ``data``: consistency and unsatisfiable classes.

    Two runs, so the cost grows linearly with the data:

    * the ontology alone is classified through owlready2 (``sync_reasoner_hermit``), which
      gives the unsatisfiable classes — a property of the ontology, whatever the data;
    * ontology and data together are only checked for consistency, by the same HermiT
      (owlready2's bundled jar) asked ``--consistency`` directly. owlready2 always asks
      HermiT to *realise* the data too (the types of every individual), which is not needed
      here and grows faster than the data: 7 s at 10^4 triples, 20 s at 2×10^4, against
      about 1 s for the consistency check alone at either size.

    Without ``classify`` the first run is left out (an incremental build: the ontology is
    the one the last good build classified, with no unsatisfiable class).
    """
    import owlready2  # slow-ish to import and starts nothing until used

    with tempfile.TemporaryDirectory(prefix="conflictkg-reasoner-") as folder:
        tbox = _without_imports(ontology)
        tbox_path = Path(folder) / "ontology.nt"
        tbox.serialize(tbox_path, format="nt", encoding="utf-8")
        unsatisfiable: list[str] = []
        world = owlready2.World()
        try:
            if classify:
                world.get_ontology(tbox_path.as_uri()).load()
                with _temporary_files_in(folder):
                    # xsd:date and geo:wktLiteral are outside the OWL 2 datatype map; HermiT
                    # would refuse the whole ontology instead of ignoring their values.
                    owlready2.sync_reasoner_hermit(
                        world,
                        debug=0,
                        infer_property_values=False,
                        ignore_unsupported_datatypes=True,
                    )
                nothing = str(OWL.Nothing)
                unsatisfiable = sorted({c.iri for c in world.inconsistent_classes()} - {nothing})
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(False, (), tuple(explain_clashes(ontology, data)))
        except owlready2.OwlReadyJavaError as error:
            lines = [line for line in str(error).splitlines() if line.strip()]
            raise ConflictKGError("HermiT failed", details=lines[:8]) from None
        except owlready2.OwlReadyOntologyParsingError as error:
            raise ConflictKGError(f"owlready2 cannot read the ontology: {error}") from None
        except FileNotFoundError as error:
            raise _no_java(error) from None
        finally:
            world.close()
        union = tbox
        union += data
        union.remove((None, OWL.imports, None))
        both = Path(folder) / "ontology-and-data.nt"
        union.serialize(both, format="nt", encoding="utf-8")
        if not _consistent(both):
            return ReasonerReport(False, (), tuple(explain_clashes(ontology, data)))
    return ReasonerReport(True, tuple(unsatisfiable), ())


def _without_imports(graph: Graph) -> Graph:
    copy = new_graph()
    copy += graph
    copy.remove((None, OWL.imports, None))
    return copy


def _consistent(path: Path) -> bool:
    """HermiT's consistency check (``owl:Thing`` satisfiable) of the N-Triples at ``path``."""
    import owlready2

    hermit = Path(owlready2.__file__).resolve().parent / "hermit"
    # No -Xmx: the JVM's default heap (a quarter of the machine's memory) grows with the
    # data, where owlready2's fixed 2,000 MB would run out on large corpora.
    command = [
        owlready2.JAVA_EXE,
        "-cp",
        os.pathsep.join([str(hermit), str(hermit / "HermiT.jar")]),
        "org.semanticweb.HermiT.cli.CommandLine",
        "--consistency",
        "--ignoreUnsupportedDatatypes",
        path.as_uri(),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise _no_java(error) from None
    output = done.stdout + done.stderr
    if "Inconsistent ontology" in output or " is not satisfiable" in output:
        return False
    if done.returncode == 0 and " is satisfiable" in output:
        return True
    lines = [line for line in output.splitlines() if line.strip()]
    raise ConflictKGError("HermiT failed", details=lines[:8])


def _no_java(error: FileNotFoundError) -> ConflictKGError:
    return ConflictKGError(
        f"cannot run HermiT: {error.filename or 'java'} not found "
        "(HermiT needs a Java runtime on PATH)"
    )


def explain_clashes(ontology: Graph, data: Graph, limit: int = 20) -> list[str]:
    """Individuals that belong to two disjoint classes, with why (type, domain, range).

    Only named classes, ``rdfs:subClassOf``, ``owl:disjointWith``, ``owl:AllDisjointClasses``
    and ``owl:disjointUnionOf`` are followed: cheap, and it finds the usual mistake.
    """
    supers = _superclasses(ontology)
    disjoint = _disjoint_pairs(ontology)
    reasons: dict[URIRef, dict[URIRef, str]] = {}

    def note(individual: object, cls: object, why: str) -> None:
        if isinstance(individual, URIRef) and isinstance(cls, URIRef):
            for parent, via in supers.get(cls, {cls: ""}).items():
                reasons.setdefault(individual, {}).setdefault(parent, why + via)

    for s, cls in data.subject_objects(RDF.type):
        note(s, cls, f"rdf:type {short(cls)}")
    for s, p, o in data:
        for domain in ontology.objects(p, RDFS.domain):
            note(s, domain, f"subject of {short(p)}")
        if isinstance(o, URIRef):
            for range_ in ontology.objects(p, RDFS.range):
                note(o, range_, f"object of {short(p)}")
    clashes = []
    for individual in sorted(reasons):
        classes = reasons[individual]
        for a, b in sorted(disjoint):
            if a in classes and b in classes:
                clashes.append(
                    f"{short(individual)} is a {short(a)} ({classes[a]}) and a {short(b)} "
                    f"({classes[b]}), which are disjoint"
                )
    return clashes[:limit]


def _superclasses(ontology: Graph) -> dict[URIRef, dict[URIRef, str]]:
    """class -> {each named superclass including itself: ' ⊑ ...' chain}."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    for a, b in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            direct.setdefault(a, set()).add(b)
            direct.setdefault(b, set()).add(a)
    closure: dict[URIRef, dict[URIRef, str]] = {}
    for start in direct:
        found = {start: ""}
        queue = [start]
        while queue:
            current = queue.pop(0)
            for parent in sorted(direct.get(current, ())):
                if parent not in found:
                    found[parent] = found[current] + f", {short(current)} ⊑ {short(parent)}"
                    queue.append(parent)
        closure[start] = found
    return closure


def _disjoint_pairs(ontology: Graph) -> set[tuple[URIRef, URIRef]]:
    pairs: set[tuple[URIRef, URIRef]] = set()

    def add_all(members: list[object]) -> None:
        named = sorted(m for m in members if isinstance(m, URIRef))
        for i, a in enumerate(named):
            for b in named[i + 1 :]:
                pairs.add((a, b))

    for a, b in ontology.subject_objects(OWL.disjointWith):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            pairs.add((min(a, b), max(a, b)))
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in ontology.objects(node, OWL.members):
            if isinstance(members, BNode):
                add_all(list(Collection(ontology, members)))
    for _, members in ontology.subject_objects(OWL.disjointUnionOf):
        if isinstance(members, BNode):
            add_all(list(Collection(ontology, members)))
    return pairs
