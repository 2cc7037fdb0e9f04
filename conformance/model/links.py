"""Reading `<Link>` elements and embedded references out of XML and JSON representations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

__all__ = ["Link", "json_links", "xml_links"]


@dataclass(frozen=True, slots=True)
class Link:
    """One hypermedia control as the server wrote it; attributes are kept raw so rules can judge them."""

    rel: str | None
    """The `Rel` attribute, or None when absent (judged by the attribute rules)."""
    href: str | None
    """The `Href` attribute exactly as served (entity-unescaped by the parser)."""
    type: str | None = None
    """The `Type` attribute: what the target's root element should be."""
    name: str | None = None
    """The `Name` attribute: the display name of the target, where given."""
    owner: str | None = None
    """The Href of the element holding this link (the document root or an embedded item)."""
    url: str | None = field(default=None, compare=False, repr=False)
    """The normalised absolute URL the Href names, read against the URL of the document that holds
    the link (`urls.resolved`, when a resource is recorded); None without an Href, for one with no
    single reading, and for a link not read against a document."""
    owner_url: str | None = field(default=None, compare=False, repr=False)
    """The owner's Href read the same way."""
    uid: str | None = None
    """For a member (an embedded reference or entity), its `UID`: the name it gives itself, judged
    like a document's own. A `<Link>` has none."""

    def to_dict(self) -> dict[str, str]:
        """The attributes as served, those absent left out; what is read from them is not saved."""
        return {name: value for name, value in (("rel", self.rel), ("href", self.href), ("type", self.type),
                                                ("name", self.name), ("owner", self.owner), ("uid", self.uid))
                if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Link:
        return cls(data.get("rel"), data.get("href"), data.get("type"), data.get("name"), data.get("owner"),
                   uid=data.get("uid"))

    def describe(self) -> str:
        """A compact, stable rendering for failure messages and reports."""
        parts = [f"Rel={self.rel!r}", f"Href={self.href!r}"]
        if self.type is not None:
            parts.append(f"Type={self.type!r}")
        if self.name is not None:
            parts.append(f"Name={self.name!r}")
        return "<Link " + " ".join(parts) + ">"


def _local(tag: object) -> str:
    """The local name of an element's tag (`{namespace}name` or `name`); "" for a comment or the like."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def xml_links(root: etree._Element) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
    """Return (links, members) of an XML document.

    `links` are the `<Link>` elements anywhere in the document, each tagged with its owner's Href.
    `members` are embedded elements that carry an Href of their own (the `Ref` items of a
    collection, the entities of a plural list, nested resources): clients follow them like links,
    but they have no Rel, so they are kept apart from the Link contract.
    """
    links: list[Link] = []
    members: list[Link] = []
    once = _Once()
    for el in root.iter():
        name = _local(el.tag)
        if name == "Link":
            holder = el.getparent()
            owner_el = holder.getparent() if holder is not None and _local(holder.tag) == "Links" else holder
            owner = owner_el.get("Href") if owner_el is not None else None
            links.append(Link(once(el.get("Rel")), once(el.get("Href")), once(el.get("Type")), once(el.get("Name")),
                              once(owner)))
        elif el is not root and el.get("Href"):
            members.append(Link(None, once(el.get("Href")), once(el.get("Type")), once(el.get("Name")), None,
                                uid=el.get("UID")))
    return tuple(links), tuple(members)


class _Once(dict):
    """One copy of each string a document repeats (its Rels and Types, an item's Href on each of its
    links), so a page of thousands of links holds what it says once while it is read."""

    def __call__(self, text: str | None) -> str | None:
        return None if text is None else self.setdefault(text, text)


def _json_objects(node: Any, top: bool = True) -> Iterator[tuple[Mapping[str, Any], bool]]:
    if isinstance(node, Mapping):
        yield node, top
        for key, value in node.items():
            if key != "Links":
                yield from _json_objects(value, False)
    elif isinstance(node, list):
        for item in node:
            yield from _json_objects(item, False)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def json_links(doc: Any) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
    """Return (links, members) of a JSON representation, mirroring `xml_links`.

    In JSON a `Links` array replaces `<Links>`, and absent attributes are omitted (or null). Items
    sit at any depth of wrappers (`{"Refs": [...]}`, `"Resources": {"CloudTenantResources": [...]}`,
    `"Entities": {"Repositories": {"Repositories": [...]}}`), so every nested object with an `Href`
    is a member, whatever holds it. Nested non-resources carry `"Href": ""` and `"Links": null`:
    neither is a member nor a link. Values of an unexpected kind are ignored, never an error.
    """
    links: list[Link] = []
    members: list[Link] = []
    once = _Once()
    for obj, top in _json_objects(doc):
        owner = once(_text(obj.get("Href")) or None)
        held = obj.get("Links")
        for item in held if isinstance(held, list) else ():
            if isinstance(item, Mapping):
                links.append(
                    Link(once(_text(item.get("Rel"))), once(_text(item.get("Href"))), once(_text(item.get("Type"))),
                         once(_text(item.get("Name"))), owner)
                )
        if not top and owner:
            members.append(Link(None, owner, once(_text(obj.get("Type"))), once(_text(obj.get("Name"))), None,
                                uid=_text(obj.get("UID"))))
    return tuple(links), tuple(members)
