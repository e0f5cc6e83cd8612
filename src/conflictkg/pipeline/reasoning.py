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
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.rdfio import short


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

    Two runs, so the cost grows linearly with the data, started together (two JVMs: on
    two cores the classification costs no wall time):

    * ontology and data together are only checked for consistency, by the same HermiT
      (owlready2's bundled jar) asked ``--consistency`` directly. owlready2 always asks
      HermiT to *realise* the data too (the types of every individual), which is not needed
      here and grows faster than the data: 7 s at 10^4 triples, 20 s at 2×10^4, against
      about 1 s for the consistency check alone at either size;
    * the ontology alone is classified through owlready2 (``sync_reasoner_hermit``), which
      gives the unsatisfiable classes — a property of the ontology, whatever the data.

    HermiT reads the data without its annotation assertions (:func:`write_ntriples`).
    Without ``classify`` the second run is left out (an incremental build: the ontology is
    the one the last good build classified, with no unsatisfiable class).
    """
    with tempfile.TemporaryDirectory(prefix="conflictkg-reasoner-") as folder:
        tbox_path = Path(folder) / "ontology.nt"
        both = Path(folder) / "ontology-and-data.nt"
        write_ntriples(tbox_path, ontology)
        write_ntriples(both, ontology, data)
        consistency = _start_consistency(both)
        try:
            unsatisfiable = _unsatisfiable(tbox_path, folder) if classify else []
            consistent = unsatisfiable is not None and _consistent(consistency)
        finally:
            if consistency.poll() is None:
                consistency.kill()
                consistency.wait()
        if not consistent:
            return ReasonerReport(False, (), tuple(explain_clashes(ontology, data)))
    return ReasonerReport(True, tuple(unsatisfiable or ()), ())


def _unsatisfiable(tbox_path: Path, folder: str) -> list[str] | None:
    """The ontology's unsatisfiable classes (owlready2's HermiT); None if inconsistent."""
    import owlready2  # slow-ish to import and starts nothing until used

    world = owlready2.World()
    try:
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
        return sorted({c.iri for c in world.inconsistent_classes()} - {nothing})
    except owlready2.OwlReadyInconsistentOntologyError:
        return None
    except owlready2.OwlReadyJavaError as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        raise ConflictKGError("HermiT failed", details=lines[:8]) from None
    except owlready2.OwlReadyOntologyParsingError as error:
        raise ConflictKGError(f"owlready2 cannot read the ontology: {error}") from None
    except FileNotFoundError as error:
        raise _no_java(error) from None
    finally:
        world.close()


# The annotation properties OWL 2 itself declares (rdfs:label and the like).
BUILT_IN_ANNOTATIONS = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.deprecated,
        OWL.versionInfo,
        OWL.priorVersion,
        OWL.backwardCompatibleWith,
        OWL.incompatibleWith,
    }
)


def annotation_properties(ontology: Graph) -> set[Node]:
    """The properties whose triples are annotations: OWL 2's own and those the ontology
    declares ``owl:AnnotationProperty`` and nothing else (a punned property is kept)."""
    logical = {OWL.ObjectProperty, OWL.DatatypeProperty}
    declared = {
        p
        for p in ontology.subjects(RDF.type, OWL.AnnotationProperty)
        if not any((p, RDF.type, kind) in ontology for kind in logical)
    }
    return declared | BUILT_IN_ANNOTATIONS


def write_ntriples(path: Path, ontology: Graph, data: Graph | None = None) -> None:
    """N-Triples for HermiT: the ontology, then the data, without ``owl:imports`` (owlready2
    and HermiT would follow them over the network).

    The data's annotation assertions (labels, titles, dates of articles as
    ``dcterms:date``…) are left out: annotations have no meaning under OWL 2's Direct
    Semantics, which HermiT decides, so they cannot make the data inconsistent; at 10^5
    triples they are one triple in eight that HermiT would parse and hold. The
    ontology is written whole: its annotations are few.
    """
    from rdflib.plugins.serializers.nt import _nt_row  # rdflib's own N-Triples row

    skipped = annotation_properties(ontology) | {OWL.imports}
    with path.open("w", encoding="utf-8") as out:
        for triple in ontology:
            if triple[1] != OWL.imports:
                out.write(_nt_row(triple))
        if data is not None:
            for triple in data:
                if triple[1] not in skipped:
                    out.write(_nt_row(triple))


def _start_consistency(path: Path) -> subprocess.Popen[str]:
    """Start HermiT's consistency check (``owl:Thing`` satisfiable) of the N-Triples at
    ``path``; :func:`_consistent` reads its verdict."""
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
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except FileNotFoundError as error:
        raise _no_java(error) from None


def _consistent(process: subprocess.Popen[str]) -> bool:
    """The verdict of a consistency check started by :func:`_start_consistency`."""
    output, _ = process.communicate()
    if "Inconsistent ontology" in output or " is not satisfiable" in output:
        return False
    if process.returncode == 0 and " is satisfiable" in output:
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
