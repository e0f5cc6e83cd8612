"""``conflictkg serve``: the endpoint app run by gunicorn, read-only, store loaded before fork.

Without ``--dataset`` the build is brought up to date first (``conflictkg build
--if-needed``) and ``output/current/dataset.trig`` is served with the build's files as
downloads; with ``--dataset FILE`` that file is served instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from conflictkg import build
from conflictkg.endpoint.app import create_app
from conflictkg.errors import ConflictKGError

DEFAULT_TIMEOUT = 10.0
THREADS_PER_WORKER = 4

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
    503 included), and the arbiter forks a fresh one, free of the abandoned query thread."""
    os.kill(os.getpid(), signal.SIGTERM)


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s",
    )


def command(args: argparse.Namespace) -> int:
    _configure_logging()
    if getattr(args, "store", None):
        raise ConflictKGError("--store (a remote SPARQL store) is not supported yet")
    timeout = args.timeout if getattr(args, "timeout", None) is not None else DEFAULT_TIMEOUT
    if timeout <= 0:
        raise ConflictKGError(f"--timeout must be positive, got {timeout}")
    config: dict[str, Any] = {"QUERY_TIMEOUT": timeout, "ON_ABANDON": _recycle_this_worker}
    if args.dataset is not None:
        if not args.dataset.is_file():
            raise ConflictKGError(f"{args.dataset}: no such file (--dataset)")
        config["DATASET"] = args.dataset
    else:
        config["BUILD_DIR"] = _build_dir(args)
    app = create_app(config)
    workers = args.workers if args.workers else (os.cpu_count() or 1)
    if workers < 1:
        raise ConflictKGError(f"--workers must be at least 1, got {workers}")
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
