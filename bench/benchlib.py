"""Shared plumbing of the benchmarks: servers on loopback, wrk runs, queries, memory readings.

Every server a benchmark starts listens on 127.0.0.1 only and is stopped by the script
that started it (by its own process id), whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.support.liveserver import LiveServer, process_tree

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JSON_RESULTS = "application/sparql-results+json"

WRK_MISSING = (
    "wrk is not installed. Install it with `apt-get install -y wrk` (Debian/Ubuntu, as root) "
    "or `brew install wrk` (macOS), then run this script again."
)


def tool(name: str) -> str:
    """A program from this virtual environment, else from PATH; a clear error when absent."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        hint = (
            WRK_MISSING if name == "wrk" else f"{name} is not installed (pip install -e '.[bench]')"
        )
        raise SystemExit(hint)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def competency_queries(pattern: str = "queries/*.rq") -> dict[str, str]:
    """Name -> text of the competency queries (``queries/*.rq``; not the ontology checks)."""
    paths = (
        sorted(ROOT.glob(pattern))
        if not Path(pattern).is_absolute()
        else sorted(Path("/").glob(pattern.lstrip("/")))
    )
    queries = {p.stem: p.read_text(encoding="utf-8") for p in paths if p.is_file()}
    if not queries:
        raise SystemExit(f"no queries match {pattern!r} (relative to {ROOT})")
    return queries


@dataclass
class Server:
    """A running HTTP server process and the URL path of its SPARQL endpoint."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    sparql_path: str
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def query_path(self, query: str) -> str:
        return f"{self.sparql_path}?query={quote(query, safe='')}"

    def pids(self) -> list[int]:
        """The server's process and all its descendants (server workers, query workers)."""
        return process_tree(self.process.pid)


def rss_kib(pids: Sequence[int]) -> int:
    """Resident memory of these processes together (KiB), from /proc."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_http(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise SystemExit(f"server exited with {process.returncode} while starting:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 (loopback)
                reply.read()
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s (log: {log})")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server we started: SIGTERM to its process group, SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def oxigraph_server(
    files: Sequence[Path],
    *,
    timeout_s: int | None = None,
    workdir: Path | None = None,
    union_default_graph: bool = True,
) -> Iterator[Server]:
    """``oxigraph serve-read-only`` over a fresh on-disk store loaded with ``files``.

    Triple formats (.ttl, .nt) fill the default graph and quad formats (.trig, .nq) the
    named graphs, as the embedded store does; with ``union_default_graph`` (as
    conflictkg's endpoint does) a query without GRAPH or FROM sees every graph.
    """
    oxigraph = tool("oxigraph")
    with tempfile.TemporaryDirectory(prefix="oxigraph-", dir=workdir) as tmp:
        location = Path(tmp) / "store"
        for path in files:
            subprocess.run(
                [oxigraph, "load", "--location", str(location), "--file", str(path)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        port = free_port()
        log = Path(tmp) / "oxigraph.log"
        command = [
            oxigraph,
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
        ]
        if timeout_s:
            command += ["--timeout-s", str(timeout_s)]
        if union_default_graph:
            command.append("--union-default-graph")
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Server("oxigraph", process, port, "/query", log)
        try:
            wait_http(f"{server.base}/query?query=ASK%7B%7D", process, 60, log)
            yield server
        finally:
            stop(process)


@contextmanager
def conflictkg_server(
    args: Sequence[str], *, env: dict[str, str] | None = None, start_seconds: float = 300
) -> Iterator[LiveServer]:
    """``conflictkg serve ARGS`` on a free loopback port (the tests' own launcher)."""
    with tempfile.TemporaryDirectory(prefix="conflictkg-serve-") as tmp:
        log = Path(tmp) / "serve.log"
        with LiveServer(list(args), log, start_seconds, env, cwd=ROOT) as server:
            yield server


def fetch(url: str, accept: str = JSON_RESULTS, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def result_size(body: bytes) -> int | None:
    """Rows of a SPARQL JSON result (1 for ASK), None when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if "boolean" in data:
        return 1
    return len(data.get("results", {}).get("bindings", []))


# --------------------------------------------------------------------------- wrk

_LUA_DONE = r"""
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f," ..
    "\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
"""


def lua_string(text: str) -> str:
    """A Lua long-bracket string literal holding ``text`` exactly."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


# Status classes counted per thread (globals, so done() can read them with thread:get).
_LUA_STATUSES = r"""
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) s2xx = 0; s4xx = 0; s503 = 0; s5xx = 0; sother = 0 end
response = function(status, headers, body)
  if status < 300 then s2xx = s2xx + 1
  elseif status == 503 then s503 = s503 + 1
  elseif status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  else sother = sother + 1 end
end
statuses = function()
  local t = {s2xx = 0, s4xx = 0, s503 = 0, s5xx = 0, sother = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format(
    "WRKSTATUS {\"s2xx\":%d,\"s4xx\":%d,\"s503\":%d,\"s5xx\":%d,\"sother\":%d}\n",
    t.s2xx, t.s4xx, t.s503, t.s5xx, t.sother))
end
"""


def _done(count_statuses: bool) -> str:
    if not count_statuses:
        return _LUA_DONE
    # the status table is printed from done(), after wrk's own figures
    return _LUA_STATUSES + _LUA_DONE.replace(
        "done = function(summary, latency, requests)",
        "done = function(summary, latency, requests)\n  statuses()",
    )


def lua_single(path: str, accept: str = JSON_RESULTS, count_statuses: bool = False) -> str:
    return (
        f'wrk.method = "GET"\nwrk.path = {lua_string(path)}\n'
        f'wrk.headers["Accept"] = {lua_string(accept)}\n' + _done(count_statuses)
    )


def lua_mix(paths: Sequence[str], accept: str = JSON_RESULTS, count_statuses: bool = False) -> str:
    """Each request takes the next path of ``paths`` (round robin, per thread)."""
    items = ",\n".join(
        f'  wrk.format("GET", {lua_string(p)}, {{["Accept"] = {lua_string(accept)}}})'
        for p in paths
    )
    # wrk.format runs in init(): at load time wrk has not set the Host header yet
    return (
        _done(count_statuses).replace("init = function(args)", "local counters = function()")
        + "local requests_list = {}\n"
        "local i = 0\n"
        "init = function(args)\n"
        + ("  counters()\n" if count_statuses else "")
        + "  requests_list = {\n"
        + items
        + "\n  }\nend\n"
        "request = function()\n  i = i % #requests_list + 1\n  return requests_list[i]\nend\n"
    )


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors (connect/read/write/timeout) + non-2xx/3xx responses
    non2xx: int
    timeouts: int
    statuses: dict[str, int] | None = None  # s2xx, s4xx, s503, s5xx, sother (when counted)
    socket: dict[str, int] | None = None  # socket errors by kind: connect, read, write, timeout

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    url: str,
    lua: str,
    *,
    duration: float,
    connections: int,
    threads: int,
    timeout_s: float = 30,
) -> WrkResult:
    wrk = tool("wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    try:
        done = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                f"--timeout={max(1, round(timeout_s))}s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=duration + timeout_s + 60,
        )
    finally:
        os.unlink(script)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data = json.loads(line[len("WRKJSON ") :])
    status_line = next((x for x in done.stdout.splitlines() if x.startswith("WRKSTATUS ")), None)
    statuses = json.loads(status_line[len("WRKSTATUS ") :]) if status_line else None
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=socket_errors + data["status"],
        non2xx=data["status"],
        timeouts=data["timeout"],
        statuses=statuses,
        socket={kind: data[kind] for kind in ("connect", "read", "write", "timeout")},
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
