"""System calls per answer: where the uncached endpoint's extra cost under load comes from.

In one thread `conflictkg serve --cache-mb 0` spends only a few microseconds more than the
bare app (``bench/bare_app.py``) on a cheap query; under wrk the gap is several times
wider. Both run the engine in Python threads that take turns at the GIL, and each turn
handed from one thread to another is a wake-up through the kernel (``futex``). This script
counts them: each server in turn gets wrk on one query while ``strace -c -f`` is attached
to all its processes and threads, and the calls of each kind are divided by the answers
wrk got meanwhile (strace slows the servers; the counts per answer, not the rates, are the
figures here).

    .venv/bin/python -m bench.handoffs                       # oops-p26, 5 s per server
    .venv/bin/python -m bench.handoffs --query queries/direct-quotes.rq --duration 10

``--baseline SRC`` adds `conflictkg serve --cache-mb 0` importing the package from another
source tree (an older checkout's ``src/``, or one with a change to try), as in
``bench/oxigraph_compare.py``. Needs wrk and strace (``apt-get install -y wrk strace``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import benchlib
from bench.oxigraph_compare import bare_server, baseline_server, build_if_needed, process_tree
from conflictkg.serving.server import default_workers

KINDS = ("futex", "sched_yield", "epoll_wait", "write", "writev", "recvfrom")
DEFAULT_QUERY = "queries/ontology/oops-p26-symmetric-with-inverse-violation.rq"


def strace_counts(output: Path) -> dict[str, int]:
    """Calls per system call from ``strace -c``'s summary table."""
    counts: dict[str, int] = {}
    for line in output.read_text().splitlines():
        fields = line.split()
        # "% time  seconds  usecs/call  calls  [errors]  syscall"
        if len(fields) in (5, 6) and fields[0][0].isdigit() and fields[3].isdigit():
            counts[fields[-1]] = int(fields[3])
    return counts


def traced(server: benchlib.Server, text: str, args: argparse.Namespace) -> dict[str, float]:
    """wrk on ``text`` for ``args.duration`` seconds with strace attached to every process
    and thread of ``server``: each kind of call per answer, and the answers per second."""
    lua = benchlib.lua_single(server.query_path(text))
    benchlib.run_wrk(server.base, lua, duration=1, connections=args.connections, threads=2)
    pids = ",".join(str(p) for p in process_tree(server.process.pid))
    with tempfile.TemporaryDirectory(prefix="handoffs-") as tmp:
        summary = Path(tmp) / "strace.txt"
        strace = subprocess.Popen(
            [benchlib.tool("strace"), "-c", "-f", "-p", pids, "-o", str(summary)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # strace attaches to every thread first
        result = benchlib.run_wrk(
            server.base, lua, duration=args.duration, connections=args.connections, threads=2
        )
        strace.terminate()
        strace.wait(timeout=60)
        counts = strace_counts(summary)
    # The calls counted include the second strace ran before wrk started and after it
    # ended, when the servers idle; their few calls (timers, the log writer) are noise.
    answers = max(1, result.requests)
    return {kind: counts.get(kind, 0) / answers for kind in KINDS} | {"req/s": result.rps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=benchlib.ROOT)
    parser.add_argument("--query", type=Path, default=benchlib.ROOT / DEFAULT_QUERY)
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per server")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--baseline", type=Path, default=None, help="another source tree's src/")
    args = parser.parse_args(argv)
    benchlib.tool("wrk")
    benchlib.tool("strace")
    if not args.query.is_file():
        raise SystemExit(f"--query {args.query}: no such file")
    text = args.query.read_text()
    dataset = build_if_needed(args.project) / "dataset.trig"
    serve = ["--project", str(args.project), "serve", f"--workers={args.workers}"]
    serve += ["--cache-mb", "0"]
    rows = []
    with (
        benchlib.conflictkg_server(serve) as uncached,
        bare_server(dataset, args.workers) as bare,
        baseline_server(args.baseline, serve) as baseline,
    ):
        servers = {"no-cache": uncached, "bare": bare}
        if baseline is not None:
            servers["baseline"] = baseline
        for label, server in servers.items():
            figures = traced(server, text, args)
            rows.append([label, f"{figures['req/s']:,.0f}"] + [f"{figures[k]:.2f}" for k in KINDS])
    print(
        f"{args.query.name}: wrk -t2 -c{args.connections} -d{args.duration}s under strace -c -f, "
        f"{args.workers} workers per server; system calls per answer\n"
    )
    print(benchlib.markdown_table(["server", "req/s (traced)", *KINDS], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
