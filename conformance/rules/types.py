"""Types family: a link's Type, and a resource's own Type and Href, say what is really there."""

from __future__ import annotations

from collections.abc import Iterator

from ..snapshot import Resource
from ..urls import is_gettable, resolve
from ._catalog import Finding, RuleContext, Severity, rule
from ._shapes import path_of, query_of


def _format(ctx: RuleContext) -> tuple[str, str]:
    name, _, value = ctx.profile.entity_query.partition("=")
    return name.lower(), value


@rule("TYP001", Severity.ERROR, fault="type_mismatch", source="mapping_link_types_to_xml_schema.md",
      subject="typed links (and list members) with a Type to a document the crawl read")
def link_type_predicts_root(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A link's Type predicts the root element its Href returns (the four naming rules plus the
    profile's documented exceptions).

    Clients choose the class to deserialise into from the Type before they follow the link; a
    wrong Type makes them parse a Job as a Repository.
    """
    typed = ctx.profile.typed_rels
    candidates = [l for l in res.links if l.rel in typed] + list(res.members)
    for link in candidates:
        if not link.type or not is_gettable(link):
            continue
        target = ctx.readable_target(res, link)
        if target is None or target.root is None:
            continue
        ctx.judged(res)
        expected = ctx.profile.roots_for_type(link.type)
        if target.root not in expected:
            yield ctx.finding(res, link=link, expected=f"Type {link.type} -> root {' or '.join(expected)}",
                              actual=f"{target.url} returns {target.root}")


@rule("TYP002", Severity.ERROR, fault="entity_format_ignored", source="resource_representation_for_ke.md",
      subject="URLs that ask for the entity form (`?format=Entity`)")
def entity_query_returns_entity(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A URL that asks for the entity form (`?format=Entity`) returns an entity, not a reference.

    The entity form is how clients read a resource's details and actions; answering with the
    reference form hides them.
    """
    name, value = _format(ctx)
    if query_of(res.url).get(name, "").lower() != value.lower():
        return
    ctx.judged(res)
    if res.root in ctx.profile.reference_roots:
        yield ctx.finding(res, expected="an entity root", actual=f"{res.root} (a reference form)")


@rule("TYP003", Severity.ERROR, fault="reference_is_entity", source="resource_representation_for_ke.md",
      subject="plain URLs of resources whose entity form the crawl read too")
def plain_url_returns_reference(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A key resource's plain URL returns its reference form, when an entity form exists beside it.

    The reference form is the documented default; clients that list many resources rely on it
    being small.
    """
    name, value = _format(ctx)
    if name in query_of(res.url):
        return
    separator = "&" if "?" in res.url else "?"
    entity_url = resolve(f"{res.url}{separator}{ctx.profile.entity_query}", res.url)
    entity = ctx.snapshot.get(entity_url) if entity_url else None
    if entity is None or entity.error is not None:
        return
    ctx.judged(res)
    if res.root not in ctx.profile.reference_roots and entity.root not in ctx.profile.reference_roots:
        yield ctx.finding(res, expected=f"a reference root ({', '.join(sorted(ctx.profile.reference_roots))})",
                          actual=f"{res.root}, the same form as {entity.url}")


@rule("TYP004", Severity.WARNING, fault="stale_self_href", source="resource_representations.md",
      subject="representations with an Href of their own")
def own_href_names_the_fetched_url(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A representation's own Href is the URL it was fetched from.

    Clients keep the Href as the object's identity for refreshes and bookmarks; an Href that
    names another URL (or the other form) refreshes into something else.
    """
    if res.href:
        ctx.judged(res)
        own = resolve(res.href, res.url)
        # Paths compare without regard to case, as the server matches them; a re-cased link is
        # the link's defect (REL005), not the document's.
        if own is None or (path_of(own), query_of(own)) != (path_of(res.url), query_of(res.url)):
            yield ctx.finding(res, expected=f"Href={res.url!r}", actual=f"Href={res.href!r}")


@rule("TYP005", Severity.ERROR, fault="root_type_mismatch", source="mapping_link_types_to_xml_schema.md",
      subject="representations with a Type of their own")
def own_type_matches_root(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A representation's own Type attribute names its root element (by the same mapping).

    The Type on the root is how a client that received a document knows what it holds; it must
    agree with the document's element.
    """
    if res.type and res.root:
        ctx.judged(res)
        expected = ctx.profile.roots_for_type(res.type)
        if res.root not in expected:
            yield ctx.finding(res, expected=f"Type {res.type} on root {' or '.join(expected)}",
                              actual=f"root {res.root}")
