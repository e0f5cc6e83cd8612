"""A serving worker's recycling: once, drained with Connection: close, on memory growth."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from conflictkg.serving.recycling import Recycler, end_this_process
from conflictkg.web import accesslog


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def headers_of(wsgi: Any) -> dict[str, str]:
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen.update(headers)

    wsgi({}, start_response)
    return seen


def test_recycle_drains_then_ends_the_worker_once() -> None:
    ended = threading.Event()
    recycler = Recycler(growth_limit=None, drain_seconds=0.3, min_age=0.6, end=ended.set)
    recycler.started()
    served = recycler.wrap(app)
    assert "Connection" not in headers_of(served)
    assert recycler.recycle("test") is True
    assert recycler.recycle("again") is False  # one signal per process
    assert "Connection" not in headers_of(served)  # drains only in its last 0.3 s
    time.sleep(0.45)
    assert not ended.is_set()
    assert headers_of(served)["Connection"] == "close"
    assert ended.wait(2)


def test_a_young_worker_waits_until_it_is_old_enough_to_end() -> None:
    ended = threading.Event()
    recycler = Recycler(growth_limit=None, drain_seconds=0.05, min_age=0.6, end=ended.set)
    recycler.started()
    started = time.monotonic()
    recycler.recycle("test")
    assert ended.wait(3)
    assert time.monotonic() - started >= 0.5


def test_memory_growth_stops_the_running_queries_then_recycles() -> None:
    memory = [100 << 20]
    ended = threading.Event()
    reasons: list[str] = []
    recycler = Recycler(
        growth_limit=50 << 20,
        sample_seconds=0.02,
        drain_seconds=0.02,
        min_age=0.0,
        end=ended.set,
        rss=lambda: memory[0],
    )
    recycler.on_memory = reasons.append
    recycler.started()
    time.sleep(0.1)
    assert not ended.is_set() and not reasons  # no growth yet
    memory[0] = 151 << 20
    assert ended.wait(2)
    assert len(reasons) == 1 and "50 MiB" in reasons[0]


def test_the_end_stops_running_queries_just_before_the_process_exits() -> None:
    steps: list[str] = []
    end_this_process(
        grace=0.4,
        before_exit=lambda: steps.append("stop queries"),
        kill=lambda pid, sig: steps.append(f"signal {sig}"),
        exit_now=lambda code: steps.append(f"exit {code}"),
    )
    assert steps == [f"signal {int(signal.SIGTERM)}", "stop queries", "exit 0"]


def test_the_access_lines_still_queued_are_written_before_the_exit() -> None:
    steps: list[str] = []
    original = accesslog.flush
    accesslog.flush = lambda: steps.append("access lines")  # type: ignore[assignment]
    try:
        end_this_process(
            grace=0.1,
            kill=lambda pid, sig: steps.append("signal"),
            exit_now=lambda code: steps.append("exit"),
        )
    finally:
        accesslog.flush = original  # type: ignore[assignment]
    assert steps == ["signal", "access lines", "exit"]


def test_a_recycled_worker_tells_its_running_queries_why_they_stop() -> None:
    reasons: list[str] = []
    recycler = Recycler(growth_limit=None)
    recycler.on_exit = reasons.append
    stopped = threading.Event()
    from conflictkg.serving import recycling

    original = recycling.end_this_process
    recycling.end_this_process = lambda grace, before_exit: (before_exit(), stopped.set())  # type: ignore[assignment,misc]
    try:
        recycler.end()
    finally:
        recycling.end_this_process = original
    assert stopped.is_set() and len(reasons) == 1 and "send it again" in reasons[0]


def test_a_draining_worker_stops_accepting_when_it_starts_to_drain() -> None:
    ended = threading.Event()
    drained_at: list[bool] = []
    recycler = Recycler(growth_limit=None, drain_seconds=0.3, min_age=0.6, end=ended.set)
    recycler.started()
    recycler.on_drain = lambda: drained_at.append(ended.is_set())
    recycler.recycle("test")
    time.sleep(0.1)
    assert drained_at == []  # not before the drain
    assert ended.wait(2)
    assert drained_at == [False]  # once, before the end


def test_a_failure_to_stop_accepting_is_logged_and_the_worker_still_ends(
    caplog: Any,
) -> None:
    ended = threading.Event()
    recycler = Recycler(growth_limit=None, drain_seconds=0.05, min_age=0.1, end=ended.set)
    recycler.started()

    def fails() -> None:
        raise OSError("no /proc here")

    recycler.on_drain = fails
    recycler.recycle("test")
    assert ended.wait(2)
    assert "could not stop accepting: no /proc here" in caplog.text
