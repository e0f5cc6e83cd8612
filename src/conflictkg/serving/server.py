"""``conflictkg serve``: the endpoint app run by Granian, read-only, store loaded before fork.

Without ``--dataset`` the build is brought up to date first (``conflictkg build
--if-needed``) and ``output/current/dataset.trig`` is served with the build's files as
downloads; with ``--dataset FILE`` that file is served instead.

With ``--store URL`` queries are answered by a remote SPARQL store loaded with ``conflictkg
load --store URL``, and nothing is built (see :mod:`conflictkg.serving.store_config`).

The WSGI server is Granian: HTTP parsing, keep-alive and the connection handling are in
Rust, so a request answered from the result cache costs a few microseconds of Python (the
app and its log line) instead of a pure-Python HTTP server's parse and write; that took a
cached query from about 6,000 to about 24,000 requests a second on two cores. Workers are
forks of the process that loaded the store, and are recycled as :mod:`conflictkg.serving.recycling`
describes.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conflictkg.pipeline import build, publish
from conflictkg.project import Project
from conflictkg.serving import granian_server
from conflictkg.serving.recycling import EXIT_MARGIN, GROWTH_LIMIT, RECYCLE_GRACE, Recycler
from conflictkg.serving.store_config import store_app, store_config
from conflictkg.web.app import DEFAULTS, create_app
from conflictkg.web.state import state_of

log = logging.getLogger("conflictkg.serve")

# Worker processes per core when ``--workers`` is not given. A worker's threads take turns
# at its GIL, and each turn handed from one thread to another goes through the kernel:
# meanwhile the core the worker runs on can sit idle, and a second worker on the same core
# fills that time. On two cores, 4 workers against 2, alternated query by query over the
# 62 competency and ontology queries without the cache (wrk -t2 -c8, 1 s each, twice):
# 1.17x the requests a second (geometric mean; the cheapest queries 1.4-2.5x), median CPU
# per answer 655 -> 605 us; 6 against 4, the same way: 1.02x, no gain. The workers are
# forks that share the loaded store; each keeps its own result cache (``--cache-mb``) and
# is watched for memory on its own.
WORKERS_PER_CORE = 2


def default_workers() -> int:
    """The worker processes ``conflictkg serve`` starts when ``--workers`` is not given."""
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


# How many copies of its largest answer a worker's memory may grow by before it is
# recycled: the answer is written into a growing buffer, copied out of it, and copied again
# by the server as it sends it, and malloc keeps what it was given. With the default limit
# of 32 MiB the memory limit stays the recycler's own (256 MiB).
ANSWER_COPIES = 4


def answer_bytes(max_answer_mb: float | None) -> int:
    """The largest answer /sparql gives, in bytes: ``--max-answer-mb``, or the app's default."""
    if max_answer_mb is None:
        return int(DEFAULTS["MAX_RESULT_BYTES"])
    return max(1, int(max_answer_mb * 1024 * 1024))


def growth_limit(max_answer_bytes: int) -> int:
    """The memory a worker may gain before it is recycled: room for a few copies of its
    largest answer, and never less than the recycler's default."""
    return max(GROWTH_LIMIT, ANSWER_COPIES * max_answer_bytes)


def _build_dir(project: Project) -> Path:
    """The current build folder, after ``conflictkg build --if-needed``."""
    record = build.build(project, if_needed=True)
    log.info(
        "build %s: %s",
        "up to date" if record.get("skipped") else "done",
        record.get("folder") or project.output / "current",
    )
    return publish.current_build(project.output)


def command(args: argparse.Namespace) -> int:
    granian_server.check_version()
    granian_server.configure_logging()
    # Shared by the workers, so a recycled worker still knows the runaway queries; removed
    # when the server ends (the record is about this server's life only), by the process
    # that made it: a forked worker unwinding through here must leave it to the others.
    runaways, owner = tempfile.mkdtemp(prefix="conflictkg-runaways-"), os.getpid()
    try:
        return _serve(args, runaways)
    finally:
        if os.getpid() == owner:
            shutil.rmtree(runaways, ignore_errors=True)


def _serve(args: argparse.Namespace, runaways: str) -> int:
    # Before a build is brought up to date or a dataset loaded: a port in use is known now.
    granian_server.check_port_free(args.host, args.port)
    largest = answer_bytes(getattr(args, "max_answer_mb", None))
    # A recycled worker ends once the queries in flight have had their whole time limit.
    recycler = Recycler(
        growth_limit=growth_limit(largest),
        grace=max(RECYCLE_GRACE, (args.timeout or 0) + EXIT_MARGIN),
    )
    config: dict[str, Any] = {
        "QUERY_TIMEOUT": args.timeout,
        "ON_ABANDON": lambda: recycler.recycle("it abandoned a query at the time limit"),
        "RUNAWAY_DIR": runaways,
        "MAX_RESULT_BYTES": largest,
    }
    if args.cache_mb is not None:
        config["CACHE_BYTES"] = int(args.cache_mb * 1024 * 1024)
    if args.store:
        config.update(store_config(args, args.timeout, largest))
        app = store_app(config, args)
    else:
        if args.dataset is not None:
            config["DATASET"] = args.dataset
        else:
            project = Project.at(args.project)
            config["PROJECT_ROOT"] = project.root
            config["BUILD_DIR"] = _build_dir(project)
        app = create_app(config)
    recycler.on_memory = state_of(app).running.stop_all
    recycler.on_exit = state_of(app).running.stop_for_exit
    workers = args.workers or default_workers()
    granian_server.serve(app, recycler, args.host, args.port, workers)
    return 0
