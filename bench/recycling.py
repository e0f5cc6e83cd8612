"""Probes on fresh connections while runaway queries recycle `conflictkg serve`'s workers.

Each round sends a few runaway queries at once (each is stopped at the time limit, and the
worker that ran it is recycled: drained, then ended and replaced), then waits for the
recycled workers to be replaced. Meanwhile several threads keep sending a simple query,
each on a new connection, as a client without keep-alive does. Reported per round and in
all: the probes answered, and those that failed, by kind (a status other than 200, a
connection closed without an answer, a reset). A worker that stops while it holds a
connection it has not read yet shows here as "closed without an answer".

    .venv/bin/python -m bench.recycling                  # 16 rounds, 6 probing threads
    .venv/bin/python -m bench.recycling --rounds 4       # a quick run

The dataset is the security tests' tiny one (sixty places), on which the runaway query
below runs for hours; the server runs with two workers and a time limit of 2 s.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import threading
import time
from pathlib import Path

import requests
from tests.security.security_support import tiny_dataset

from bench import benchlib

RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o "
    "FILTER(?c != %d) }"
)
PROBE = "ASK { ?s ?p ?o }"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--probes", type=int, default=6, help="probing threads")
    parser.add_argument("--runaways", type=int, default=3, help="runaway queries per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recycling-") as tmp:
        dataset = Path(tmp) / "tiny.trig"
        dataset.write_text(tiny_dataset(), encoding="utf-8")
        serve = ["serve", "--dataset", str(dataset), "--timeout", "2", "--workers", "2"]
        with benchlib.conflictkg_server(serve) as server:
            return _rounds(server.base, args)


def _rounds(base: str, args: argparse.Namespace) -> int:
    failed: collections.Counter[str] = collections.Counter()
    answered = [0]
    statuses: collections.Counter[str] = collections.Counter()
    probing = threading.Event()
    probing.set()
    lock = threading.Lock()

    def probe() -> None:
        while probing.is_set():
            try:
                with requests.Session() as session:  # a new connection for each probe
                    reply = session.get(base + "/sparql", params={"query": PROBE}, timeout=30)
                kind = None if reply.status_code == 200 else f"HTTP {reply.status_code}"
            except requests.ConnectionError as error:
                text = str(error)
                kind = "closed without an answer" if "RemoteDisconnected" in text else "reset"
                kind = kind if "Connection aborted" in text else f"refused or other: {text[:60]}"
            with lock:
                if kind is None:
                    answered[0] += 1
                else:
                    failed[kind] += 1
            time.sleep(0.005)

    def runaway(number: int) -> None:
        try:
            reply = requests.get(base + "/sparql", params={"query": RUNAWAY % number}, timeout=60)
            status = str(reply.status_code)
        except requests.RequestException as error:
            status = type(error).__name__
        with lock:
            statuses[status] += 1

    probes = [threading.Thread(target=probe) for _ in range(args.probes)]
    for thread in probes:
        thread.start()
    try:
        for round_number in range(args.rounds):
            started = time.perf_counter()
            runaways = [
                threading.Thread(target=runaway, args=(round_number * 100 + i,))
                for i in range(args.runaways)
            ]
            for thread in runaways:
                thread.start()
            for thread in runaways:
                thread.join()
            time.sleep(7)  # the recycled workers end (6 s at least after their birth)
            with lock:
                print(
                    f"round {round_number + 1}: {time.perf_counter() - started:.1f} s, "
                    f"probes answered {answered[0]}, failed {sum(failed.values())} "
                    f"{dict(failed)}, runaway answers {dict(statuses)}",
                    flush=True,
                )
    finally:
        probing.clear()
        for thread in probes:
            thread.join()
    print(
        f"in all: {answered[0]} probes answered, {sum(failed.values())} failed {dict(failed)}; "
        f"runaway queries answered {dict(statuses)} (503 expected)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
