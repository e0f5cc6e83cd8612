"""`conflictkg serve`'s own choices, apart from Granian and the app."""

from __future__ import annotations

import pytest

from conflictkg.serving import server


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 4), (8, 16), (None, 2)])
def test_default_workers_are_two_a_core(
    monkeypatch: pytest.MonkeyPatch, cores: int | None, workers: int
) -> None:
    # os.cpu_count() is None where the system cannot tell: one core is assumed.
    monkeypatch.setattr(server.os, "cpu_count", lambda: cores)
    assert server.default_workers() == workers
