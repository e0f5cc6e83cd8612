"""The cycle collector during a build: rare collections, and what the build holds frozen
only while it runs, unless the process ends with ``os._exit``."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from conflictkg.pipeline import collector, forked


@pytest.fixture(autouse=True)
def _nothing_frozen() -> Iterator[None]:
    gc.unfreeze()  # each test starts, and leaves, with an empty permanent generation
    yield
    gc.unfreeze()


def test_settle_outside_a_build_freezes_nothing() -> None:
    made = [object() for _ in range(1000)]
    collector.settle()
    assert gc.get_freeze_count() == 0
    assert made


def test_what_a_build_settles_is_frozen_until_the_build_ends() -> None:
    before = gc.get_threshold()
    with collector.fewer_collections():
        assert gc.get_threshold() == (100_000, 50, 100)
        made = [[n] for n in range(10_000)]  # lists: objects the collector tracks
        collector.settle()
        frozen = gc.get_freeze_count()
        assert frozen >= len(made)
    assert gc.get_freeze_count() == 0  # given back to the collector: collected as usual
    assert gc.get_threshold() == before


def test_an_inner_block_gives_nothing_back() -> None:
    with collector.fewer_collections():
        collector.settle()
        with collector.fewer_collections():
            collector.settle()
        assert gc.get_freeze_count() > 0  # the outer build still holds it
    assert gc.get_freeze_count() == 0


def test_a_cycle_made_in_a_build_is_collected_after_it() -> None:
    class Node:
        pass

    with collector.fewer_collections():
        first, second = Node(), Node()
        first.other, second.other = second, first  # type: ignore[attr-defined]
        alive = weakref.ref(first)
        collector.settle()
        del first, second
        gc.collect()
        assert alive() is not None  # frozen: no collection frees it while the build runs
    gc.collect()
    assert alive() is None


def _frozen_after_a_build() -> int:
    with collector.fewer_collections():
        made = [[n] for n in range(10_000)]
        collector.settle()
    assert made
    return gc.get_freeze_count()


def test_in_a_process_that_ends_at_once_the_build_stays_frozen() -> None:
    # A forked child ends with os._exit: what its build made is never freed, so it stays
    # out of every later collection.
    with forked.Forked(_frozen_after_a_build, "a build in a child") as child:
        assert child.result() >= 10_000


def test_a_process_declared_to_end_at_once_keeps_it_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forked, "_ENDS_AT_ONCE", True)
    assert forked.holds_to_the_end()
    assert _frozen_after_a_build() >= 10_000
