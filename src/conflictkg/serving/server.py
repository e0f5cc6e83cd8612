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
import multiprocessing
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.net import SocketSpec
from granian.server import MPServer

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import build
from conflictkg.serving.recycling import RECYCLE_GRACE, Recycler
from conflictkg.serving.store_config import store_app, store_config
from conflictkg.web.app import create_app

DEFAULT_TIMEOUT = 10.0
# Python threads per worker that run the app: enough that a few runaway queries (each
# holding a thread until the time limit) cannot leave a worker without a thread for the
# quick ones.
THREADS_PER_WORKER = 16

log = logging.getLogger("conflictkg.serve")


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


LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class _KnownAdvice(logging.Filter):
    """Drops Granian's start-up advice against many Python threads per worker: the threads
    are deliberate (THREADS_PER_WORKER), and the advice would read as a fault at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


# Granian's own messages (workers started, respawned) in the same format and stream.
GRANIAN_LOGGING = {
    "formatters": {"generic": {"()": "logging.Formatter", "fmt": LOG_FORMAT}},
    "filters": {"known_advice": {"()": _KnownAdvice}},
    "handlers": {
        "console": {
            "formatter": "generic",
            "filters": ["known_advice"],
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)


class _EndpointServer(MPServer):  # type: ignore[misc]
    """Granian with one listening socket, opened by the main process and shared by fork.

    On Linux Granian otherwise gives each worker a socket of its own on the same port
    (SO_REUSEPORT): the connections queued on a worker's socket are reset when it ends,
    and while every worker is being replaced at once the port refuses connections. With
    the one socket held by the main process, connections wait in its queue for whichever
    worker accepts next, across any recycling. (Granian takes this path on other systems;
    this chooses it on Linux too. Tied to Granian 2.8, which pyproject.toml pins.)
    """

    def _init_shared_socket(self) -> None:
        self._ssp = None
        holder = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
        self._shd = holder  # type: ignore[assignment]
        self._sfd = holder.get_fd()
        shared = socket.socket(fileno=self._sfd)
        shared.set_inheritable(True)
        self._sso = shared


def _serve(app: Flask, recycler: Recycler, host: str, port: int, workers: int) -> None:
    """Run Granian with ``workers`` forks of this process, each serving ``app``."""
    served = recycler.wrap(app)

    def loader(*_: Any) -> Any:
        # Called in each worker right after the fork.
        recycler.started()
        return served

    # Forked workers share the loaded store copy-on-write (and the loader closure needs
    # no pickling); Python 3.14 would otherwise start them with forkserver or spawn.
    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    server = _EndpointServer(
        "conflictkg",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=THREADS_PER_WORKER,
        # The app logs one line per answer itself (with the query's time).
        log_access=False,
        log_level=LogLevels.info,
        log_dictconfig=GRANIAN_LOGGING,
        # A worker that recycled itself (conflictkg.serving.recycling) is replaced by a fresh fork.
        respawn_failed_workers=True,
        workers_kill_timeout=int(RECYCLE_GRACE) + 1,
    )
    server.serve(target_loader=loader, wrap_loader=False)


def command(args: argparse.Namespace) -> int:
    _configure_logging()
    timeout = args.timeout if getattr(args, "timeout", None) is not None else DEFAULT_TIMEOUT
    if timeout <= 0:
        raise ConflictKGError(f"--timeout must be positive, got {timeout}")
    recycler = Recycler()
    config: dict[str, Any] = {
        "QUERY_TIMEOUT": timeout,
        "ON_ABANDON": lambda: recycler.recycle("it abandoned a query at the time limit"),
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
    recycler.on_memory = app.extensions["conflictkg.running"].stop_all
    _serve(app, recycler, args.host, args.port, workers)
    return 0
