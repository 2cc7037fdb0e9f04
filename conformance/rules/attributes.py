"""Attribute family: each Link's Rel, Href and Type are present and well formed."""

from __future__ import annotations

from collections.abc import Iterator

from ..model.snapshot import Resource
from ..model.urls import is_absolute, on_site, origin, site, url_problem
from ._catalog import Finding, RuleContext, Severity, rule

_absolute = is_absolute


@rule("LNK001", Severity.ERROR, fault="link_without_rel", source="attributes_of_a_link_element.md",
      subject="links")
def link_has_rel(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Link has a non-empty Rel.

    The Rel is the only thing that tells a client what following the link means; a link without
    one cannot be chosen by a client that navigates by relation.
    """
    if res.links:
        ctx.judged(res)
    for link in res.links:
        if not (link.rel or "").strip():
            yield ctx.finding(res, link=link, expected="a non-empty Rel attribute", actual=f"Rel={link.rel!r}")


@rule("LNK002", Severity.ERROR, fault="relative_href", source="attributes_of_a_link_element.md",
      subject="links")
def link_href_is_absolute(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Link has an absolute http(s) Href.

    Hrefs are opaque to clients, which follow them as given; a missing or relative Href forces
    them to guess a base URL, which breaks behind proxies and load balancers.
    """
    if res.links:
        ctx.judged(res)
    for link in res.links:
        if not link.href:
            yield ctx.finding(res, link=link, expected="an Href attribute", actual="no Href")
        elif not _absolute(link.href):
            yield ctx.finding(res, link=link, expected="an absolute http(s) URL", actual=f"Href={link.href!r}")


@rule("LNK003", Severity.ERROR, fault="foreign_href", source="attributes_of_a_link_element.md",
      subject="links with an absolute Href")
def link_href_sameorigin(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every absolute Href has the API root's origin (scheme, host and port), written one way.

    A client holds a session with one server; a link to another origin leaks the session
    header or fails, and is usually a host name baked in at install time. An Href with a
    backslash, userinfo or an unusual port has no single origin (parsers read it differently), so
    it is judged as leaving the root's origin, and the crawl never follows it.
    """
    root = origin(ctx.snapshot.root_url)
    home = site(ctx.snapshot.root_url)
    for link in res.links:
        if not (link.href and _absolute(link.href)):
            continue
        ctx.judged(res)
        # An absolute Href with one reading is read into a URL of the same origin (`Link.url`).
        if link.url is None or not on_site(link.url, home):
            scheme, host, port = root  # type: ignore[misc]
            problem = url_problem(link.href)
            yield ctx.finding(res, link=link, expected=f"origin {scheme}://{host}:{port}",
                              actual=f"Href={link.href!r}" + (f": {problem}" if problem else ""))


@rule("LNK004", Severity.ERROR, fault="down_link_without_type", source="attributes_of_a_link_element.md",
      subject="links with a typed Rel (Up, Down, Alternate, ...)")
def resource_link_has_type(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Links to resources (the profile's typed Rels: Up, Down, Alternate, ...) carry a Type.

    The Type tells a client which representation the Href returns before it follows it; without
    it, clients cannot pick a parser or decide whether the link is the one they want. Paging links
    (the profile's paging Rels: First, Previous, Next, Last) are not held to it: they lead to
    another page of the result that holds them, so the client knows what they return, and no
    server sends a Type on them (PRT009 judges them).
    """
    typed = ctx.profile.typed_rels
    for link in res.links:
        if link.rel not in typed:
            continue
        ctx.judged(res)
        if not (link.type or "").strip():
            yield ctx.finding(res, link=link, expected=f"a Type on a {link.rel} link", actual="no Type")


@rule("LNK005", Severity.ERROR, fault="lowercase_rel", source="links.md",
      subject="links with a Rel")
def rel_in_vocabulary(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Rel belongs to the profile's vocabulary, compared case-sensitively (`up` is not `Up`).

    Clients match Rels as exact strings; a Rel outside the vocabulary, or in another case, is a
    link no client will ever select.
    """
    vocabulary = ctx.profile.rel_vocabulary
    for link in res.links:
        if not (link.rel and link.rel.strip()):
            continue
        ctx.judged(res)
        if link.rel not in vocabulary:
            near = [v for v in vocabulary if v.lower() == link.rel.lower()]
            hint = f" (did the server mean {near[0]!r}?)" if near else ""
            yield ctx.finding(res, link=link, expected="a Rel of the profile's vocabulary",
                              actual=f"Rel={link.rel!r}{hint}")


@rule("LNK006", Severity.WARNING, fault="href_with_fragment", source="attributes_of_a_link_element.md",
      subject="links with an Href")
def href_has_no_fragment(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """No Href carries a fragment (`#...`).

    A fragment is never sent to the server, so two links that differ only by it name the same
    resource; it is a sign of Hrefs assembled by string concatenation.
    """
    for link in res.links:
        if not link.href:
            continue
        ctx.judged(res)
        if "#" in link.href:
            yield ctx.finding(res, link=link, expected="an Href without '#'", actual=f"Href={link.href!r}")


@rule("LNK007", Severity.WARNING, fault="typed_action_link", source="links.md",
      subject="action links (the profile's action Rels)")
def action_link_has_no_type(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Action links (Start, Stop, Clone, ...) carry no Type.

    An action's Href is invoked with POST and answers a Task, not a representation of the Type;
    a Type on it misleads clients that pick a parser by Type.
    """
    for link in res.links:
        if link.rel not in ctx.profile.action_rels:
            continue
        ctx.judged(res)
        if link.type:
            yield ctx.finding(res, link=link, expected=f"no Type on a {link.rel} link", actual=f"Type={link.type!r}")


@rule("LNK008", Severity.WARNING, fault="duplicate_link", source="links.md",
      subject="links")
def no_duplicate_links(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """No element lists the same (Rel, Href) pair twice.

    A duplicate adds nothing for clients but doubles their work, and often hides a link that
    should have been there instead.
    """
    seen: set[tuple[str | None, str | None, str | None]] = set()
    if res.links:
        ctx.judged(res)
    for link in res.links:
        key = (link.owner, link.rel, link.href)
        if key in seen:
            yield ctx.finding(res, link=link, expected="each (Rel, Href) once per element", actual="listed twice")
        seen.add(key)


@rule("LNK009", Severity.WARNING, fault="stale_link_name", source="attributes_of_a_link_element.md",
      subject="links with a Name to a named resource the crawl read")
def link_name_matches_target(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A link's Name, where given, is the Name of the resource it points at.

    Clients show the Name to people before they follow the link; a stale Name shows one object
    and opens another.
    """
    for link in res.links:
        if not link.name:
            continue
        target = ctx.readable_target(res, link)
        if target is None or not target.name:
            continue
        ctx.judged(res)
        if target.name != link.name:
            yield ctx.finding(res, link=link, expected=f"Name={target.name!r} (the target's Name)",
                              actual=f"Name={link.name!r}", shown_by=[res.url, target.url])
