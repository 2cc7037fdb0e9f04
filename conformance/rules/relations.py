"""Relations family: links lead somewhere real."""

from __future__ import annotations

from collections.abc import Iterator

from ..urls import is_gettable, resolve
from ..snapshot import Resource
from ._catalog import Finding, RuleContext, Severity, rule


@rule("REL001", Severity.ERROR, fault="dangling_link", source="links.md")
def gettable_link_resolves(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every GET-able link the crawl followed answers 200 with a readable body.

    A dangling link is the hypermedia form of a 404 page: the server advertises something it
    cannot serve. The finding sits on the resource that holds the link, so one broken target
    is reported once per holder, not as a cascade of failures elsewhere.
    """
    for link in (*res.links, *res.members):
        if not is_gettable(link):
            continue
        url = resolve(link.href, res.url)  # type: ignore[arg-type]
        target = ctx.snapshot.get(url) if url else None
        if target is None or target.error is None:
            continue  # not fetched (budget, origin) or fine
        yield ctx.finding(res, link=link, expected="HTTP 200 with a readable representation",
                          actual=f"{url}: {target.error}")
