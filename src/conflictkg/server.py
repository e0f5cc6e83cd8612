"""``conflictkg serve``: the endpoint app run by gunicorn, read-only, store loaded before fork.

Without ``--dataset`` the build is brought up to date first (``conflictkg build
--if-needed``) and ``output/current/dataset.trig`` is served with the build's files as
downloads; with ``--dataset FILE`` that file is served instead.

With ``--store URL`` queries are answered by a remote SPARQL store loaded with ``conflictkg
load --store URL``, and nothing is built (see :mod:`conflictkg.serve_store`).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from conflictkg import build
from conflictkg.endpoint.app import create_app
from conflictkg.errors import ConflictKGError
from conflictkg.serve_store import store_app, store_config

DEFAULT_TIMEOUT = 10.0
# Threads per worker: enough that a few runaway queries (each holding a thread until the
# time limit) cannot leave a worker without a thread for the quick ones.
THREADS_PER_WORKER = 16
# A worker whose resident memory grew this much since it started is recycled after the
# request that grew it (a large query's memory is not returned to the system by malloc).
RSS_GROWTH_LIMIT = 256 * 1024 * 1024
RECYCLE_GRACE = 2.0

log = logging.getLogger("conflictkg.serve")


class EndpointServer(BaseApplication):  # type: ignore[misc]
    """gunicorn as a library: the app is created once in the arbiter and shared by fork.

    ``preload_app`` makes every worker a copy-on-write fork of the process that loaded the
    store, so N workers cost one store in memory. gthread workers keep connections alive.
    """

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings of newer gunicorns are skipped on older
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def _build_dir(args: argparse.Namespace) -> Path:
    """The current build folder, after ``conflictkg build --if-needed``."""
    project = build.project_from_args(args)
    record = build.build(project, if_needed=True)
    log.info(
        "build %s: %s",
        "up to date" if record.get("skipped") else "done",
        record.get("folder") or project.output / "current",
    )
    return build.current_build(project.output)


def _recycle_this_worker() -> None:
    """Ask this gunicorn worker to exit gracefully: it finishes the answers in flight (the
    503 included), and the arbiter forks a fresh one, free of the abandoned query thread.

    An abandoned query keeps its memory and a core until the process ends, and a graceful
    exit can wait on other slow requests, so the process is ended outright after
    ``RECYCLE_GRACE`` seconds whatever is still running (in practice only other runaway
    queries: answers from the store take milliseconds).
    """
    os.kill(os.getpid(), signal.SIGTERM)
    timer = threading.Timer(RECYCLE_GRACE, os._exit, (0,))
    timer.daemon = True
    timer.start()


def _rss() -> int:
    """This process's resident memory in bytes (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


_started_rss: dict[int, int] = {}


def _note_start(server: Any, worker: Any) -> None:
    """gunicorn post_fork hook: remember the worker's memory at birth."""
    _started_rss[os.getpid()] = _rss()


def _check_growth(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """gunicorn post_request hook: recycle a worker that grew past RSS_GROWTH_LIMIT."""
    start = _started_rss.get(os.getpid())
    if start is None or worker.alive is False:
        return
    now = _rss()
    if start and now - start > RSS_GROWTH_LIMIT:
        log.warning(
            "worker %d grew from %d to %d MiB: recycling it", os.getpid(), start >> 20, now >> 20
        )
        _started_rss.pop(os.getpid(), None)
        _recycle_this_worker()


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )


def command(args: argparse.Namespace) -> int:
    _configure_logging()
    timeout = args.timeout if getattr(args, "timeout", None) is not None else DEFAULT_TIMEOUT
    if timeout <= 0:
        raise ConflictKGError(f"--timeout must be positive, got {timeout}")
    config: dict[str, Any] = {
        "QUERY_TIMEOUT": timeout,
        "ON_ABANDON": _recycle_this_worker,
    }
    cache_mb = getattr(args, "cache_mb", None)
    if cache_mb is not None:
        if cache_mb < 0:
            raise ConflictKGError(f"--cache-mb must be 0 or more, got {cache_mb:g}")
        config["CACHE_BYTES"] = int(cache_mb * 1024 * 1024)
    if getattr(args, "store", None):
        config.update(store_config(args, timeout))
    elif args.dataset is not None:
        if not args.dataset.is_file():
            raise ConflictKGError(f"{args.dataset}: no such file (--dataset)")
        config["DATASET"] = args.dataset
    else:
        config["BUILD_DIR"] = _build_dir(args)
    workers = args.workers if args.workers else (os.cpu_count() or 1)
    if workers < 1:
        raise ConflictKGError(f"--workers must be at least 1, got {workers}")
    # Shared by the workers, so a recycled worker still knows the runaway queries.
    config["RUNAWAY_DIR"] = tempfile.mkdtemp(prefix="conflictkg-runaways-")
    app = store_app(config, args) if getattr(args, "store", None) else create_app(config)
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "preload_app": True,
        # endpoint.deadline enforces the query limit; this only catches a stuck worker loop.
        "timeout": int(timeout) + 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "conflictkg-serve",
        # No management socket: nothing but HTTP on the bound address.
        "control_socket_disable": True,
        "post_fork": _note_start,
        "post_request": _check_growth,
    }
    EndpointServer(app, options).run()
    return 0
