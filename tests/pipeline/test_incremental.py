"""Incremental builds give the artefacts and the verdicts of a full build of the same inputs.

A small synthetic corpus is built once (a full build, which fills the cache); each test
then changes it, builds again incrementally into the same output, builds the same inputs
with ``--full`` into a fresh output, and compares.
"""

from __future__ import annotations

import functools
import json
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import (
    accounts,
    artefacts,
    eventrows,
    incremental,
    inputs,
    rdfio,
    shacl,
    shapereads,
)
from conflictkg.pipeline.build import build
from conflictkg.pipeline.mergeindex import MergeIndex
from conflictkg.pipeline.seeds import sha256_file
from conflictkg.project import Project
from conflictkg.synth.corpus import write_corpus
from conflictkg.vocab import CKG
from tests.support import ROOT as REPO

ARTICLES = 3
COMPARED = [*artefacts.RDF_ARTEFACTS, artefacts.DOCS_FILE, artefacts.EVENTS_FILE]


@pytest.fixture(scope="module")
def corpus_and_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A corpus of ARTICLES + 1 articles (the last kept aside) and a full build of the rest."""
    base = tmp_path_factory.mktemp("incremental")
    spare = base / "spare"
    write_corpus(spare, ARTICLES + 1, seed=3, ontology=REPO / "ontology")
    root = base / "corpus"
    shutil.copytree(spare, root)
    last = sorted((root / "triples").glob("*.trig"))[-1].stem
    (root / "triples" / f"{last}.trig").unlink()
    (root / "seeds" / f"{last}.txt").unlink()
    record = build(Project.at(root), base / "output")
    assert record["checked"] == {"full": True, "why": "no earlier build in the cache"}
    return root, base / "output", spare


@pytest.fixture
def project(corpus_and_build: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the corpus and of its output (cache included), for one test to change."""
    root, output, _ = corpus_and_build
    shutil.copytree(root, tmp_path / "corpus")
    shutil.copytree(output, tmp_path / "output", symlinks=True)
    return tmp_path / "corpus", tmp_path / "output"


def _same_as_full(root: Path, output: Path, scratch: Path) -> dict:
    """Build incrementally, then fully elsewhere; every artefact must be byte-identical."""
    record = build(Project.at(root), output)
    # pyLODE's page is kept per ontology digest (not per build): share it, not the checks'
    shutil.copytree(
        output / "cache", scratch / "cache", ignore=shutil.ignore_patterns("incremental")
    )
    full = build(Project.at(root), scratch, full=True)
    assert full["checked"]["full"] is True
    for name in COMPARED:
        made = (output / "current" / name).read_bytes()
        assert made == (scratch / "current" / name).read_bytes(), f"{name} differs"
    return record


def _first_trig(root: Path) -> Path:
    return sorted((root / "triples").glob("*.trig"))[0]


def test_a_changed_article_rebuilds_incrementally_and_identically(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, output = project
    path = _first_trig(root)
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(r'rdfs:label "', 'rdfs:label "Renamed ', text, count=1)
    assert n == 1
    path.write_text(changed, encoding="utf-8")
    record = _same_as_full(root, output, tmp_path / "full")
    assert record["checked"] == {"full": False, "changed": [path.stem]}
    assert b"Renamed " in (output / "current" / "dataset.nt").read_bytes()
    # HermiT on the change's region gave its verdict beside the other checks
    assert record["beside"] == ["reasoner"] and record["seconds"]["reasoner"] > 0
    assert any(n.startswith("incremental: HermiT on the") for n in record["notes"])
    assert "HermiT: consistent, no unsatisfiable classes" in record["notes"]


def _no_denial(text: str) -> tuple[str, int]:
    """The first denial made a plain claim that disputes nothing."""
    text, n = re.subn(r"\s*ckg:disputes <[^>]+> ;", "", text, count=1)
    text, m = re.subn(r"a ckg:Denial ;", "a ckg:Claim ;", text, count=1)
    return text, n * m


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: re.subn(
            r'ckg:minimumCount "(\d+)"', lambda m: f'ckg:minimumCount "{int(m[1]) + 1}"', t, count=1
        ),
        _no_denial,
        lambda t: re.subn(
            "ckg:sourceGrade ckg:NamedOfficialSource",
            "ckg:sourceGrade ckg:AnonymousOfficialSource",
            t,
            count=1,
        ),
        # an account's statement that one place lies in another (read by name as a quad
        # of the account only from the row of its subject, a place: no row)
        lambda t: re.subn(r"\n    <[^>]+/place/[^>]+> ckg:locatedIn <[^>]+> \.", "", t, count=1),
    ],
    ids=["a-death-toll", "a-dispute-removed", "a-claims-grade", "an-accounts-located-in"],
)
def test_the_events_table_answers_only_the_rows_a_change_can_affect(
    project: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[str], tuple[str, int]],
) -> None:
    # the child answers the rows the change can affect and keeps the others: the table is
    # the full build's (compared in _same_as_full), and the rows were not all answered
    root, output = project
    path = _first_trig(root)
    changed, n = edit(path.read_text(encoding="utf-8"))
    assert n == 1, f"the edit found nothing to change in {path.name}"
    path.write_text(changed, encoding="utf-8")
    told = _telling(monkeypatch, tmp_path)
    _same_as_full(root, output, tmp_path / "full")
    merged, answered, rows = json.loads(told.read_text())
    assert merged, "the rebuild kept the rows the change cannot affect"
    assert 0 < answered < rows, (answered, rows)


def _telling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A file the events table's child writes, when it merges the last table with the
    rows it answered: whether it could, how many events it answered, of how many rows."""
    told = tmp_path / "told"
    answer = eventrows.merged_table

    def telling(previous: bytes, answered: bytes, dropped: set, events: set) -> bytes | None:
        table = answer(previous, answered, dropped, events)
        rows = (eventrows.split_rows(previous) or (b"", []))[1]
        told.write_text(json.dumps([table is not None, len(events), len(rows)]))
        return table

    monkeypatch.setattr(eventrows, "merged_table", telling)
    return told


def test_an_added_article_rebuilds_incrementally_and_identically(
    project: tuple[Path, Path],
    corpus_and_build: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, output = project
    spare = corpus_and_build[2]
    added = sorted((spare / "triples").glob("*.trig"))[-1]
    shutil.copy(added, root / "triples" / added.name)
    shutil.copy(spare / "seeds" / f"{added.stem}.txt", root / "seeds")
    told = _telling(monkeypatch, tmp_path)
    record = _same_as_full(root, output, tmp_path / "full")
    assert record["checked"] == {"full": False, "changed": [added.stem]}
    # its events answered, not those of the others at the places and actors it shares
    merged, answered, rows = json.loads(told.read_text())
    assert merged and 0 < answered < rows, (answered, rows)


def test_a_removed_article_rebuilds_incrementally_and_identically(
    project: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, output = project
    path = _first_trig(root)
    path.unlink()
    (root / "seeds" / f"{path.stem}.txt").unlink()
    told = _telling(monkeypatch, tmp_path)
    record = _same_as_full(root, output, tmp_path / "full")
    assert record["checked"] == {"full": False, "changed": [path.stem]}
    merged, answered, rows = json.loads(told.read_text())  # its rows dropped, few answered
    assert merged and answered < rows, (answered, rows)


def test_a_break_fails_incrementally_as_in_a_full_build(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    # a place the first article describes made a person in the second: disjoint classes
    root, output = project
    first, second = sorted((root / "triples").glob("*.trig"))[:2]
    places = sorted(_places(first))
    assert places, "the first synthetic article describes no place"
    with open(second, "a", encoding="utf-8") as f:
        f.write(f"\n{places[0]} a ckg:Person .\n")
    with pytest.raises(ConflictKGError) as incremental_error:
        build(Project.at(root), output)
    with pytest.raises(ConflictKGError) as full_error:
        build(Project.at(root), tmp_path / "full", full=True)
    assert incremental_error.value.details, "the failure names its problems"
    assert incremental_error.value.details == full_error.value.details
    # the failed build left the cache at the last good state: still incremental afterwards
    cache = incremental.open_cache(Project.at(root), output)
    assert cache.incremental and cache.previous[second.stem] != sha256_file(second)


def test_a_changed_seed_fails_incrementally_as_in_a_full_build(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    # no triples file changed: the rebuild reads the articles' hashes from the merge as
    # numbers, and finds the seed's new SHA-256 wrong as a full build does
    root, output = project
    seed = sorted((root / "seeds").glob("*.txt"))[0]
    seed.write_text(seed.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(ConflictKGError) as incremental_error:
        build(Project.at(root), output)
    with pytest.raises(ConflictKGError) as full_error:
        build(Project.at(root), tmp_path / "full", full=True)
    assert any("has SHA-256" in d for d in incremental_error.value.details)
    assert incremental_error.value.details == full_error.value.details


def _places(path: Path) -> set[str]:
    return set(re.findall(r"<https://w3id.org/conflictkg/id/place/[\w-]+>", path.read_text()))


def test_a_file_read_back_from_the_cache_makes_its_graphs_only_when_asked() -> None:
    # an incremental build reads every unchanged file back, but needs from most of them
    # only what the plain data gives: names, sizes, triples, the articles its spans name,
    # the triples about a few resources
    path = sorted((REPO / "triples").glob("*.trig"))[0]
    parsed = accounts.read_triples_file(path)
    kept = pickle.loads(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(kept, accounts.TriplesFile) and kept._made is None  # type: ignore[attr-defined]
    assert kept.names() == parsed.names() and len(parsed.names()) > 2
    assert kept.sizes() == parsed.sizes() and len(kept) == len(parsed)
    assert kept.outside_names() == parsed.outside_names() and parsed.outside_names()
    assert sorted(kept.triples()) == sorted(parsed.triples())
    spans_of = kept.backbone_objects(CKG.inArticle)
    assert spans_of == parsed.backbone_objects(CKG.inArticle) and spans_of
    some = {next(iter(spans_of)), *list(parsed.accounts.values())[0].subjects()}
    nowhere = {URIRef("http://example.org/nothing")}
    assert kept.about(nowhere) is None and parsed.about(nowhere) is None
    cut, whole = kept.about(frozenset(some)), parsed.about(some)
    assert cut is not None and whole is not None
    assert [(n, sorted(g)) for n, g in cut.graphs()] == [(n, sorted(g)) for n, g in whole.graphs()]
    assert any(len(g) for _, g in cut.graphs()) and len(cut) < len(parsed)
    assert kept._made is None  # type: ignore[attr-defined]  # none of that made the graphs
    # asked for, the graphs are the parsed ones, prefixes included
    made = kept.graphs()
    assert [(n, sorted(g)) for n, g in made] == [(n, sorted(g)) for n, g in parsed.graphs()]
    assert dict(made[0][1].namespaces()) == dict(parsed.backbone.namespaces())
    assert kept._made is not None  # type: ignore[attr-defined]


def test_a_changed_ontology_empties_the_cache(project: tuple[Path, Path]) -> None:
    root, output = project
    ontology = root / "ontology" / "conflictkg.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    cache = incremental.open_cache(Project.at(root), output)
    assert not cache.incremental and "ontology" in cache.full_reason
    assert not (output / incremental.CACHE_FOLDER).exists()


# ------------------------------------------------------------- the region of a change

HEAD = """\
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# the unchanged file: an event at a place and a claim attested in an article, both
# described by the changed file only
UNCHANGED = (
    HEAD
    + """
<event/e> a ckg:Airstrike ; rdfs:label "e"@en ; ckg:location <place/shared> .
<claim/c> a ckg:Claim ; rdfs:label "c"@en ; ckg:startDate "2018-03-01"^^xsd:date ;
    ckg:attestedBy <article/a/span/0-5> .
<article/a/span/0-5> a ckg:TextSpan ; ckg:inArticle <article/a> .
"""
)
BEFORE = (
    HEAD
    + "<place/shared> a ckg:City .\n"
    + '<article/a> a ckg:Article ; dcterms:date "2018-06-01"^^xsd:date .\n'
)


def _parsed(tmp_path: Path, name: str, text: str) -> accounts.TriplesFile:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return accounts.read_triples_file(path)


def _violations(data: Graph, focus: set | None = None) -> set[tuple[str, str, str]]:
    report = shacl.validate(data, _shapes(), _ontology(), focus_nodes=focus)
    return {(r.focus, r.path, r.message) for r in report.violations}


@functools.cache
def _ontology() -> Graph:
    return inputs.load_inputs(Project.at(REPO)).ontology


@functools.cache
def _shapes() -> Graph:
    return rdfio.parse_file(REPO / "ontology" / "shapes.ttl")


def _merge(*files: accounts.TriplesFile) -> Graph:
    merged = rdfio.new_graph()
    for file in files:
        for _, graph in file.graphs():
            merged += graph
    return merged


def _index(*files: accounts.TriplesFile) -> MergeIndex:
    return MergeIndex.of(file.packed() for file in files)


@pytest.mark.parametrize(
    "after, caught",
    [
        # the shared place is no longer a place: the event of the unchanged file breaks
        (BEFORE.replace("ckg:City", "ckg:Person"), "event/e"),
        # the article's date moves before the claim's: two links back from the article
        (BEFORE.replace("2018-06-01", "2018-01-01"), "claim/c"),
    ],
    ids=["type-of-a-linked-resource", "date-two-links-away"],
)
def test_a_violation_through_a_shared_resource_is_in_the_region(
    tmp_path: Path, after: str, caught: str
) -> None:
    unchanged = _parsed(tmp_path, "b.trig", UNCHANGED)
    old = _parsed(tmp_path / "old", "a.trig", BEFORE)
    new = _parsed(tmp_path, "a.trig", after)
    data = _merge(new, unchanged)
    made = _violations(data) - _violations(_merge(old, unchanged))
    assert any(caught in focus for focus, _, _ in made), made  # the change breaks it
    area = incremental.region(data, _ontology(), [new], [old])
    assert made <= _violations(area.data, area.focus)
    # a rebuild reads the merge as numbers: the same region
    numbered = incremental.region(_index(new, unchanged), _ontology(), [new], [old])
    assert numbered.focus == area.focus
    assert set(numbered.data) == set(area.data)
    # counting only what changes the merge, and walking back no further than a link the
    # shapes read only at the focus node (as the build does), still catches it: the
    # claim is reached back over its ckg:attestedBy, the last step
    for merged in (data, _index(new, unchanged)):
        for local in (frozenset(), _local()):
            tight = incremental.region(
                merged, _ontology(), [new], [old], unchanged=[unchanged], local=local
            )
            assert made <= _violations(tight.data, tight.focus)


# an article added beside UNCHANGED, with its own copy of the shared place's type and
# label (as every synthetic and real article describes the places it names)
HUB = HEAD + '<place/shared> a ckg:City ; rdfs:label "shared"@en .\n'
ADDED = HUB + '<article/n> a ckg:Article ; dcterms:date "2018-06-01"^^xsd:date .\n'


def test_only_what_changes_the_merge_is_a_change(tmp_path: Path) -> None:
    unchanged = _parsed(tmp_path, "b.trig", UNCHANGED + HUB.removeprefix(HEAD))
    added = _parsed(tmp_path, "n.trig", ADDED)
    with_it, without = _merge(unchanged, added), _merge(unchanged)
    own = {t for t in _merge(added) if t not in without}
    assert own and len(own) < len(_merge(added))  # the place's triples are in both
    for merged in (with_it, _index(unchanged, added)):
        assert incremental.merge_delta(merged, [added], [], [unchanged]) == own
    for merged in (without, _index(unchanged)):  # the article removed again
        assert incremental.merge_delta(merged, [], [added], [unchanged]) == own
    # the shared place is no changed subject: the event there is not re-checked
    tight = incremental.region(with_it, _ontology(), [added], [], unchanged=[unchanged])
    loose = incremental.region(with_it, _ontology(), [added], [])
    names = {str(n).rsplit("/id/", 1)[-1] for n in tight.focus}
    assert names == {"article/n"}, names
    assert "event/e" in {str(n).rsplit("/id/", 1)[-1] for n in loose.focus}


def test_the_region_leaves_out_what_the_change_cannot_reach(tmp_path: Path) -> None:
    # a label of the article changed: the event at the shared place is not re-checked
    unchanged = _parsed(tmp_path, "b.trig", UNCHANGED)
    old = _parsed(tmp_path / "old", "a.trig", BEFORE)
    new = _parsed(tmp_path, "a.trig", BEFORE + '<article/a> rdfs:label "a"@en .\n')
    for merged in (_merge(new, unchanged), _index(new, unchanged)):
        area = incremental.region(merged, _ontology(), [new], [old])
        names = {str(n).rsplit("/id/", 1)[-1] for n in area.focus}
        assert names == {"article/a", "article/a/span/0-5", "claim/c"}, names


def test_hermit_reads_the_focus_nodes_and_their_neighbours_not_the_longer_paths(
    tmp_path: Path,
) -> None:
    # the claim's label changed: SHACL's data follows its attestedBy/inArticle/date path
    # to the article's date; HermiT's part ends at the span, one link from the claim
    unchanged = _parsed(tmp_path, "b.trig", UNCHANGED)
    old = _parsed(tmp_path / "old", "a.trig", BEFORE)
    new = _parsed(tmp_path, "a.trig", BEFORE + '<claim/c> rdfs:label "c, again"@en .\n')
    ckg, dcterms = Namespace(str(CKG)), Namespace("http://purl.org/dc/terms/")
    base = "https://w3id.org/conflictkg/id/"
    names = ("claim/c", "article/a/span/0-5", "article/a")
    claim, span, article = (URIRef(base + n) for n in names)
    for merged in (_merge(new, unchanged), _index(new, unchanged)):
        area = incremental.region(merged, _ontology(), [new], [old])
        assert area.focus == {claim}
        assert set(area.near) <= set(area.data)
        assert (claim, ckg.attestedBy, span) in area.near  # the focus node's own
        assert (span, ckg.inArticle, article) in area.near  # its neighbour's
        date = (article, dcterms.date, Literal("2018-06-01", datatype=XSD.date))
        assert date in area.data and date not in area.near  # two links away


@functools.cache
def _local() -> frozenset:
    return shapereads.local_predicates(_shapes(), _ontology())


@pytest.mark.parametrize(
    "attested",
    ["<article/n/span/0-5>", "<article/n>"],  # a span; an article, not a span: a violation
    ids=["valid", "attested-by-an-article"],
)
def test_a_hubs_own_attested_by_reaches_only_the_hub_and_what_it_points_at(
    tmp_path: Path, attested: str
) -> None:
    # an added article gives the shared place a ckg:attestedBy of its own, which no other
    # file holds: the shapes read ckg:attestedBy only at the focus node, so the event at
    # the place is not re-checked; a violation the triple makes is still caught
    unchanged = _parsed(tmp_path, "b.trig", UNCHANGED + BEFORE.removeprefix(HEAD))
    added = _parsed(
        tmp_path,
        "n.trig",
        HEAD
        + '<article/n> a ckg:Article ; dcterms:date "2018-06-01"^^xsd:date .\n'
        + "<article/n/span/0-5> a ckg:TextSpan ; ckg:inArticle <article/n> .\n"
        + f"<place/shared> ckg:attestedBy {attested} .\n",
    )
    assert CKG.attestedBy in _local()
    before, data = _merge(unchanged), _merge(unchanged, added)
    made = _violations(data) - _violations(before)  # the bare article's own, and maybe:
    at_hub = {v for v in made if v[0].endswith("place/shared")}
    assert bool(at_hub) == (attested == "<article/n>"), made
    for merged in (data, _index(unchanged, added)):
        tight = incremental.region(
            merged, _ontology(), [added], [], unchanged=[unchanged], local=_local()
        )
        names = {str(n).rsplit("/id/", 1)[-1] for n in tight.focus}
        assert "place/shared" in names and "event/e" not in names, names
        assert made <= _violations(tight.data, tight.focus)
        loose = incremental.region(merged, _ontology(), [added], [], unchanged=[unchanged])
        assert "event/e" in {str(n).rsplit("/id/", 1)[-1] for n in loose.focus}


def test_a_full_build_reads_nothing_from_the_cache(project: tuple[Path, Path]) -> None:
    # cached quote verdicts that claim a problem, parsed files swapped between two
    # digests: a build that believed the cache would fail or write other triples
    root, output = project
    folder = output / incremental.CACHE_FOLDER
    copied = set((folder / "quotes").glob("*.json"))
    build(Project.at(root), output)  # the verdicts of the files where they now are
    verdicts = sorted(set((folder / "quotes").glob("*.json")) - copied)
    first, second = sorted((folder / "parsed").glob("*.pickle"))[:2]
    assert verdicts
    for path in verdicts:
        path.write_text('{"problems": ["a cached problem"], "spans": 0}', encoding="utf-8")
    one, other = first.read_bytes(), second.read_bytes()
    first.write_bytes(other)
    second.write_bytes(one)
    before = (output / "current" / "dataset.nt").read_bytes()
    record = build(Project.at(root), output, full=True)
    assert record["checked"] == {"full": True, "why": "--full"}
    assert (output / "current" / "dataset.nt").read_bytes() == before
    # and it refilled the cache with real verdicts and parsed files
    assert all("a cached problem" not in p.read_text(encoding="utf-8") for p in verdicts)
    assert first.read_bytes() != other and second.read_bytes() != one
