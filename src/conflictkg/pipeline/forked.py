"""Work done in a forked child while the build goes on: one call, its value returned.

The build's steps are Python holding the GIL (rdflib, pyoxigraph's loaders and queries),
so threads would take turns; a forked child runs on the machine's other core. It sees the
parent's memory as it was at the fork (no copy made up front, no pickling of the input),
and hands back its value pickled in a temporary file. Where ``os.fork`` does not exist, or
on one core, the call is made at once, in this process: the value is the same either way.

A :class:`ConflictKGError` raised in the child is raised again by :meth:`Forked.result`
with its message and details; anything else the child raises becomes a
``ConflictKGError`` naming what was being done (never a traceback). Use it as a context
manager: leaving the block without taking the result stops the child and removes its file,
so a failed build leaves no process or file behind.
"""

from __future__ import annotations

import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar, cast

from conflictkg.errors import ConflictKGError

T = TypeVar("T")

TEMPORARY = tempfile.gettempdir()
"""Where the children leave their answers: the temporary folder as the process started.
The reasoner's thread points :data:`tempfile.tempdir` at a folder of its own for a moment
(owlready2 leaves files behind when HermiT fails), which a child's file must not be in."""


def available() -> bool:
    """Whether a child would run beside this process (fork exists, two cores or more)."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


class Forked(Generic[T]):
    """``call()`` in a forked child; :meth:`result` waits for its value.

    ``what`` names the work in an error message (``"the SHACL check"``).
    """

    def __init__(self, call: Callable[[], T], what: str) -> None:
        self.what = what
        self._pid = 0
        self._path: Path | None = None
        self._outcome: tuple[str, object] | None = None
        if not available():
            self._outcome = _run(call)
            return
        handle, name = tempfile.mkstemp(
            prefix="conflictkg-forked-", suffix=".pickle", dir=TEMPORARY
        )
        os.close(handle)
        self._path = Path(name)
        pid = os.fork()
        if pid == 0:  # the child: run, leave the outcome, exit without the parent's cleanup
            code = 0
            try:
                body = pickle.dumps(_run(call), protocol=pickle.HIGHEST_PROTOCOL)
                self._path.write_bytes(body)
            except BaseException:  # noqa: BLE001 - the parent reports the missing outcome
                code = 1
            finally:
                os._exit(code)
        self._pid = pid

    def result(self) -> T:
        """The call's value; its ``ConflictKGError`` raised again, anything else named."""
        if self._outcome is None:
            self._outcome = self._collect()
        kind, value = self._outcome
        if kind == "value":
            return value  # type: ignore[return-value]
        if kind == "error":
            message, details = cast(tuple[str, list[str]], value)
            raise ConflictKGError(message, details=details)
        raise ConflictKGError(f"{self.what} failed: {value}")

    def _collect(self) -> tuple[str, object]:
        assert self._path is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        try:
            body = self._path.read_bytes()
        except OSError:
            body = b""
        finally:
            self._path.unlink(missing_ok=True)
        code = os.waitstatus_to_exitcode(status)
        if code != 0 or not body:
            why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            return ("crash", f"its process ended without an answer ({why})")
        outcome = pickle.loads(body)
        assert isinstance(outcome, tuple) and len(outcome) == 2
        return outcome

    def cancel(self) -> None:
        """Stop the child (when still running) and remove its file."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = 0
        if self._path is not None:
            self._path.unlink(missing_ok=True)

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *raised: object) -> None:
        self.cancel()


def _run(call: Callable[[], object]) -> tuple[str, object]:
    """``call()``'s outcome as a picklable pair: its value, its error, or what went wrong."""
    try:
        return ("value", call())
    except ConflictKGError as error:
        return ("error", (error.message, list(error.details)))
    except Exception as error:  # noqa: BLE001 - reported by result(), never a traceback
        return ("crash", f"{type(error).__name__}: {error}")
