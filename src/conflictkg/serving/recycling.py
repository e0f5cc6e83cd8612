"""A serving worker's life: forked from the loaded app, recycled when it must not go on.

``conflictkg serve`` runs its app in worker processes forked from the process that loaded
the store. A worker is recycled (it ends, and the server forks a fresh one) in two cases:

* it **abandoned a query** at the time limit: pyoxigraph cannot cancel a query, and the
  abandoned thread would hold a core until the process ends (see web.deadline);
* its **resident memory grew** more than ``growth_limit`` bytes since it started: a large
  query's memory is not given back to the system by malloc. A thread samples it every
  ``SAMPLE_SECONDS``; the queries running at that moment are stopped first (their clients
  get a 503 with the reason, and the app remembers them as runaways).

Recycling is graceful. First the worker **drains**: for the last ``DRAIN_SECONDS`` of its
life it accepts no new connection (``on_drain``: the server's other workers take them
from the shared listening socket) and every answer it gives carries ``Connection: close``,
so keep-alive clients reconnect to a live worker instead of finding their connection cut.
(A connection the worker had accepted but whose request it had not read yet when SIGTERM
came was closed without an answer; not accepting in the drain leaves it time to read
every request it took.) Then it is sent SIGTERM, once (Granian's worker deadlocks on a
second one): it finishes the answers in flight and exits; ``grace`` seconds later
(``RECYCLE_GRACE``, or longer: ``conflictkg serve`` gives the queries in flight their
whole time limit, so that one near its limit gets the usual 503) it is ended outright.
Queries still running then are stopped first (``on_exit``): their clients get a 503 that
says the server restarted and the query may be sent again, not a reset connection, and
``EXIT_MARGIN`` seconds are left for those answers to be written. A worker younger than
``MIN_WORKER_AGE`` waits until it is that old before it ends, because Granian takes a
worker that ends within 5.5 s of its birth for a crash loop and stops the whole server.
(Granian logs each such end as an "Unexpected exit" at ERROR level, then forks the fresh
worker; the WARNING line before it gives the reason.)
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from conflictkg.web import accesslog
from conflictkg.web.cache import WSGIApp

DRAIN_SECONDS = 0.5
RECYCLE_GRACE = 2.0
EXIT_MARGIN = 0.3
MIN_WORKER_AGE = 6.0
GROWTH_LIMIT = 256 * 1024 * 1024
SAMPLE_SECONDS = 1.0

log = logging.getLogger("conflictkg.serve")


def rss_bytes() -> int:
    """This process's resident memory in bytes (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def end_this_process(
    grace: float = RECYCLE_GRACE,
    before_exit: Callable[[], object] | None = None,
    kill: Callable[[int, int], None] = os.kill,
    exit_now: Callable[[int], object] = os._exit,
) -> None:
    """SIGTERM to this process, then ``os._exit`` after ``grace`` seconds (blocks);
    ``before_exit`` is called ``EXIT_MARGIN`` seconds before the exit, and the access
    lines still queued are written just before it (``os._exit`` runs no exit hooks)."""
    kill(os.getpid(), signal.SIGTERM)
    margin = min(EXIT_MARGIN, grace) if before_exit is not None else 0.0
    time.sleep(grace - margin)
    if before_exit is not None:
        before_exit()
        time.sleep(margin)
    accesslog.flush()
    exit_now(0)


class Recycler:
    """The recycling state of one worker process (the object is copied into each fork).

    ``started()`` is called in the worker right after its fork; ``recycle(reason)`` from
    anywhere in it; ``wrap(app)`` is the WSGI app that says ``Connection: close`` while the
    worker drains. ``end`` and ``rss`` are replaceable for tests.
    """

    def __init__(
        self,
        growth_limit: int | None = GROWTH_LIMIT,
        sample_seconds: float = SAMPLE_SECONDS,
        drain_seconds: float = DRAIN_SECONDS,
        min_age: float = MIN_WORKER_AGE,
        grace: float = RECYCLE_GRACE,
        end: Callable[[], None] | None = None,
        rss: Callable[[], int] = rss_bytes,
    ) -> None:
        self.growth_limit = growth_limit
        self.sample_seconds = sample_seconds
        self.drain_seconds = drain_seconds
        self.min_age = min_age
        self.grace = grace
        self.end = end if end is not None else self._end_process
        self.rss = rss
        # Called with a reason when memory grew past the limit, before recycling: the app
        # stops the queries it is running (web.deadline.RunningQueries.stop_all).
        self.on_memory: Callable[[str], object] | None = None
        # Called when the worker starts draining: the server stops this worker accepting
        # connections (granian_server.stop_accepting).
        self.on_drain: Callable[[], object] | None = None
        # Called with a reason just before the process exits: the app stops the queries it
        # still runs, so their clients get a 503 (RunningQueries.stop_all, not as runaways).
        self.on_exit: Callable[[str], object] | None = None
        self.born = 0.0
        self.start_rss = 0
        self.leaving = False
        self.draining = False
        self._lock = threading.Lock()

    def started(self) -> None:
        """Note this worker's birth and memory, and start watching its memory."""
        self.born = time.monotonic()
        self.leaving = False
        self.draining = False
        self._lock = threading.Lock()  # a lock copied by fork may be held by a dead thread
        self.start_rss = self.rss()
        if self.growth_limit is not None and self.start_rss:
            threading.Thread(target=self._watch_memory, name="rss-watch", daemon=True).start()

    def _watch_memory(self) -> None:
        assert self.growth_limit is not None
        while not self.leaving:
            time.sleep(self.sample_seconds)
            now = self.rss()
            if now - self.start_rss > self.growth_limit:
                if self.on_memory is not None:
                    self.on_memory(
                        f"the server's memory grew by more than {self.growth_limit >> 20} MiB "
                        "while it ran"
                    )
                self.recycle(
                    f"its memory grew from {self.start_rss >> 20} to {now >> 20} MiB "
                    f"(limit: {self.growth_limit >> 20} MiB of growth)"
                )
                return

    def recycle(self, reason: str) -> bool:
        """Drain, then end this worker; False if it is already on its way out."""
        with self._lock:
            if self.leaving:
                return False
            self.leaving = True
        age = time.monotonic() - self.born if self.born else self.min_age
        wait = max(self.drain_seconds, self.min_age - age)
        log.warning("worker %d: %s; recycling it in %.1f s", os.getpid(), reason, wait)
        # Drain only in the last moments: every answer while draining costs its client a
        # new connection (and a port in TIME_WAIT).
        drain = threading.Timer(wait - self.drain_seconds, self._drain)
        drain.daemon = True
        drain.start()
        end = threading.Timer(wait, self.end)
        end.daemon = True
        end.start()
        return True

    def _end_process(self) -> None:
        on_exit = self.on_exit

        def stop_running() -> None:
            if on_exit is not None:
                on_exit(
                    "the server process answering it was restarted before the query "
                    "finished; send it again"
                )

        end_this_process(self.grace, before_exit=stop_running)

    def _drain(self) -> None:
        self.draining = True
        if self.on_drain is not None:
            try:
                replaced = self.on_drain()
                log.info(
                    "worker %d drains: it accepts no new connection (%s descriptors)",
                    os.getpid(),
                    replaced,
                )
            except OSError as error:  # the worker then accepts until SIGTERM, as before
                log.warning("worker %d: could not stop accepting: %s", os.getpid(), error)

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """``app``, answering with ``Connection: close`` once this worker drains."""

        def drained(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if not self.draining:
                return app(environ, start_response)

            def closing(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                return start_response(status, [*headers, ("Connection", "close")], exc_info)

            return app(environ, closing)

        return drained
