"""The inferred graph: the cases of tests/entailment/, and the project's own build.

On the build, two checks that do not use ``conflictkg.pipeline.entailment``: every competency query
that types a resource with plain ``a ckg:X`` (and aggregates nothing) gives the same rows
with ``a/rdfs:subClassOf* ckg:X`` written instead, and the served
graph is closed under each rule (SPARQL property paths over the served default graph find
no superclass type, super-property, inverse or transitive consequence missing).
"""

from __future__ import annotations

import pickle
import re
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import RDF

from conflictkg.pipeline import build, entailment, inputs, publish, shacl
from conflictkg.pipeline.rdfio import parse_dataset, to_turtle
from conflictkg.project import Project
from conflictkg.store import querying
from conflictkg.store.local import OxigraphBackend
from tests.support import ROOT, TESTS

CASES = TESTS / "entailment"
CASE_NAMES = sorted(p.stem for p in CASES.glob("*.trig"))
ONTOLOGY_GRAPH = URIRef("urn:ontology")


@pytest.mark.parametrize("case", CASE_NAMES, ids=CASE_NAMES)
def test_case(case: str) -> None:
    parsed = parse_dataset(CASES / f"{case}.trig")
    inferred = entailment.infer(parsed.default, parsed.named[ONTOLOGY_GRAPH])
    expected = Graph().parse(CASES / f"{case}.expected.ttl")
    if not isomorphic(inferred, expected):
        _, missing, extra = graph_diff(expected, inferred)
        pytest.fail(
            f"missing:\n{to_turtle(missing).decode()}\nnot expected:\n{to_turtle(extra).decode()}"
        )


def test_case_count() -> None:
    assert len(CASE_NAMES) == 4


# -- the project's own build -------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> OxigraphBackend:
    """The store ``conflictkg query`` and the endpoint answer from: the build's dataset."""
    root = tmp_path_factory.mktemp("inferred") / "project"
    for folder in ("seeds", "ontology", "triples"):
        shutil.copytree(ROOT / folder, root / folder)
    build.build(Project(root), root / "output")
    return querying.open_backend(None, publish.current_build(root / "output"))


def rows(backend: OxigraphBackend, query: str, source: str) -> Counter[str]:
    results = querying.run_query(backend, query, source=source)
    assert results.kind == "solutions", source
    return Counter(querying.render(results, "tsv").splitlines()[1:])


PLAIN_TYPE = re.compile(r"\ba(\s+ckg:[A-Z]\w*)")
AGGREGATE = re.compile(r"\b(?:GROUP\s+BY|COUNT|SUM|MIN|MAX|GROUP_CONCAT|SAMPLE|AVG)\b", re.I)


def _code(query: str) -> str:
    """The query without its whole-line comments (a comment may mention a pattern)."""
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


def queries_with_plain_types() -> list[Path]:
    """Competency queries typing a resource with ``a ckg:X`` and aggregating nothing: the
    path form matches a resource once per type it has below ckg:X (graph/inferred holds
    them all), so only the set of rows, not their count, is the same."""
    paths = sorted((ROOT / "queries").glob("*.rq"))
    return [
        p
        for p in paths
        if PLAIN_TYPE.search(_code(p.read_text(encoding="utf-8")))
        and not AGGREGATE.search(_code(p.read_text(encoding="utf-8")))
    ]


def test_some_competency_queries_use_plain_types() -> None:
    # otherwise the test below would compare nothing
    assert len(queries_with_plain_types()) >= 5, queries_with_plain_types()


@pytest.mark.parametrize("path", queries_with_plain_types(), ids=lambda p: p.stem)
def test_plain_types_give_the_same_rows_as_superclass_paths(
    path: Path, served: OxigraphBackend
) -> None:
    query = _code(path.read_text(encoding="utf-8"))
    with_paths = PLAIN_TYPE.sub(r"a/rdfs:subClassOf*\1", query)
    assert with_paths != query
    plain = rows(served, query, path.name)
    assert plain, f"{path.name} returns no rows: the comparison would be empty"
    assert set(rows(served, with_paths, f"{path.name} with superclass paths")) == set(plain)


# Each rule as a SPARQL query for what it implies and the served graph lacks.
MISSING = {
    "superclass types": """
        SELECT DISTINCT ?x ?class WHERE {
          ?x a ?type . ?type rdfs:subClassOf+ ?class . FILTER isIRI(?class)
          FILTER NOT EXISTS { ?x a ?class }
        }""",
    "super-properties": """
        SELECT DISTINCT ?s ?super ?o WHERE {
          ?p rdfs:subPropertyOf+ ?super . ?s ?p ?o . FILTER (?p != ?super)
          FILTER NOT EXISTS { ?s ?super ?o }
        }""",
    "inverses": """
        SELECT DISTINCT ?s ?p ?o WHERE {
          { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } UNION
          { ?p a owl:SymmetricProperty BIND (?p AS ?q) }
          ?s ?p ?o . FILTER (!isLiteral(?o))
          FILTER NOT EXISTS { ?o ?q ?s }
        }""",
    "transitive closures": """
        SELECT DISTINCT ?s ?p ?o WHERE {
          ?p a owl:TransitiveProperty . ?s ?p ?middle . ?middle ?p ?o .
          FILTER NOT EXISTS { ?s ?p ?o }
        }""",
}


@pytest.mark.parametrize("rule", sorted(MISSING))
def test_the_served_graph_lacks_nothing_the_ontology_implies(
    rule: str, served: pyoxigraph.Store
) -> None:
    missing = rows(served, MISSING[rule], rule)
    assert not missing, f"{sum(missing.values())} {rule} missing, e.g. {sorted(missing)[:5]}"


def test_the_rules_have_something_to_infer_in_the_project(served: pyoxigraph.Store) -> None:
    # the closure test above passes trivially on data the rules never apply to
    inferred = rows(
        served,
        "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/conflictkg/graph/inferred> "
        "{ ?s ?p ?o } } GROUP BY ?p",
        "inferred predicates",
    )
    predicates = {line.split("\t")[0] for line in inferred}
    assert "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in predicates
    assert "<https://w3id.org/conflictkg/ontology#locatedIn>" in predicates


def test_the_shapes_accept_the_merge_with_the_inferred_graph() -> None:
    loaded = inputs.load_inputs(Project(ROOT))
    data = loaded.data
    inferred = entailment.infer(data, loaded.ontology)
    report = shacl.validate(data + inferred, loaded.shapes, loaded.ontology)
    assert report.conforms, "\n".join(str(v) for v in report.violations[:10])


def test_the_files_triples_infer_what_their_merge_does() -> None:
    # the events table's child infers from the files as the incremental cache keeps
    # them (a triple two files hold comes twice), the build from their merge: the same set
    loaded = inputs.load_inputs(Project(ROOT))
    repeated = list(loaded.asserted_triples())
    assert len(repeated) >= len(loaded.data)
    from_files = entailment.inferred_from(repeated + repeated[:100], loaded.ontology)
    expected = entailment.inferred_triples(loaded.data, loaded.ontology)
    assert from_files == expected
    assert from_files  # the project's data has something to infer
    files = list(loaded.files.values())
    cached = [pickle.loads(pickle.dumps(f)) for f in files]  # as the cache reads them back
    packs = [f.packed() for f in files + cached]
    assert cached[0].packed() is packs[len(files)]  # read back: the cache's data, not a copy
    assert entailment.inferred_numbered(packs, loaded.ontology).as_triples() == expected


def test_the_inferred_graph_handed_over_reads_as_its_rdflib_graph() -> None:
    # the build reads the child's inferred graph by numbers (entailment.Inferred) for its
    # record and catalogue: the same answers as the graph made of its triples
    loaded = inputs.load_inputs(Project(ROOT))
    packs = [f.packed() for f in loaded.files.values()]
    numbered = entailment.inferred_numbered(packs, loaded.ontology)
    triples = numbered.as_triples()
    graph = entailment.as_graph(triples)
    handed = entailment.Inferred(*pickle.loads(pickle.dumps(numbered.parcel())))
    # pack_triples numbers equal terms made apart twice; each is one term here
    again = [(URIRef(str(s)), p, o) for s, p, o in triples]
    for inferred in (handed, entailment.Inferred.of(triples), entailment.Inferred.of(again)):
        assert len(inferred) == len(graph) > 0
        types = Counter(o for o in graph.objects(None, RDF.type))
        assert inferred.typings() == types and types
        for cls in types:
            assert set(inferred.subjects(RDF.type, cls)) == set(graph.subjects(RDF.type, cls))
        for s, p in {(s, p) for s, p, _ in graph}:
            assert sorted(inferred.objects(s, p)) == sorted(graph.objects(s, p))
        assert inferred.objects(URIRef("urn:x:absent"), RDF.type) == []
        assert inferred.subjects(RDF.type, URIRef("urn:x:absent")) == []
