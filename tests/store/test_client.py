"""The store client's credentials and ``load``'s progress, in this process."""

from __future__ import annotations

import io

import pytest

from conflictkg.store import client
from conflictkg.store.client import Credentials
from conflictkg.store.upload import Progress


def test_digest_answer_is_rfc_2617_s_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.secrets, "token_hex", lambda _: "0a4f113b")
    challenge = (
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    header = Credentials("Mufasa", "Circle Of Life").authorization(
        challenge, "GET", "http://www.nowhere.org/dir/index.html"
    )
    assert header is not None
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert (
        'uri="/dir/index.html"' in header and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header
    )


def test_basic_answer_and_unknown_schemes() -> None:
    login = Credentials("user", "secret")
    assert login.authorization('Basic realm="x"', "PUT", "http://h/") == "Basic dXNlcjpzZWNyZXQ="
    assert login.authorization('Bearer realm="x"', "PUT", "http://h/") is None
    assert "secret" not in repr(login)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    terminal = _Terminal()
    bar = Progress(graphs=2, triples=10, out=terminal)
    bar.advance(5)
    bar.advance(5)
    assert terminal.getvalue().count("\r") == 2 and terminal.getvalue().endswith("\n")
    assert "[###############...............]  50%" in terminal.getvalue()
    log = io.StringIO()
    lines = Progress(graphs=20, triples=20, out=log)
    for _ in range(20):
        lines.advance(1)
    written = log.getvalue().splitlines()
    assert len(written) == 10 and written[-1].startswith("loading: 100% (20/20 graphs")
