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

**Watched, not handed over.** Even a reused thread costs every request two thread
wake-ups (to the query thread and back) and the GIL passed between them: under load that
was a good part of an uncached request's CPU. Where the server can answer a client from
another thread (Granian hands the app a response object that any thread may complete:
:mod:`conflictkg.serving.granian_server` passes it on as ``environ[EARLY_ANSWER]``), the
caller gives ``run_with_deadline`` an ``on_stop`` hook and the query runs in the request's
own thread, entered in a table that one watchdog thread per process (:class:`_Watchdog`)
looks at only when the oldest entry's next moment comes (its deprioritisation, then its
limit): a quick query costs an entry in a dict and nothing wakes up. At the limit, or at
``stop_all``, the watchdog (or the caller of ``stop_all``) calls ``on_stop`` with the
:class:`QueryStopped`, which answers the client 503 from there, and the request's thread,
when the engine lets it go, learns that its client was answered (:class:`AnsweredElsewhere`).
A watched thread that was deprioritised gets its priority back after its query; where the
system refuses that (no privilege), the thread hands its later queries over instead.
"""

from __future__ import annotations

import itertools
import logging
import math
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

# The environ key of a WSGI server that can answer a request from another thread: a
# callable that runs the whole app for the environ it is given and sends that answer to
# the request's client (the later answer of the request's own thread is then dropped).
EARLY_ANSWER = "conflictkg.early_answer"

log = logging.getLogger("conflictkg.web")


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


class AnsweredElsewhere(Exception):
    """A watched query was stopped and its client answered from another thread: the
    request's own thread has nothing more to send."""


class _Waiter:
    """A request waiting for its query in a query thread: stopping it wakes it."""

    __slots__ = ("done", "reasons")

    def __init__(self, done: Signal | threading.Event) -> None:
        self.done = done
        self.reasons: list[tuple[str, bool]] = []

    def stop(self, reason: str, runaway: bool) -> None:
        self.reasons.append((reason, runaway))
        self.done.set()


class RunningQueries:
    """The queries this process is running for its requests, so that they can all be
    stopped at once: handed-over ones wake their request, watched ones are answered.
    (Watched ones are listed in the watchdog's table only, each with its registry.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._running: dict[int, _Waiter] = {}  # the handed-over queries

    def enter(self, entry: _Waiter) -> int:
        number = next(self._numbers)
        with self._lock:
            self._running[number] = entry
        return number

    def leave(self, number: int) -> None:
        with self._lock:
            self._running.pop(number, None)

    def stop_all(self, reason: str, runaway: bool = True) -> int:
        """Stop every running query with QueryStopped(reason); how many there were.

        ``runaway``: whether the queries are to be remembered as runaways (memory grew
        while they ran) or not (the process is ending anyway). A watched query's client
        is answered from this thread."""
        with self._lock:
            running: list[_Waiter | _Watched] = list(self._running.values())
        running += _WATCHDOG.watched_for(self)
        for entry in running:
            entry.stop(reason, runaway)
        return len(running)

    def stop_for_exit(self, reason: str) -> int:
        """``stop_all`` for queries stopped because their process ends (not runaways)."""
        return self.stop_all(reason, runaway=False)

    def __len__(self) -> int:
        return len(self._running) + len(_WATCHDOG.watched_for(self))


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
    work: Callable[[], T],
    limit: float | None,
    running: RunningQueries | None = None,
    on_stop: Callable[[QueryStopped], object] | None = None,
) -> T:
    """``work()``'s value, or its exception; DeadlineExceeded after ``limit`` seconds, or
    QueryStopped when ``running.stop_all`` is called meanwhile.

    With ``on_stop`` the work runs in this thread, watched: at the limit (or at
    ``stop_all``) ``on_stop`` is called with the QueryStopped from another thread, to
    answer the client from there, and this raises :class:`AnsweredElsewhere` once the
    work comes back. Without it the work runs in a query thread and this thread waits.
    With neither a limit nor a registry the work runs inline (no thread).
    """
    if limit is None and running is None:
        return work()
    if on_stop is not None and not _LOWERED.thread:
        return _WATCHDOG.run(work, limit, running, on_stop)
    done = Signal()
    job = _Job(work, done)
    waiter = _Waiter(done)
    number = running.enter(waiter) if running is not None else 0
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
        if waiter.reasons:
            raise QueryStopped(*waiter.reasons[0])
        raise DeadlineExceeded(limit if limit is not None else 0.0)
    if job.error is not None:
        raise job.error
    return job.value  # type: ignore[return-value]


class _Watched:
    """A query running in its request's own thread, in the watchdog's table."""

    __slots__ = (
        "native_id",
        "running",
        "limit",
        "lower_at",
        "deadline",
        "on_stop",
        "stopped",
        "deprioritised",
        "lowered",
        "priority",
    )

    def __init__(
        self,
        limit: float | None,
        on_stop: Callable[[QueryStopped], object],
        now: float,
        running: RunningQueries | None = None,
    ) -> None:
        self.native_id = _THIS_THREAD.native_id
        self.running = running
        self.limit = limit
        self.lower_at = now + _first_wait(limit)
        self.deadline = math.inf if limit is None else now + limit
        self.on_stop = on_stop
        self.stopped = False
        self.deprioritised = False  # its moment to be deprioritised has come
        self.lowered = False  # and its thread's priority was lowered then
        self.priority = 0

    def stop(self, reason: str, runaway: bool) -> None:
        """Answer this query's client with QueryStopped(reason), unless it finished first."""
        _WATCHDOG.stop(self, QueryStopped(reason, runaway))


class _Lowered(threading.local):
    """``thread`` is set in a thread that was given the lowest priority and could not take
    its own back: it hands its queries over from then on (their threads keep the ordinary
    priority)."""

    thread = False


class _ThisThread(threading.local):
    """The system's id of the thread, asked once per thread (a system call)."""

    def __init__(self) -> None:
        self.native_id = threading.get_native_id()


_LOWERED = _Lowered()
_THIS_THREAD = _ThisThread()
_IDLE_LOOK = 0.25  # seconds between the watchdog's looks when nothing comes due sooner


class _Watchdog:
    """One thread per process that deprioritises and stops the watched queries when their
    moments come; it sleeps until the earliest one (or ``_IDLE_LOOK``), so that entering
    a query seldom needs to wake it."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # After a fork the thread is gone (and a lock may be held by a thread of the parent).
        self._lock = threading.Lock()
        self._table: dict[int, _Watched] = {}
        self._bell = threading.Lock()  # released to wake the watchdog before its time
        self._bell.acquire()
        self._wake_at = -math.inf  # no thread yet: the first entry starts one
        self._started = False

    def run(
        self,
        work: Callable[[], T],
        limit: float | None,
        running: RunningQueries | None,
        on_stop: Callable[[QueryStopped], object],
    ) -> T:
        job = _Watched(limit, on_stop, time.monotonic(), running)
        key = id(job)
        with self._lock:
            self._table[key] = job
            ring = job.lower_at < self._wake_at
            start = not self._started
            self._started = True
        if start:
            threading.Thread(target=self._watch, name="query-watchdog", daemon=True).start()
        elif ring:
            self._ring()
        try:
            value = work()
        except BaseException:
            if self._finish(key, job):
                raise AnsweredElsewhere() from None
            raise
        if self._finish(key, job):
            raise AnsweredElsewhere()
        return value

    def _finish(self, key: int, job: _Watched) -> bool:
        """Take ``job`` out of the table; whether it had been stopped (its client answered)."""
        with self._lock:
            self._table.pop(key, None)
            stopped = job.stopped
        if job.lowered:
            _restore_priority(job)
        return stopped

    def watched_for(self, running: RunningQueries) -> list[_Watched]:
        """The queries watched now that ``running`` registered."""
        with self._lock:
            return [job for job in self._table.values() if job.running is running]

    def stop(self, job: _Watched, stopped: QueryStopped) -> None:
        """Claim ``job`` (unless its request finished first) and call its ``on_stop``."""
        with self._lock:
            if self._table.pop(id(job), None) is None:
                return
            job.stopped = True
        _call_on_stop(job, stopped)

    def _ring(self) -> None:
        try:
            self._bell.release()
        except RuntimeError:  # already rung
            pass

    def _watch(self) -> None:
        while True:
            now = time.monotonic()
            due: list[_Watched] = []
            wake_at = now + _IDLE_LOOK
            with self._lock:
                for key, job in list(self._table.items()):
                    if job.deadline <= now:
                        del self._table[key]
                        job.stopped = True
                        due.append(job)
                        continue
                    if not job.deprioritised and job.lower_at <= now:
                        # Under the lock: the request cannot finish (and restore) meanwhile.
                        job.deprioritised = True
                        _lower_priority(job)
                    wake_at = min(wake_at, job.deadline if job.deprioritised else job.lower_at)
                self._wake_at = wake_at
            for job in due:
                _call_on_stop(job, DeadlineExceeded(job.limit or 0.0))
            self._bell.acquire(timeout=max(0.0, wake_at - time.monotonic()))


def _call_on_stop(job: _Watched, stopped: QueryStopped) -> None:
    try:
        job.on_stop(stopped)
    except Exception:  # the watchdog goes on for the other queries
        log.exception("answering a stopped query failed")


def _lower_priority(job: _Watched) -> None:
    """The lowest CPU priority for the watched query's thread (Linux; elsewhere nothing)."""
    if not hasattr(os, "setpriority"):
        return
    try:
        job.priority = os.getpriority(os.PRIO_PROCESS, job.native_id)
        os.setpriority(os.PRIO_PROCESS, job.native_id, 19)
    except OSError:
        return  # the thread ended meanwhile, or the system refuses
    job.lowered = True


def _restore_priority(job: _Watched) -> None:
    """The thread's priority back after its query; where the system refuses, the thread
    hands its later queries over to query threads of ordinary priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, job.native_id, job.priority)
    except OSError:
        _LOWERED.thread = True


_WATCHDOG = _Watchdog()


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
