"""The one place conflictkg customises Granian: a shared listening socket, the logging
format, and the options it is run with. Tied to the Granian versions in ``SUPPORTED``:
:func:`check_version` refuses any other at start-up, and a test fails on one.

Public options are used where Granian has them: ``respawn_failed_workers`` (a worker that
recycled itself is replaced by a fresh fork), ``workers_kill_timeout``, ``blocking_threads``,
logging. Granian's own ``workers_max_rss`` is not: it ends a worker from the main process,
so the queries that grew it would lose their connections, whereas the worker's own guard
(:mod:`conflictkg.serving.recycling`) first answers them 503 with the reason and records
them as runaways; and its memory limit is absolute, where ours is growth since the fork.
One private method is overridden (:class:`SharedSocketServer`), for want of an option.
"""

from __future__ import annotations

import logging
import multiprocessing
import socket
import sys
from typing import Any

import granian
from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.net import SocketSpec
from granian.server import MPServer

from conflictkg.errors import ConflictKGError
from conflictkg.serving.recycling import RECYCLE_GRACE, Recycler

SUPPORTED = ("2.8.",)
"""Granian versions whose private socket set-up :class:`SharedSocketServer` replaces."""

# Python threads per worker that run the app: enough that a few runaway queries (each
# holding a thread until the time limit) cannot leave a worker without a thread for the
# quick ones.
THREADS_PER_WORKER = 16


def check_version(version: str = granian.__version__) -> None:
    """Refuse to serve with a Granian this module was not written for."""
    if not version.startswith(SUPPORTED):
        raise ConflictKGError(
            f"Granian {version} is not supported (conflictkg.serving.granian_server replaces "
            f"a private method of Granian {', '.join(s + 'x' for s in SUPPORTED)}); install "
            "the version pyproject.toml names"
        )


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


def configure_logging() -> None:
    """Log lines of the app and of Granian in one format, on standard error.

    A record does not look up its caller's file and line, thread or multiprocessing
    names (the format shows none of them; the logging HOWTO's "Optimization" section):
    every answer writes a line, and those look-ups were a good part of its cost."""
    logging.logThreads = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)


class SharedSocketServer(MPServer):  # type: ignore[misc]
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


def serve(app: Flask, recycler: Recycler, host: str, port: int, workers: int) -> None:
    """Run Granian with ``workers`` forks of this process, each serving ``app``."""
    check_version()
    served = recycler.wrap(app)

    def loader(*_: Any) -> Any:
        # Called in each worker right after the fork.
        recycler.started()
        return served

    # Forked workers share the loaded store copy-on-write (and the loader closure needs
    # no pickling); Python 3.14 would otherwise start them with forkserver or spawn.
    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    server = SharedSocketServer(
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
        workers_kill_timeout=int(max(RECYCLE_GRACE, recycler.grace)) + 1,
    )
    server.serve(target_loader=loader, wrap_loader=False)
