"""Every competency question in ``queries/*.rq`` returns exactly the result beside it.

Each query runs with Oxigraph over the ontology (without the shapes), every triples file and
the inferred graph the build computes from them (``pipeline.entailment``), with the default
graph the merge of all graphs (each triple once), as the endpoint serves a build;
the named graphs (article accounts, outside knowledge) stay queryable with GRAPH. Its answer,
in SPARQL 1.1 TSV, must equal ``queries/<name>.tsv`` - row for row when the query has an
ORDER BY, as a multiset of rows otherwise.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pyoxigraph
import pytest

from conflictkg.pipeline import entailment, rdfio
from conflictkg.pipeline.accounts import INFERRED_GRAPH
from conflictkg.pipeline.inputs import load_inputs
from conflictkg.project import Project, ontology_files
from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))

# The number of competency questions; a filter that drops some of them must fail here.
EXPECTED_QUERY_COUNT = 42

ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


@cache
def _backend() -> OxigraphBackend:
    """The backend every query of the project goes through (the endpoint's, the CLI's)."""
    ontology = ontology_files(ROOT / "ontology")
    triples = sorted([*(ROOT / "triples").glob("*.trig"), *(ROOT / "triples").glob("*.ttl")])
    store = load_files([*ontology, *triples])
    inputs = load_inputs(Project.at(ROOT))
    inferred = entailment.infer(inputs.data, inputs.ontology)
    store.load(
        rdfio.to_ntriples(inferred),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
        to_graph=pyoxigraph.NamedNode(str(INFERRED_GRAPH)),
    )
    return OxigraphBackend(store)


def _without_comments(query: str) -> str:
    # Only whole-line comments are stripped: enough to keep "ORDER BY" in a comment from counting.
    return "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))


def _tsv_lines(text: str) -> list[str]:
    return [line for line in text.replace("\r\n", "\n").split("\n") if line != ""]


def _diff(expected: list[str], actual: list[str], name: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            expected, actual, fromfile=f"queries/{name}.tsv", tofile="actual", lineterm=""
        )
    )


def test_query_count() -> None:
    assert len(QUERIES) == EXPECTED_QUERY_COUNT, [p.stem for p in QUERIES]


@pytest.mark.parametrize("query_path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_states_its_question_and_has_expected_result(query_path: Path) -> None:
    first_line = query_path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# Question: "), f"{query_path.name}: first line {first_line!r}"
    assert first_line.rstrip().endswith("?"), f"{query_path.name}: the question ends with '?'"
    assert query_path.with_suffix(".tsv").is_file(), f"no expected result {query_path.stem}.tsv"


@pytest.mark.parametrize("query_path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_returns_expected_result(query_path: Path) -> None:
    query = query_path.read_text(encoding="utf-8")
    results = _backend().query(query)
    assert results.kind == "solutions", f"{query_path.name} is not a SELECT"
    actual = _tsv_lines(results.serialize(pyoxigraph.QueryResultsFormat.TSV).decode())
    expected = _tsv_lines(query_path.with_suffix(".tsv").read_text(encoding="utf-8"))

    assert actual[:1] == expected[:1], f"{query_path.stem}: header differs\n" + _diff(
        expected[:1], actual[:1], query_path.stem
    )
    assert len(expected) > 1, f"{query_path.stem}.tsv expects no rows: a question must have answers"
    if ORDER_BY.search(_without_comments(query)):
        assert actual == expected, f"{query_path.stem}: rows differ (in order)\n" + _diff(
            expected, actual, query_path.stem
        )
    else:
        missing = Counter(expected[1:]) - Counter(actual[1:])
        extra = Counter(actual[1:]) - Counter(expected[1:])
        assert not missing and not extra, (
            f"{query_path.stem}: rows differ (as a multiset)\n"
            + "\n".join(f"- {row}" for row in sorted(missing.elements()))
            + "\n"
            + "\n".join(f"+ {row}" for row in sorted(extra.elements()))
        )
