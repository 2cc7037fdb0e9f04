"""The neutral document model every response is built as, before faults and serialisation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

__all__ = ["Node", "Scalar", "absent", "el", "link", "links", "shared", "values", "walk"]

Scalar = Union[str, int, float, bool, datetime]


@dataclass(slots=True)
class Node:
    """One element: typed attributes and text, ordered children.

    `items` names the child element that repeats as a list (`Ref` in `EntityReferences`), which
    JSON renders as a pluralised array even when it holds one item, and as `[]` when it holds none.
    `missing` marks an optional value that is not set: XML leaves it out, JSON shows `null`.
    `repeated` marks a plain value that is one of a list of them: its run of siblings of one name
    (`<Days>` in `<OptionsDaily>`) is one JSON array under that name, and an element that holds
    nothing but such a run (`<Tags>` of `<Tag>`s) is that array itself, as real servers send them;
    a `missing` one stands for a list of none (XML: no element; JSON: `[]`). Trees are built fresh
    for each response, so a fault may change one in place; only an app without faults serves
    `shared` subtrees, built once, which nothing changes and whose rendering `memo` keeps.
    """

    name: str
    attrs: dict[str, Scalar] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: Scalar | None = None
    items: str | None = None
    missing: bool = False
    repeated: bool = False
    memo: dict[int | str, Any] | None = field(default=None, compare=False, repr=False)
    """What the renderer made of a shared subtree, by format and depth; None on a fresh one."""

    def child(self, name: str) -> Node | None:
        """The first child with this name, if any."""
        return next((c for c in self.children if c.name == name), None)

    def links(self) -> list[Node]:
        """This element's own `<Link>`s (those in its `Links` child)."""
        holder = self.child("Links")
        return [c for c in holder.children if c.name == "Link"] if holder else []


def el(name: str, text: Scalar | None = None, /, *children: Node, items: str | None = None,
       **attrs: Scalar | None) -> Node:
    """An element; attributes given as None are left out, so optional ones read naturally."""
    if attrs and None in attrs.values():
        attrs = {k: v for k, v in attrs.items() if v is not None}
    return Node(name, attrs, list(children), text, items)


def absent(name: str) -> Node:
    """An optional element with no value."""
    return Node(name, missing=True)


def values(name: str, *texts: Scalar) -> list[Node]:
    """A list of plain values, each an element of this name; none gives the empty list's placeholder."""
    if not texts:
        return [Node(name, missing=True, repeated=True)]
    return [Node(name, text=text, repeated=True) for text in texts]


def link(rel: str, href: str, type: str | None = None, name: str | None = None) -> Node:
    """A `<Link>`; attributes keep the order Rel, Href, Name, Type that JSON prescribes."""
    return el("Link", Rel=rel, Href=href, Name=name, Type=type)


def links(*items: Node | None) -> Node:
    """A `<Links>` holder; None entries (links that do not apply) are skipped."""
    return Node("Links", children=[i for i in items if i is not None], items="Link")


def shared(node: Node) -> Node:
    """Mark a subtree as served in many responses: the renderer renders it once per format and depth."""
    node.memo = {}
    return node


def walk(node: Node) -> Iterator[Node]:
    """Every element of a tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))
