"""The documented areas beyond the hand-built key resources, read from `surface.toml`, and the
matching of a request path to one of them."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Union

__all__ = ["Area", "Listing", "Match", "Service", "Single", "Surface", "load_surface", "parent_path"]

_ID = "{id}"


def parent_path(path: str) -> str | None:
    """The area a nested path hangs under: `cloud/tenants` for `cloud/tenants/{id}/resources`."""
    head, sep, _ = path.rpartition("/" + _ID + "/")
    if not sep:
        return None
    return head


@dataclass(frozen=True)
class Area:
    """A collection and its items (see the table's header for the fields)."""

    path: str
    type: str
    root: str
    list: str | None = None
    key: bool = True
    down_type: str = ""
    share: float = 5.0
    per: float = 2.0
    up: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    edit: bool = False
    delete: bool = False
    create: bool = False
    actions: Mapping[str, str] = field(default_factory=dict)
    paths: bool = False
    query: str | None = None
    name: str = "{n}"
    by_name: bool = False
    create_status: int = 202
    edit_status: int = 202
    delete_status: int = 202
    in_session: bool = True
    entity_collection: bool = False
    toggles: Mapping[str, str] = field(default_factory=dict)
    collection_actions: Mapping[str, str] = field(default_factory=dict)

    @property
    def parent(self) -> str | None:
        return parent_path(self.path)

    @property
    def reference_type(self) -> str:
        return f"{self.type}Reference"


@dataclass(frozen=True)
class Single:
    """One document per item of its parent area (`Related` or `Down` from the item)."""

    path: str
    type: str
    root: str
    rel: str = "Down"
    actions: Mapping[str, str] = field(default_factory=dict)

    @property
    def parent(self) -> str | None:
        return parent_path(self.path + "/")

    @property
    def tail(self) -> str:
        """What follows the parent item's id: `freelicenseCounters`, `{filepath}`, `guestfs`."""
        return self.path.rpartition("/" + _ID + "/")[2]


@dataclass(frozen=True)
class Listing:
    """A collection below an item that lists items of another area, in reference form."""

    path: str
    of: str
    rel: str = "Down"

    @property
    def parent(self) -> str | None:
        return parent_path(self.path)


@dataclass(frozen=True)
class Service:
    """A service document that leads to its areas."""

    path: str
    type: str
    root: str
    downs: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)


Entry = Union[Area, Single, Listing, Service]


@dataclass(frozen=True)
class Match:
    """What a request path names: an entry, which of its documents, and the ids in the path."""

    entry: Entry
    form: str
    """'collection', 'item', 'single', 'listing', 'listed' (an item through a listing) or 'service'."""
    ids: tuple[str, ...]
    rest: str | None = None
    """The file path of a file-system document."""


class Surface:
    """Every entry of the table, with the path patterns that find them."""

    def __init__(self, areas: Mapping[str, Area], singles: Mapping[str, Single], listings: Mapping[str, Listing],
                 services: Mapping[str, Service]) -> None:
        self.areas, self.singles, self.listings, self.services = areas, singles, listings, services
        patterns: list[tuple[int, re.Pattern[str], Entry, str]] = []
        for area in areas.values():
            patterns.append((0, _pattern(area.path), area, "collection"))
            patterns.append((0, _pattern(area.path + "/" + _ID), area, "item"))
        for single in singles.values():
            patterns.append((1 if "{filepath}" in single.path else 0, _pattern(single.path), single, "single"))
        for listing in listings.values():
            patterns.append((0, _pattern(listing.path), listing, "listing"))
            patterns.append((0, _pattern(listing.path + "/" + _ID), listing, "listed"))
        for service in services.values():
            patterns.append((0, _pattern(service.path), service, "service"))
        patterns.sort(key=lambda p: p[0])
        self._patterns = [(p, e, f) for _, p, e, f in patterns]
        self._children: dict[str, list[Entry]] = {}

    def match(self, path: str) -> Match | None:
        """The entry a path below /api/ names (case-insensitively, as the server matches), if any."""
        path = path.strip("/")
        for pattern, entry, form in self._patterns:
            found = pattern.fullmatch(path)
            if found:
                groups = found.groups()
                if "{filepath}" in getattr(entry, "path", ""):
                    return Match(entry, form, tuple(groups[:-1]), groups[-1])
                return Match(entry, form, tuple(groups))
        return None

    def children(self, path: str) -> list[Entry]:
        """The areas, listings and singles that hang under the items of `path` (asked for every item
        of a list, so worked out once per path: the table does not change)."""
        if path not in self._children:
            out: list[Entry] = []
            for group in (self.areas, self.listings, self.singles):
                out += [e for e in group.values() if e.parent == path and "{filepath}" not in e.path]
            self._children[path] = out
        return list(self._children[path])

    def top_areas(self) -> list[Area]:
        return [a for a in self.areas.values() if a.parent is None]

    def by_query(self) -> dict[str, Area]:
        """Query type (case-folded) -> the area it lists."""
        return {a.query.casefold(): a for a in self.areas.values() if a.query}


def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for segment in template.split("/"):
        if segment == _ID:
            parts.append("([^/]+)")
        elif segment == "{filepath}":
            parts.append("(.*)")
        else:
            parts.append(re.escape(segment.lower()))
    return re.compile("/".join(parts), re.IGNORECASE)


def _area(path: str, spec: Mapping[str, Any]) -> Area:
    key = spec.get("key", True)
    type_ = spec["type"]
    return Area(path, type_, spec.get("root", type_), spec.get("list"), key,
                spec.get("down_type", f"{type_}ReferenceList" if key else f"{type_}List"),
                float(spec.get("share", 5)), float(spec.get("per", 2)), tuple(spec.get("up", ())),
                tuple(spec.get("related", ())), spec.get("edit", False), spec.get("delete", False),
                spec.get("create", False), dict(spec.get("actions", {})), spec.get("paths", False),
                spec.get("query"), spec.get("name", "{n}"), spec.get("id") == "name",
                int(spec.get("create_status", 202)), int(spec.get("edit_status", 202)),
                int(spec.get("delete_status", 202)), spec.get("session", True),
                spec.get("collection") == "entity", dict(spec.get("toggles", {})),
                dict(spec.get("collection_actions", {})))


@cache
def load_surface(file: Path | None = None) -> Surface:
    """The table shipped with the mock (or another one, for tests)."""
    data = tomllib.loads((file or Path(__file__).with_name("surface.toml")).read_text(encoding="utf-8"))
    return Surface(
        {p: _area(p, s) for p, s in data.get("areas", {}).items()},
        {p: Single(p, s["type"], s.get("root", s["type"]), s.get("rel", "Down"), dict(s.get("actions", {})))
         for p, s in data.get("singles", {}).items()},
        {p: Listing(p, s["of"], s.get("rel", "Down")) for p, s in data.get("views", {}).items()},
        {p: Service(p, s["type"], s.get("root", s["type"]), tuple(s.get("downs", ())), dict(s.get("links", {})))
         for p, s in data.get("services", {}).items()},
    )
