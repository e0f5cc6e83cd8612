"""Throughput and latency of `conflictkg serve` against Oxigraph's own server, query by query.

Four servers get the same build (dataset.trig; the default graph is the union of its
graphs), listen on loopback and are driven by wrk with the same settings: `oxigraph
serve-read-only`, `conflictkg serve` with its result cache (the default), `conflictkg serve
--cache-mb 0`, and the bare app of ``bench/bare_app.py`` (Granian + pyoxigraph, no checks:
the floor). The order of the servers turns from one query to the next so that drift in the
machine's load hits all alike; the load average is printed before and after.

    .venv/bin/python -m bench.oxigraph_compare                 # 10 s per query and server
    .venv/bin/python -m bench.oxigraph_compare --duration 2    # a quick run
    .venv/bin/python -m bench.oxigraph_compare --baseline /tmp/old/src   # before / after

``--baseline SRC`` adds a fifth server: `conflictkg serve --cache-mb 0` with the package
imported from another source tree (``SRC``, the ``src`` folder of an older checkout), so a
change to the uncached path is measured against the code before it in the same run.

Prints req/s, p50 and p99 per query and server, each server's ratio to Oxigraph per query,
and per server: the geometric mean of its ratios, its worst query's ratio, median req/s,
median p50 and p99. Needs wrk (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import benchlib
from bench.benchlib import ROOT, Server
from conflictkg.serving.granian_server import THREADS_PER_WORKER
from conflictkg.serving.server import default_workers


def build_if_needed(project: Path) -> Path:
    current = project / "output" / "current"
    subprocess.run(
        [benchlib.tool("conflictkg"), "--project", str(project), "build", "--if-needed"],
        check=True,
    )
    if not (current / "dataset.trig").is_file():
        raise SystemExit(f"{current / 'dataset.trig'}: missing after the build")
    return current


@contextmanager
def bare_server(dataset: Path, workers: int) -> Iterator[Server]:
    """``bench/bare_app.py`` under Granian (WSGI, ``workers`` processes) on a free port,
    with as many Python threads per worker as `conflictkg serve` gives its workers
    (Granian's default for WSGI is half its backpressure: 256 per worker on two workers),
    so that both take turns at the GIL among the same number of threads."""
    port = benchlib.free_port()
    with tempfile.TemporaryDirectory(prefix="bare-app-") as tmp:
        log = Path(tmp) / "bare.log"
        command = [
            benchlib.tool("granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--blocking-threads",
            str(THREADS_PER_WORKER),
            "bench.bare_app:app",
        ]
        env = {**os.environ, "BARE_DATASET": str(dataset)}
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
        server = Server("bare", process, port, "/sparql", log)
        try:
            benchlib.wait_http(f"{server.base}/sparql?query=ASK%7B%7D", process, 60, log)
            yield server
        finally:
            benchlib.stop(process)


@contextmanager
def baseline_server(src: Path | None, args: list[str]) -> Iterator[Any]:
    """``conflictkg serve ARGS`` importing the package from the source tree ``src`` (None:
    no such server)."""
    if src is None:
        yield None
        return
    package = src.resolve()
    if not (package / "conflictkg" / "__init__.py").is_file():
        raise SystemExit(f"--baseline {src}: no conflictkg package in that folder")
    path = os.pathsep.join(p for p in (str(package), os.environ.get("PYTHONPATH", "")) if p)
    with benchlib.conflictkg_server(args, env={"PYTHONPATH": path}) as server:
        yield server


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def check_same_answers(
    servers: dict[str, Any], queries: dict[str, str]
) -> list[tuple[str, list[int]]]:
    """Queries whose result row counts differ between the servers (or that fail), each
    printed as a warning, with the statuses the servers gave."""
    problems = []
    for name, text in queries.items():
        sizes = {}
        for label, server in servers.items():
            status, body = benchlib.fetch(server.base + server.query_path(text))
            sizes[label] = (status, benchlib.result_size(body))
        if len(set(sizes.values())) != 1 or any(s != 200 for s, _ in sizes.values()):
            print(
                f"warning: answers differ: {name}: "
                + ", ".join(f"{k} {v}" for k, v in sizes.items()),
                file=sys.stderr,
            )
            problems.append((name, [s for s, _ in sizes.values()]))
    return problems


@dataclass
class Measured(benchlib.WrkResult):
    """wrk's figures, and the server's CPU time per answer."""

    cpu_us: float = 0.0


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from each process's list of children in /proc."""
    found = [pid]
    for process in found:
        try:
            children = Path(f"/proc/{process}/task/{process}/children").read_text()
        except OSError:
            continue
        found += [int(child) for child in children.split()]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds these processes used so far (all their threads); a
    process that ended meanwhile counts nothing."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(server: Server, text: str, args: argparse.Namespace) -> Measured:
    """wrk's figures for ``text`` on ``server``, with the server's CPU time per answer
    (``cpu_us``, all its processes and threads: the figure to compare when other work
    shares the machine, since req/s then also depends on how the scheduler shares it)."""
    lua = benchlib.lua_single(server.query_path(text))
    if args.warmup > 0:
        benchlib.run_wrk(
            server.base,
            lua,
            duration=args.warmup,
            connections=args.connections,
            threads=args.threads,
        )
    pids = process_tree(server.process.pid)
    before = cpu_seconds(pids)
    result = benchlib.run_wrk(
        server.base, lua, duration=args.duration, connections=args.connections, threads=args.threads
    )
    spent = cpu_seconds(pids) - before
    return Measured(
        **vars(result), cpu_us=spent / result.requests * 1e6 if result.requests else 0.0
    )


LABELS = ("oxigraph", "cache", "no-cache", "bare")
BASELINE = "baseline"


def summary(rows: list[tuple[str, dict[str, Measured]]], label: str) -> dict[str, Any]:
    """One server's figures over every query: ratios to Oxigraph (and to the bare app), by
    req/s and by CPU time per answer."""
    ratios = {name: r[label].rps / r["oxigraph"].rps for name, r in rows if r["oxigraph"].rps > 0}
    positive = [v for v in ratios.values() if v > 0]
    to_bare = [r[label].rps / r["bare"].rps for _, r in rows if r["bare"].rps > 0 and r[label].rps]
    worst = min(ratios, key=ratios.__getitem__) if ratios else ""
    cpu = [(_cpu(r["oxigraph"]), _cpu(r["bare"]), _cpu(r[label])) for _, r in rows]
    return {
        "geomean": _geomean(positive),
        "geomean_vs_bare": _geomean(to_bare),
        # CPU per answer of Oxigraph (or the bare app) over this server's: above 1, cheaper
        "cpu_geomean": _geomean([o / c for o, _, c in cpu if o and c]),
        "cpu_geomean_vs_bare": _geomean([b / c for _, b, c in cpu if b and c]),
        "median_cpu_us": statistics.median(c for _, _, c in cpu),
        "worst_query": worst,
        "worst_ratio": ratios.get(worst, 0.0),
        "below_0_4": sum(1 for v in ratios.values() if v < 0.4),
        "median_rps": statistics.median(r[label].rps for _, r in rows),
        "median_p50_ms": statistics.median(r[label].p50_ms for _, r in rows),
        "median_p99_ms": statistics.median(r[label].p99_ms for _, r in rows),
        "worst_p99_ms": max(r[label].p99_ms for _, r in rows),
        "errors": sum(r[label].errors for _, r in rows),
    }


def _cpu(result: Measured) -> float:
    return result.cpu_us


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="project whose build to serve")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="serve this TriG file instead of the project's build",
    )
    parser.add_argument(
        "--queries",
        action="append",
        default=None,
        help="glob of queries from the repository root (repeat; default: queries/*.rq and "
        "queries/ontology/*.rq)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per query and server")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds first (0: none)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="worker processes of each Python server (default: conflictkg serve's, two per core)",
    )
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra argument for both `conflictkg serve` (repeat), e.g. --serve-arg=--timeout=5",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also measure `conflictkg serve --cache-mb 0` importing the package from this "
        "source tree (an older checkout's src/): before and after in one run",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    labels = (*LABELS, BASELINE) if args.baseline is not None else LABELS

    benchlib.tool("wrk")  # fail early, with the install hint
    patterns = args.queries or ["queries/*.rq", "queries/ontology/*.rq"]
    queries: dict[str, str] = {}
    for pattern in patterns:
        queries |= benchlib.competency_queries(pattern)
    if args.dataset is not None:
        dataset = args.dataset.resolve()
        serve = ["serve", "--dataset", str(dataset)]
    else:
        dataset = build_if_needed(args.project) / "dataset.trig"
        serve = ["--project", str(args.project), "serve"]
    serve += [f"--workers={args.workers}", *args.serve_arg]
    load_before = load_average()

    rows: list[tuple[str, dict[str, Measured]]] = []
    with (
        benchlib.oxigraph_server([dataset]) as oxigraph,
        benchlib.conflictkg_server(serve) as cached,
        benchlib.conflictkg_server([*serve, "--cache-mb", "0"]) as uncached,
        bare_server(dataset, args.workers) as bare,
        baseline_server(args.baseline, [*serve, "--cache-mb", "0"]) as baseline,
    ):
        servers: dict[str, Any] = dict(zip(LABELS, (oxigraph, cached, uncached, bare), strict=True))
        if baseline is not None:
            servers[BASELINE] = baseline
        problems = check_same_answers(servers, queries)
        failing = [name for name, statuses in problems if any(s != 200 for s in statuses)]
        for name in failing:  # a rate of refusals says nothing about the engines
            print(f"left out: {name} (not answered 200 by every server)", file=sys.stderr)
            del queries[name]
        for index, (name, text) in enumerate(queries.items()):
            turn = index % len(labels)
            order = labels[turn:] + labels[:turn]
            results = {label: measure(servers[label], text, args) for label in order}
            rows.append((name, results))
            o = results["oxigraph"].rps or 1.0
            print(
                f"{name}: oxigraph {results['oxigraph'].rps:.0f} req/s; "
                + ", ".join(f"{k} ×{results[k].rps / o:.2f}" for k in labels[1:])
                + "; CPU µs per answer "
                + ", ".join(f"{k} {_cpu(results[k]):.0f}" for k in labels),
                file=sys.stderr,
            )
    load_after = load_average()

    table = []
    for name, r in rows:
        o = r["oxigraph"].rps
        table.append(
            (
                name,
                *(f"{r[k].rps:.0f}" for k in labels),
                *(f"{r[k].rps / o:.2f}" if o else "-" for k in labels[1:]),
                *(f"{r[k].p50_ms:.2f} / {r[k].p99_ms:.2f}" for k in labels),
                " / ".join(f"{_cpu(r[k]):.0f}" for k in labels),
                sum(r[k].errors for k in labels),
            )
        )
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration:g}s per query and server "
        f"(warm-up {args.warmup} s), {args.workers} workers per server; {len(rows)} queries "
        f"from {', '.join(patterns)}; load average (1, 5, 15 min) {load_before} before, "
        f"{load_after} after\n"
    )
    print(
        benchlib.markdown_table(
            [
                "query",
                *(f"{k} req/s" for k in labels),
                *(f"{k} / oxigraph" for k in labels[1:]),
                *(f"{k} p50 / p99 ms" for k in labels),
                "CPU µs per answer (" + " / ".join(labels) + ")",
                "errors",
            ],
            table,
        )
    )
    figures = {label: summary(rows, label) for label in labels}
    print()
    print(
        benchlib.markdown_table(
            [
                "server",
                "geo. mean vs oxigraph",
                "vs bare app",
                "worst query (ratio)",
                "queries < 0.4×",
                "median req/s",
                "median p50 ms",
                "median / worst p99 ms",
                "CPU per answer: geo. mean, Oxigraph's / this",
                "the bare app's / this",
                "median CPU µs",
                "errors",
            ],
            [
                (
                    label,
                    f"{f['geomean']:.2f}",
                    f"{f['geomean_vs_bare']:.2f}",
                    f"{f['worst_query']} ({f['worst_ratio']:.2f})",
                    f["below_0_4"],
                    f"{f['median_rps']:.0f}",
                    f"{f['median_p50_ms']:.2f}",
                    f"{f['median_p99_ms']:.2f} / {f['worst_p99_ms']:.2f}",
                    f"{f['cpu_geomean']:.2f}",
                    f"{f['cpu_geomean_vs_bare']:.2f}",
                    f"{f['median_cpu_us']:.0f}",
                    f["errors"],
                )
                for label, f in figures.items()
            ],
        )
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "settings": {k: str(v) for k, v in vars(args).items()},
                    "load_average": {"before": load_before, "after": load_after},
                    "queries": {
                        name: {k: r[k].__dict__ | {"rps": r[k].rps} for k in labels}
                        for name, r in rows
                    },
                    "summary": figures,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
