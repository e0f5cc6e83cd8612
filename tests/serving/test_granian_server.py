"""The Granian customisation holds for the installed Granian, and refuses any other."""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
from typing import Any

import granian
import pytest
from granian.server import MPServer

from conflictkg.errors import ConflictKGError
from conflictkg.serving import granian_server
from conflictkg.web.deadline import EARLY_ANSWER

# The options serve() passes to Granian; a version without one of them is not supported.
OPTIONS = {
    "address",
    "port",
    "interface",
    "workers",
    "blocking_threads",
    "log_access",
    "log_level",
    "log_dictconfig",
    "respawn_failed_workers",
    "workers_kill_timeout",
}


def test_the_installed_granian_is_one_this_module_supports() -> None:
    granian_server.check_version()  # raises for an unsupported version
    assert granian.__version__.startswith(granian_server.SUPPORTED), (
        f"Granian {granian.__version__} is installed; conflictkg.serving.granian_server "
        f"supports {granian_server.SUPPORTED}: check its private override, then widen SUPPORTED"
    )


def test_the_private_method_replaced_still_exists_with_the_same_shape() -> None:
    original = getattr(MPServer, "_init_shared_socket", None)
    assert original is not None, "Granian no longer has MPServer._init_shared_socket"
    assert list(inspect.signature(original).parameters) == ["self"]
    assert granian_server.SharedSocketServer._init_shared_socket is not original


def test_every_option_passed_is_a_public_option_of_granian() -> None:
    accepted = set(inspect.signature(MPServer.__init__).parameters)
    assert OPTIONS <= accepted, f"Granian lacks: {sorted(OPTIONS - accepted)}"


@pytest.mark.parametrize("version", ["2.9.0", "3.0.1", "1.7.6"])
def test_other_versions_are_refused_with_a_message(version: str) -> None:
    with pytest.raises(ConflictKGError, match=f"Granian {version} is not supported"):
        granian_server.check_version(version)


def test_the_wsgi_runner_maker_replaced_still_exists_with_the_same_shape() -> None:
    import granian.server.mp as workers

    assert workers._wsgi_call_wrap in (
        granian_server.GRANIAN_WSGI_RUNNER,
        granian_server.with_early_answers,
    ), "Granian's workers no longer make their WSGI runner with _wsgi_call_wrap"
    shape = list(inspect.signature(granian_server.GRANIAN_WSGI_RUNNER).parameters)
    assert shape == ["callback", "scope_opts", "access_log_fmt"]


def test_every_request_gets_an_early_answer_sent_on_its_response_object() -> None:
    sent: list[tuple[int, bytes]] = []
    seen: list[object] = []

    class Proto:
        def response_bytes(self, status: int, headers: list[Any], body: bytes) -> None:
            sent.append((status, body))

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ.get(EARLY_ANSWER))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    runner = granian_server.with_early_answers(app, {})
    assert runner(Proto(), {"PATH_INFO": "/", "REQUEST_METHOD": "GET"}) == 200
    assert sent == [(200, b"ok")]
    early = seen[0]
    assert callable(early)
    early({"PATH_INFO": "/", "REQUEST_METHOD": "GET"})  # the app again, sent from here
    assert sent == [(200, b"ok"), (200, b"ok")]


ACCEPT_ONE = """
import socket, sys
listening = socket.socket(fileno=int(sys.argv[1]))
listening.settimeout(10)
print("ready", flush=True)
connection, _ = listening.accept()
connection.sendall(b"accepted by the other process")
connection.close()
"""


def test_a_draining_process_stops_accepting_and_the_other_sharers_take_its_connections() -> None:
    """The listening socket shared with another process (as Granian's workers share it):
    after ``stop_accepting`` every descriptor of this process on it (a second one too, as
    Granian holds) finds nothing to accept, and a client's connection is accepted by the
    other process, not lost."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen(8)
    listening.setblocking(False)
    port = listening.getsockname()[1]
    second = os.dup(listening.fileno())
    other = subprocess.Popen(
        [sys.executable, "-c", ACCEPT_ONE, str(listening.fileno())],
        pass_fds=[listening.fileno()],
        stdout=subprocess.PIPE,
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline() == b"ready\n"
        assert granian_server.stop_accepting(listening.fileno()) == 2
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.settimeout(10)
            assert client.recv(100) == b"accepted by the other process"
        for fd in (listening.fileno(), second):
            with socket.socket(fileno=os.dup(fd)) as mine, pytest.raises(BlockingIOError):
                mine.accept()
        assert other.wait(10) == 0
    finally:
        other.kill()
        other.wait()
        if other.stdout is not None:
            other.stdout.close()
        os.close(second)
        listening.close()


def test_the_loader_gives_each_worker_the_shared_socket_to_stop_accepting_on() -> None:
    source = inspect.getsource(granian_server.serve)
    assert "recycler.on_drain = partial(stop_accepting, listening)" in source
