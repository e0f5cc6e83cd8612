"""The build's progress: plain lines in a log, tqdm bars on a terminal, nothing when short."""

from __future__ import annotations

import io

from conflictkg.pipeline.progress import MIN_ITEMS, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_stage_and_per_tenth() -> None:
    log = io.StringIO()
    with Progress(100, log) as progress:
        for done in range(1, 101):
            progress.advance("parse", done, 100)
        progress.stage("shacl")
    lines = [line.split("] ", 1)[1] for line in log.getvalue().splitlines()]
    assert lines[0] == "parse…"
    assert lines[1:-1] == [f"parse: {n}/100" for n in (1, *range(10, 101, 10))]
    assert lines[-1] == "shacl…"


def test_a_short_run_prints_nothing() -> None:
    log, terminal = io.StringIO(), Terminal()
    for stream in (log, terminal):
        with Progress(MIN_ITEMS - 1, stream) as progress:
            progress.advance("parse", 1, MIN_ITEMS - 1)
            progress.stage("shacl")
    assert log.getvalue() == terminal.getvalue() == ""


def test_a_terminal_names_a_stage_without_items_then_counts_the_next() -> None:
    terminal = Terminal()
    with Progress(100, terminal) as progress:
        progress.stage("reasoner")
        assert "reasoner…" in terminal.getvalue()
        progress.advance("quotes", 50, 100)
        assert progress.counting
        assert progress.bar.n == 50  # type: ignore[attr-defined]
        assert "quotes" in terminal.getvalue()
    assert progress.bar is None  # closed, so an error message starts on a clean line
