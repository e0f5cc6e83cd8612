"""A throwaway Virtuoso 7 (Debian's ``virtuoso-opensource``) for the live tests and bench/.

:class:`Virtuoso` writes its own ``virtuoso.ini`` into a folder of its own (database,
transaction log, temporary database, error log: nothing is written outside it), starts
``virtuoso-t`` in the foreground on two free loopback ports (SQL and HTTP), waits until
``/sparql`` answers, and stops it with SIGTERM (SIGKILL if it lingers). No system service
is used. The database is created at first start (about 10–20 s on two busy cores); the
live tests start one per session.

Writing through the Graph Store Protocol needs a user with the right to write: Virtuoso's
``/sparql-graph-crud`` runs as the user ``SPARQL``, who may not; ``/sparql-graph-crud-auth``
asks for HTTP Digest credentials, here the fresh database's ``dba`` (password ``dba``: the
server listens on loopback only and its folder is deleted after the run).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from conflictkg.cli import main
from tests.support.liveserver import free_port

BINARY = "virtuoso-t"
USER, PASSWORD = "dba", "dba"
INSTALL_HINT = (
    "Virtuoso is not installed: `apt-get install virtuoso-opensource` "
    "(.ci/run installs it when it runs as root)"
)

_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
DirsAllowed = {folder}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 8
MaxKeepAlives = 8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def load_into(virtuoso: Virtuoso, project: Path, union_graph: str, *more: str) -> int:
    """``conflictkg load`` of ``project``'s build into ``virtuoso`` (as dba, by Digest)."""
    args = ["--project", str(project), "load", "--store", virtuoso.sparql]
    args += ["--graph-store", virtuoso.graph_store, "--user", USER, "--union-graph", union_graph]
    previous = os.environ.get("CONFLICTKG_STORE_PASSWORD")
    os.environ["CONFLICTKG_STORE_PASSWORD"] = PASSWORD
    try:
        return main([*args, *more])
    finally:
        if previous is None:
            del os.environ["CONFLICTKG_STORE_PASSWORD"]
        else:
            os.environ["CONFLICTKG_STORE_PASSWORD"] = previous


def project_with(root: Path, dump: bytes) -> Path:
    """A project folder whose current build's dataset.trig is ``dump``."""
    for folder in ("seeds", "ontology", "triples"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    current = root / "output" / "current"
    current.mkdir(parents=True)
    (current / "dataset.trig").write_bytes(dump)
    return root


def available() -> bool:
    """Whether ``virtuoso-t`` is on the PATH."""
    return shutil.which(BINARY) is not None


class Virtuoso:
    """A Virtuoso server in ``folder`` on free loopback ports; ``stop()`` (or leaving a
    ``with`` block) ends it. ``memory_mb`` sizes its page buffers (8 KiB each)."""

    def __init__(
        self,
        folder: Path,
        memory_mb: int = 256,
        start_seconds: float = 90.0,
        max_rows: int = 10_000_000,
    ) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.sparql = self.base + "/sparql"
        self.graph_store = self.base + "/sparql-graph-crud-auth"
        buffers = memory_mb * 1024 // 8
        ini = folder / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                folder=folder,
                sql_port=self.sql_port,
                http_port=self.http_port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
                max_rows=max_rows,
            ),
            encoding="utf-8",
        )
        with (folder / "stdout.log").open("wb") as sink:
            self.process = subprocess.Popen(
                [BINARY, "-c", str(ini), "+foreground"],
                cwd=folder,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait(start_seconds)

    def __enter__(self) -> Virtuoso:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        """The end of Virtuoso's error log (for a failure message)."""
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def alive(self, timeout: float = 2.0) -> bool:
        """Whether ``/sparql`` answers ``ASK {}``."""
        try:
            with urllib.request.urlopen(
                f"{self.sparql}?query={quote('ASK {}')}", timeout=timeout
            ) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"virtuoso-t exited with {self.process.returncode}:\n{self.log()}"
                )
            if self.alive():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer within {seconds} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM (Virtuoso shuts down cleanly), SIGKILL 30 s later if it has not."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
