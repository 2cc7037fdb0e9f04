"""A run's long-lived objects kept out of the garbage collector's full passes while it runs.

A run builds most of what it holds once and keeps it to its end: the modules it imported, the
profile and schemas, the snapshot, the items. CPython's cycle collector still traverses all of it at
every full collection (a dozen in a default run, and one more whenever hypothesis starts in a new
thread), which cost about a tenth of the run's CPU. `settle` moves whatever exists into the
permanent generation (`gc.freeze`), so later passes only walk what was made since; `release` hands
it back at the end of the run, so a pytest session that hosts the plugin collects it as before.
Before a fork (`forked`) it also spares the copy: a collection there would write to every object
it walks, and so copy every page the two processes share.

While settled, young collections are also rarer (`YOUNG_COLLECTION` allocations apart, not 700): a
run, like a mock answering requests, makes trees of short-lived objects (documents read, reports,
drawn examples) that their counts free, and walking them a thousand times a default run cost
about a tenth of a second more.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache

__all__ = ["LARGE", "YOUNG_COLLECTION", "release", "settle", "trim", "trim_after"]

YOUNG_COLLECTION = 10_000
"""Allocations between two young collections while settled (Python's default: 700)."""

_young: int | None = None
"""The threshold of young collections before `settle`, while settled."""


def settle() -> None:
    """Keep everything that exists now out of later collections, and young collections rarer, until
    `release`."""
    global _young
    gc.freeze()
    if _young is None:
        _young, *older = gc.get_threshold()
        gc.set_threshold(max(_young, YOUNG_COLLECTION), *older)


def release() -> None:
    """Hand what `settle` kept back to the collector (its oldest generation), at its own pace."""
    global _young
    if _young is not None:
        gc.unfreeze()
        gc.set_threshold(_young, *gc.get_threshold()[1:])
        _young = None


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim  # glibc only
    except (OSError, AttributeError, TypeError):
        return None


def trim() -> None:
    """Hand the memory the C heap holds free back to the system, where the C library can (glibc).

    A phase's large passing parts (a long list's answer read whole, its JSON form read onto the
    schemas, a snapshot line of thousands of links) are freed when it ends, but the heap keeps the
    pages and the run stays that large through the next phase, whose own passing parts come on top.
    Between phases the peak is then one phase's, not the sum of theirs."""
    malloc_trim = _malloc_trim()
    if malloc_trim is not None:
        malloc_trim(0)


LARGE = 1 << 20
"""A body this large (in bytes) leaves passing parts worth handing back (`trim_after`)."""


def trim_after(size: int) -> None:
    """`trim`, once a body of `size` bytes has been read and judged, if it was large: a list of
    thousands of members read whole, then read onto the schemas, passes through tens of megabytes."""
    if size >= LARGE:
        trim()
