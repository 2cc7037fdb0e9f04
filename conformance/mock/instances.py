"""The children of a documented type, built from the schema facts table with values of the mock's own.

The facts (`schemas/v1_7/facts.toml`) say which elements each type holds, in which order and of
which kind; the mock writes every one of them, nested types included, so a document carries the
children the vendor's examples of its type show, and nothing else. Values follow the item they
describe: enumerated elements take a value of their documented set (`values.toml`), times lie
before the dataset's clock, identifiers and sizes are drawn from the item's id, and free text is
the mock's own.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ..contract.profiles import data_dir
from .tree import Node, el

__all__ = ["Facts", "Filler", "facts"]

_CHILD = re.compile(r"(?P<name>[A-Za-z_][\w.-]*) (?P<type>[A-Za-z_][\w.-]*)(?P<occurs>[?*+]?)")
_BUILTIN = {"string", "boolean", "long", "dateTime", "any", "double", "int"}
_PLAIN = _BUILTIN - {"any"}
_MAX_DEPTH = 5


@dataclass(frozen=True)
class Child:
    name: str
    type: str
    occurs: str


@dataclass(frozen=True)
class TypeFacts:
    children: tuple[Child, ...] | None
    attributes: tuple[str, ...]
    text: str
    any_order: bool = False
    """Children drawn from a page's table, in no known order and of no known count: none is a list."""

    def items(self) -> str | None:
        """The item of a list type: its one child, a documented type that repeats (`Day` in `Schedule`)."""
        only = self.children[0] if self.children and len(self.children) == 1 else None
        return only.name if only and only.type not in _BUILTIN and only.occurs in ("*", "+") else None

    def lists(self, child: Child) -> bool:
        """Whether a child is a list of plain values: a builtin that its documented sequence repeats."""
        return child.type in _PLAIN and child.occurs in ("*", "+") and not self.any_order


class Facts:
    """The types and roots of one facts table."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.roots: Mapping[str, str] = data.get("roots", {})
        self.types: dict[str, TypeFacts] = {}
        for name, spec in data.get("types", {}).items():
            children = spec.get("children")
            parsed = None if children is None else tuple(
                Child(m["name"], m["type"], m["occurs"]) for m in map(_CHILD.fullmatch, children) if m)
            self.types[name] = TypeFacts(parsed, tuple(spec.get("attributes", ())), spec.get("text", "string"),
                                         spec.get("order", "sequence") == "any")

    def of_root(self, root: str) -> TypeFacts | None:
        return self.types.get(self.roots.get(root, root))

    def attributes(self, root: str) -> tuple[str, ...]:
        found = self.of_root(root)
        return found.attributes if found else ()

    def children(self, root: str) -> tuple[str, ...]:
        """The names of the child elements a root's type may hold."""
        found = self.of_root(root)
        return tuple(c.name for c in found.children or ()) if found else ()


@cache
def facts(version: str = "v1_7") -> Facts:
    return Facts(tomllib.loads((data_dir("schemas") / version / "facts.toml").read_text(encoding="utf-8")))


@cache
def _values() -> Mapping[str, tuple[str, ...]]:
    data = tomllib.loads(Path(__file__).with_name("values.toml").read_text(encoding="utf-8"))
    return {name: tuple(values) for name, values in data.items()}


def _number(*key: Any) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, key)).encode()).digest()[:8], "big")


class Filler:
    """Builds the children of types for one item: its id keys every drawn value."""

    def __init__(self, key: str, name: str, now: datetime, table: Facts | None = None) -> None:
        self.key, self.name, self.now = key, name, now
        self.facts = table or facts()

    def children(self, root: str, skip: tuple[str, ...] = ("Links",)) -> list[Node]:
        """Every child element of a root's type, in document order (its Links left to the caller)."""
        found = self.facts.of_root(root)
        if found is None or found.children is None:
            return []
        names = [c.name for c in found.children]
        if "Links" in names and "Links" in skip:  # a served document leads with its links: what the
            # facts show before them is another shape of the type, left out
            found = TypeFacts(found.children[names.index("Links"):], found.attributes, found.text, found.any_order)
        return self._children(found, root, 0, skip)

    def _children(self, spec: TypeFacts, path: str, depth: int, skip: tuple[str, ...] = ("Links",)) -> list[Node]:
        out: list[Node] = []
        for child in spec.children or ():
            if child.name == "Links" and depth and not child.occurs:
                out.append(el("Links", None, items="Link"))  # a nested item must name its links: none here
                continue
            if child.name in skip or (child.type == "any" and child.occurs in ("?", "*")):
                continue
            if child.type == "any":  # required, of no documented shape: present, and empty
                out.append(el(child.name, None))
                continue
            node = self._element(child, f"{path}/{child.name}", depth)
            if node is not None:
                node.repeated = spec.lists(child)
                out.append(node)
        return out

    def _element(self, child: Child, path: str, depth: int) -> Node | None:
        if child.type in _BUILTIN:
            return el(child.name, self.value(child.name, child.type, path))
        spec = self.facts.types.get(child.type)
        if spec is None or (depth >= _MAX_DEPTH and child.occurs in ("?", "*")):
            return None
        if spec.children is None:
            node = el(child.name, self.value(child.name, spec.text, path))
        else:
            kids = self._children(spec, path, depth + 1)
            node = el(child.name, None, *kids, items=spec.items())
        for attribute in spec.attributes:
            if attribute not in ("Href", "Type", "UID"):
                node.attrs[attribute] = self.value(attribute, "string", path + "@" + attribute)
        return node

    def value(self, name: str, kind: str, path: str) -> Any:
        """A value for an element of this item: the same name and place always give the same value."""
        n = _number(self.key, path)
        if kind == "boolean":
            return n % 4 != 0 if name.endswith(("Enabled", "Configured")) else n % 2 == 0
        if kind in ("long", "int"):
            if re.search(r"Size|Space|Capacity|Quota|Bytes|Usage", name):
                return (n % 512 + 1) * 2**30
            if name.endswith("Port"):
                return 9392 + n % 8
            return n % 100
        if kind == "double":
            return round((n % 10000) / 100, 2)
        if kind == "dateTime":
            return self.now - timedelta(minutes=10 + n % (60 * 24 * 7))
        return self._text(name, n)

    def _text(self, name: str, n: int) -> str:
        choices = _values().get(name)
        if choices:
            return choices[n % len(choices)]
        if name.lower().endswith("name"):
            return self.name
        if name.endswith(("Uid", "UID")):
            return f"urn:veeam:{name[:-3] or 'Object'}:{_guid(self.key, name)}"
        if name.endswith(("Id", "ID")):
            return _guid(self.key, name)
        if name.endswith(("Ref", "ObjRef")):
            return f"urn:VMware:Vm:{_guid(self.key, 'host')}.vm-{n % 9000 + 100}"
        if name.endswith(("Address", "Ip")):
            return f"192.0.2.{n % 250 + 1}"
        if name.endswith(("Host", "DnsName", "Server")):
            return f"host{n % 50:02d}.corp.example"
        if name.endswith("Path"):
            return f"C:\\Backups\\{self.name}"
        if name.endswith(("Time", "UTC", "Utc", "Date")):
            return (self.now - timedelta(minutes=n % 10000)).isoformat().replace("+00:00", "Z")
        if name == "Description":
            return f"{self.name} (made by the mock)"
        return f"{name} {n % 100}"


def _guid(*key: Any) -> str:
    digest = hashlib.sha256(":".join(map(str, key)).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
