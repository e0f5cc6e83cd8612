"""OWL reasoning with HermiT (owlready2's): consistency and unsatisfiable classes.

owlready2 reads N-Triples (not Turtle), keeps everything in a "world", and follows
``owl:imports`` over the network; so each check writes the ontology (and ontology + data)
as N-Triples without imports into a private folder and loads it into a new ``World``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.fastshacl.engine import Loader
from conflictkg.pipeline.rdfio import each_triple, short


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


class Consistency:
    """HermiT's consistency check of the ontology and the data, running in its own JVM.

    Started as soon as the files are parsed (:func:`start`, from their graphs: no merge
    needed), it runs on the second core while the build's merge and Python checks
    (quotes, views, SHACL) run on the first; :meth:`verdict`
    waits for it. :meth:`close` stops it and removes its folder, whatever happened.
    """

    def __init__(self, ontology: Graph, data: Sequence[Graph]) -> None:
        self.folder = tempfile.mkdtemp(prefix="conflictkg-reasoner-")
        self._closing = threading.Lock()
        try:
            path = Path(self.folder) / "ontology-and-data.nt"
            write_ntriples(path, ontology, data)
            self.process: subprocess.Popen[str] | None = _start_consistency(path)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def verdict(self) -> bool:
        """True when consistent (waits for HermiT); a HermiT failure is an error."""
        process = self.process
        if process is None:
            raise ConflictKGError("HermiT's consistency check was stopped before its verdict")
        return _consistent(process)

    def close(self) -> None:
        """Stop HermiT (when still running) and remove its folder; safe to call twice, and
        from another thread than the one waiting for the verdict (which then ends)."""
        with self._closing:
            process, self.process = self.process, None
            if process is not None:
                if process.poll() is None:
                    process.kill()
                process.wait()
                if process.stdout is not None:
                    process.stdout.close()
            shutil.rmtree(self.folder, ignore_errors=True)


def start(ontology: Graph, data: Sequence[Graph]) -> Consistency:
    """Start HermiT's consistency check of ``ontology`` with the union of the ``data``
    graphs in the background (the graphs of the triples files: no merge needed)."""
    return Consistency(ontology, data)


def check(
    ontology: Graph,
    data: Graph,
    *,
    classify: bool = True,
    started: Consistency | None = None,
) -> ReasonerReport:
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

    HermiT reads the data without the triples that cannot change its verdict
    (:func:`write_ntriples`). ``started`` is a consistency check of the same ontology and
    data begun earlier (:func:`start`); this call waits for it and closes it.
    Without ``classify`` the second run is left out (an incremental build: the ontology is
    the one the last good build classified, with no unsatisfiable class).
    """
    consistency = started if started is not None else start(ontology, [data])
    try:
        with tempfile.TemporaryDirectory(prefix="conflictkg-reasoner-") as folder:
            tbox_path = Path(folder) / "ontology.nt"
            write_ntriples(tbox_path, ontology)
            unsatisfiable = _unsatisfiable(tbox_path, folder) if classify else []
            consistent = unsatisfiable is not None and consistency.verdict()
    finally:
        consistency.close()
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


def write_ntriples(path: Path, ontology: Graph, data: Sequence[Graph] = ()) -> None:
    """N-Triples for HermiT: the ontology, then the data graphs (their union), without
    ``owl:imports`` (owlready2 and HermiT would follow them over the network). Oxigraph
    writes the lines.

    Two kinds of data triple are left out, because neither can change whether the
    ontology and the data are consistent (the only question asked of HermiT here):

    * annotation assertions (labels, titles, dates of articles as ``dcterms:date``…):
      annotations have no meaning under OWL 2's Direct Semantics, which HermiT decides;
    * assertions of an *inert* property (:func:`inert_properties`, e.g. ``oa:start``,
      ``oa:exact``, ``wgs84:lat``), whose value cannot be wrong on its own
      (:func:`_harmless_value`). Why the verdict cannot change: take a model of the
      ontology with the rest of the data and add the pairs of an inert property to that
      property's extension. No axiom mentions the property, so every axiom keeps its truth
      value and the result is a model of everything; the other way round, a model of
      everything is a model of less. A literal that is ill-formed for its datatype would
      make the data inconsistent by itself, so such a value is kept for HermiT to see.

    At 10^5 triples the two kinds are a quarter of the data's lines, and HermiT's cost is
    mostly reading them. The ontology is written whole: its annotations are few.
    """
    skipped = annotation_properties(ontology) | {OWL.imports}
    inert = _InertProperties(ontology, data)
    terms = Loader()

    def triples() -> Iterator[pyoxigraph.Triple]:
        for s, p, o in ontology:
            if p != OWL.imports:
                yield pyoxigraph.Triple(terms.term(s), terms.term(p), terms.term(o))  # type: ignore[arg-type]
        for s, p, o in (triple for graph in data for triple in each_triple(graph)):
            if p in skipped or (inert(p) and _harmless_value(o)):
                continue
            yield pyoxigraph.Triple(terms.term(s), terms.term(p), terms.term(o))  # type: ignore[arg-type]

    with path.open("wb") as out:
        pyoxigraph.serialize(triples(), out, format=pyoxigraph.RdfFormat.N_TRIPLES)


# Vocabularies whose terms carry meaning in OWL 2 themselves: never inert.
BUILT_IN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
DECLARATIONS = frozenset({OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property})


def inert_properties(ontology: Graph, data: Sequence[Graph]) -> set[Node]:
    """The properties of ``data`` that no axiom mentions.

    A property is inert when, outside annotations and its own declaration
    (``a owl:ObjectProperty``/``owl:DatatypeProperty``/``rdf:Property``), no triple of the
    ontology names it (no domain, range, super- or sub-property, characteristic such as
    ``owl:FunctionalProperty``, restriction, key, chain or disjointness), the data never
    names it outside the predicate position, and it is not a term of RDF, RDFS, OWL or XSD.
    """
    inert = _InertProperties(ontology, data)
    return {p for graph in data for p in set(graph.predicates()) if inert(p)}


class _InertProperties:
    """``inert(p)``: :func:`inert_properties`'s test, each property decided once."""

    def __init__(self, ontology: Graph, data: Sequence[Graph]) -> None:
        annotations = annotation_properties(ontology)
        self.mentioned: set[Node] = set(annotations)
        for s, p, o in ontology:
            if p in annotations or (p == RDF.type and o in DECLARATIONS):
                continue
            self.mentioned.update((s, o))
        self.data = data
        self.known: dict[Node, bool] = {}

    def __call__(self, prop: Node) -> bool:
        found = self.known.get(prop)
        if found is None:
            found = self.known[prop] = self._decide(prop)
        return found

    def _decide(self, prop: Node) -> bool:
        if not isinstance(prop, URIRef) or prop in self.mentioned:
            return False
        if str(prop).startswith(BUILT_IN_NAMESPACES):
            return False
        for graph in self.data:
            if (prop, None, None) in graph or (None, None, prop) in graph:
                return False
        return True


# The OWL 2 datatype map (OWL 2 Structural Specification, section 4): HermiT checks literals
# of these; with --ignoreUnsupportedDatatypes it reads a literal of any other datatype
# (xsd:date, geo:wktLiteral) as an unknown value, which cannot clash with anything.
STRING_TYPES = frozenset({XSD.string, RDF.PlainLiteral, RDF.langString})
INTEGER_BOUNDS: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.integer: (None, None),
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
OWL2_DATATYPES = (
    STRING_TYPES
    | set(INTEGER_BOUNDS)
    | {
        RDF.XMLLiteral,
        RDFS.Literal,
        OWL.real,
        OWL.rational,
        XSD.decimal,
        XSD.double,
        XSD.float,
        XSD.normalizedString,
        XSD.token,
        XSD.language,
        XSD.Name,
        XSD.NCName,
        XSD.NMTOKEN,
        XSD.boolean,
        XSD.hexBinary,
        XSD.base64Binary,
        XSD.anyURI,
        XSD.dateTime,
        XSD.dateTimeStamp,
    }
)
INTEGER_FORM = re.compile(r"[+-]?[0-9]+")
DECIMAL_FORM = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def _harmless_value(value: Node) -> bool:
    """A value that is consistent on its own: a node, a string, a literal of a datatype
    HermiT ignores, or an integer or decimal whose lexical form is valid (checked here: a
    malformed one is left for HermiT to find)."""
    if not isinstance(value, Literal) or value.language:
        return True
    datatype = value.datatype
    if datatype is None or datatype in STRING_TYPES or datatype not in OWL2_DATATYPES:
        return True
    text = str(value)
    if datatype in INTEGER_BOUNDS:
        if INTEGER_FORM.fullmatch(text) is None:
            return False
        low, high = INTEGER_BOUNDS[datatype]
        number = int(text)
        return (low is None or number >= low) and (high is None or number <= high)
    if datatype == XSD.decimal:
        return DECIMAL_FORM.fullmatch(text) is not None
    return False


# One run of HermiT reads the data once and decides: the JVM's optimising compiler (C2)
# and parallel collector cost more CPU than they save there. Measured at 10^6 triples
# (one run, same file): 70 s of CPU with these options, 91 s with the serial collector
# alone; at 10^5, 5 s against 12 s with the JVM's defaults.
JVM_OPTIONS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def _start_consistency(path: Path) -> subprocess.Popen[str]:
    """Start HermiT's consistency check (``owl:Thing`` satisfiable) of the N-Triples at
    ``path``; :func:`_consistent` reads its verdict."""
    import owlready2

    hermit = Path(owlready2.__file__).resolve().parent / "hermit"
    # No -Xmx: the JVM's default heap (a quarter of the machine's memory) grows with the
    # data, where owlready2's fixed 2,000 MB would run out on large corpora.
    command = [
        owlready2.JAVA_EXE,
        *JVM_OPTIONS,
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
