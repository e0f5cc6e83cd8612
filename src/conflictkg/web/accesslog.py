"""The access log: one line per answer, an INFO record of ``conflictkg.web.access``.

Through :mod:`logging` each line cost more than the rest of the Python of an uncached
request but the protocol parsing (a record, the formatter's clock and %-formatting, the
handler). So when logging is set up as ``conflictkg serve`` sets it up
(:func:`conflictkg.serving.granian_server.configure_logging` registers its handler with
:func:`write_directly_to`) and nothing changed since, the line is made here, with the
same text, and written to that handler's stream by a writer thread of the process.

**Lines written in batches.** A write to the log file per answer was a system call per
request, and the call cost far more than its own few microseconds: the engine's next
query ran measurably slower after it (about 20 µs of CPU per uncached request of 130 on
a small query). So a line is queued, and the process's writer thread writes what is
queued in one piece ``FLUSH_SECONDS`` after the first line of a batch arrived (while no
line comes, it sleeps and costs nothing). A line therefore reaches the file at most
``FLUSH_SECONDS`` after its answer, and can come after a warning logged meanwhile (its
own time stamp is the answer's). Nothing queued is lost when a process ends in order: at
its normal exit (``atexit``, or multiprocessing's finalisers in a forked worker) and
before a recycled worker exits (:func:`flush`, which
:func:`conflictkg.serving.recycling.end_this_process` calls); a worker killed outright
loses at most the lines of its last ``FLUSH_SECONDS``. Any other set-up (another
handler, a filter, a level, tests that capture records) gets an ordinary log record at
once.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from multiprocessing import util as multiprocessing_util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    _Handler = logging.StreamHandler[Any]

ACCESS = logging.getLogger("conflictkg.web.access")

_PREFIX = f" INFO {ACCESS.name}: "

# Seconds a line may wait for the writer thread (see the module's docstring).
FLUSH_SECONDS = 0.1


class _Direct:
    """The handler lines may be written to directly, with the format it was checked for."""

    handler: logging.StreamHandler | None = None  # type: ignore[type-arg]
    clock = (-1, "")  # a second, and its time as the formatter writes it (one object)
    prefix = f" {os.getpid()}{_PREFIX}"  # what follows the time: the process, level, logger

    @classmethod
    def forked(cls) -> None:
        cls.prefix = f" {os.getpid()}{_PREFIX}"  # asked once per process (a system call)
        _BATCH.reset()


class _Batch:
    """The lines of this process waiting for its writer thread, and the thread's bell.

    ``idle`` is True while the writer waits for a line: the first line queued after
    that rings the bell (``quiet``, a lock released to wake the writer), the others of
    the batch only queue (a deque's ``append`` and ``popleft`` are atomic). The writer
    sets ``idle`` before it takes the lines, so a line queued meanwhile either goes with
    this batch or rings for the next."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # Also after a fork: the writer thread is the parent's, and so may be the lock.
        self.lines: collections.deque[tuple[_Handler, str]] = collections.deque()
        self.quiet = threading.Lock()
        self.quiet.acquire()
        self.idle = True
        self.writer_of = 0  # the process whose writer thread runs (0: none yet)

    def queue(self, handler: _Handler, line: str) -> None:
        self.lines.append((handler, line))
        if self.idle:
            self.idle = False
            if self.writer_of != os.getpid():
                self._start_writer()
            try:
                self.quiet.release()
            except RuntimeError:  # rung already by another thread
                pass

    def _start_writer(self) -> None:
        self.writer_of = os.getpid()
        threading.Thread(target=self._write_batches, name="access-log", daemon=True).start()
        # Written at the process's end too: atexit, or multiprocessing's finalisers in a
        # forked worker process (which ends without running atexit).
        atexit.register(flush)
        multiprocessing_util.Finalize(None, flush, exitpriority=10)

    def _write_batches(self) -> None:
        while True:
            self.quiet.acquire()
            time.sleep(FLUSH_SECONDS)
            self.idle = True
            flush()

    def take(self) -> dict[_Handler, list[str]]:
        """The lines queued so far by the handler they are for, the queue emptied of them."""
        lines = self.lines
        taken: dict[_Handler, list[str]] = {}
        while lines:
            handler, line = lines.popleft()
            taken.setdefault(handler, []).append(line)
        return taken


_BATCH = _Batch()
os.register_at_fork(after_in_child=_Direct.forked)


def flush() -> None:
    """Write the lines queued so far now (before a process ends, or for a reader)."""
    for handler, lines in _BATCH.take().items():
        try:
            with handler.lock:  # type: ignore[union-attr]
                handler.stream.write("".join(lines))
                handler.stream.flush()
        except Exception:  # a closed or broken stream: logging's own report of it
            handler.handleError(logging.makeLogRecord({"name": ACCESS.name, "msg": "".join(lines)}))


def write_directly_to(handler: logging.StreamHandler, fmt: str) -> None:  # type: ignore[type-arg]
    """Write access lines straight to ``handler`` (the root logger's one handler) while
    logging stays configured as it is now; ``fmt`` is its formatter's format, which must
    be ``%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s`` with the default
    date format (anything else: records as usual)."""
    formatter = handler.formatter
    plain = (
        fmt == "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
        and type(formatter) is logging.Formatter
        and formatter._fmt == fmt
        and formatter.datefmt is None
        and formatter.default_time_format == "%Y-%m-%d %H:%M:%S"
        and formatter.default_msec_format == "%s,%03d"
        and formatter.converter is time.localtime
    )
    _Direct.handler = handler if plain else None


def _unchanged(handler: logging.StreamHandler) -> bool:  # type: ignore[type-arg]
    """Whether a record of ACCESS would reach ``handler`` alone, unfiltered, as INFO."""
    if handler.filters or handler.level > logging.INFO or not ACCESS.isEnabledFor(logging.INFO):
        return False
    logger: logging.Logger | None = ACCESS
    while logger is not None:
        if logger.filters or logger.disabled:
            return False
        if logger.handlers:
            return logger is logging.root and logger.handlers == [handler]
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


def log_answer(method: str, path: str, status: int, milliseconds: float) -> None:
    """The access line of one answer: method, path, status and the time it took."""
    handler = _Direct.handler
    if handler is None or not _unchanged(handler):
        ACCESS.info("%s %s %d %.1fms", method, path, status, milliseconds)
        return
    now = time.time()
    second = int(now)
    seen, asctime = _Direct.clock
    if second != seen:
        asctime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        _Direct.clock = (second, asctime)
    # One %-format costs less than the f-string's format specs; %d truncates the
    # milliseconds past the second as int() does.
    _BATCH.queue(
        handler,
        "%s,%03d%s%s %s %d %.1fms%s"  # noqa: UP031
        % (
            asctime,
            (now - second) * 1000,
            _Direct.prefix,
            method,
            path,
            status,
            milliseconds,
            handler.terminator,
        ),
    )
