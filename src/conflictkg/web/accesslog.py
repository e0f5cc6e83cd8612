"""The access log: one line per answer, an INFO record of ``conflictkg.web.access``.

Through :mod:`logging` each line cost more than the rest of the Python of an uncached
request but the protocol parsing (a record, the formatter's clock and %-formatting, the
handler). So when logging is set up as ``conflictkg serve`` sets it up
(:func:`conflictkg.serving.granian_server.configure_logging` registers its handler with
:func:`write_directly_to`) and nothing changed since, the line is made here and written to
that handler's stream directly, under the handler's lock: the same text, written and
flushed at once, so that no line waits in memory for a worker that may end. Any other
set-up (another handler, a filter, a level, tests that capture records) gets an ordinary
log record.
"""

from __future__ import annotations

import logging
import os
import time

ACCESS = logging.getLogger("conflictkg.web.access")

_PREFIX = f" INFO {ACCESS.name}: "


class _Direct:
    """The handler lines may be written to directly, with the format it was checked for."""

    handler: logging.StreamHandler | None = None  # type: ignore[type-arg]
    clock = (-1, "")  # a second, and its time as the formatter writes it (one object)
    prefix = f" {os.getpid()}{_PREFIX}"  # what follows the time: the process, level, logger

    @classmethod
    def forked(cls) -> None:
        cls.prefix = f" {os.getpid()}{_PREFIX}"  # asked once per process (a system call)


os.register_at_fork(after_in_child=_Direct.forked)


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
    line = (
        f"{asctime},{int((now - second) * 1000):03d}{_Direct.prefix}"
        f"{method} {path} {status} {milliseconds:.1f}ms{handler.terminator}"
    )
    try:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.write(line)
            handler.stream.flush()
    except Exception:  # a closed or broken stream: logging's own handling
        ACCESS.info("%s %s %d %.1fms", method, path, status, milliseconds)
