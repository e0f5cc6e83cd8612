"""Stopping a query: at its time limit, or from outside (the worker's memory guard).

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so neither a
signal nor a server's worker timeout can stop a runaway query (five unconstrained triple
patterns, or a few hundred patterns to plan, run for minutes). So the query runs in
another daemon thread, and the request waits for it at most ``limit`` seconds (after
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

The threads that run queries are kept and reused (:class:`_QueryThreads`): starting a
thread per query cost about 200 µs and, under load, a wait for the GIL, which was most of
an uncached request's time; handing a query to a waiting thread costs about 10 µs. A
thread whose query was deprioritised ends after it (it cannot take its priority back
without privileges), and an abandoned one returns to the pool only if its query ever ends.
"""

from __future__ import annotations

import itertools
import os
import queue
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

    def __init__(self, reason: str, runaway: bool = True) -> None:
        super().__init__(f"the query was stopped: {reason}")
        self.reason = reason
        self.runaway = runaway  # False: stopped for no fault of its own (a restart)


class DeadlineExceeded(QueryStopped):
    """The work did not finish within the time limit."""

    def __init__(self, limit: float) -> None:
        Exception.__init__(
            self, f"the query exceeded the time limit of {limit:g} s and was stopped"
        )
        self.reason = f"it exceeded the time limit of {limit:g} s"
        self.runaway = True
        self.limit = limit


class RunningQueries:
    """The queries this process is waiting for, each with the event that wakes its request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._waiting: dict[int, tuple[Signal | threading.Event, list[tuple[str, bool]]]] = {}

    def enter(self, done: Signal | threading.Event) -> tuple[int, list[tuple[str, bool]]]:
        number = next(self._numbers)
        reasons: list[tuple[str, bool]] = []
        with self._lock:
            self._waiting[number] = (done, reasons)
        return number, reasons

    def leave(self, number: int) -> None:
        with self._lock:
            self._waiting.pop(number, None)

    def stop_all(self, reason: str, runaway: bool = True) -> int:
        """Wake every waiting request with QueryStopped(reason); how many there were.

        ``runaway``: whether the queries are to be remembered as runaways (memory grew
        while they ran) or not (the process is ending anyway)."""
        with self._lock:
            waiting = list(self._waiting.values())
        for done, reasons in waiting:
            reasons.append((reason, runaway))
            done.set()
        return len(waiting)

    def stop_for_exit(self, reason: str) -> int:
        """``stop_all`` for queries stopped because their process ends (not runaways)."""
        return self.stop_all(reason, runaway=False)

    def __len__(self) -> int:
        return len(self._waiting)


class Signal:
    """A one-shot wake-up, lighter than ``threading.Event`` (one lock, no condition):
    ``set`` from any thread, any number of times; ``wait`` by the one thread that waits."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:  # already set
            pass

    def wait(self, timeout: float | None = None) -> bool:
        """Whether it was set, waiting at most ``timeout`` seconds (None: for good)."""
        if self._lock.acquire(timeout=-1 if timeout is None else timeout):
            self._lock.release()  # stays set for a later wait
            return True
        return False


class _Job:
    """One piece of work handed to a query thread, and what came of it."""

    __slots__ = ("work", "done", "value", "error", "finished", "native_id", "deprioritised")

    def __init__(self, work: Callable[[], object], done: Signal) -> None:
        self.work = work
        self.done = done
        self.value: object = None
        self.error: BaseException | None = None
        self.finished = False
        self.native_id: int | None = None
        self.deprioritised = False

    def run(self) -> None:
        self.native_id = threading.get_native_id()
        try:
            self.value = self.work()
        except BaseException as error:  # re-raised in the request's thread
            self.error = _detached(error)
        finally:
            self.work = _nothing  # drop the closure (and what it holds) in this thread
            self.finished = True
            self.done.set()


def _nothing() -> None:
    return None


class _QueryThreads:
    """Daemon threads that wait for work; a new one starts only when none is idle."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # After a fork the threads are gone (and a lock may be held by one of them).
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, job: _Job) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        self._jobs.put(job)
        if start:
            threading.Thread(target=self._serve, name="sparql-query", daemon=True).start()

    def _serve(self) -> None:
        jobs = self._jobs
        while True:
            job = jobs.get()
            job.run()
            if job.deprioritised or jobs is not self._jobs:
                return  # at the lowest priority for good, or from before a fork
            with self._lock:
                self._idle += 1


_THREADS = _QueryThreads()


def run_with_deadline(
    work: Callable[[], T], limit: float | None, running: RunningQueries | None = None
) -> T:
    """``work()``'s value, or its exception; DeadlineExceeded after ``limit`` seconds, or
    QueryStopped when ``running.stop_all`` is called meanwhile.

    With neither a limit nor a registry the work runs inline (no thread).
    """
    if limit is None and running is None:
        return work()
    done = Signal()
    job = _Job(work, done)
    number, reasons = running.enter(done) if running is not None else (0, [])
    try:
        started = time.monotonic()
        _THREADS.submit(job)
        if not done.wait(_first_wait(limit)):
            job.deprioritised = True
            _deprioritise(job)
            done.wait(None if limit is None else max(0.0, limit - (time.monotonic() - started)))
    finally:
        if running is not None:
            running.leave(number)
    if not job.finished:
        if reasons:
            raise QueryStopped(*reasons[0])
        raise DeadlineExceeded(limit if limit is not None else 0.0)
    if job.error is not None:
        raise job.error
    return job.value  # type: ignore[return-value]


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


def _deprioritise(job: _Job) -> None:
    """Give the thread running ``job`` the lowest scheduling priority, where the system
    allows per-thread priorities (Linux: nice 19 for that thread id); elsewhere nothing
    happens."""
    native = job.native_id
    if native is None or not hasattr(os, "setpriority") or job.finished:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, native, 19)
    except OSError:
        pass  # the thread ended meanwhile, or the system refuses
