"""The Granian customisation holds for the installed Granian, and refuses any other."""

from __future__ import annotations

import inspect

import granian
import pytest
from granian.server import MPServer

from conflictkg.errors import ConflictKGError
from conflictkg.serving import granian_server

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
