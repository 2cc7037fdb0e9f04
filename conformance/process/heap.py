"""A run's long-lived objects kept out of the garbage collector's full passes while it runs.

A run builds most of what it holds once and keeps it to its end: the modules it imported, the
profile and schemas, the snapshot, the items. CPython's cycle collector still traverses all of it at
every full collection (a dozen in a default run, and one more whenever hypothesis starts in a new
thread), which cost about a tenth of the run's CPU. `settle` moves whatever exists into the
permanent generation (`gc.freeze`), so later passes only walk what was made since; `release` hands
it back at the end of the run, so a pytest session that hosts the plugin collects it as before.
Before a fork (`forked`) it also spares the copy: a collection there would write to every object
it walks, and so copy every page the two processes share.
"""

from __future__ import annotations

import gc

__all__ = ["release", "settle"]

_settled = False


def settle() -> None:
    """Keep everything that exists now out of later collections, until `release`."""
    global _settled
    gc.freeze()
    _settled = True


def release() -> None:
    """Hand what `settle` kept back to the collector (its oldest generation)."""
    global _settled
    if _settled:
        gc.unfreeze()
        _settled = False
