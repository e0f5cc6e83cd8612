"""Throughput and latency of `conflictkg serve` against Oxigraph's own server, query by query.

Both servers get the same build (dataset.trig; the default graph is the union of its graphs),
listen on loopback and are driven by wrk with the same settings, alternating between the
servers from one query to the next so that drift in the machine's load hits both alike.

    .venv/bin/python bench/oxigraph_compare.py                 # 10 s per query and server
    .venv/bin/python bench/oxigraph_compare.py --duration 2    # a quick smoke run

Prints req/s, p50 and p99 per query and server, the ratio conflictkg/Oxigraph, and the
geometric mean of the ratios. Needs wrk (`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

from bench import benchlib
from bench.benchlib import ROOT, Server


def build_if_needed(project: Path) -> Path:
    current = project / "output" / "current"
    subprocess.run(
        [benchlib.tool("conflictkg"), "--project", str(project), "build", "--if-needed"],
        check=True,
    )
    if not (current / "dataset.trig").is_file():
        raise SystemExit(f"{current / 'dataset.trig'}: missing after the build")
    return current


def check_same_answers(servers: list[Server], queries: dict[str, str]) -> list[str]:
    """Queries whose result row counts differ between the servers (or that fail)."""
    problems = []
    for name, text in queries.items():
        sizes = {}
        for server in servers:
            status, body = benchlib.fetch(server.base + server.query_path(text))
            sizes[server.name] = (status, benchlib.result_size(body))
        if len({v for v in sizes.values()}) != 1 or any(s != 200 for s, _ in sizes.values()):
            problems.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    return problems


def measure(server: Server, text: str, args: argparse.Namespace) -> benchlib.WrkResult:
    lua = benchlib.lua_single(server.query_path(text))
    if args.warmup > 0:
        benchlib.run_wrk(
            server.base,
            lua,
            duration=args.warmup,
            connections=args.connections,
            threads=args.threads,
        )
    return benchlib.run_wrk(
        server.base, lua, duration=args.duration, connections=args.connections, threads=args.threads
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="project whose build to serve")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="serve this RDF file (TriG/N-Quads) instead of the project's build",
    )
    parser.add_argument(
        "--queries", default="queries/*.rq", help="glob of queries (from repo root)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per query and server")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds first (0: none)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra argument for `conflictkg serve` (repeat), e.g. --serve-arg=--workers=2",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    benchlib.tool("wrk")  # fail early, with the install hint
    queries = benchlib.competency_queries(args.queries)
    if args.dataset is not None:
        files = [args.dataset.resolve()]
        serve = ["serve", "--dataset", str(files[0]), *args.serve_arg]
    else:
        current = build_if_needed(args.project)
        # the endpoint serves dataset.trig with the union of its graphs as the default graph
        files = [current / "dataset.trig"]
        serve = ["--project", str(args.project), "serve", *args.serve_arg]

    rows = []
    with benchlib.oxigraph_server(files) as oxigraph, benchlib.conflictkg_server(serve) as ckg:
        problems = check_same_answers([oxigraph, ckg], queries)
        for problem in problems:
            print(f"warning: answers differ: {problem}", file=sys.stderr)
        for index, (name, text) in enumerate(queries.items()):
            order = [oxigraph, ckg] if index % 2 == 0 else [ckg, oxigraph]
            results = {server.name: measure(server, text, args) for server in order}
            rows.append((name, results["oxigraph"], results["conflictkg"]))
            o, c = results["oxigraph"], results["conflictkg"]
            print(
                f"{name}: oxigraph {o.rps:.0f} req/s, conflictkg {c.rps:.0f} req/s "
                f"(×{c.rps / o.rps if o.rps else 0:.2f})",
                file=sys.stderr,
            )

    table = []
    ratios = []
    for name, o, c in rows:
        ratio = c.rps / o.rps if o.rps else 0.0
        if ratio > 0:
            ratios.append(ratio)
        table.append(
            (
                name,
                f"{o.rps:.0f}",
                f"{o.p50_ms:.2f}",
                f"{o.p99_ms:.2f}",
                f"{c.rps:.0f}",
                f"{c.p50_ms:.2f}",
                f"{c.p99_ms:.2f}",
                f"{ratio:.2f}",
                c.errors + o.errors,
            )
        )
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else 0.0
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration:g}s per query and server; "
        f"{len(rows)} queries from {args.queries}\n"
    )
    print(
        benchlib.markdown_table(
            [
                "query",
                "oxigraph req/s",
                "p50 ms",
                "p99 ms",
                "conflictkg req/s",
                "p50 ms",
                "p99 ms",
                "ratio",
                "errors",
            ],
            table,
        )
    )
    worst_p99 = max((c.p99_ms for _, _, c in rows), default=0.0)
    print(f"\ngeometric mean of ratios (conflictkg/oxigraph): {geomean:.2f}")
    print(f"conflictkg worst p99: {worst_p99:.2f} ms")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "settings": {k: str(v) for k, v in vars(args).items()},
                    "queries": {
                        name: {
                            "oxigraph": o.__dict__ | {"rps": o.rps},
                            "conflictkg": c.__dict__ | {"rps": c.rps},
                        }
                        for name, o, c in rows
                    },
                    "geometric_mean_ratio": geomean,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
