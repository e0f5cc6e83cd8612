"""`conflictkg serve`'s own choices, apart from Granian and the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conflictkg.cli import main
from conflictkg.serving import server
from conflictkg.serving.recycling import GROWTH_LIMIT
from conflictkg.serving.store_config import remote_answer_bytes
from conflictkg.store.remote import MAX_ANSWER_BYTES
from tests.support.liveserver import SAMPLE, LiveServer

MIB = 1024 * 1024


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 4), (8, 16), (None, 2)])
def test_default_workers_are_two_a_core(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, workers: int
) -> None:
    # os.cpu_count() is None where the system cannot tell: one core is assumed.
    monkeypatch.setattr(server.os, "cpu_count", lambda: cores)
    assert server.default_workers() == workers


def test_the_answer_limit_is_the_apps_default_or_the_option_in_bytes() -> None:
    assert server.answer_bytes(None) == 32 * MIB
    assert server.answer_bytes(100) == 100 * MIB
    assert server.answer_bytes(0.5) == MIB // 2
    assert server.answer_bytes(1e-9) == 1  # never 0, which the app would read as no limit


@pytest.mark.parametrize(
    ("answer", "growth"),
    [(32 * MIB, GROWTH_LIMIT), (1, GROWTH_LIMIT), (100 * MIB, 400 * MIB)],
)
def test_a_worker_may_grow_by_four_of_its_largest_answers(answer: int, growth: int) -> None:
    assert server.growth_limit(answer) == growth


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        (server.answer_bytes(None), MAX_ANSWER_BYTES),  # no --max-answer-mb
        (32 * MIB, MAX_ANSWER_BYTES),
        (100 * MIB, 400 * MIB),
    ],
)
def test_a_remote_stores_answer_is_read_up_to_four_of_the_largest(answer: int, read: int) -> None:
    assert remote_answer_bytes(answer) == read


@pytest.mark.parametrize(
    ("option", "value"),
    [
        *(("--max-answer-mb", value) for value in ["0", "-1", "inf", "nan", "lots"]),
        *(("--timeout", value) for value in ["0", "inf", "nan", "1e12"]),
        *(("--cache-mb", value) for value in ["-1", "inf"]),
        *(("--port", value) for value in ["0", "70000", "-1"]),
        *(("--host", value) for value in ["999.1.1.1", "localhost"]),
    ],
)
def test_a_bad_option_is_refused_before_anything_starts(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each of these once went through to Granian or the clock and ended in a traceback.
    with pytest.raises(SystemExit) as exit_:
        main(["serve", option, value])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert option in error and value in error
    assert "Traceback" not in error


def test_a_second_server_on_a_port_in_use_says_so_and_ends(tmp_path: Path) -> None:
    # Granian's socket allows a second one on its port (SO_REUSEPORT): without the check,
    # the second server would start and take part of the first one's connections.
    serve = ["serve", "--dataset", str(SAMPLE), "--workers", "1"]
    with LiveServer(serve, tmp_path / "first.log") as first:
        second = subprocess.Popen(
            [sys.executable, "-m", "conflictkg.cli", *serve, "--port", str(first.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, stderr = second.communicate(timeout=60)
        finally:
            if second.poll() is None:  # it started serving: end it and its workers
                os.killpg(second.pid, signal.SIGKILL)
                second.wait()
        assert second.returncode == 1
        assert f"127.0.0.1 port {first.port}" in stderr
        assert "another server" in stderr and "Traceback" not in stderr
        assert first.alive()
