"""Attribute family: each Link's Rel, Href and Type are present and well formed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from ..snapshot import Resource
from ..urls import origin
from ._catalog import Finding, RuleContext, Severity, rule


def _absolute(href: str) -> bool:
    try:
        u = httpx.URL(href)
    except httpx.InvalidURL:
        return False
    return u.scheme in ("http", "https") and bool(u.host)


@rule("LNK001", Severity.ERROR, fault="link_without_rel", source="attributes_of_a_link_element.md")
def link_has_rel(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Link has a non-empty Rel.

    The Rel is the only thing that tells a client what following the link means; a link without
    one cannot be chosen by a client that navigates by relation.
    """
    for link in res.links:
        if not (link.rel or "").strip():
            yield ctx.finding(res, link=link, expected="a non-empty Rel attribute", actual=f"Rel={link.rel!r}")


@rule("LNK002", Severity.ERROR, fault="relative_href", source="attributes_of_a_link_element.md")
def link_href_is_absolute(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Link has an absolute http(s) Href.

    Hrefs are opaque to clients, which follow them as given; a missing or relative Href forces
    them to guess a base URL, which breaks behind proxies and load balancers.
    """
    for link in res.links:
        if not link.href:
            yield ctx.finding(res, link=link, expected="an Href attribute", actual="no Href")
        elif not _absolute(link.href):
            yield ctx.finding(res, link=link, expected="an absolute http(s) URL", actual=f"Href={link.href!r}")


@rule("LNK003", Severity.ERROR, fault="foreign_href", source="attributes_of_a_link_element.md")
def link_href_sameorigin(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every absolute Href has the API root's origin (scheme, host and port).

    A client holds a session with one server; a link to another origin leaks the session
    header or fails, and is usually a host name baked in at install time.
    """
    root = origin(ctx.snapshot.root_url)
    for link in res.links:
        if link.href and _absolute(link.href) and origin(link.href) != root:
            scheme, host, port = root
            yield ctx.finding(res, link=link, expected=f"origin {scheme}://{host}:{port}",
                              actual=f"Href={link.href!r}")


@rule("LNK004", Severity.ERROR, fault="down_link_without_type", source="attributes_of_a_link_element.md")
def resource_link_has_type(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Links to resources (the profile's typed Rels: Up, Down, Alternate, ...) carry a Type.

    The Type tells a client which representation the Href returns before it follows it; without
    it, clients cannot pick a parser or decide whether the link is the one they want.
    """
    typed = ctx.profile.typed_rels
    for link in res.links:
        if link.rel in typed and not (link.type or "").strip():
            yield ctx.finding(res, link=link, expected=f"a Type on a {link.rel} link", actual="no Type")
