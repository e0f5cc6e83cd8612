"""``conflictkg load`` and ``serve --store`` in front of a real Virtuoso 7 (tests/support/virtuoso).

The project's ontology and triples (what the competency questions run over) are loaded with
``conflictkg load --store … --graph-store …/sparql-graph-crud-auth --user dba
--union-graph IRI``; a real ``conflictkg serve --store …/sparql --union-graph IRI`` then
answers every competency question with the rows of ``queries/*.tsv``, as the embedded store
does. One Virtuoso serves the session (the W3C protocol suite uses it too, under a union
graph of its own).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
import requests

from conflictkg.cli import main
from conflictkg.store.backend import QueryFailed
from conflictkg.store.remote import MAX_LISTED_GRAPHS, RemoteBackend
from tests.support import ROOT
from tests.support.liveserver import LiveServer
from tests.support.virtuoso import INSTALL_HINT, Virtuoso, load_into, project_with
from tests.support.virtuoso import available as virtuoso_available
from tests.test_competency_queries import ORDER_BY, QUERIES, _backend, _tsv_lines, _without_comments

UNION = "https://w3id.org/conflictkg/graph/union"
# Competency questions whose rows Virtuoso 7.2 does not give as Oxigraph (and SPARQL 1.1)
# do, with the reason: each is a strict xfail, reported by pytest -ra, never skipped.
XFAIL: dict[str, str] = {
    "death-toll-range-per-event": (
        "Virtuoso 7.2 writes xsd:boolean values as the integers 1/0 and drops the language "
        "tag of values passed through an aggregate (GROUP_CONCAT)"
    ),
    "event-locations-with-coordinates": (
        "Virtuoso 7.2 stores geo:wktLiteral values as its own geometries with single-"
        "precision coordinates: POINT(37.16 36.2) comes back as "
        "POINT(37.159999847412 36.200000762939)"
    ),
    "events-in-time-order": (
        "Virtuoso 7.2 returns 1 of the 6 rows (rdfs:subClassOf* from a variable class, a "
        "FILTER, a BIND and two OPTIONALs; the join alone counts right, the whole does not)"
    ),
    "events-table": (
        "Virtuoso 7.2 refuses this query with HTTP 500, error SQ074 pointing at its closing "
        "BIND/ORDER BY lines (a SPARQL 1.1 query that Oxigraph runs); not diagnosed further"
    ),
    "places-in-iraq": (
        "Virtuoso 7.2 keeps the farther containing places that the FILTER NOT EXISTS over the "
        "locatedIn closure must drop (Oxigraph, on the same data, keeps only the nearest)"
    ),
    "victims-by-category": (
        "Virtuoso 7.2 gives MAX over a group with an unbound value the largest bound value "
        "(SQL's NULL rule); SPARQL 1.1 makes the aggregate an error, so the cell is empty"
    ),
}


@pytest.fixture(scope="module")
def competency_store(virtuoso: Virtuoso, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Virtuoso holding what the competency questions run over; the project that loaded it."""
    dump = _backend().dump(pyoxigraph.RdfFormat.TRIG)
    project = project_with(tmp_path_factory.mktemp("competency"), dump)
    assert load_into(virtuoso, project, UNION) == 0
    return project


@pytest.fixture(scope="module")
def endpoint(
    virtuoso: Virtuoso, competency_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """``conflictkg serve --store`` in front of the Virtuoso."""
    args = ["--project", str(competency_store), "serve", "--store", virtuoso.sparql]
    args += ["--union-graph", UNION, "--workers", "1"]
    server = LiveServer(args, tmp_path_factory.mktemp("serve-virtuoso") / "serve.log")
    yield server
    server.stop()


def test_load_puts_each_graph_the_union_and_the_catalogue(
    virtuoso: Virtuoso, competency_store: Path
) -> None:
    local = _backend()
    with RemoteBackend(virtuoso.sparql, union_graph=UNION) as remote:
        remote.check()  # the catalogue is there
        assert remote.triple_count() == local.triple_count()
        sizes = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        mine = {r["g"].value: r["n"].value for r in remote.query(sizes).rows()}
        theirs = {r["g"].value: r["n"].value for r in local.query(sizes).rows()}
        assert mine == theirs
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert remote.query(count).rows() == local.query(count).rows()


def test_load_prints_progress_lines_when_not_on_a_terminal(
    virtuoso: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = b"<urn:a> <urn:p> <urn:b> .\n<urn:g> { <urn:a> <urn:p> <urn:c> . }\n"
    assert load_into(virtuoso, project_with(tmp_path, dump), "urn:progress-union") == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[-1].startswith("loading: 100% (3/3 graphs, 4/4 triples")
    assert "\r" not in captured.err
    assert "loaded 1 named graph(s) and their union in <urn:progress-union>" in captured.out


def test_load_without_credentials_names_what_is_missing(
    virtuoso: Virtuoso, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_with(tmp_path, b"<urn:a> <urn:p> <urn:b> .\n")
    args = ["--project", str(project), "load", "--store", virtuoso.sparql]
    args += ["--union-graph", "urn:refused-union"]
    assert main([*args, "--graph-store", virtuoso.graph_store]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "--user NAME with CONFLICTKG_STORE_PASSWORD" in err
    assert main([*args, "--graph-store", virtuoso.base + "/sparql-graph-crud"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 403" in err and "Permission denied" in err and "Traceback" not in err


# Questions whose rows Virtuoso gave right in some runs and not in others: a non-strict
# xfail, reported by pytest -ra as XFAIL or XPASS with the reason.
UNSTABLE: dict[str, str] = {
    "article-vs-outside-knowledge": (
        "Virtuoso 7.2 once lost the 28 rows of the outside-knowledge branch of the UNION "
        "(a full-suite run on a loaded machine) and gave every row when run alone: its "
        "query plan, and with it the answer, varies from run to run"
    ),
}


def _params() -> list[object]:
    params: list[object] = []
    for path in QUERIES:
        marks = []
        if path.stem in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[path.stem], strict=True))
        if path.stem in UNSTABLE:
            marks.append(pytest.mark.xfail(reason=UNSTABLE[path.stem], strict=False))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("query_path", _params())
def test_competency_question_through_the_endpoint(endpoint: LiveServer, query_path: Path) -> None:
    query = query_path.read_text(encoding="utf-8")
    reply = requests.post(
        endpoint.base + "/sparql",
        data={"query": query},
        headers={"Accept": "text/tab-separated-values"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text[:500]
    actual = _tsv_lines(reply.text)
    expected = _tsv_lines(query_path.with_suffix(".tsv").read_text(encoding="utf-8"))
    assert actual[:1] == expected[:1]
    if ORDER_BY.search(_without_comments(query)):
        assert actual == expected
    else:
        assert Counter(actual[1:]) == Counter(expected[1:])


def test_every_competency_question_is_asked() -> None:
    assert {p.stem for p in QUERIES} >= set(XFAIL) | set(UNSTABLE)
    assert len(QUERIES) == len(list((ROOT / "queries").glob("*.rq")))


def test_health_counts_the_dataset_not_virtuoso_s_own_graphs(endpoint: LiveServer) -> None:
    health = json.loads(requests.get(endpoint.base + "/health", timeout=30).text)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    (row,) = _backend().query(count).rows()
    assert health["triples"] == int(row["n"].value)  # the union, each triple once


def test_an_answer_virtuoso_cuts_at_its_row_limit_is_503_not_shorter(tmp_path: Path) -> None:
    if not virtuoso_available():
        pytest.skip(INSTALL_HINT)
    with Virtuoso(tmp_path / "small", max_rows=2) as small:
        dump = b"<urn:g> { <urn:a> <urn:p> 1, 2, 3, 4 . }\n"
        assert load_into(small, project_with(tmp_path / "p", dump), "urn:small-union") == 0
        with RemoteBackend(small.sparql, union_graph="urn:small-union") as backend:
            assert len(backend.query("SELECT ?o WHERE { ?s ?p ?o } LIMIT 1").rows()) == 1
            with pytest.raises(QueryFailed) as caught:
                backend.query("SELECT ?o WHERE { ?s ?p ?o }")
    assert caught.value.status == 503 and "cut its answer short" in caught.value.message


def test_a_dataset_of_more_graphs_than_a_query_can_list_is_sent_its_union(
    virtuoso: Virtuoso, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    graphs = MAX_LISTED_GRAPHS + 1
    dump = "".join(
        f"<urn:many:{i}> {{ <urn:many:s> <urn:many:p> {i % 7} . }}\n" for i in range(graphs)
    )
    assert load_into(virtuoso, project_with(tmp_path, dump.encode()), "urn:many-union") == 0
    with RemoteBackend(virtuoso.sparql, union_graph="urn:many-union") as backend:
        backend.check()  # the catalogue is there
        (row,) = backend.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows()
        assert row["n"].value == "7"
        named = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { <urn:many:s> ?p ?o } }"
        (row,) = backend.query(named).rows()
        assert row["n"].value == str(graphs + 1)  # GRAPH ?g sees the union graph as well
    assert f"{graphs} named graphs are more than the {MAX_LISTED_GRAPHS}" in caplog.text
