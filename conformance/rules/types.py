"""Types family: a link's Type, and a resource's own Type, Href and UID, say what is really there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..contract.profiles import path_template
from ..model.snapshot import Resource
from ..model.urls import is_gettable, path, resolve
from ._catalog import Finding, RuleContext, Severity, rule
from ._holders import entity_form, holders
from ._shapes import family, path_of, query_of, root_element


def _format(ctx: RuleContext) -> tuple[str, str]:
    name, _, value = ctx.profile.entity_query.partition("=")
    return name.lower(), value


@rule("TYP001", Severity.ERROR, fault="type_mismatch", source="mapping_link_types_to_xml_schema.md",
      subject="typed and paging links (and list members) with a Type to a document the crawl read")
def link_type_predicts_root(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A link's Type predicts the root element its Href returns (the four naming rules plus the
    profile's documented exceptions).

    Clients choose the class to deserialise into from the Type before they follow the link; a
    wrong Type makes them parse a Job as a Repository.
    """
    typed = ctx.profile.typed_rels | ctx.profile.paging_rels  # a paging link's Type, where given, too
    candidates = [l for l in res.links if l.rel in typed] + list(res.members)
    for link in candidates:
        if not link.type or not is_gettable(link, ctx.profile.action_rels):
            continue
        target = ctx.readable_target(res, link)
        if target is None or root_element(target) is None:
            continue
        ctx.judged(res)
        expected = ctx.profile.roots_for_type(link.type)
        if target.root not in expected:
            yield ctx.finding(res, link=link, expected=f"Type {link.type} -> root {' or '.join(expected)}",
                              actual=f"{target.url} returns {target.root}", shown_by=[target.url])


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
    entity = ctx.lookup(entity_url) if entity_url else None
    if entity is None or entity.error is not None:
        return
    ctx.judged(res)
    if res.root not in ctx.profile.reference_roots and entity.root not in ctx.profile.reference_roots:
        yield ctx.finding(res, expected=f"a reference root ({', '.join(sorted(ctx.profile.reference_roots))})",
                          actual=f"{res.root}, the same form as {entity.url}")


def _own_url(res: Resource) -> str | None:
    """The URL a document's own Href names: most often the very URL it was fetched from."""
    if not res.href:
        return None
    return res.url if res.href == res.url else resolve(res.href, res.url)


@rule("TYP004", Severity.WARNING, fault="stale_self_href", source="resource_representations.md",
      subject="representations with an Href of their own")
def own_href_names_the_fetched_url(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A representation's own Href is the URL it was fetched from (answering a POST, what it created).

    Clients keep the Href as the object's identity for refreshes and bookmarks; an Href that
    names another URL (or the other form) refreshes into something else. The logon answer names
    the session it opened, as its Location does.
    """
    if res.href:
        ctx.judged(res)
        own = _own_url(res)
        url = res.location or res.url
        # Paths compare without regard to case, as the server matches them; a re-cased link is
        # the link's defect (REL005), not the document's.
        if own != url and (own is None or (path_of(own), query_of(own)) != (path_of(url), query_of(url))):
            yield ctx.finding(res, expected=f"Href={url!r}", actual=f"Href={res.href!r}")


@rule("TYP005", Severity.ERROR, fault="root_type_mismatch", source="mapping_link_types_to_xml_schema.md",
      subject="representations with a Type of their own")
def own_type_matches_root(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A representation's own Type attribute names its root element (by the same mapping).

    The Type on the root is how a client that received a document knows what it holds; it must
    agree with the document's element. A JSON document has no root element: its Type alone says
    what it is.
    """
    if res.type and root_element(res):
        ctx.judged(res)
        expected = ctx.profile.roots_for_type(res.type)
        if res.root not in expected:
            yield ctx.finding(res, expected=f"Type {res.type} on root {' or '.join(expected)}",
                              actual=f"root {res.root}")


@lru_cache(maxsize=1024)
def _uid_pattern(form: str, type_: str | None) -> re.Pattern[str]:
    """The form as a pattern, the type exact (any, where the document gives none) and each id a
    group: compiled once per form and type, since the ids differ from resource to resource."""
    parts = re.split(r"(\{type\}|\{id\})", form)
    pattern = "".join(
        (re.escape(type_) if type_ else "[^:]+") if part == "{type}"
        else "(.+)" if part == "{id}"
        else re.escape(part)
        for part in parts
    )
    return re.compile(pattern)


def _uid_fits(uid: str, form: str, type_: str | None, id_: str | None) -> bool:
    """Whether a UID has the form with this type, and this id without regard to case (GUIDs come in
    either); a part the document does not give (no Type, no Href) may be anything."""
    found = _uid_pattern(form, type_).fullmatch(uid)
    return found is not None and (id_ is None or all(part.lower() == id_.lower() for part in found.groups()))


def _uid_type(ctx: RuleContext, res: Resource) -> str | None:
    """The type a UID must name: the Type less `Reference`, else the root of an entity."""
    if res.type:
        return family(res.type)
    root = root_element(res)
    return root if root and root not in ctx.profile.reference_roots else None


@rule("TYP006", Severity.ERROR, fault="uid_of_another_type", source="resource_representation_for_ke.md",
      subject="representations and their typed members with a UID")
def uid_names_type_and_id(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A resource's UID names its type and the id its Href ends with (`urn:veeam:Job:<id>` on `/jobs/<id>`).

    The UID is how the API and its clients name an object across forms and resources (the
    Alternate pair, the specs and filters that refer to a job); one that names another type or
    another id sends them to another object. The form is the profile's (`[uids]`), with its
    documented departures. Every member a document embeds with a Type of its own (the items of an
    entity list, a reference inside an entity) is judged alike (mock fault `member_uid_malformed`);
    a member without a Type is not, since its departure from the form (`[uids.forms]`) cannot be told.
    """
    if ctx.profile.uid_form is None:
        return
    if res.uid:
        ctx.judged(res)
        href = _own_url(res)
        problem = _uid_problem(ctx, res.uid, res.kind, _uid_type(ctx, res), href)
        if problem:
            yield ctx.finding(res, expected=problem, actual=f"UID={res.uid!r}")
    seen: set[tuple[str | None, str]] = set()
    for member in res.members:
        if not member.uid or not member.type or (member.href, member.uid) in seen:
            continue
        seen.add((member.href, member.uid))
        ctx.judged(res)
        problem = _uid_problem(ctx, member.uid, member.type, family(member.type), member.url)
        if problem:
            yield ctx.finding(res, link=member, expected=problem, actual=f"UID={member.uid!r} on {member.href}")


def _uid_problem(ctx: RuleContext, uid: str, kind: str, type_: str | None, href: str | None) -> str | None:
    """What the UID should be, when it is not of the profile's form for this type and id; else None."""
    form = ctx.profile.uid_forms.get(kind, ctx.profile.uid_form or "")
    id_ = path(href).rstrip("/").rsplit("/", 1)[-1] if href else None
    if _uid_fits(uid, form, type_, id_):
        return None
    return "UID " + form.replace("{type}", type_ or "<type>").replace("{id}", id_ or "<id>")


@rule("TYP007", Severity.ERROR, fault="reference_of_another_type", source="resource_urls.md",
      subject="references and entities whose own Href has a URL template the profile lists")
def own_href_serves_the_type(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A reference's or entity's own Href is a URL that serves its Type (by the profile's URL templates).

    A client follows the Href to get the object the reference names; a NAS job listed at an agent
    job's URL, or a file server at a repository's, gets it another kind of object, or none. Judged
    from the representation alone, on the document and on each reference or entity it embeds, by
    the profile's table of URL templates and the Types they serve (`[resources]`); an Href whose
    template the table does not list is not judged.
    """
    root = ctx.snapshot.root_url
    for holder in holders(res):
        form = entity_form(holder.type)
        if form is None or holder.url is None:
            continue
        served = ctx.profile.types_at(holder.url, root)
        if served is None:
            continue
        ctx.judged(res)
        if not any(ctx.profile.same_resource_type(form[0], type_) for type_ in served):
            yield ctx.finding(res, link=holder.member,
                              expected=f"an Href that serves {form[0]} ({path_template(holder.url, root)} serves "
                                       f"{' or '.join(served)})",
                              actual=f"Type={holder.type!r} Href={holder.href!r}")


@rule("TYP008", Severity.ERROR, fault="alternate_type_other_resource", source="resource_representation_for_ke.md",
      subject="typed Alternate links of references")
def alternate_type_is_the_entity(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A reference's Alternate link is typed as its entity: `X` on a reference of Type `XReference`.

    The Alternate of a reference is the same object in its entity form, and a client picks the class
    to read it into by the Type before it follows the link; a NAS job's reference whose Alternate
    says `Job` makes it read a NAS job as a VM job. Judged from the representation alone, on the
    document and each reference it embeds; spellings the profile maps to one root element
    (`NasJob`, `NASJob`) are one Type. An entity's Alternate is not judged by its Type: every
    reference Type names the one root `EntityRef`, and the vendor's own entities type theirs by a
    wider family (an agent job's as `JobReference`), so a finding there would say little.
    """
    document_root = root_element(res)
    for holder in holders(res):
        form = entity_form(holder.type)
        if form is None or not form[1]:
            continue
        if holder.member is None and document_root and document_root not in ctx.profile.reference_roots:
            continue  # a reference Type on an entity's root is TYP005's
        entity = form[0]
        for link in holder.alternates:
            if not link.type:
                continue  # LNK004's
            ctx.judged(res)
            other = entity_form(link.type)
            if other is None or other[1] or not ctx.profile.same_resource_type(other[0], entity):
                yield ctx.finding(res, link=link, actual=f"Type={link.type!r}",
                                  expected=f"Type {entity} on the Alternate of {holder.type} {holder.href}")
