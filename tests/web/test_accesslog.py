"""The access log's line: written straight to the serving handler, or as a log record,
the same text either way."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from conflictkg.serving.granian_server import LOG_FORMAT
from conflictkg.web import accesslog

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


class Counting(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that counts the records it formats (a line written directly is none)."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self.records = 0

    def format(self, record: logging.LogRecord) -> str:
        self.records += 1
        return super().format(record)


@contextmanager
def serving(stream: IO[str] | None = None) -> Iterator[Counting]:
    """The root logger as ``conflictkg serve`` sets it up: one stream handler, INFO (in
    the test's body: pytest adds its own handlers to the root for the call), writing to
    ``stream`` (by default a string buffer)."""
    handler = Counting(stream if stream is not None else io.StringIO())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    saved = (logging.root.handlers[:], logging.root.level)
    logging.root.handlers[:] = [handler]
    logging.root.setLevel(logging.INFO)
    accesslog.write_directly_to(handler, LOG_FORMAT)
    try:
        yield handler
    finally:
        logging.root.handlers[:], level = saved
        logging.root.setLevel(level)
        accesslog._Direct.handler = None


def lines(handler: Counting) -> list[str]:
    stream = handler.stream
    assert isinstance(stream, io.StringIO)
    return [STAMP.sub("", line) for line in stream.getvalue().splitlines()]


@pytest.mark.unit
def test_a_line_written_directly_reads_as_the_record_would() -> None:
    with serving() as served:
        accesslog.log_answer("GET", "/sparql", 200, 1.26)
        accesslog.flush()
        assert served.records == 0, "written directly, without a record"
        accesslog.ACCESS.info("%s %s %d %.1fms", "GET", "/sparql", 200, 1.26)
    assert served.records == 1
    direct, through_logging = lines(served)
    assert direct == through_logging
    assert direct.endswith("INFO conflictkg.web.access: GET /sparql 200 1.3ms")


@pytest.mark.unit
def test_a_filter_or_a_level_sends_lines_through_logging_again() -> None:
    class Quiet(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "/health" not in record.getMessage()

    quiet = Quiet()
    with serving() as served:
        accesslog.ACCESS.addFilter(quiet)
        try:
            accesslog.log_answer("GET", "/health", 200, 0.1)
            accesslog.log_answer("GET", "/sparql", 200, 0.1)
        finally:
            accesslog.ACCESS.removeFilter(quiet)
        accesslog.ACCESS.setLevel(logging.WARNING)
        try:
            accesslog.log_answer("GET", "/sparql", 404, 0.1)
        finally:
            accesslog.ACCESS.setLevel(logging.NOTSET)
    assert [line.split(": ", 1)[1] for line in lines(served)] == ["GET /sparql 200 0.1ms"]
    assert served.records == 1


@pytest.mark.unit
def test_another_format_is_never_written_directly() -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(message)s"))
    accesslog.write_directly_to(handler, "%(message)s")
    assert accesslog._Direct.handler is None


@pytest.mark.unit
def test_a_forked_worker_names_itself_in_its_lines() -> None:
    read, write = os.pipe()
    with serving() as served:
        child = os.fork()
        if child == 0:  # the worker: its line, sent back through the pipe
            try:
                accesslog.log_answer("GET", "/sparql", 200, 0.5)
                accesslog.flush()
                os.write(write, served.stream.getvalue().encode("utf-8"))  # type: ignore[attr-defined]
            finally:
                os._exit(0)
        os.close(write)
        _, status = os.waitpid(child, 0)
        with os.fdopen(read, encoding="utf-8") as sent:
            line = sent.read()
        accesslog.log_answer("GET", "/sparql", 200, 0.5)
        accesslog.flush()
    assert status == 0
    assert f" {child} INFO conflictkg.web.access: GET /sparql 200 0.5ms" in line
    assert lines(served) == [f"{os.getpid()} INFO conflictkg.web.access: GET /sparql 200 0.5ms"]


class Writers(io.StringIO):
    """A stream that notes which thread wrote each piece."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: list[str] = []

    def write(self, text: str) -> int:
        self.writers.append(threading.current_thread().name)
        return super().write(text)


def wait_for_lines(handler: Counting, count: int) -> list[str]:
    """The handler's lines once there are ``count`` (or after a generous wait)."""
    waited = 0.0
    while len(lines(handler)) < count and waited < 10 * accesslog.FLUSH_SECONDS + 5:
        time.sleep(0.02)
        waited += 0.02
    return lines(handler)


@pytest.mark.unit
def test_a_queued_line_is_written_by_the_writer_thread_soon_after() -> None:
    with serving() as served:
        stream = served.stream = Writers()  # type: ignore[assignment]
        accesslog.log_answer("GET", "/sparql", 200, 2.0)
        assert wait_for_lines(served, 1) == [
            f"{os.getpid()} INFO conflictkg.web.access: GET /sparql 200 2.0ms"
        ]
        accesslog.log_answer("GET", "/sparql", 304, 0.2)  # a second batch after the first
        assert wait_for_lines(served, 2)[1].endswith("GET /sparql 304 0.2ms")
    assert stream.writers == ["access-log", "access-log"], "not in the request's thread"


@pytest.mark.unit
def test_a_worker_process_that_ends_in_order_writes_its_queued_lines(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as stream, serving(stream):
        # A multiprocessing worker, as Granian's are: it ends without atexit hooks.
        worker = multiprocessing.get_context("fork").Process(target=_answer_many)
        worker.start()
        worker.join(30)
    written = log.read_text(encoding="utf-8").splitlines()
    assert worker.exitcode == 0
    assert len(written) == 50
    assert all(line.endswith("GET /sparql 200 1.0ms") for line in written)


def _answer_many() -> None:
    for _ in range(50):
        accesslog.log_answer("GET", "/sparql", 200, 1.0)
