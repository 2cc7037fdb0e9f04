"""The items of the table's areas for one dataset: ids, names and parents, drawn from the seed.

Every id is a hash of the seed, the area and the item's number, so adding an area to the table
leaves the items of every other area (and the hand-built estate) as they were. Items link to
items of other areas and to key resources "chosen by id": the same item always names the same
one, and an item whose chain reaches a backup server names that one, so Up links agree.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .kinds import KINDS
from .model import Dataset
from .surface import Area, Surface

__all__ = ["Estate", "Item", "pick"]

_SERVERS = "backupServers"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    area: str
    n: int
    name: str
    parent: str | None
    """The id of the parent item, for an area nested under another."""


def _digest(*parts: Any) -> bytes:
    return hashlib.sha256(":".join(map(str, parts)).encode()).digest()


def pick(seq: Sequence[str], *key: Any) -> str:
    """One element of a sequence, the same for the same key."""
    return seq[int.from_bytes(_digest(*key)[:8], "big") % len(seq)]


class Estate:
    """The items of every area, indexed by area and by parent."""

    def __init__(self, ds: Dataset, surface: Surface) -> None:
        self.ds, self.surface = ds, surface
        self.items: dict[str, dict[str, Item]] = {}
        self.kids: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._servers: dict[tuple[str, str], str | None] = {}
        self._ups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.overrides: dict[tuple[str, str], dict[str, object]] = {}
        self.created: dict[str, list[str]] = {}
        self.numbers: dict[str, int] = {}
        """The last number an item the API made took, per area: never taken again, so an id is never reused."""
        self._named: dict[tuple[str, str], dict[str, list[str]]] = {}
        """Ids of the items the API made, per area, oldest first."""
        """Values writes have set, by item and element name (a toggled schedule)."""
        for area in _parents_first(surface):
            self._populate(area)

    @property
    def now(self) -> datetime:
        return self.ds.now

    # -- ids of any area or key resource ----------------------------------------------------------

    def ids(self, path: str) -> Sequence[str]:
        if path in KINDS:
            return tuple(KINDS[path].items(self.ds))
        return tuple(self.items.get(path, ()))

    def exists(self, path: str, id_: str) -> bool:
        if path in KINDS:
            return id_ in KINDS[path].items(self.ds)
        return id_ in self.items.get(path, {})

    def find(self, path: str, id_: str) -> Item | None:
        return self.items.get(path, {}).get(id_)

    def name_of(self, path: str, id_: str) -> str:
        if path in KINDS:
            kind = KINDS[path]
            return kind.name(self.ds, kind.items(self.ds)[id_])
        return self.items[path][id_].name

    def type_of(self, path: str) -> str:
        if path in KINDS:
            return KINDS[path].entity
        return self.surface.areas[path].type

    def _populate(self, area: Area) -> None:
        out: dict[str, Item] = {}
        seed = self.ds.seed
        if area.parent is None:
            count = max(1, round(self.ds.size * area.share / 1000))
            parents: list[str | None] = [None] * count
        else:
            parents = []
            owners = self.ids(area.parent)
            for i, owner in enumerate(owners):
                parents += [owner] * (int((i + 1) * area.per) - int(i * area.per))
            if not parents and owners:
                parents = [owners[0]]
        for n, parent in enumerate(parents, start=1):
            name = area.name.format(n=n)
            id_ = name.lower() if area.by_name else str(uuid.UUID(bytes=_digest(seed, area.path, n)[:16], version=4))
            out[id_] = Item(id_, area.path, n, name, parent)
            if parent is not None:
                self.kids[area.path][parent].append(id_)
        self.items[area.path] = out

    # -- what an item links to --------------------------------------------------------------------

    def server_of(self, path: str, id_: str) -> str | None:
        """The backup server an item belongs to, following its parents and Up links."""
        key = (path, id_)
        if key not in self._servers:
            self._servers[key] = None  # guards a cycle
            self._servers[key] = self._find_server(path, id_)
        return self._servers[key]

    def _find_server(self, path: str, id_: str) -> str | None:
        if path == _SERVERS:
            return id_
        if path in KINDS:
            kind = KINDS[path]
            obj = kind.items(self.ds).get(id_)
            if obj is None:
                return None
            for up_path, up_id in kind.ups(self.ds, obj):
                found = self.server_of(up_path, up_id)
                if found:
                    return found
            return None
        for up_path, up_id in self.ups(path, id_):
            if up_path != _SERVERS:
                found = self.server_of(up_path, up_id)
                if found:
                    return found
        return None

    def ups(self, path: str, id_: str) -> list[tuple[str, str]]:
        """(area or kind path, id) of the items this one links Up to: its parent, then the table's."""
        key = (path, id_)
        if key in self._ups:
            return self._ups[key]
        area, item = self.surface.areas[path], self.items[path][id_]
        out: list[tuple[str, str]] = []
        if area.parent is not None and item.parent is not None:
            out.append((area.parent, item.parent))
        self._ups[key] = out  # seen by server_of while the rest is found
        for up in area.up:
            if up == _SERVERS:
                continue
            choices = self.ids(up)
            if choices:
                out.append((up, pick(choices, self.ds.seed, path, id_, up)))
        if _SERVERS in area.up:
            server = next((s for p, i in out if (s := self.server_of(p, i))), None)
            servers = self.ids(_SERVERS)
            out.insert(0, (_SERVERS, server or pick(servers, self.ds.seed, path, id_, _SERVERS)))
        return out

    def related(self, path: str, id_: str) -> list[tuple[str, str]]:
        area = self.surface.areas[path]
        return [(r, pick(self.ids(r), self.ds.seed, path, id_, r)) for r in area.related if self.ids(r)]

    def listed(self, of: str, parent_path: str, parent_id: str) -> list[str]:
        """Items of `of` a listing below one item shows: those that name it (as parent or Up), else a few."""
        named = self._named_by(of, parent_path).get(parent_id)
        if named is not None:
            return named
        if self._named_by(of, parent_path):
            return []
        choices = self.ids(of)
        if not choices:
            return []
        start = int.from_bytes(_digest(self.ds.seed, of, parent_id)[:4], "big")
        return sorted({choices[(start + k) % len(choices)] for k in range(min(2, len(choices)))})

    def _named_by(self, of: str, parent_path: str) -> dict[str, list[str]]:
        key = (of, parent_path)
        cache = self._named
        if key not in cache:
            index: dict[str, list[str]] = defaultdict(list)
            if of in KINDS:
                kind = KINDS[of]
                for obj in kind.items(self.ds).values():
                    for up_path, up_id in kind.ups(self.ds, obj):
                        if up_path == parent_path:
                            index[up_id].append(obj.id)
            elif of in self.items:
                for id_ in self.items[of]:
                    for up_path, up_id in self.ups(of, id_):
                        if up_path == parent_path:
                            index[up_id].append(id_)
            cache[key] = dict(index)
        return cache[key]


def _parents_first(surface: Surface) -> list[Area]:
    done: list[Area] = []
    seen: set[str] = set()

    def visit(area: Area) -> None:
        if area.path in seen:
            return
        seen.add(area.path)
        if area.parent in surface.areas:
            visit(surface.areas[area.parent])
        done.append(area)

    for area in surface.areas.values():
        visit(area)
    return done
