"""``conflictkg query`` over a data file: the four output formats, query kinds and errors.

The query over a real build is in ``test_build.py`` (it shares that module's build).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conflictkg.cli import main
from conflictkg.store.guard import MAX_DEPTH
from conflictkg.store.querying import table

DATA = """
@base <https://w3id.org/conflictkg/id/> .
@prefix ckg: <https://w3id.org/conflictkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<person/a> a ckg:Person ; rdfs:label "Ana Préll"@en .
<person/teo-marsh> a ckg:Person ; rdfs:label "Teo\\nMarsh"@en .
"""
SELECT = "SELECT ?p ?label WHERE { ?p a ckg:Person ; rdfs:label ?label } ORDER BY ?p"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


def run(
    capsys: pytest.CaptureFixture[str], dataset: Path, query: str, *options: str
) -> tuple[int, str, str]:
    path = dataset.parent / "q.rq"
    path.write_text(query, encoding="utf-8")
    code = main(["query", str(path), "--dataset", str(dataset), *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_is_aligned_with_prefixes_and_a_row_count(capsys, dataset: Path) -> None:
    code, out, _ = run(capsys, dataset, SELECT)
    assert code == 0
    assert out.splitlines() == [
        "p                     label",
        "--------------------  ------------",
        "ckr:person/a          Ana Préll@en",
        "ckr:person/teo-marsh  Teo⏎Marsh@en",
        "(2 rows)",
    ]


def test_csv_tsv_and_json_are_the_w3c_formats(capsys, dataset: Path) -> None:
    _, out, _ = run(capsys, dataset, SELECT, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["p", "label"]
    assert rows[1] == ["https://w3id.org/conflictkg/id/person/a", "Ana Préll"]
    _, out, _ = run(capsys, dataset, SELECT, "--format", "tsv")
    assert out.splitlines()[0] == "?p\t?label"
    assert out.splitlines()[1] == '<https://w3id.org/conflictkg/id/person/a>\t"Ana Préll"@en'
    _, out, _ = run(capsys, dataset, SELECT, "--format", "json")
    bindings = json.loads(out)["results"]["bindings"]
    assert bindings[0]["label"] == {"type": "literal", "value": "Ana Préll", "xml:lang": "en"}


def test_ask_and_construct(capsys, dataset: Path) -> None:
    assert run(capsys, dataset, "ASK { ?p a ckg:Person }")[1] == "true\n"
    _, out, _ = run(capsys, dataset, "ASK { ?p a ckg:City }", "--format", "json")
    assert json.loads(out)["boolean"] is False
    _, out, _ = run(capsys, dataset, "CONSTRUCT { ?p a ckg:Actor } WHERE { ?p a ckg:Person }")
    assert "ckg:Actor" in out and "@prefix ckg:" in out
    code, _, err = run(capsys, dataset, "CONSTRUCT WHERE { ?p a ckg:Person }", "--format", "csv")
    assert code == 1 and "returns triples" in err


def test_query_from_standard_input(capsys, dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"))
    assert main(["query", "-", "--dataset", str(dataset)]) == 0
    assert capsys.readouterr().out.splitlines()[2].strip() == "4"


def test_syntax_error_names_the_query_file(capsys, dataset: Path) -> None:
    code, out, err = run(capsys, dataset, "SELECT ?x WHERE { ?x ?p }")
    assert code == 1 and out == ""
    assert err.startswith("conflictkg query: error: ") and "q.rq: SPARQL syntax error" in err
    assert "Traceback" not in err


def test_deep_nesting_is_refused_before_it_can_crash_oxigraph(capsys, dataset: Path) -> None:
    query = "SELECT * WHERE " + "{ " * 6000 + "?s ?p ?o" + " }" * 6000
    code, _, err = run(capsys, dataset, query)
    assert code == 1 and f"more than {MAX_DEPTH} levels" in err
    assert "line 1, column" in err  # the position in the query as written, prefixes not counted


def test_missing_query_file_and_missing_build(capsys, tmp_path: Path) -> None:
    assert main(["query", str(tmp_path / "absent.rq"), "--dataset", "x.ttl"]) == 1
    assert "absent.rq: cannot read the query" in capsys.readouterr().err
    for folder in ("seeds", "ontology", "triples"):
        (tmp_path / folder).mkdir()
    query = tmp_path / "q.rq"
    query.write_text("ASK {}", encoding="utf-8")
    assert main(["--project", str(tmp_path), "query", str(query)]) == 1
    assert "no build yet; run `conflictkg build` first" in capsys.readouterr().err


def test_empty_table() -> None:
    assert table(["a"], []) == "a\n-\n(0 rows)\n"
