"""Stopping a query: at its time limit, or from outside (the worker's memory guard).

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so neither a
signal nor a server's worker timeout can stop a runaway query (five unconstrained triple
patterns, or a few hundred patterns to plan, run for minutes). So the query runs in its
own daemon thread and the request waits for it at most ``limit`` seconds (after
``DEPRIORITISE_AFTER`` seconds the thread drops to the lowest CPU priority, so that a long
query does not slow the quick ones of other clients); past that the
client gets a 503 naming the time limit and the thread is abandoned. An abandoned thread
still holds a core, so the app then calls its ``on_abandon`` hook: ``conflictkg serve``
asks its worker process to exit gracefully (the answers in flight are finished) and
Granian's main process forks a fresh worker from the preloaded app.

The queries a process is running are listed in a :class:`RunningQueries`; its
``stop_all(reason)`` wakes every waiting request at once with :class:`QueryStopped`
(``conflictkg serve`` calls it when the worker's memory grew past its limit, just before
the worker is recycled), so those clients get a 503 with the reason instead of a closed
connection, and the app can remember the queries as runaways.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# A query still running after this many seconds gets the lowest CPU priority (Linux), so
# that the quick queries of other clients are not slowed by the long ones meanwhile.
DEPRIORITISE_AFTER = 0.5


class QueryStopped(Exception):
    """The query was stopped before it finished; it goes on in an abandoned thread."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the query was stopped: {reason}")
        self.reason = reason


class DeadlineExceeded(QueryStopped):
    """The work did not finish within the time limit."""

    def __init__(self, limit: float) -> None:
        Exception.__init__(
            self, f"the query exceeded the time limit of {limit:g} s and was stopped"
        )
        self.reason = f"it exceeded the time limit of {limit:g} s"
        self.limit = limit


class RunningQueries:
    """The queries this process is waiting for, each with the event that wakes its request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._waiting: dict[int, tuple[threading.Event, list[str]]] = {}

    def enter(self, done: threading.Event) -> tuple[int, list[str]]:
        number = next(self._numbers)
        reasons: list[str] = []
        with self._lock:
            self._waiting[number] = (done, reasons)
        return number, reasons

    def leave(self, number: int) -> None:
        with self._lock:
            self._waiting.pop(number, None)

    def stop_all(self, reason: str) -> int:
        """Wake every waiting request with QueryStopped(reason); how many there were."""
        with self._lock:
            waiting = list(self._waiting.values())
        for done, reasons in waiting:
            reasons.append(reason)
            done.set()
        return len(waiting)

    def __len__(self) -> int:
        return len(self._waiting)


def run_with_deadline(
    work: Callable[[], T], limit: float | None, running: RunningQueries | None = None
) -> T:
    """``work()``'s value, or its exception; DeadlineExceeded after ``limit`` seconds, or
    QueryStopped when ``running.stop_all`` is called meanwhile.

    With neither a limit nor a registry the work runs inline (no thread).
    """
    if limit is None and running is None:
        return work()
    outcome: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the request's thread below
            outcome["error"] = _detached(error)
        finally:
            done.set()

    number, reasons = running.enter(done) if running is not None else (0, [])
    try:
        thread = threading.Thread(target=run, name="sparql-query", daemon=True)
        thread.start()
        started = time.monotonic()
        if not done.wait(_first_wait(limit)):
            _deprioritise(thread)
            done.wait(None if limit is None else max(0.0, limit - (time.monotonic() - started)))
    finally:
        if running is not None:
            running.leave(number)
    if "value" not in outcome and "error" not in outcome:
        if reasons:
            raise QueryStopped(reasons[0])
        raise DeadlineExceeded(limit if limit is not None else 0.0)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _detached(error: BaseException) -> BaseException:
    """``error`` without the tracebacks of its chain, which are kept as a note instead.

    The frames hold the engine's results, which must be dropped in the query's thread
    (pyoxigraph's are bound to the thread that made them).
    """
    error.add_note("in the query's thread:\n" + "".join(traceback.format_exception(error)))
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return error


def _first_wait(limit: float | None) -> float:
    return DEPRIORITISE_AFTER if limit is None else min(limit, DEPRIORITISE_AFTER)


def _deprioritise(thread: threading.Thread) -> None:
    """Give ``thread`` the lowest scheduling priority, where the system allows per-thread
    priorities (Linux: nice 19 for that thread id); elsewhere nothing happens."""
    native = thread.native_id
    if native is None or not hasattr(os, "setpriority") or not thread.is_alive():
        return
    try:
        os.setpriority(os.PRIO_PROCESS, native, 19)
    except OSError:
        pass  # the thread ended meanwhile, or the system refuses
