"""The embedded backend: the same answers from memory and from its on-disk copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph

from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend
from tests.support.liveserver import SAMPLE

QUERY = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
    "ORDER BY ?s ?label"
)


def rows(backend: OxigraphBackend) -> list[tuple[str, str]]:
    result = backend.query(QUERY)
    assert isinstance(result.raw, pyoxigraph.QuerySolutions)
    return [(str(r["s"]), str(r["label"])) for r in result.raw]


def test_a_store_over_the_threshold_is_served_from_disk_with_the_same_answers() -> None:
    memory = OxigraphBackend(load_files([SAMPLE]), on_disk_over=None)
    disk = OxigraphBackend(load_files([SAMPLE]), on_disk_over=0)
    assert memory.folder is None
    assert disk.folder is not None and any(disk.folder.iterdir())
    assert rows(disk) == rows(memory) and rows(memory)
    assert disk.triple_count() == memory.triple_count()
    nquads = pyoxigraph.RdfFormat.N_QUADS
    assert sorted(disk.dump(nquads).splitlines()) == sorted(memory.dump(nquads).splitlines())


def test_a_forked_process_opens_the_disk_store_for_itself() -> None:
    disk = OxigraphBackend(load_files([SAMPLE]), on_disk_over=0)
    expected = len(rows(disk))
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the forked worker: must not use the parent's handle
        try:
            os.write(writer, str(len(rows(disk))).encode())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    with os.fdopen(reader) as answer:
        assert int(answer.read()) == expected


def test_the_disk_copy_is_removed_when_the_loading_process_exits(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from conflictkg.store.local import OxigraphBackend\n"
        "from conflictkg.store.files import load_files\n"
        f"backend = OxigraphBackend(load_files([Path({str(SAMPLE)!r})]), on_disk_over=0)\n"
        "print(backend.folder)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    folder = Path(done.stdout.strip())
    assert folder.name.startswith("conflictkg-store-")
    assert not folder.exists()


def test_positions_in_messages_move_back_over_lines_put_before_the_query() -> None:
    from conflictkg.store.backend import lines_back

    assert lines_back("error at 3:7: expected", 1) == "error at 2:7: expected"
    assert lines_back("too deep (at line 2, column 9)", 1) == "too deep (at line 1, column 9)"
    assert lines_back("error at 1:4: x", 1) == "error at 1:4: x"  # never before line 1
    assert lines_back("no position here", 1) == "no position here"
