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
from conflictkg.endpoint.cache import RunawayRecord
from conflictkg.errors import ConflictKGError
from conflictkg.serve_store import store_app, store_config

DEFAULT_TIMEOUT = 10.0
THREADS_PER_WORKER = 4
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
    app = store_app(config, args) if getattr(args, "store", None) else create_app(config)
    workers = args.workers if args.workers else (os.cpu_count() or 1)
    if workers < 1:
        raise ConflictKGError(f"--workers must be at least 1, got {workers}")
    # Shared by the workers, so a recycled worker still knows the runaway queries.
    app.extensions["conflictkg.runaways"] = RunawayRecord(
        Path(tempfile.mkdtemp(prefix="conflictkg-runaways-"))
    )
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
    }
    EndpointServer(app, options).run()
    return 0
