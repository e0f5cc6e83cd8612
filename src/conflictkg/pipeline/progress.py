"""Progress of the long commands (``build``, ``synth``): a bar on a terminal, lines in logs.

On a terminal (stderr is a TTY) each stage gets a tqdm bar that is cleared when the stage
ends (a stage without a count of items, such as SHACL or HermiT, shows its name and when
it began); elsewhere (CI logs, a pipe) each stage prints plain lines to stderr: when it starts,
then at most one line per tenth of its work. Work of fewer than ``MIN_ITEMS`` items (the
one-article project, the test fixtures) shows nothing, so short runs print exactly what
they printed before. Errors are printed by the command after :meth:`Progress.close` has
cleared the bar (use it as a context manager), so a bar never runs into a message.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

MIN_ITEMS = 20


class Progress:
    """Stages of one command, each with an optional count of items done."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = total >= MIN_ITEMS
        self.terminal = self.enabled and _is_terminal(self.stream)
        self.name = ""
        self.bar: object | None = None
        self.counting = False  # the bar counts items (else it shows the stage's name)
        self.tenth = -1
        self.started = time.monotonic()

    def stage(self, name: str) -> None:
        """A stage begins (a check, writing the artefacts): named on its own line in logs."""
        self._end_bar()
        self.name, self.tenth = name, -1
        if self.enabled and not self.terminal:
            self._line(f"{name}…")
        elif self.terminal:
            from tqdm import tqdm

            elapsed = time.monotonic() - self.started
            self.bar = tqdm(
                total=None,
                desc=f"[{elapsed:7.1f} s] {name}",
                bar_format="{desc}…",
                file=self.stream,
                leave=False,
            )
            self.counting = False

    def advance(self, name: str, done: int, total: int) -> None:
        """``done`` of ``total`` items of stage ``name`` are finished."""
        if not self.enabled:
            return
        if name != self.name:
            self.stage(name)
        if self.terminal:
            self._bar(total).update(done - self._bar(total).n)  # type: ignore[attr-defined]
            return
        tenth = done * 10 // max(total, 1)
        if tenth > self.tenth:
            self.tenth = tenth
            self._line(f"{name}: {done}/{total}")

    def close(self) -> None:
        self._end_bar()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _bar(self, total: int) -> object:
        if self.bar is not None and not self.counting:  # the stage's name alone so far
            self._end_bar()
        if self.bar is None:
            self.counting = True
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, desc=self.name, file=self.stream, leave=False, dynamic_ncols=True
            )
        return self.bar

    def _end_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()  # type: ignore[attr-defined]
            self.bar = None

    def _line(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(f"[{elapsed:7.1f} s] {text}\n")
        self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
