"""The references and entities one representation shows: the document itself and each member it
embeds, each with its own Href, Type and Alternate links, so a rule can judge them from the body alone."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.links import Link
from ..model.snapshot import Resource
from ..model.urls import resolve

__all__ = ["Holder", "entity_form", "holders"]


@dataclass(frozen=True, slots=True)
class Holder:
    """One reference or entity of a representation."""

    href: str
    """Its own Href, as served."""
    url: str | None
    """That Href read against the document's URL; None where it has no single reading."""
    type: str | None
    alternates: tuple[Link, ...]
    """Its own Alternate links."""
    at: str | None
    """The URL its links speak for: a member's Href, but the URL a document was fetched from (or,
    answering a POST, what it created), whatever its own Href says (that is TYP004's)."""
    member: Link | None = None
    """The member it is, None for the document itself."""


def holders(res: Resource) -> list[Holder]:
    """The document (where it names an Href of its own), then each distinct member, in document order."""
    out: list[Holder] = []
    if res.href:
        url = res.url if res.href == res.url else resolve(res.href, res.url)
        out.append(Holder(res.href, url, res.type, tuple(l for l in res.own_links if l.rel == "Alternate"),
                          res.location or res.url))
    if not res.members:
        return out
    by_owner: dict[str, list[Link]] = {}
    for link in res.links:
        if link.rel == "Alternate" and link.owner:
            by_owner.setdefault(link.owner, []).append(link)
    seen = {res.href, res.url}
    for member in res.members:
        if member.href and member.href not in seen:
            seen.add(member.href)
            out.append(Holder(member.href, member.url, member.type, tuple(by_owner.get(member.href, ())),
                              member.url, member))
    return out


def entity_form(type_: str | None) -> tuple[str, bool] | None:
    """(the entity Type, whether this is its reference form) of a reference or entity Type:
    `JobReference` -> (`Job`, True), `Job` -> (`Job`, False); None for none and for list Types."""
    if not type_ or type_.endswith("List"):
        return None
    if type_.endswith("Reference") and len(type_) > len("Reference"):
        return type_[: -len("Reference")], True
    return type_, False
