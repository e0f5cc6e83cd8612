"""Helpers of the live tests: a real ``conflictkg serve`` subprocess on a free loopback port,
a listener that must receive no connection, and the sample dataset."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from tests.support import SAMPLE

__all__ = ["SAMPLE", "Listener", "LiveServer", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():  # /proc/self, /proc/sys, ...
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class LiveServer:
    """``conflictkg serve ARGS`` started on a free loopback port, in a session of its own;
    ``stop()`` (or leaving a ``with`` block) ends it and its workers.

    The one launcher of the live tests and of ``bench/`` (``benchlib.conflictkg_server``).
    """

    name = "conflictkg"
    sparql_path = "/sparql"

    def __init__(
        self,
        args: list[str],
        log: Path,
        start_seconds: float = 60.0,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "conflictkg.cli", *args]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                start_new_session=True,
            )
        self._wait_until_healthy(start_seconds)

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_healthy(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            if self.alive(timeout=1):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not healthy after {seconds} s:\n{self.log.read_text()}")

    def alive(self, timeout: float = 5) -> bool:
        """Whether /health answers 200."""
        try:
            with urllib.request.urlopen(self.base + "/health", timeout=timeout) as reply:
                return bool(reply.status == 200)
        except OSError:  # refused, reset, timed out, or an HTTP error status
            return False

    def query_path(self, query: str) -> str:
        return f"{self.sparql_path}?query={quote(query, safe='')}"

    def pids(self) -> list[int]:
        """The server's process and every process below it (its workers)."""
        return process_tree(self.process.pid)

    def stop(self) -> None:
        """SIGTERM to the server's process group (Granian stops its workers), SIGKILL to
        the group if it has not ended 20 s later."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Listener:
    """A loopback TCP listener counting the connections it gets (where there must be none).

    ``hold`` keeps them open and silent (a store that never answers) instead of closing them.
    """

    def __init__(self, hold: bool = False) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hold = hold
        self.held: list[socket.socket] = []
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            if self.hold:
                self.held.append(connection)
            else:
                connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        for connection in self.held:
            connection.close()
        self.socket.close()
