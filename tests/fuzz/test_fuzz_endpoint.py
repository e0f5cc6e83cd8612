"""Generated and mutated requests (queries, parameters, headers, bodies, resource paths)
never get a 5xx or a dropped connection, and the server is alive afterwards."""

from __future__ import annotations

from bench import fuzz
from hypothesis import HealthCheck, given, settings

from tests.support.liveserver import LiveServer

CASES = 300


def test_generated_requests_never_get_a_server_error(fuzz_server: LiveServer) -> None:
    seen: list[int | str] = []

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=fuzz.cases())
    def check(case: fuzz.Case) -> None:  # type: ignore[name-defined]
        status = fuzz.send(fuzz_server.base, case, timeout=15)
        seen.append(status)
        assert not isinstance(status, str), f"connection failed ({status}): {case.short()}"
        assert status < 500, f"HTTP {status}: {case.short()}"

    check()
    assert len(seen) >= CASES
    assert fuzz.alive(fuzz_server.base)


def test_the_fuzzer_tallies_what_it_sends(fuzz_server: LiveServer) -> None:
    tally = fuzz.fuzz(fuzz_server.base, 40, random_seed=1)
    assert tally.sent == 40
    assert sum(tally.statuses.values()) + len(tally.dropped) == 40
    assert not tally.server_errors and not tally.dropped
