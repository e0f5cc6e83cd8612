"""The synthetic corpus: deterministic, anchored to its own text, and valid against the shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from conflictkg.cli import main
from conflictkg.pipeline import anchors, shacl, views
from conflictkg.pipeline.accounts import TriplesFile, read_triples_file
from conflictkg.project import ontology_files
from conflictkg.synth.corpus import generate, slugify, write_corpus
from conflictkg.vocab import CKG, CKR, OA
from tests.support import ROOT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("synth") / "corpus"
    assert (
        main(["--project", str(ROOT), "synth", str(target), "--articles", "3", "--seed", "7"]) == 0
    )
    return target


def _graphs(folder: Path) -> dict[str, Graph]:
    """Each article's graphs merged (its backbone and its account)."""
    return {p.stem: _merged(read_triples_file(p)) for p in sorted(folder.glob("triples/*.trig"))}


def _merged(file: TriplesFile) -> Graph:
    merged = Graph()
    for _, graph in file.graphs():
        merged += graph
    return merged


def test_corpus_has_a_project_layout(corpus: Path) -> None:
    seeds = sorted(p.stem for p in (corpus / "seeds").glob("*.txt"))
    triples = sorted(p.stem for p in (corpus / "triples").glob("*.trig"))
    assert len(seeds) == 3
    assert seeds == triples
    ontology = sorted(p.name for p in (corpus / "ontology").iterdir())
    assert ontology == sorted(p.name for p in (ROOT / "ontology").iterdir())
    for name in ontology:
        if (ROOT / "ontology" / name).is_file():
            assert (corpus / "ontology" / name).read_bytes() == (
                ROOT / "ontology" / name
            ).read_bytes()


def test_each_article_has_a_few_hundred_triples(corpus: Path) -> None:
    for stem, graph in _graphs(corpus).items():
        assert 300 <= len(graph) <= 600, f"{stem}: {len(graph)} triples"
        articles = list(graph.subjects(RDF.type, CKG.Article))
        assert len(articles) == 1
        assert str(graph.value(articles[0], CKG.seedFile)) == f"{stem}.txt"


def test_every_span_quotes_its_seed_exactly(corpus: Path) -> None:
    seeds = anchors.read_seeds(corpus / "seeds")
    data = Graph()
    for graph in _graphs(corpus).values():
        data += graph
    spans = set(data.subjects(RDF.type, CKG.TextSpan))
    assert len(spans) >= 3 * 15
    assert anchors.verify_articles(data, seeds) == []
    assert anchors.verify_spans(data, seeds) == []


def test_offsets_count_code_points_not_bytes(corpus: Path) -> None:
    # the invented names carry accents, so some span starts after a multi-byte character
    seeds = anchors.read_seeds(corpus / "seeds")
    differing = 0
    for graph in _graphs(corpus).values():
        for span in graph.subjects(RDF.type, CKG.TextSpan):
            article = graph.value(span, CKG.inArticle)
            text = seeds[str(graph.value(article, CKG.seedFile))].text
            start = int(graph.value(span, OA.start))  # type: ignore[arg-type]
            byte_start = len(text[:start].encode("utf-8"))
            differing += byte_start != start
    assert differing > 0


def test_every_described_resource_is_attested(corpus: Path) -> None:
    from conflictkg.vocab import GEO

    for stem, graph in _graphs(corpus).items():
        for subject in set(graph.subjects(RDF.type, None)):
            if (subject, RDF.type, CKG.TextSpan) in graph or (
                subject,
                RDF.type,
                GEO.Geometry,
            ) in graph:
                continue
            assert (subject, CKG.attestedBy, None) in graph, f"{stem}: {subject}"
            assert isinstance(subject, URIRef) and subject.startswith(str(CKR))


def test_output_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 2, 11, None)
    write_corpus(tmp_path / "b", 2, 11, None)
    write_corpus(tmp_path / "c", 2, 12, None)
    for sub in ("seeds", "triples"):
        a = {p.name: p.read_bytes() for p in (tmp_path / "a" / sub).iterdir()}
        b = {p.name: p.read_bytes() for p in (tmp_path / "b" / sub).iterdir()}
        c = {p.name: p.read_bytes() for p in (tmp_path / "c" / sub).iterdir()}
        assert a == b
        assert a != c


def test_articles_share_entities_so_the_graph_is_connected() -> None:
    subjects: list[set[str]] = []
    for _, _, graph in generate(10, 3):
        subjects.append({str(s) for s in graph.subjects(RDF.type, CKG.Country)})
    shared = set.union(*[a & b for i, a in enumerate(subjects) for b in subjects[i + 1 :]])
    assert shared, "no country is shared between any two of ten articles"


def test_slugs_are_lower_case_ascii_words() -> None:
    assert slugify("Qarḑa Öttö") == "qarda-otto"
    assert slugify("6th Shiga Division") == "6th-shiga-division"


def test_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["--project", str(ROOT), "synth", str(tmp_path), "--articles", "1"]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "not an empty folder" in err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_a_folder_that_cannot_be_made_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("mine")
    target = tmp_path / "a-file" / "corpus"  # under a file: no folder can be made there
    assert main(["--project", str(ROOT), "synth", str(target), "--articles", "1"]) == 1
    err = capsys.readouterr().err
    assert str(target) in err and "cannot write the corpus" in err and "Traceback" not in err


def test_corpus_passes_the_shapes(corpus: Path) -> None:
    shapes_file = ROOT / "ontology" / "shapes.ttl"
    assert shapes_file.is_file(), "ontology/shapes.ttl is part of the repository"
    data = Graph()
    for graph in _graphs(corpus).values():
        data += graph
    report = shacl.validate(data, Graph().parse(shapes_file, format="turtle"), _ontology())
    assert report.conforms, "\n".join(str(v) for v in report.violations[:10])


def _ontology() -> Graph:
    ontology = Graph()
    for path in ontology_files(ROOT / "ontology"):
        ontology.parse(path, format="turtle")
    return ontology


def test_corpus_passes_the_view_checks_with_an_account_per_article(corpus: Path) -> None:
    files = [read_triples_file(p) for p in sorted((corpus / "triples").glob("*.trig"))]
    shapes = ROOT / "ontology" / views.VIEW_SHAPES_FILE
    problems = views.check(
        files, _ontology(), Graph().parse(shapes, format="turtle"), shapes_name=str(shapes)
    )
    assert problems == []
    for file in files:
        assert len(file.accounts) == 1 and all(len(g) > 20 for g in file.accounts.values())
        narration = next(iter(file.accounts))
        assert (None, CKG.assertionGraph, narration) in file.backbone
