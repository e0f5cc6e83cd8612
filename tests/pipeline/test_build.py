"""The build pipeline on the mini fixture article, with the repo's ontology and shapes.

One good build is shared by the module; every bad case of ``fixtures/bad/`` then builds a
broken copy into the same output folder and must leave ``output/current`` as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from conflictkg.cli import main
from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import artefacts, build, chunks, forked, inputs, publish, tables
from conflictkg.pipeline.accounts import INFERRED_GRAPH
from conflictkg.pipeline.formats import format_for_path
from conflictkg.pipeline.mergeindex import MergeIndex
from conflictkg.project import Project
from conflictkg.vocab import BASE_IRI as BASE
from conflictkg.vocab import GRAPH, ONTOLOGY_GRAPH
from tests.support import FIXTURES
from tests.support import ROOT as REPO

MINI = FIXTURES / "mini"
BAD_CASES = sorted((FIXTURES / "bad").glob("*.toml"))


def make_project(root: Path) -> Path:
    """A project with the mini article and a copy of the repo's ontology/ (shapes too)."""
    root.mkdir(parents=True)
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(MINI / "seeds", root / "seeds")
    shutil.copytree(MINI / "triples", root / "triples")
    return root


def read_with_oxigraph(path: Path) -> dict[str, Graph]:
    """An artefact read by another parser than the one that wrote it: graph name -> graph."""
    lines: dict[str, list[str]] = {}
    for quad in pyoxigraph.parse(path=str(path), format=format_for_path(path).oxigraph):
        name = "" if isinstance(quad, pyoxigraph.Triple) else str(quad.graph_name)
        name = "" if name == "DEFAULT" else name.strip("<>")
        lines.setdefault(name, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    return {name: Graph().parse(data="\n".join(nt), format="nt") for name, nt in lines.items()}


def snapshot(output: Path) -> dict[str, object]:
    """Where ``current`` points and the SHA-256 of every file it holds."""
    current = output / "current"
    return {
        "target": str(current.readlink()),
        "files": {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(current.iterdir())
        },
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    root = make_project(tmp_path_factory.mktemp("mini") / "project")
    output = root / "output"
    # the catalogue's dates are the build's day: fixed, as for any reproducible build
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1500000000")
        assert main(["--project", str(root), "build", "--output", str(output)]) == 0
        yield root, output


def test_build_writes_every_artefact(built: tuple[Path, Path]) -> None:
    _, output = built
    current = output / "current"
    assert current.is_symlink() and not Path(current.readlink()).is_absolute()
    names = {p.name for p in current.iterdir()}
    assert names == {a.file for a in artefacts.ARTEFACTS}
    for name in names:
        assert (current / name).stat().st_size > 0, name
    assert "Table of Contents" in (current / artefacts.DOCS_FILE).read_text(encoding="utf-8")


def source_graphs(root: Path) -> dict[str, Graph]:
    """The graphs of the mini triples file, read by Oxigraph, the default one as graph/mini."""
    graphs = read_with_oxigraph(root / "triples" / "mini.trig")
    graphs[str(GRAPH["mini"])] = graphs.pop("")
    return graphs


def merge(graphs: Iterable[Graph]) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    return merged


def test_dumps_hold_the_merge_of_every_graph_and_the_inferred_one(
    built: tuple[Path, Path],
) -> None:
    root, output = built
    inferred = read_with_oxigraph(output / "current" / "dataset.trig")[str(INFERRED_GRAPH)]
    asserted = merge(source_graphs(root).values())
    assert len(inferred) > 0 and not set(inferred) & set(asserted)
    expected = merge([asserted, inferred])
    for name in ("dataset.ttl", "dataset.nt", "dataset.jsonld", "dataset.rdf"):
        assert isomorphic(read_with_oxigraph(output / "current" / name)[""], expected), name
    lines = (output / "current" / "dataset.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines) and len(lines) == len(expected)


def test_trig_has_every_graph_of_the_triples_files_inferred_and_ontology(
    built: tuple[Path, Path],
) -> None:
    root, output = built
    graphs = read_with_oxigraph(output / "current" / "dataset.trig")
    source = source_graphs(root)
    accounts = {
        BASE + "id/claim/residents-drava-brigade-seized-bridge/assertion",
        BASE + "id/claim/author-people-and-roles/assertion",
    }
    outside = {BASE + "graph/outside/wikidata-q1001"}
    assert set(source) == {str(GRAPH["mini"]), *accounts, *outside}
    assert set(graphs) == {*source, str(INFERRED_GRAPH), str(ONTOLOGY_GRAPH)}
    for name, graph in source.items():
        assert isomorphic(graphs[name], graph), name
    ontology = Graph().parse(root / "ontology" / "conflictkg.ttl")
    assert isomorphic(graphs[str(ONTOLOGY_GRAPH)], ontology)
    for name in ("ontology.ttl", "ontology.rdf"):
        assert isomorphic(read_with_oxigraph(output / "current" / name)[""], ontology), name


def test_build_json_records_inputs_counts_tools_and_steps(built: tuple[Path, Path]) -> None:
    root, output = built
    record = json.loads((output / "current" / "build.json").read_text(encoding="utf-8"))
    seed = root / "seeds" / "mini.txt"
    assert record["inputs"]["seeds/mini.txt"] == hashlib.sha256(seed.read_bytes()).hexdigest()
    assert set(record["inputs"]) == {"triples/mini.trig", "seeds/mini.txt"} | {
        f"ontology/{p.name}" for p in (REPO / "ontology").glob("*.ttl")
    }
    counts = record["counts"]
    source = source_graphs(root)
    asserted = merge(source.values())
    inferred = read_with_oxigraph(output / "current" / "dataset.trig")[str(INFERRED_GRAPH)]
    assert counts["asserted_triples"] == len(asserted)
    assert counts["inferred_triples"] == len(inferred)
    assert counts["triples"] == len(asserted) + len(inferred)
    assert counts["graphs"] == {
        "backbone_graphs": 1,
        "backbone_triples": len(source[str(GRAPH["mini"])]),
        "account_graphs": 2,
        "account_triples": sum(len(g) for n, g in source.items() if n.endswith("/assertion")),
        "outside_graphs": 1,
        "outside_triples": len(source[BASE + "graph/outside/wikidata-q1001"]),
    }
    assert counts["spans"] == 15 and counts["articles"] == 1
    assert counts["instances"]["ckg:Person"] == 2
    assert set(record["seconds"]) == {
        "parse",
        "quotes",
        "views",
        "shacl",
        "reasoner",
        "inferred",
        "write",
    }
    cpu = record["cpu_seconds"]
    assert set(cpu["steps"]) == set(record["seconds"])  # each step's CPU beside its wall time
    assert all(spent >= 0 for spent in cpu["steps"].values())
    # a check that ran beside the others (in a forked child, or a thread waiting for the
    # JVM) is counted where it ran: the steps of this process stay within its own CPU
    assert set(record["beside"]) <= set(record["seconds"])
    own = [spent for step, spent in cpu["steps"].items() if step not in record["beside"]]
    assert sum(own) <= cpu["process"]
    assert sum(cpu["steps"].values()) <= cpu["process"] + cpu["children"]
    assert {"rdflib", "pyshacl", "owlready2", "pyoxigraph", "python"} <= set(record["tools"])
    for name, digest in record["artefacts"].items():
        assert hashlib.sha256((output / "current" / name).read_bytes()).hexdigest() == digest


def test_summary_names_counts_instances_and_timings(tmp_path: Path) -> None:
    record = {
        "folder": "out/build-x",
        "counts": {
            "triples": 10,
            "triples_per_file": {"a": 10},
            "ontology_triples": 5,
            "shapes_triples": 4,
            "articles": 1,
            "spans": 3,
            "wikidata_links": 2,
            "instances": {"ckg:Person": 2},
        },
        "seconds": {"parse": 0.1, "shacl": 1.5, "write": 0.5},
        "beside": ["shacl"],
        "wall_seconds": 2.0,
    }
    text = build.summary(record, tmp_path)
    assert "triples: 10" in text and "ckg:Person 2" in text
    assert "seconds: parse 0.10, write 0.50; beside them: shacl 1.50 (wall 2.00)" in text


def test_rebuild_is_byte_identical_and_old_builds_are_pruned(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, output = built
    first = snapshot(output)
    assert main(["--project", str(root), "build", "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "text spans: 15" in printed and "seconds:" in printed and "shacl" in printed
    second = snapshot(output)
    assert second["target"] != first["target"]
    for name in [*artefacts.RDF_ARTEFACTS, artefacts.DOCS_FILE, artefacts.EVENTS_FILE]:
        assert first["files"][name] == second["files"][name], name  # type: ignore[index]
    builds = sorted(p.name for p in output.glob(publish.BUILD_PREFIX + "*"))
    assert len(builds) == 2 and second["target"] in builds
    assert not list(output.glob(".tmp-*")) and not list(output.glob(".current-*"))


def test_if_needed_skips_an_up_to_date_build(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, output = built
    before = snapshot(output)
    assert main(["--project", str(root), "build", "--output", str(output), "--if-needed"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert snapshot(output) == before


def test_if_needed_builds_again_when_an_artefact_is_missing(
    built: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # as after a build by a version that did not write ontology.html yet
    root, output = built
    (output / "current" / artefacts.DOCS_FILE).unlink()
    assert main(["--project", str(root), "build", "--output", str(output), "--if-needed"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert (output / "current" / artefacts.DOCS_FILE).is_file()


def test_query_on_the_build_prints_a_table(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = built
    query = tmp_path / "people.rq"
    query.write_text(
        "SELECT ?person ?label WHERE { ?person a ckg:Person ; rdfs:label ?label } ORDER BY ?label",
        encoding="utf-8",
    )
    assert main(["--project", str(root), "query", str(query)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["person", "label"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split()[0] == "ckr:person/ana-prell" and "Ana Préll" in lines[2]
    assert lines[3].split()[0] == "ckr:person/teo-marsh"
    assert lines[2].index("Ana") == lines[0].index("label")  # columns are aligned
    assert lines[-1] == "(2 rows)"


def test_validate_reports_every_check(built: tuple[Path, Path], capsys) -> None:
    root, _ = built
    assert main(["--project", str(root), "validate"]) == 0
    out = capsys.readouterr().out
    for check in ("parse", "quotes", "views", "shacl", "reasoner"):
        assert any(line.startswith(check) and " OK" in line for line in out.splitlines()), check


def test_all_bad_cases_are_collected() -> None:
    # a filter left in the glob would silently test fewer cases
    assert len(BAD_CASES) == 12


def _break(project: Path, case: dict) -> str:
    """Apply a bad case to a project; returns the expected substrings, {line} resolved."""
    target = project / case.get("file", "triples/mini.trig")
    text = target.read_text(encoding="utf-8")
    line = None
    for old, new in case.get("replace", []):
        assert text.count(old) == 1, old
        line = line or text.count("\n", 0, text.index(old)) + 1
        text = text.replace(old, new)
    text += case.get("append", "")
    target.write_text(text, encoding="utf-8")
    for name in case.get("remove", []):
        (project / name).unlink()
    return [e.replace("{line}", str(line)) for e in case["expect"]]


@pytest.mark.parametrize("case_file", BAD_CASES, ids=lambda p: p.stem)
def test_bad_input_fails_and_leaves_current_alone(
    case_file: Path,
    built: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, output = built
    before = snapshot(output)
    project = make_project(tmp_path / "project")
    expected = _break(project, tomllib.loads(case_file.read_text(encoding="utf-8")))
    code = main(["--project", str(project), "build", "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("conflictkg build: error: ")
    assert "Traceback" not in err
    for fragment in expected:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert snapshot(output) == before
    assert not list(output.glob(".tmp-*")) and not list(output.glob(".current-*"))


@pytest.mark.parametrize("beside", [True, False], ids=["shacl-forked", "shacl-in-process"])
def test_a_shacl_failure_is_reported_alone_whether_forked_or_not(
    beside: bool,
    built: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SHACL runs beside the other checks in a child (or here, without fork); either way its
    # verdict stops the build and names the failing check (a failure of SHACL and HermiT
    # together is test_incremental's test_a_break_fails_incrementally_as_in_a_full_build)
    if not beside:
        monkeypatch.setattr(forked, "available", lambda: False)
    _, output = built
    before = snapshot(output)
    project = make_project(tmp_path / "project")
    _break(project, tomllib.loads((FIXTURES / "bad" / "shacl-violation.toml").read_text()))
    assert main(["--project", str(project), "build", "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert "check failed: shacl;" in err and "focus node ckr:place/korvath" in err
    assert snapshot(output) == before


def test_the_events_table_starts_before_the_merge_and_stops_when_the_build_fails(
    built: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # its child loads the asserted graphs on the other core while the build merges and
    # checks them; a failed check (here SHACL's, after the merge) leaves no child behind
    order: list[str] = []
    children: list[int] = []
    merge, begin = inputs.Inputs.data.fget, tables.EventsTable.__init__  # type: ignore[attr-defined]
    number = inputs.Inputs.merge_index

    def merging(read: inputs.Inputs) -> Graph:
        order.append("merge")
        return merge(read)

    def numbering(read: inputs.Inputs) -> MergeIndex:  # the merge of a rebuild
        order.append("merge")
        return number(read)

    def beginning(table: tables.EventsTable, *args: object, **kwargs: object) -> None:
        order.append("events table")
        begin(table, *args, **kwargs)  # type: ignore[arg-type]
        if table._child is not None and table._child._pid:
            children.append(table._child._pid)

    monkeypatch.setattr(inputs.Inputs, "data", property(merging))
    monkeypatch.setattr(inputs.Inputs, "merge_index", numbering)
    monkeypatch.setattr(tables.EventsTable, "__init__", beginning)
    _, output = built
    project = make_project(tmp_path / "project")
    _break(project, tomllib.loads((FIXTURES / "bad" / "shacl-violation.toml").read_text()))
    assert main(["--project", str(project), "build", "--output", str(output)]) == 1
    assert "check failed: shacl;" in capsys.readouterr().err
    assert order[:2] == ["events table", "merge"]
    assert len(children) == int(forked.available())
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # stopped and reaped


def test_an_inferred_blank_node_gives_the_build_made_without_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An ontology whose own blank node gets a superclass type: graph/inferred holds a
    # blank node, so the events table's child hands nothing back and waits for the TriG
    # the build gives it; every artefact is the one a build without any child writes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    outputs = []
    for fork in (True, False):
        monkeypatch.setattr(forked, "available", lambda fork=fork: fork)
        project = make_project(tmp_path / f"project-{fork}")
        (project / "ontology" / "example.ttl").write_text(
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "<http://example.org/Part> rdfs:subClassOf <http://example.org/Whole> .\n"
            "[] a <http://example.org/Part> .\n",
            encoding="utf-8",
        )
        output = project / "output"
        assert main(["--project", str(project), "build", "--output", str(output)]) == 0
        outputs.append(output)
    served = (outputs[0] / "current" / "dataset.nt").read_text(encoding="utf-8")
    assert any(
        line.startswith("_:") and line.endswith("<http://example.org/Whole> .")
        for line in served.splitlines()
    )
    forked_files, alone = (snapshot(o)["files"] for o in outputs)
    for name in [*artefacts.RDF_ARTEFACTS, artefacts.EVENTS_FILE]:
        assert forked_files[name] == alone[name], name  # type: ignore[index]


def test_the_documents_written_in_their_own_child_are_those_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The merge's Turtle, RDF/XML and JSON-LD are made and written by a child of their own
    # while the build writes the rest (Artefacts.write); without fork, here. Same bytes,
    # same catalogue sizes and VoID counts, and a second build finds every chunk kept.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    calls = tmp_path / "calls"  # a file: a child's memory is not the test's
    real = publish._documents_written

    def documented(*args, **kwargs):  # type: ignore[no-untyped-def]
        with calls.open("a") as told:  # a child ends with os._exit, so holds to the end
            told.write(f"{forked.holds_to_the_end()} {os.getpid()}\n")
        return real(*args, **kwargs)

    def made() -> list[tuple[str, int]]:
        lines = calls.read_text().split() if calls.exists() else []
        return [(lines[i], int(lines[i + 1])) for i in range(0, len(lines), 2)]

    monkeypatch.setattr(publish, "_documents_written", documented)
    outputs = []
    for fork in (True, False):
        monkeypatch.setattr(forked, "available", lambda fork=fork: fork)
        project = make_project(tmp_path / f"project-{fork}")
        output = project / "output"
        assert main(["--project", str(project), "build", "--output", str(output)]) == 0
        outputs.append(output)
    assert made() == [("True", made()[0][1])] and made()[0][1] != os.getpid()  # forked, once
    forked_files, alone = (snapshot(o)["files"] for o in outputs)
    for name in artefacts.ARTEFACTS:
        if name.file not in ("build.json", artefacts.DOCS_FILE):
            assert forked_files[name.file] == alone[name.file], name.file  # type: ignore[index]
    # the chunks the child wrote were kept from the build's pruning: a build again finds
    # every one of them (none made again, so none written again)
    folder = outputs[0] / "cache" / "chunks"

    def kept() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*")}

    first = kept()
    written = [p for p in folder.glob("*.pickle") if isinstance(_unpickled(p), chunks.Written)]
    assert written  # the child's chunks, not only the build's (graph/inferred's Turtle)
    monkeypatch.setattr(forked, "available", lambda: True)
    project = outputs[0].parent
    assert main(["--project", str(project), "build", "--output", str(outputs[0])]) == 0
    assert kept() == first and len(made()) == 2


def _unpickled(path: Path) -> object:
    return pickle.loads(path.read_bytes())


def test_a_failure_of_the_documents_child_fails_the_build_and_keeps_the_last(
    built: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not forked.available():
        pytest.skip("no os.fork or one core: the documents are made in the build's process")

    def broken(*args: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(publish, "_documents_written", broken)
    _, output = built
    before = snapshot(output)
    project = make_project(tmp_path / "project")
    assert main(["--project", str(project), "build", "--output", str(output), "--full"]) == 1
    err = capsys.readouterr().err
    assert "the merged dumps' Turtle, RDF/XML and JSON-LD failed" in err
    assert "RuntimeError: the disk is full" in err and "Traceback" not in err
    assert snapshot(output) == before


def test_validate_of_a_bad_project_exits_1_with_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "project")
    _break(project, tomllib.loads((FIXTURES / "bad" / "missing-seed.toml").read_text()))
    assert main(["--project", str(project), "validate"]) == 1
    captured = capsys.readouterr()
    assert "parse     FAILED" in captured.out and "expected the seed" in captured.out
    assert "quotes    SKIPPED" in captured.out
    assert "validation failed: parse" in captured.err


# -- publishing, without the checks ------------------------------------------------------


def _writer(text: str):
    def write(folder: Path) -> None:
        (folder / "dataset.ttl").write_text(text, encoding="utf-8")

    return write


def test_publish_switches_current_and_keeps_the_last_two(tmp_path: Path) -> None:
    output = tmp_path / "output"
    folders = [publish.publish(output, _writer(f"build {n}")) for n in range(4)]
    assert (output / "current" / "dataset.ttl").read_text() == "build 3"
    kept = sorted(p for p in output.iterdir() if p.name.startswith(publish.BUILD_PREFIX))
    assert kept == folders[-2:]
    assert oct(folders[-1].stat().st_mode & 0o777) == "0o755"


def test_a_failing_writer_leaves_current_and_no_debris(tmp_path: Path) -> None:
    output = tmp_path / "output"
    publish.publish(output, _writer("good"))
    before = snapshot(output)

    def broken(folder: Path) -> None:
        (folder / "dataset.ttl").write_text("half", encoding="utf-8")
        raise ConflictKGError("disk full")

    with pytest.raises(ConflictKGError, match="disk full"):
        publish.publish(output, broken)
    assert snapshot(output) == before
    assert sorted(
        p.name for p in output.iterdir() if not p.name.startswith(publish.BUILD_PREFIX)
    ) == ["current"]


def test_prune_never_removes_the_current_build(tmp_path: Path) -> None:
    output = tmp_path / "output"
    first = publish.publish(output, _writer("one"))
    (output / f"{publish.BUILD_PREFIX}99999999T999999.999999Z").mkdir()
    (output / f"{publish.BUILD_PREFIX}99999999T999999.999998Z").mkdir()
    (output / "current").unlink()
    (output / "current").symlink_to(first.name)
    removed = publish.prune(output, keep=2)
    assert first.is_dir() and removed == []


def test_pruning_beforehand_keeps_the_current_build_and_the_newest(tmp_path: Path) -> None:
    # what a build deletes while it reads its files: the builds publishing it would prune
    output = tmp_path / "output"
    current = publish.publish(output, _writer("one"))
    older = output / f"{publish.BUILD_PREFIX}00000000T000000.000000Z"
    newest = output / f"{publish.BUILD_PREFIX}99999999T999999.999999Z"  # rolled back from
    for folder in (older, newest):
        folder.mkdir()
        (folder / "dataset.ttl").write_text("x", encoding="utf-8")
    with publish.pruning(output):
        pass
    assert not older.exists() and current.is_dir() and newest.is_dir()
    assert (output / "current").resolve() == current.resolve()
    with publish.pruning(tmp_path / "none"):  # no builds yet: nothing to do
        pass
    assert not (tmp_path / "none").exists()


def test_current_that_is_not_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "output" / "current").mkdir(parents=True)
    with pytest.raises(ConflictKGError, match="not a symlink"):
        publish.publish(tmp_path / "output", _writer("x"))


def test_project_option_must_name_a_project(tmp_path: Path, capsys) -> None:
    assert main(["--project", str(tmp_path), "validate"]) == 1
    assert "not a conflictkg project" in capsys.readouterr().err


def test_input_hashes_cover_ontology_triples_and_seeds(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    hashes = inputs.input_hashes(Project(project))
    assert "triples/mini.trig" in hashes and "seeds/mini.txt" in hashes
    assert "ontology/view-shapes.ttl" in hashes
    assert "ontology/shapes.ttl" in hashes


def test_query_on_the_build_sees_the_ontology_in_the_default_graph(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Competency questions read class and concept labels, which live in the ontology's
    # named graph: the default graph must be the union, as on the endpoint.
    root, _ = built
    query = tmp_path / "classes.rq"
    query.write_text("SELECT ?label WHERE { ckg:Person rdfs:label ?label }", encoding="utf-8")
    assert main(["--project", str(root), "query", str(query), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["person"]


def test_query_finds_superclass_instances_without_paths(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # graph/inferred is part of what `conflictkg query` reads: a Takeover is a ckg:Event
    root, _ = built
    query = tmp_path / "events.rq"
    query.write_text("SELECT ?event WHERE { ?event a ckg:Event }", encoding="utf-8")
    assert main(["--project", str(root), "query", str(query)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].strip() == "ckr:event/2019-06-04-korvath-bridge-takeover"
    assert lines[-1] == "(1 row)"
