"""A call made in a forked child: its value, its errors, and nothing left behind."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import forked

needs_fork = pytest.mark.skipif(
    not forked.available(), reason="no os.fork or one core: the call runs in this process"
)


def _leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("conflictkg-forked-*"))


@needs_fork
def test_the_value_comes_from_another_process() -> None:
    with forked.Forked(os.getpid, "asking the pid") as child:
        pid = child.result()
    assert pid != os.getpid()


def test_the_child_sees_the_parents_memory_as_at_the_fork() -> None:
    data = {"rows": list(range(100_000))}
    with forked.Forked(lambda: sum(data["rows"]), "summing") as child:
        data["rows"] = []  # changed after the fork: the child does not see it
        assert child.result() == sum(range(100_000))


def test_a_conflictkg_error_comes_back_with_its_details() -> None:
    def fail() -> None:
        raise ConflictKGError("shapes.ttl: bad", details=["line 3", "line 9"])

    child = forked.Forked(fail, "the SHACL check")
    with pytest.raises(ConflictKGError) as raised:
        child.result()
    assert raised.value.message == "shapes.ttl: bad"
    assert raised.value.details == ["line 3", "line 9"]


def test_any_other_error_is_named_not_a_traceback() -> None:
    child = forked.Forked(lambda: 1 // 0, "the SHACL check")
    with pytest.raises(ConflictKGError, match="the SHACL check failed: ZeroDivisionError"):
        child.result()


@needs_fork
def test_a_child_killed_before_answering_is_an_error() -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    child = forked.Forked(die, "the SHACL check")
    with pytest.raises(ConflictKGError, match="ended without an answer.*signal 9"):
        child.result()


@needs_fork
def test_leaving_the_block_stops_the_child_and_removes_its_file() -> None:
    before = _leftovers()
    with forked.Forked(lambda: __import__("time").sleep(60), "sleeping") as child:
        pid = child._pid
        assert pid > 0
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no such child any more
    assert _leftovers() == before


@needs_fork
def test_the_answer_is_read_before_the_child_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    exit_now = os._exit

    def linger(code: int) -> None:  # in the child: a slow end, as a large fork's is
        __import__("time").sleep(60)
        exit_now(code)

    monkeypatch.setattr(os, "_exit", linger)
    child = forked.Forked(lambda: "answer", "answering")
    pid = child._pid
    assert child.result() == "answer"
    assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # still running: not waited for
    assert pid in forked._UNREAPED
    os.kill(pid, signal.SIGKILL)
    forked.reap(wait=True)
    assert pid not in forked._UNREAPED
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left


def test_without_fork_the_call_is_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "available", lambda: False)
    child = forked.Forked(os.getpid, "asking the pid")
    assert child.result() == os.getpid()


@needs_fork
def test_a_value_handed_over_comes_before_the_answer() -> None:
    # the child hands a value, then waits for a file the parent writes once it has it
    go = Path(tempfile.mkdtemp()) / "go"

    def work(hand: object) -> str:
        hand({"inferred": [1, 2, 3], "pid": os.getpid()})  # type: ignore[operator]
        while not go.exists():
            __import__("time").sleep(0.01)
        return "table"

    before = _leftovers()
    with forked.Forked(work, "the events table", handing=True) as child:
        handed, value = child.handed()
        assert handed and value["inferred"] == [1, 2, 3] and value["pid"] != os.getpid()
        assert child.handed() == (True, value)  # asked again: the same, nothing read
        go.touch()
        assert child.result() == "table"
    assert _leftovers() == before


@needs_fork
def test_a_call_that_hands_nothing_or_fails_first_gives_no_value() -> None:
    with forked.Forked(lambda hand: "table", "the events table", handing=True) as child:
        assert child.handed() == (False, None)
        assert child.result() == "table"

    def fail(hand: object) -> None:
        raise ConflictKGError("events-table.rq: bad")

    with forked.Forked(fail, "the events table", handing=True) as child:
        assert child.handed() == (False, None)
        with pytest.raises(ConflictKGError, match="events-table.rq: bad"):
            child.result()

    def die(hand: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with forked.Forked(die, "the events table", handing=True) as child:
        assert child.handed() == (False, None)
        with pytest.raises(ConflictKGError, match="ended without an answer"):
            child.result()


@needs_fork
def test_the_answer_is_read_whether_or_not_the_value_was_asked_for() -> None:
    def work(hand: object) -> str:
        hand("early")  # type: ignore[operator]
        return "late"

    with forked.Forked(work, "working", handing=True) as child:
        assert child.result() == "late"  # the handed value's signal is read on the way
        assert child.handed() == (True, "early")


def test_without_fork_a_handing_call_hands_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "available", lambda: False)
    handed: list[object] = []

    def work(hand: object) -> int:
        hand("early")  # type: ignore[operator]
        handed.append("called")
        return os.getpid()

    child = forked.Forked(work, "working", handing=True)
    assert child.handed() == (False, None)  # the caller made it all here: nothing kept
    assert child.result() == os.getpid() and handed == ["called"]
