"""Sustained load on `conflictkg serve`: the competency queries plus a share of runaway queries.

Two wrk processes run at once against one server: most connections replay the queries/ mix,
the rest send queries that would run for ever (cartesian products, COUNT over huge joins,
unbounded property paths) and must be cut off by the server's time limit. Reported: errors
and p50/p99 latency of the normal queries, what the runaway queries got back (503 expected),
and the growth of the resident memory of the server's processes.

    .venv/bin/python bench/load.py                                   # 64 connections, 60 s
    .venv/bin/python bench/load.py --duration 10 --connections 16    # a quick smoke run
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from bench import benchlib
from bench.benchlib import ROOT
from conflictkg.web.app import DEFAULTS

# Each would take minutes to hours without a time limit on any non-trivial dataset.
RUNAWAY = {
    "cartesian": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "count-join": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "path-star": "SELECT (COUNT(*) AS ?n) WHERE { ?x (<urn:p>|!<urn:p>)* ?y . ?z ?q ?w }",
    "distinct-cross": (
        "SELECT DISTINCT ?c ?f ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    ),
}


class MemoryWatch(threading.Thread):
    """Samples the resident memory of the server's process tree once a second."""

    def __init__(self, server: benchlib.Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.samples: list[int] = []
        self.running = True

    def run(self) -> None:
        while self.running:
            self.samples.append(benchlib.rss_kib(self.server.pids()))
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="project whose build to serve")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="serve this RDF file (TriG/N-Quads) instead of the project's build",
    )
    parser.add_argument("--queries", default="queries/*.rq", help="glob of queries (from root)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections in all")
    parser.add_argument(
        "--runaway-share",
        type=float,
        default=0.1,
        help="share of the connections that send runaway queries (default 0.1)",
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per wrk process")
    parser.add_argument("--timeout", type=float, default=None, help="server's query time limit")
    parser.add_argument(
        "--settle",
        type=float,
        default=12,
        help="seconds to wait after the load before the final checks (default 12)",
    )
    parser.add_argument("--serve-arg", action="append", default=[], help="extra serve argument")
    args = parser.parse_args(argv)

    benchlib.tool("wrk")
    queries = benchlib.competency_queries(args.queries)
    runaway_connections = max(1, round(args.connections * args.runaway_share))
    normal_connections = max(1, args.connections - runaway_connections)
    if args.dataset is not None:
        serve = ["serve", "--dataset", str(args.dataset.resolve()), *args.serve_arg]
    else:
        serve = ["--project", str(args.project), "serve", *args.serve_arg]
    if args.timeout is not None:
        serve += ["--timeout", f"{args.timeout:g}"]

    with benchlib.conflictkg_server(serve) as server:
        # wrk sends GETs: a query too long for the URL limit gets 414 and the advice to
        # POST it, which is right but is not the traffic measured here
        normal = []
        for name, text in queries.items():
            path = server.query_path(text)
            if len(path) > DEFAULTS["MAX_URL_BYTES"]:
                print(f"left out: {name} (a GET of {len(path):,} bytes)", file=sys.stderr)
            else:
                normal.append(path)
        runaway = [server.query_path(q) for q in RUNAWAY.values()]
        # warm up (caches, lazy imports), then take the baseline memory
        benchlib.run_wrk(
            server.base, benchlib.lua_mix(normal), duration=2, connections=4, threads=1
        )
        before = benchlib.rss_kib(server.pids())
        watch = MemoryWatch(server)
        watch.start()
        results: dict[str, benchlib.WrkResult] = {}

        def drive(name: str, paths: list[str], connections: int) -> None:
            threads = min(args.threads, connections)
            results[name] = benchlib.run_wrk(
                server.base,
                benchlib.lua_mix(paths, count_statuses=True),
                duration=args.duration,
                connections=connections,
                threads=threads,
                timeout_s=60,
            )

        workers = [
            threading.Thread(target=drive, args=("normal", normal, normal_connections)),
            threading.Thread(target=drive, args=("runaway", runaway, runaway_connections)),
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        watch.running = False
        watch.join()
        # runaway queries sent last are still running: let their time limit pass first
        time.sleep(args.settle)
        status, body = benchlib.fetch(server.base + server.query_path("ASK {}"), timeout=30)
        alive = status == 200
        if not alive:
            print(f"alive check: HTTP {status}: {body[:300]!r}", file=sys.stderr)
        after = benchlib.rss_kib(server.pids())
        served_log = server.log.read_text(encoding="utf-8", errors="replace")

    n, r = results["normal"], results["runaway"]
    recycled = {
        "an abandoned query": served_log.count("abandoned a query"),
        "memory growth": served_log.count("its memory grew"),
    }
    peak = max(watch.samples, default=after)
    print(
        f"\nload: {args.duration:g} s, {normal_connections} connections on {len(normal)} "
        f"competency queries + {runaway_connections} on {len(RUNAWAY)} runaway queries\n"
    )

    def row(name: str, w: benchlib.WrkResult) -> list[object]:
        counted = w.statuses or {}
        return [
            name,
            w.requests,
            f"{w.rps:.0f}",
            f"{w.p50_ms:.2f}",
            f"{w.p99_ms:.2f}",
            f"{w.max_ms:.0f}",
            counted.get("s2xx", "?"),
            counted.get("s4xx", "?"),
            counted.get("s503", "?"),
            counted.get("s5xx", "?"),
            w.errors - w.non2xx,
        ]

    print(
        benchlib.markdown_table(
            [
                "traffic",
                "requests",
                "req/s",
                "p50 ms",
                "p99 ms",
                "max ms",
                "2xx",
                "4xx",
                "503",
                "other 5xx",
                "socket errors",
            ],
            [row("normal", n), row("runaway", r)],
        )
    )
    normal_errors = n.errors
    print(
        f"\nerrors on normal queries: {normal_errors} of {n.requests} "
        f"(non-2xx {n.non2xx}, socket errors {n.errors - n.non2xx}: "
        + ", ".join(f"{k} {v}" for k, v in (n.socket or {}).items())
        + ")"
    )
    print(
        f"server RSS (all processes): {before / 1024:.0f} MiB before, peak "
        f"{peak / 1024:.0f} MiB, {after / 1024:.0f} MiB after "
        f"(growth {(after - before) / 1024:+.0f} MiB)"
    )
    print(
        "workers recycled: "
        + ", ".join(f"{count} after {cause}" for cause, count in recycled.items())
    )
    print(f"server alive after the run: {'yes' if alive else 'NO'}")
    return 0 if alive and normal_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
