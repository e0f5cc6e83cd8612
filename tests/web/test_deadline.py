"""Stopping queries: the time limit, and stop_all from the worker's memory guard."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from conflictkg.web.deadline import (
    DEPRIORITISE_AFTER,
    AnsweredElsewhere,
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


# -- watched queries: run in the request's own thread, answered from the watchdog's -------


def test_a_watched_query_runs_in_the_callers_thread_and_nothing_is_stopped() -> None:
    running = RunningQueries()
    stopped: list[QueryStopped] = []
    here = threading.current_thread()
    assert run_with_deadline(threading.current_thread, 5.0, running, stopped.append) is here
    assert len(running) == 0 and stopped == []


def test_a_watched_query_over_its_limit_is_answered_from_elsewhere_at_once() -> None:
    release = threading.Event()
    answered: list[tuple[QueryStopped, float, bool]] = []
    started = time.monotonic()

    def on_stop(stopped: QueryStopped) -> None:
        # Called while the work still holds the request's thread.
        answered.append((stopped, time.monotonic() - started, release.is_set()))
        release.set()

    with pytest.raises(AnsweredElsewhere):
        run_with_deadline(lambda: release.wait(10), 0.3, RunningQueries(), on_stop)
    ((stopped, after, released),) = answered
    assert isinstance(stopped, DeadlineExceeded) and "time limit of 0.3 s" in str(stopped)
    assert not released, "the client was answered before the work came back"
    assert 0.3 <= after < 5


def test_stop_all_answers_watched_queries_from_the_callers_thread() -> None:
    running = RunningQueries()
    release = threading.Event()
    outcomes: list[str] = []
    answers: list[QueryStopped] = []

    def request() -> None:
        try:
            run_with_deadline(lambda: release.wait(10), 30.0, running, answers.append)
        except AnsweredElsewhere:
            outcomes.append("answered elsewhere")

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    while len(running) < 2:
        time.sleep(0.01)
    assert running.stop_for_exit("the server restarted") == 2
    assert [(a.reason, a.runaway) for a in answers] == [("the server restarted", False)] * 2
    release.set()
    for thread in threads:
        thread.join(5)
    assert outcomes == ["answered elsewhere"] * 2
    assert len(running) == 0


def test_a_watched_query_that_finishes_first_is_not_answered_twice() -> None:
    running = RunningQueries()
    answers: list[QueryStopped] = []
    for _ in range(200):
        assert run_with_deadline(lambda: 7, 0.001, running, answers.append) == 7
    time.sleep(0.05)
    assert running.stop_all("memory grew") == 0
    assert answers == []


def test_an_error_in_watched_work_reaches_the_caller_as_it_is() -> None:
    def fail() -> None:
        raise ValueError("bad query")

    with pytest.raises(ValueError, match="bad query"):
        run_with_deadline(fail, 5.0, RunningQueries(), lambda stopped: None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority: Linux")
def test_a_long_watched_query_loses_cpu_priority_and_its_thread_gets_it_back() -> None:
    def priority_after(seconds: float) -> int:
        time.sleep(seconds)
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def thread_priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    base = thread_priority()
    seen: list[int] = []

    def request() -> None:
        seen.append(run_with_deadline(lambda: priority_after(0.0), 5.0, None, print))
        seen.append(
            run_with_deadline(lambda: priority_after(DEPRIORITISE_AFTER + 0.3), 5.0, None, print)
        )
        seen.append(thread_priority())
        here = threading.current_thread()
        seen.append(run_with_deadline(threading.current_thread, 5.0, None, print) is here)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join(10)
    quick, slow, after, inline = seen
    assert quick == base and slow == 19
    # Back to its own priority where the system allows it (root, or CAP_SYS_NICE); a thread
    # that cannot take it back hands its later queries over to other threads instead.
    assert (after == base and inline) or (after == 19 and not inline)
