"""Small facts about links and URLs that several rule families share."""

from __future__ import annotations

from urllib.parse import parse_qsl

from ..model.links import Link
from ..model.parsing import media_kind
from ..model.snapshot import Resource
from ..model.urls import path, query

__all__ = ["family", "owner_url", "path_of", "query_of", "root_element"]


def path_of(url: str) -> str:
    """The resource part of a URL: its path, lower-cased (the server's paths ignore case)."""
    return path(url).rstrip("/").lower()


def query_of(url: str) -> dict[str, str]:
    """Query parameters with lower-cased names (the docs spell them in either case)."""
    text = query(url)
    return {k.lower(): v for k, v in parse_qsl(text, keep_blank_values=True)} if text else {}


def owner_url(res: Resource, link: Link) -> str:
    """The URL of the element a link of `res` belongs to: an embedded item, or the document itself."""
    if link.owner and link.owner != res.href:
        return link.owner_url or res.url
    # The document's own links speak for the URL fetched, whatever its Href says; those of the
    # answer to a POST that created something (the logon session), for what it created.
    return res.location or res.url


def family(type_: str | None) -> str | None:
    """The resource a Type is about, whatever its form: JobReference, Job and JobList -> Job."""
    if not type_:
        return None
    for suffix in ("ReferenceList", "Reference", "List"):
        if type_.endswith(suffix) and len(type_) > len(suffix):
            return type_[: -len(suffix)]
    return type_


def root_element(res: Resource) -> str | None:
    """The document's root element, None for JSON: a JSON representation has none (its `root` is
    its Type property), so the Type-to-root mapping has nothing to judge there."""
    return None if media_kind(res.content_type) == "json" else res.root
