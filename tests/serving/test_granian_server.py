"""The Granian customisation holds for the installed Granian, and refuses any other."""

from __future__ import annotations

import inspect
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
