"""The per-query time limit: answer 503 at the deadline, then recycle the worker.

pyoxigraph cannot cancel a running query and releases the GIL while it runs, so neither a
signal nor gunicorn's heartbeat can stop a runaway query (five unconstrained triple
patterns, or a few hundred patterns to plan, run for minutes). So the query runs in its
own daemon thread and the request waits for it at most ``limit`` seconds; past that the
client gets a 503 naming the time limit and the thread is abandoned. An abandoned thread
still holds a core, so the app then calls its ``on_abandon`` hook: ``conflictkg serve``
asks its gunicorn worker to exit gracefully (the answers in flight are finished) and the
arbiter forks a fresh worker from the preloaded app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(Exception):
    """The work did not finish within the limit; it goes on in an abandoned thread."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"the query exceeded the time limit of {limit:g} s and was stopped")
        self.limit = limit


def run_with_deadline(work: Callable[[], T], limit: float | None) -> T:
    """``work()``'s value, or its exception; DeadlineExceeded after ``limit`` seconds.

    With ``limit`` None the work runs inline (no thread).
    """
    if limit is None:
        return work()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the request's thread below
            outcome["error"] = error

    thread = threading.Thread(target=run, name="sparql-query", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise DeadlineExceeded(limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
