"""Every curated triples file parses, has no blank nodes, quotes its seed exactly and uses only
declared terms; every resource the article's backbone types is attested by a span of its article.

Data-driven over ``triples/*.trig`` and ``triples/*.ttl`` (Turtle: a TriG file with only a default
graph): each file's seed is ``seeds/<stem>.txt``. The file's default graph is the article's backbone
(article, spans, types, labels, claims); its named graphs are the account and outside-knowledge
graphs (docs/modelling.md). Tests about the article's text read the backbone; tests about terms,
IRIs and blank nodes read every graph.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import BNode, Node

from conflictkg.store.files import load_files
from conflictkg.vocab import CKG, CKR, GEO, OA, PREFIXES, WGS

ROOT = Path(__file__).resolve().parents[1]
TRIPLES = sorted([*(ROOT / "triples").glob("*.trig"), *(ROOT / "triples").glob("*.ttl")])
ONTOLOGY = ROOT / "ontology" / "conflictkg.ttl"

# Resources that need no ckg:attestedBy: the spans themselves, geometries, and the concepts
# and schemes of the ontology.
UNATTESTED_TYPES = {CKG.TextSpan, GEO.Geometry, SKOS.Concept, SKOS.ConceptScheme}

# Terms the data may use that no ontology declares: RDF/RDFS built-ins.
BUILT_INS = {RDF.type, RDFS.label}

# Declarations that make an IRI a term of the ontology.
DECLARING_TYPES = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    RDF.Property,
    RDFS.Class,
    RDFS.Datatype,
    SKOS.Concept,
    SKOS.ConceptScheme,
}

# The external terms docs/modelling.md lists; used only while the ontology file is absent.
GUIDE_EXTERNAL_TERMS = {
    OA.exact,
    OA.prefix,
    OA.suffix,
    OA.start,
    OA.end,
    DCTERMS.title,
    DCTERMS.creator,
    DCTERMS.publisher,
    DCTERMS.date,
    DCTERMS.language,
    SKOS.altLabel,
    SKOS.prefLabel,
    SKOS.definition,
    SKOS.exactMatch,
    SKOS.inScheme,
    GEO.Geometry,
    GEO.hasGeometry,
    GEO.asWKT,
    GEO.wktLiteral,
    WGS.lat,
    WGS.long,
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@cache
def _dataset(path: Path) -> Dataset:
    dataset = Dataset()
    # rdflib 7's own TriG parsing still goes through its deprecated ConjunctiveGraph and
    # default_context; those warnings are about rdflib's code calling itself, not ours
    # (filterwarnings = error would turn them into failures).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return dataset


@cache
def _graph(path: Path) -> Graph:
    """Every graph of the file merged: the backbone, the accounts and the outside knowledge."""
    graph = Graph()
    for s, p, o, _g in _dataset(path).quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@cache
def _backbone(path: Path) -> Graph:
    """The file's default graph: what the article's own text anchors."""
    graph = Graph()
    for triple in _dataset(path).default_graph:
        graph.add(triple)
    return graph


def _quad_count(path: Path) -> int:
    return sum(1 for _ in _dataset(path).quads((None, None, None, None)))


@cache
def _declared_terms() -> frozenset[Node]:
    """Every IRI the ontology declares (or, without an ontology, vocab.CKG plus the guide's)."""
    if not ONTOLOGY.exists():
        own = {URIRef(str(CKG._NS) + name) for name in CKG.__annotations__}
        return frozenset(own | GUIDE_EXTERNAL_TERMS | BUILT_INS)
    ontology = Graph()
    ontology.parse(ONTOLOGY, format="turtle")
    declared = {
        s for t in DECLARING_TYPES for s in ontology.subjects(RDF.type, t) if isinstance(s, URIRef)
    }
    return frozenset(declared | BUILT_INS)


def _short(node: Node) -> str:
    text = str(node)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>"


def _typed_subjects(graph: Graph) -> Iterator[tuple[Node, set[Node]]]:
    for subject in set(graph.subjects(RDF.type, None)):
        yield subject, set(graph.objects(subject, RDF.type))


def test_triples_files_exist() -> None:
    assert TRIPLES, "triples/ holds no .trig or .ttl file"


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    assert len(_backbone(path)) > 0, f"{path.name} has an empty default graph"
    store = load_files([path])
    assert len(store) == _quad_count(path)


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_has_a_seed(path: Path) -> None:
    assert (ROOT / "seeds" / f"{path.stem}.txt").is_file(), f"no seeds/{path.stem}.txt"


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_no_blank_nodes(path: Path) -> None:
    blank = {
        f"{_short(s)} {_short(p)} {_short(o)}"
        for s, p, o in _graph(path)
        if isinstance(s, BNode) or isinstance(o, BNode)
    }
    assert not blank, f"{path.name} has blank nodes:\n" + "\n".join(sorted(blank))


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_spans_quote_the_seed_exactly(path: Path) -> None:
    graph = _backbone(path)
    seed = (ROOT / "seeds" / f"{path.stem}.txt").read_bytes().decode("utf-8")
    spans = set(graph.subjects(RDF.type, CKG.TextSpan))
    assert spans, f"{path.name} has no text spans"
    problems = []
    for span in sorted(spans):
        exact = graph.value(span, OA.exact)
        start = graph.value(span, OA.start)
        end = graph.value(span, OA.end)
        if not all(isinstance(v, Literal) for v in (exact, start, end)):
            problems.append(f"{_short(span)}: needs oa:exact, oa:start and oa:end")
            continue
        assert isinstance(start, Literal) and isinstance(end, Literal)
        for name, value in (("oa:start", start), ("oa:end", end)):
            if value.datatype != XSD.nonNegativeInteger:
                problems.append(f"{_short(span)}: {name} is not xsd:nonNegativeInteger")
        first, last = int(start), int(end)
        if seed[first:last] != str(exact):
            problems.append(
                f"{_short(span)}: oa:exact {str(exact)!r} but the seed has "
                f"{seed[first:last]!r} at [{first}, {last})"
            )
        if not str(span).endswith(f"/span/{first}-{last}"):
            problems.append(f"{_short(span)}: IRI does not end in /span/{first}-{last}")
        article = graph.value(span, CKG.inArticle)
        if article is None or (article, RDF.type, CKG.Article) not in graph:
            problems.append(f"{_short(span)}: ckg:inArticle is not an article of this file")
        elif not str(span).startswith(str(article) + "/span/"):
            problems.append(f"{_short(span)}: IRI is not under its article {_short(article)}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_article_names_its_seed(path: Path) -> None:
    graph = _backbone(path)
    articles = list(graph.subjects(RDF.type, CKG.Article))
    assert len(articles) == 1, f"{path.name}: expected one ckg:Article, found {len(articles)}"
    seed = ROOT / "seeds" / f"{path.stem}.txt"
    assert str(graph.value(articles[0], CKG.seedFile)) == seed.name
    assert (
        str(graph.value(articles[0], CKG.sha256)) == hashlib.sha256(seed.read_bytes()).hexdigest()
    )


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_every_instance_is_attested(path: Path) -> None:
    # Resources typed only in an outside-knowledge graph (a president the article does not
    # name) have no span: the article does not attest them.
    graph = _backbone(path)
    spans = set(graph.subjects(RDF.type, CKG.TextSpan))
    unattested = []
    for subject, types in _typed_subjects(graph):
        if types & UNATTESTED_TYPES:
            continue
        evidence = set(graph.objects(subject, CKG.attestedBy))
        if not evidence:
            unattested.append(f"{_short(subject)}: no ckg:attestedBy")
        elif not evidence <= spans:
            unattested.append(f"{_short(subject)}: attested by something that is not a span here")
    assert not unattested, f"{path.name}:\n" + "\n".join(sorted(unattested))


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_every_instance_has_one_english_label(path: Path) -> None:
    graph = _graph(path)
    wrong = []
    for subject, _types in _typed_subjects(graph):
        labels = list(graph.objects(subject, RDFS.label))
        if len(labels) != 1 or not (isinstance(labels[0], Literal) and labels[0].language == "en"):
            wrong.append(f"{_short(subject)}: {[str(label) for label in labels]}")
    assert not wrong, f"{path.name}: instances without exactly one @en label:\n" + "\n".join(
        sorted(wrong)
    )


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_resource_iris_are_minted_by_the_guide(path: Path) -> None:
    kinds = (
        "article",
        "person",
        "org",
        "unit",
        "group",
        "place",
        "event",
        "weapon",
        "report",
        "claim",
        "geometry",
        "distance",
        "outside",
    )
    graph = _graph(path)
    bad = []
    for subject in set(graph.subjects()):
        text = str(subject)
        if not text.startswith(str(CKR)):
            bad.append(f"{_short(subject)}: not under {CKR}")
            continue
        kind, _, slug = text[len(str(CKR)) :].partition("/")
        if kind not in kinds or not slug or slug != slug.lower() or " " in slug:
            bad.append(f"{_short(subject)}: kind must be one of {kinds}, slug lower-case")
    assert not bad, f"{path.name}:\n" + "\n".join(sorted(bad))


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_uses_only_declared_terms(path: Path) -> None:
    graph = _graph(path)
    declared = _declared_terms()
    used: set[Node] = set(graph.predicates())
    used |= set(graph.objects(None, RDF.type))
    used |= {
        o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(str(CKG._NS))
    }
    used |= {o.datatype for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    undeclared = {
        _short(term) for term in used if term not in declared and not str(term).startswith(str(XSD))
    }
    assert not undeclared, f"{path.name} uses terms the ontology does not declare: " + ", ".join(
        sorted(undeclared)
    )


@pytest.mark.parametrize("path", TRIPLES, ids=_ids(TRIPLES))
def test_exact_matches_point_at_wikidata_items(path: Path) -> None:
    graph = _graph(path)
    bad = [
        f"{_short(s)} -> {o}"
        for s, o in graph.subject_objects(SKOS.exactMatch)
        if not str(o).startswith("http://www.wikidata.org/entity/Q")
    ]
    assert not bad, f"{path.name}:\n" + "\n".join(sorted(bad))
