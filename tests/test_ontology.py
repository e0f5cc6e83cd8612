"""The OWL ontology: it parses, carries its metadata, is consistent under HermiT, accepts
typical data, and passes the quality gate of ``queries/ontology/*-violation.rq``."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import owlready2
import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD

from conflictkg.vocab import CKG, ONTOLOGY_IRI, PREFIXES

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "conflictkg.ttl"
CATALOG = ROOT / "ontology" / "catalog-v001.xml"
GATE_QUERIES = sorted((ROOT / "queries" / "ontology").glob("*-violation.rq"))
GATE_FIXTURES = Path(__file__).parent / "fixtures" / "ontology-gate"
TYPICAL_DATA = Path(__file__).parent / "fixtures" / "ontology-reasoning" / "typical-data.ttl"

# Counted by hand: a glob or filter that silently drops a gate query fails here.
EXPECTED_GATE_QUERY_COUNT = 22

VANN = "http://purl.org/vocab/vann/"
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
# Prefixes the gate fixtures write their expected rows with.
FIXTURE_PREFIXES = PREFIXES | {"vann": VANN}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def ontology_store() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(path=ONTOLOGY, format=pyoxigraph.RdfFormat.TURTLE)
    return store


# --- parsing and header ------------------------------------------------------


def test_parses_with_one_ontology_header(ontology: Graph) -> None:
    assert set(ontology.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY_IRI}
    assert len(ontology) > 500


def test_header_has_foops_minimum_metadata(ontology: Graph) -> None:
    header = ontology.resource(ONTOLOGY_IRI)
    assert header.value(OWL.versionIRI).identifier == URIRef(str(ONTOLOGY_IRI) + "/0.2.0")
    assert header.value(OWL.versionInfo) == Literal("0.2.0")
    assert header.value(OWL.priorVersion).identifier == URIRef(str(ONTOLOGY_IRI) + "/0.1.0")
    assert header.value(DCTERMS.title).language == "en"
    assert len(str(header.value(DCTERMS.description))) > 80
    assert header.value(DCTERMS.description).language == "en"
    assert header.value(DCTERMS.creator) == Literal("conflictkg developers")
    assert header.value(DCTERMS.license).identifier == CC_BY_4
    for dated in (DCTERMS.created, DCTERMS.modified):
        assert header.value(dated).datatype == XSD.date
    assert header.value(URIRef(VANN + "preferredNamespacePrefix")) == Literal("ckg")
    assert header.value(URIRef(VANN + "preferredNamespaceUri")) == Literal(str(CKG._NS))


def test_catalog_is_a_valid_protege_catalog() -> None:
    root = ElementTree.parse(CATALOG).getroot()
    namespace = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    assert root.tag == namespace + "catalog"
    entries = list(root.iter(namespace + "uri"))
    assert {entry.get("name") for entry in entries} == {
        str(ONTOLOGY_IRI),
        str(ONTOLOGY_IRI) + "/0.2.0",
    }
    for entry in entries:
        assert (CATALOG.parent / entry.get("uri", "")).is_file(), entry.get("uri")


# --- accounts ----------------------------------------------------------------

# The statements about the world (docs/modelling.md, "Accounts"): pinned here so that losing
# or adding a ckg:requiresAccount annotation is a visible change of the contract.
WORLD_STATEMENT_PROPERTIES = {
    *("participant conductedBy ledBy supportedBy target location partOfEvent concerns").split(),
    *("causedBy usesWeapon operatedBy status startsAfter purpose durationExpression").split(),
    "heldResponsible",
    *("startNotBefore startNotAfter endNotBefore endNotAfter").split(),
    *("startDate endDate dateExpression datePrecision").split(),
    *("memberOf headOf commanded subordinateTo affiliatedWith country positionTitle").split(),
    *("locatedIn near onRiver sizeRankInCountry ownedBy storeys strongholdOf").split(),
    *("hasInfluenceIn fromPlace toPlace approximateMiles distanceText").split(),
}


def test_requires_account_marks_exactly_the_world_statement_properties(ontology: Graph) -> None:
    marked = {
        str(p).removeprefix(str(CKG._NS))
        for p in ontology.subjects(CKG.requiresAccount, Literal(True))
    }
    assert len(WORLD_STATEMENT_PROPERTIES) == 43
    assert marked == WORLD_STATEMENT_PROPERTIES


def test_the_guide_lists_every_world_statement_property() -> None:
    guide = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    section = guide.split("## Accounts", 1)[1].split("\n## ", 1)[0]
    missing = sorted(p for p in WORLD_STATEMENT_PROPERTIES if f"`{p}`" not in section)
    assert missing == []


# --- HermiT ------------------------------------------------------------------


def _reason(graph: Graph, workdir: Path) -> list[str]:
    """Run HermiT over ``graph``; the IRIs of unsatisfiable classes other than owl:Nothing.

    owlready2 reads no Turtle, so the graph goes through RDF/XML. xsd:date (the range of
    ckg:startDate and ckg:endDate) is outside the OWL 2 datatype map, which HermiT
    refuses unless told to ignore unsupported datatypes. Raises
    ``owlready2.OwlReadyInconsistentOntologyError`` when the graph is inconsistent.
    """
    path = workdir / "ontology.rdf"
    graph.serialize(path, format="xml")
    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load()
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
        )
        return sorted(c.iri for c in world.inconsistent_classes() if c.iri != OWL_NOTHING)
    finally:
        world.close()


def test_hermit_finds_ontology_consistent_without_unsatisfiable_classes(
    ontology: Graph, tmp_path: Path
) -> None:
    assert _reason(ontology, tmp_path) == []


def test_owlready2_reads_every_class_from_the_rdfxml(ontology: Graph, tmp_path: Path) -> None:
    path = tmp_path / "ontology.rdf"
    ontology.serialize(path, format="xml")
    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load()
        loaded = {c.iri for c in world.classes()}
    finally:
        world.close()
    declared = {str(c) for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert declared and declared <= loaded


def test_typical_data_is_consistent_with_the_ontology(ontology: Graph, tmp_path: Path) -> None:
    data = Graph().parse(TYPICAL_DATA, format="turtle")
    assert _reason(ontology + data, tmp_path) == []


# Each snippet breaks one axiom of the ontology, so HermiT must reject it: proof that
# the axioms the typical data passes are really checked.
_PREFIXES = """
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix ckr: <https://w3id.org/conflictkg/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
INCONSISTENT_DATA = {
    "person-is-no-organization": "ckr:x a ckg:Person , ckg:Organization .",
    "attested-by-an-actor": "ckr:x a ckg:Person ; ckg:attestedBy ckr:y . ckr:y a ckg:Person .",
    "date-precision-outside-day-month-year": 'ckr:e a ckg:Event ; ckg:datePrecision "week" .',
    "target-is-no-weapon-system": "ckr:e ckg:target ckr:w . ckr:w a ckg:WeaponSystem .",
    "two-minimum-counts": "ckr:r a ckg:Report ; ckg:minimumCount 3 , 4 .",
    "judgement-is-no-statement": "ckr:c a ckg:AuthorJudgement , ckg:AuthorStatement .",
    "campaign-is-no-single-airstrike": "ckr:e a ckg:AirCampaign , ckg:Airstrike .",
    "distance-is-no-location": "ckr:d a ckg:Distance , ckg:Location .",
    "outside-knowledge-is-no-claim": "ckr:k a ckg:OutsideKnowledge , ckg:Claim .",
    "included-in-an-event": "ckr:r ckg:includedIn ckr:e . ckr:e a ckg:Event .",
    "graph-of-an-event": "ckr:e a ckg:Event ; ckg:assertionGraph ckr:g .",
    "two-storey-count": 'ckr:h a ckg:Building ; ckg:storeys "2"^^xsd:positiveInteger , 3 .',
}


@pytest.mark.parametrize("snippet", INCONSISTENT_DATA.values(), ids=INCONSISTENT_DATA.keys())
def test_data_breaking_an_axiom_is_inconsistent(
    ontology: Graph, tmp_path: Path, snippet: str
) -> None:
    data = Graph().parse(data=_PREFIXES + snippet, format="turtle")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(ontology + data, tmp_path)


# --- OWL 2 DL profile --------------------------------------------------------

# The OWL API bundled in owlready2's HermiT.jar has the reference OWL 2 DL profile
# checker; this tiny program prints "in profile" or one violation per line.
_PROFILE_CHECK_JAVA = """
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.profiles.*;
public class ProfileCheck {
  public static void main(String[] args) throws Exception {
    OWLProfileReport report = new OWL2DLProfile().checkOntology(
        OWLManager.createOWLOntologyManager().loadOntologyFromOntologyDocument(new File(args[0])));
    if (report.isInProfile()) System.out.println("in profile");
    for (OWLProfileViolation violation : report.getViolations()) System.out.println(violation);
  }
}
"""


def test_ontology_and_typical_data_are_in_the_owl2_dl_profile(
    ontology: Graph, tmp_path: Path
) -> None:
    javac = shutil.which("javac")
    assert javac, "the OWL 2 DL profile check needs a JDK (javac) on PATH"
    hermit_jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    (tmp_path / "ProfileCheck.java").write_text(_PROFILE_CHECK_JAVA, encoding="utf-8")
    subprocess.run([javac, "-cp", str(hermit_jar), "ProfileCheck.java"], cwd=tmp_path, check=True)
    document = tmp_path / "ontology-and-data.rdf"
    (ontology + Graph().parse(TYPICAL_DATA, format="turtle")).serialize(document, format="xml")
    result = subprocess.run(
        ["java", "-cp", f"{hermit_jar}:{tmp_path}", "ProfileCheck", str(document)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == ["in profile"]


# --- quality gate ------------------------------------------------------------


def test_every_gate_query_is_collected() -> None:
    assert len(GATE_QUERIES) == EXPECTED_GATE_QUERY_COUNT, [q.name for q in GATE_QUERIES]


def test_every_gate_query_has_exactly_one_failing_fixture() -> None:
    queries = {q.stem for q in GATE_QUERIES}
    fixtures = {f.stem for f in GATE_FIXTURES.glob("*.ttl")}
    assert queries == fixtures


def _compact(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal) -> str:
    """A result term as the fixtures write it: a prefixed name where a prefix fits."""
    value = str(term.value)
    if isinstance(term, pyoxigraph.NamedNode):
        for prefix, namespace in FIXTURE_PREFIXES.items():
            local = value.removeprefix(namespace)
            if local != value and local and not any(c in local for c in "/#"):
                return f"{prefix}:{local}"
    return value


def _rows(store: pyoxigraph.Store, query: Path) -> Iterator[str]:
    """Each solution of a gate query as its values joined by spaces."""
    solutions = store.query(query.read_text(encoding="utf-8"))
    assert isinstance(solutions, pyoxigraph.QuerySolutions), f"{query.name} is not a SELECT"
    for solution in solutions:
        yield " ".join(_compact(v) for v in solution if v is not None)


@pytest.mark.parametrize("query", GATE_QUERIES, ids=[q.stem for q in GATE_QUERIES])
def test_gate_query_finds_no_violation_in_the_ontology(
    ontology_store: pyoxigraph.Store, query: Path
) -> None:
    assert list(_rows(ontology_store, query)) == []


@pytest.mark.parametrize("query", GATE_QUERIES, ids=[q.stem for q in GATE_QUERIES])
def test_gate_query_finds_the_violations_of_its_fixture(query: Path) -> None:
    """The fixture's ``# expect:`` lines are the rows the query must return, exactly."""
    fixture = GATE_FIXTURES / f"{query.stem}.ttl"
    expected = sorted(
        line.removeprefix("# expect:").strip()
        for line in fixture.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect:")
    )
    assert expected, f"{fixture.name} has no '# expect:' line"
    store = pyoxigraph.Store()
    store.load(path=fixture, format=pyoxigraph.RdfFormat.TURTLE)
    assert sorted(_rows(store, query)) == expected
