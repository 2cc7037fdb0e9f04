"""The run's heap: freed memory handed back to the system between phases, and after large answers."""

from __future__ import annotations

import platform

from conformance.process import heap


def test_trimming_is_glibcs_malloc_trim_where_the_c_library_is_glibc_and_nothing_elsewhere():
    assert (heap._malloc_trim() is not None) == (platform.libc_ver()[0] == "glibc")
    junk = [bytes(1000) for _ in range(20_000)]
    del junk
    heap.trim()


def test_a_large_answer_is_followed_by_a_trim_and_a_small_one_is_not(monkeypatch):
    trims = []
    monkeypatch.setattr(heap, "trim", lambda: trims.append(1))
    heap.trim_after(heap.LARGE - 1)
    assert trims == []
    heap.trim_after(heap.LARGE)
    assert trims == [1]


def test_while_settled_young_collections_are_rarer_and_release_restores_the_collector_as_it_was():
    import gc

    before = gc.get_threshold()
    heap.settle()
    try:
        assert gc.get_threshold()[0] == max(before[0], heap.YOUNG_COLLECTION)
        heap.settle()  # settling again keeps the threshold it found first
    finally:
        heap.release()
    assert gc.get_threshold() == before
    heap.release()  # nothing to hand back: nothing changes
    assert gc.get_threshold() == before
