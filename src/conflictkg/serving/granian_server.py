"""The one place conflictkg customises Granian: a shared listening socket, the logging
format, and the options it is run with. Tied to the Granian versions in ``SUPPORTED``:
:func:`check_version` refuses any other at start-up, and a test fails on one.

Public options are used where Granian has them: ``respawn_failed_workers`` (a worker that
recycled itself is replaced by a fresh fork), ``workers_kill_timeout``, ``blocking_threads``,
logging. Granian's own ``workers_max_rss`` is not: it ends a worker from the main process,
so the queries that grew it would lose their connections, whereas the worker's own guard
(:mod:`conflictkg.serving.recycling`) first answers them 503 with the reason and records
them as runaways; and its memory limit is absolute, where ours is growth since the fork.

Two private parts are replaced, for want of an option: the set-up of the listening socket
(:class:`SharedSocketServer`), and the function that makes Granian's WSGI runner
(:func:`with_early_answers`): each request's environ gets ``EARLY_ANSWER``, with which
another thread can answer the request while the app's thread is still busy. Granian
gives its WSGI runner a response object for each request, which sends the first answer
given to it, from any thread, and drops later ones; so a query that runs into its time
limit in the request's own thread (the engine cannot be interrupted) gets its 503 from
the watchdog's thread at once (:mod:`conflictkg.web.deadline`), without the cost of
handing every query to another thread and back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

import granian
import granian.server.mp as granian_workers
from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.net import SocketSpec
from granian.server import MPServer

from conflictkg.errors import ConflictKGError
from conflictkg.serving.recycling import RECYCLE_GRACE, Recycler
from conflictkg.web import accesslog
from conflictkg.web.cache import WSGIApp, read_body
from conflictkg.web.deadline import EARLY_ANSWER

SUPPORTED = ("2.8.",)
"""Granian versions whose private parts this module replaces (the socket set-up, the
maker of the WSGI runner)."""

# Python threads per worker that run the app (started as requests need them): enough that
# the runaway queries a worker holds until it is recycled (each keeps its thread busy in
# the engine) cannot leave it without a thread for the quick ones.
THREADS_PER_WORKER = 32

# Granian's maker of a WSGI runner, ``(app, scope_opts, access_log_fmt) -> runner(proto,
# scope)``, which its worker processes call at start-up (a private name of Granian 2.8).
GRANIAN_WSGI_RUNNER: Callable[..., Callable[[Any, dict[str, Any]], Any]] = (
    granian_workers._wsgi_call_wrap
)


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
    handlers = logging.root.handlers
    if len(handlers) == 1 and isinstance(handlers[0], logging.StreamHandler):
        # The access lines are written straight to it while nothing else is configured.
        accesslog.write_directly_to(handlers[0], LOG_FORMAT)


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


def check_port_free(host: str, port: int) -> None:
    """Refuse an address another server listens on, before anything is loaded.

    Granian opens its socket with SO_REUSEPORT, so a second ``conflictkg serve`` on the port
    of a running one would start without complaint and take part of its connections (with
    its own data, perhaps). A socket bound without that option is refused where any other
    socket listens; it is closed at once, and Granian binds the port afterwards.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = error.strerror or str(error)
            raise ConflictKGError(
                f"cannot listen on {host} port {port} ({reason}): another server may be "
                "listening there; choose another --port or stop it"
            ) from None


def stop_accepting(listening: int) -> int:
    """Make this process accept no more connections on the listening socket ``listening``
    (a file descriptor) while the other processes that share it go on accepting; the
    number of descriptors replaced.

    Every descriptor of this process open on that socket (Granian's own included, found
    by the socket's inode in /proc/self/fd) is pointed at a placeholder: a non-blocking
    listening socket on a loopback port that nobody is told of. The event loop goes on
    being woken by connections arriving on the shared socket (its registration belongs to
    the socket, which stays open in the other processes), and each accept it tries then
    finds nothing waiting on the placeholder, so another worker accepts the connection.
    Closing the descriptors instead would let their numbers be reused under the loop.
    """
    inode = os.fstat(listening).st_ino
    placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        placeholder.bind(("127.0.0.1", 0))
        placeholder.listen(1)
        placeholder.setblocking(False)
        replaced = 0
        for entry in os.listdir("/proc/self/fd"):
            fd = int(entry)
            try:
                if fd != placeholder.fileno() and os.fstat(fd).st_ino == inode:
                    if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                        os.dup2(placeholder.fileno(), fd, inheritable=False)
                        replaced += 1
            except OSError:  # closed meanwhile (the listing's own descriptor)
                continue
        return replaced
    finally:
        placeholder.close()


def with_early_answers(
    app: WSGIApp, scope_opts: dict[str, Any], access_log_fmt: str | None = None
) -> Callable[[Any, dict[str, Any]], Any]:
    """The WSGI runner of a worker for ``app``: each request's environ gets
    ``environ[EARLY_ANSWER]``, a callable that runs ``app`` for the environ given to it
    and sends that answer on the request's response object (from the caller's thread).

    Granian's own runner starts each request's environ from a copy of the whole process
    environment (``os.environ``, which PEP 3333 allows but does not ask for, and which
    nothing here reads): a dict of every variable merged into each request's. This one
    merges only the keys PEP 3333 asks for into Granian's scope. With Granian's own
    access log (``access_log_fmt``; ``serve`` leaves it off) its runner is used instead.
    """
    if access_log_fmt:
        run = GRANIAN_WSGI_RUNNER(app, scope_opts, access_log_fmt)

        def logged(proto: Any, scope: dict[str, Any]) -> Any:
            scope[EARLY_ANSWER] = partial(answer_early, app, proto)
            return run(proto, scope)

        return logged
    prefix = scope_opts.get("url_path_prefix") or ""
    constant = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SCRIPT_NAME": prefix,
        "SERVER_SOFTWARE": "Granian",
        "wsgi.errors": sys.stderr,
        "wsgi.input_terminated": True,  # werkzeug reads a body without a length to its end
        "wsgi.multiprocess": False,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }

    def runner(proto: Any, scope: dict[str, Any]) -> int:
        environ = constant | scope
        if prefix:
            environ["PATH_INFO"] = scope["PATH_INFO"][len(prefix) :] or "/"
        environ[EARLY_ANSWER] = partial(answer_early, app, proto)
        started = _Started()
        body = app(environ, started)
        if type(body) is list:
            proto.response_bytes(started.status, started.headers, b"".join(body))
        else:
            proto.response_iter(started.status, started.headers, _chunks(body))
        return started.status

    return runner


class _Started:
    """A request's ``start_response``: the status (as a number) and headers given to it."""

    __slots__ = ("status", "headers")

    def __init__(self) -> None:
        self.status = 200
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        code = _CODES.get(status)
        self.status = int(status.split(" ", 1)[0]) if code is None else code
        self.headers = headers


# The status lines answers usually have, and their numbers.
_CODES = {"200 OK": 200, "304 NOT MODIFIED": 304}


def _chunks(body: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks of a WSGI body that is not a list, for Granian to send as they come; the
    body is closed after the last one, or when Granian stops reading (PEP 3333)."""
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def answer_early(app: WSGIApp, proto: Any, environ: dict[str, Any]) -> None:
    """``app``'s answer to ``environ``, sent on Granian's response object ``proto`` now; the
    answer the request's own thread gives later is dropped by ``proto``."""
    given: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        given["status"] = int(status.split(" ", 1)[0])
        given["headers"] = headers

    try:
        data = read_body(app(environ, start_response))
    except Exception:
        logging.getLogger("conflictkg.serve").exception("the early answer failed")
        given.clear()
    if "status" not in given:
        given = {"status": 503, "headers": [("Content-Type", "text/plain; charset=utf-8")]}
        data = b"503 Service Unavailable: the query was stopped\n"
    proto.response_bytes(given["status"], given["headers"], data)


def serve(app: Flask, recycler: Recycler, host: str, port: int, workers: int) -> None:
    """Run Granian with ``workers`` forks of this process, each serving ``app``."""
    check_version()
    # Flask's __call__ only calls its wsgi_app (web.sparql.DirectPath and what it wraps).
    served = recycler.wrap(app.wsgi_app)

    def loader(*_: Any) -> Any:
        # Called in each worker right after the fork.
        recycler.started()
        listening = server._sfd
        if listening is not None:
            recycler.on_drain = partial(stop_accepting, listening)
        return served

    # Forked workers share the loaded store copy-on-write (and the loader closure needs
    # no pickling); Python 3.14 would otherwise start them with forkserver or spawn.
    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    # The workers (forks of this process) make their WSGI runner with this.
    granian_workers._wsgi_call_wrap = with_early_answers  # type: ignore[assignment]
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
