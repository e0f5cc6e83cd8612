"""OWL reasoning with HermiT through owlready2: consistency and unsatisfiable classes.

owlready2 reads N-Triples (not Turtle), keeps everything in a "world", and follows
``owl:imports`` over the network; so each check writes ontology + data as N-Triples
without imports into a private folder and loads them into a new ``World``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from conflictkg.errors import ConflictKGError
from conflictkg.rdfio import new_graph, short


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


def check(ontology: Graph, data: Graph) -> ReasonerReport:
    """Run HermiT over ``ontology`` and ``data`` together."""
    import owlready2  # slow-ish to import and starts nothing until used

    union = new_graph()
    union += ontology
    union += data
    union.remove((None, OWL.imports, None))
    with tempfile.TemporaryDirectory(prefix="conflictkg-reasoner-") as folder:
        path = Path(folder) / "ontology-and-data.nt"
        union.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            with _temporary_files_in(folder):
                # xsd:date and geo:wktLiteral are outside the OWL 2 datatype map; HermiT
                # would refuse the whole ontology instead of ignoring their values.
                owlready2.sync_reasoner_hermit(
                    world, debug=0, infer_property_values=False, ignore_unsupported_datatypes=True
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
            raise ConflictKGError(
                f"cannot run HermiT: {error.filename or 'java'} not found "
                "(HermiT needs a Java runtime on PATH)"
            ) from None
        finally:
            world.close()
    return ReasonerReport(True, tuple(unsatisfiable), ())


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
