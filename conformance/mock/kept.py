"""Subtrees an app without faults keeps between responses, each with what it was built from.

Records never change in place: a write adds a record, removes one or replaces it with a changed
copy (`operations`). So a subtree built from records holds for as long as they are the ones it was
built from: its entry keeps them (its `deps`; of a parent's list of children, which writes change
in place, a copy of the ids), and it is built again only when they differ. A
write thus costs the responses after it the subtrees of what it changed and nothing else: a VM
added to a job rebuilds the job's lists around the VMs they already had, and a clone adds one
reference to the list of jobs, whose other references are kept.

Kept subtrees are `shared`: the renderer keeps what it made of them too, so a list served again
costs the joining of its parts. Nothing may change a kept subtree, which is why an app with faults
(which change documents in place) keeps none.

A document is kept from the second time it is asked for: one asked for once (the entity of a
clone, picked among hundreds) is built and forgotten, so what is kept is what is asked for again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from .tree import Node, shared

__all__ = ["KEPT_WEIGHT", "Kept"]

KEPT_WEIGHT = 12_000
"""Items (references, entities, VMs) an app keeps at most, counting a list as its items: beyond
them the least recently served go, so the memory kept stays bounded whatever is asked (about 50 MB:
a VM with its links, the largest item, takes about 4 kB with its text)."""
SEEN = 4096
"""Documents asked for once that an app remembers (their keys alone), to keep them the second time."""


class Kept:
    """The subtrees of one app by key, least recently served first."""

    def __init__(self, limit: int = KEPT_WEIGHT) -> None:
        self.limit = limit
        self.weight = 0
        self._entries: OrderedDict[Hashable, tuple[object, Node, int]] = OrderedDict()
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._depth = 0
        """How many builds enclose the current one (0: a document's root)."""
        self._passing = 0
        """Builds under way whose subtrees are not kept (a document asked for the first time)."""

    def __len__(self) -> int:
        return len(self._entries)

    def node(self, key: Hashable, deps: object, build: Callable[[], Node], weight: int = 1) -> Node:
        """The subtree kept under `key` if it was built from `deps` (the same records), else `build()`,
        kept in its place unless it is a document asked for the first time; `weight` counts the
        items it holds."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == deps:
            self._entries.move_to_end(key)
            return entry[1]
        if self._passing:
            return build()
        if self._depth == 0 and entry is None and self._first(key):
            return self._build(build, passing=True)
        node = shared(self._build(build, passing=False))
        if entry is not None:
            self.weight -= entry[2]
        self._entries[key] = (deps, node, weight)
        self._entries.move_to_end(key)
        self.weight += weight
        while self.weight > self.limit and len(self._entries) > 1:
            self.weight -= self._entries.popitem(last=False)[1][2]
        return node

    def _first(self, key: Hashable) -> bool:
        """Whether a document is asked for the first time (lately); it is remembered either way."""
        first = key not in self._seen
        self._seen[key] = None
        self._seen.move_to_end(key)
        if len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        return first

    def _build(self, build: Callable[[], Node], passing: bool) -> Node:
        self._depth += 1
        self._passing += passing
        try:
            return build()
        finally:
            self._depth -= 1
            self._passing -= passing
