"""Work done in a forked child while the build goes on: one call, its value returned.

The build's steps are Python holding the GIL (rdflib, pyoxigraph's loaders and queries),
so threads would take turns; a forked child runs on the machine's other core. It sees the
parent's memory as it was at the fork (no copy made up front, no pickling of the input),
and hands back its value pickled in a temporary file. Where ``os.fork`` does not exist, or
on one core, the call is made at once, in this process: the value is the same either way.

The child says its answer is written with one byte on a pipe, and the parent reads the
answer then, without waiting for the child's end: the events table's child spent about
a second after its answer freeing its Oxigraph store (see :func:`keep_to_the_end`), time
the build's last steps need not wait for. The child is reaped later (:func:`reap`: by the
next :class:`Forked`, at :meth:`Forked.cancel`, and at exit).

A call made with ``handing=True`` gets one argument, a function with which it may hand one
value to the parent before it returns (:meth:`Forked.handed`; later calls are ignored):
the events table's child hands back the inferred triples it makes first, which the build
needs long before the table.

A :class:`ConflictKGError` raised in the child is raised again by :meth:`Forked.result`
with its message and details; anything else the child raises becomes a
``ConflictKGError`` naming what was being done (never a traceback). Use it as a context
manager: leaving the block without taking the result stops the child and removes its file,
so a failed build leaves no process or file behind.
"""

from __future__ import annotations

import atexit
import os
import pickle
import signal
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar, cast

from conflictkg.errors import ConflictKGError

T = TypeVar("T")

TEMPORARY = tempfile.gettempdir()
"""Where the children leave their answers: the temporary folder as the process started.
The reasoner's thread points :data:`tempfile.tempdir` at a folder of its own for a moment
(owlready2 leaves files behind when HermiT fails), which a child's file must not be in."""


_KEPT: list[object] = []
_IN_CHILD = False
_ENDS_AT_ONCE = False  # this process was declared to end with os._exit (ends_at_once)


def ends_at_once() -> None:
    """Declare that this process ends with ``os._exit``, without the interpreter's teardown
    (the console script's ``build`` and ``validate``): from now on :func:`keep_to_the_end`
    holds what it is given here too."""
    global _ENDS_AT_ONCE
    _ENDS_AT_ONCE = True


def keep_to_the_end(value: object) -> None:
    """In a process that ends with ``os._exit`` (a forked child, or one declared so by
    :func:`ends_at_once`): hold ``value`` until it exits, so that it is never freed.
    Nothing it holds needs freeing then, and freeing costs: an Oxigraph store of a million
    quads took the events table's child a second, which the build waited for, and the
    build's graphs and lines at 10^6 triples 0.9–1.2 s after it had published. In any
    other process: nothing (the value is freed as usual)."""
    if holds_to_the_end():
        _KEPT.append(value)


def holds_to_the_end() -> bool:
    """Whether this process ends with ``os._exit`` and so frees nothing it holds: a forked
    child, or a process declared so by :func:`ends_at_once`."""
    return _IN_CHILD or _ENDS_AT_ONCE


_UNREAPED: set[int] = set()
"""Children whose answer was read before they ended: reaped by :func:`reap`."""


def reap(wait: bool = False) -> None:
    """Collect the children that answered and have ended since (all of them, waiting for
    each, with ``wait``), so that none is left a zombie."""
    for pid in list(_UNREAPED):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere
            done = pid
        if done:
            _UNREAPED.discard(pid)


atexit.register(reap, wait=True)


def available() -> bool:
    """Whether a child would run beside this process (fork exists, two cores or more)."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


class Forked(Generic[T]):
    """``call()`` in a forked child; :meth:`result` waits for its value.

    ``what`` names the work in an error message (``"the SHACL check"``).
    """

    def __init__(self, call: Callable[..., T], what: str, *, handing: bool = False) -> None:
        self.what = what
        self._pid = 0
        self._path: Path | None = None
        self._handed_path: Path | None = None
        self._outcome: tuple[str, object] | None = None
        self._handed: tuple[bool, object] | None = None  # (whether handed, the value)
        self._early_answer: bytes | None = None  # the answer's byte, read by handed()
        self._ready: int | None = None  # read end of the pipe the child signals on
        if not available():
            self._handed = (False, None)  # a call here hands nothing: the caller has it all
            self._outcome = _run(partial(call, _keep_nothing) if handing else call)
            return
        self._path = _temporary()
        handed_path = self._handed_path = _temporary() if handing else None
        reap()
        self._ready, written = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, leave the outcome, exit without the parent's cleanup
            global _IN_CHILD
            _IN_CHILD = True
            code = 0
            try:
                os.close(self._ready)
                if handed_path is not None:
                    call = partial(call, _Hand(handed_path, written))
                body = pickle.dumps(_run(call), protocol=pickle.HIGHEST_PROTOCOL)
                self._path.write_bytes(body)
                os.write(written, b"1")  # the answer is whole: the parent may read it
            except BaseException:  # noqa: BLE001 - the parent reports the missing outcome
                code = 1
            finally:
                os._exit(code)
        os.close(written)  # the child's end: reading gives an end of input when it exits
        self._pid = pid

    def handed(self) -> tuple[bool, object]:
        """Whether the call handed a value (one at most) before it returned, and that
        value; waits until it does, or returns, or fails (then ``(False, None)``)."""
        if self._handed is None:
            self._handed = (False, None)
            if self._handed_path is not None and self._ready is not None:
                signal_byte = os.read(self._ready, 1)
                if signal_byte == b"h":
                    self._handed = (True, pickle.loads(self._handed_path.read_bytes()))
                elif signal_byte:  # the answer came first: nothing was handed
                    self._early_answer = signal_byte
                self._handed_path.unlink(missing_ok=True)
        return self._handed

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
        answered = self._wait_for_answer()
        pid, self._pid = self._pid, 0
        try:
            body = self._path.read_bytes() if answered else b""
        except OSError:
            body = b""
        finally:
            self._path.unlink(missing_ok=True)
        if answered and body:
            _UNREAPED.add(pid)  # still ending, maybe: reaped later
        else:
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            return ("crash", f"its process ended without an answer ({why})")
        outcome = pickle.loads(body)
        assert isinstance(outcome, tuple) and len(outcome) == 2
        return outcome

    def _wait_for_answer(self) -> bool:
        """Wait until the child has written its answer (True) or ended without (False)."""
        if self._handed is None:
            self.handed()  # its byte comes first on the pipe
        if self._early_answer is not None:
            self._close_ready()
            return self._early_answer == b"1"
        assert self._ready is not None
        try:
            return os.read(self._ready, 1) == b"1"
        finally:
            self._close_ready()

    def _close_ready(self) -> None:
        if self._ready is not None:
            os.close(self._ready)
            self._ready = None

    def cancel(self) -> None:
        """Stop the child (when still running) and remove its file."""
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = 0
        self._close_ready()
        for path in (self._path, self._handed_path):
            if path is not None:
                path.unlink(missing_ok=True)
        reap()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *raised: object) -> None:
        self.cancel()


def _temporary() -> Path:
    handle, name = tempfile.mkstemp(prefix="conflictkg-forked-", suffix=".pickle", dir=TEMPORARY)
    os.close(handle)
    return Path(name)


class _Hand:
    """In the child: the first value it is called with left for :meth:`Forked.handed`, and
    the parent told; later calls do nothing (the parent reads one value at most)."""

    def __init__(self, path: Path, signal_end: int) -> None:
        self.path = path
        self.signal_end = signal_end
        self.done = False

    def __call__(self, value: object) -> None:
        if self.done:
            return
        self.done = True
        self.path.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.write(self.signal_end, b"h")


def _keep_nothing(value: object) -> None:
    """What a call made in this process (no fork) hands over: nothing is kept."""


def _run(call: Callable[[], object]) -> tuple[str, object]:
    """``call()``'s outcome as a picklable pair: its value, its error, or what went wrong."""
    try:
        return ("value", call())
    except ConflictKGError as error:
        return ("error", (error.message, list(error.details)))
    except Exception as error:  # noqa: BLE001 - reported by result(), never a traceback
        return ("crash", f"{type(error).__name__}: {error}")
