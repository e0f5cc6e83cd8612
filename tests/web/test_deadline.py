"""Stopping queries: the time limit, and stop_all from the worker's memory guard."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from conflictkg.web.deadline import (
    DEPRIORITISE_AFTER,
    DeadlineExceeded,
    QueryStopped,
    RunningQueries,
    run_with_deadline,
)


def test_quick_work_returns_its_value_and_leaves_the_registry() -> None:
    running = RunningQueries()
    assert run_with_deadline(lambda: 42, 5.0, running) == 42
    assert len(running) == 0


def test_slow_work_raises_deadline_exceeded_at_the_limit() -> None:
    release = threading.Event()
    with pytest.raises(DeadlineExceeded) as caught:
        run_with_deadline(lambda: release.wait(10), 0.2)
    assert not release.is_set(), "the work was abandoned, not waited for"
    release.set()
    assert "time limit of 0.2 s" in str(caught.value)
    assert caught.value.reason == "it exceeded the time limit of 0.2 s"


def test_stop_all_wakes_every_waiting_request_with_the_reason() -> None:
    running = RunningQueries()
    release = threading.Event()
    errors: list[BaseException] = []

    def request() -> None:
        try:
            run_with_deadline(lambda: release.wait(10), 30.0, running)
        except QueryStopped as stopped:
            errors.append(stopped)

    threads = [threading.Thread(target=request) for _ in range(3)]
    for thread in threads:
        thread.start()
    while len(running) < 3:
        time.sleep(0.01)
    assert running.stop_all("memory grew") == 3
    for thread in threads:
        thread.join(5)
    release.set()
    assert len(errors) == 3
    assert all(type(e) is QueryStopped and e.reason == "memory grew" for e in errors)
    assert "memory grew" in str(errors[0])
    assert len(running) == 0


def test_an_error_in_the_work_reaches_the_caller_without_its_frames() -> None:
    def fail() -> None:
        raise ValueError("bad query")

    with pytest.raises(ValueError, match="bad query") as caught:
        run_with_deadline(fail, 5.0, RunningQueries())
    error = caught.value
    # the query thread's frames are dropped there; their text is kept as a note
    assert any("in the query's thread" in note and "fail" in note for note in error.__notes__)


def test_without_a_limit_or_registry_the_work_runs_inline() -> None:
    assert run_with_deadline(threading.current_thread, None) is threading.current_thread()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_a_long_query_loses_cpu_priority_and_a_quick_one_keeps_it() -> None:
    def priority_after(seconds: float) -> int:
        time.sleep(seconds)
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert run_with_deadline(lambda: priority_after(0.0), 5.0, RunningQueries()) == base
    slow = run_with_deadline(lambda: priority_after(DEPRIORITISE_AFTER + 0.3), 5.0)
    assert slow == 19
