"""Relations family: links lead somewhere real."""

from __future__ import annotations

from collections.abc import Iterator

from ..contract.operations import misdirected, misnamed
from ..model.links import Link
from ..model.snapshot import Resource
from ..model.urls import is_gettable, path
from ._catalog import Finding, RuleContext, Severity, rule
from ._holders import holders
from ._shapes import family, owner_url, path_of, query_of


@rule("REL001", Severity.ERROR, fault="dangling_link", source="links.md",
      subject="GET-able links whose target the crawl fetched")
def gettable_link_resolves(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every GET-able link the crawl followed answers 200 with a readable body.

    A dangling link is the hypermedia form of a 404 page: the server advertises something it
    cannot serve. The finding sits on the resource that holds the link, so one broken target
    is reported once per holder, not as a cascade of failures elsewhere.
    """
    for link in (*res.links, *res.members):
        if not is_gettable(link, ctx.profile.action_rels):
            continue
        target = ctx.target(res, link)
        if target is None:
            continue  # not fetched (sampled out, over the budget, another origin)
        ctx.judged(res)
        if target.error is None:
            continue
        yield ctx.finding(res, link=link, expected="HTTP 200 with a readable representation",
                          actual=f"{target.url}: {target.error}", shown_by=[target.url])


def _members_index(ctx: RuleContext, collection: Resource) -> tuple[set[str], set[str]]:
    """(families, paths) of the members a collection lists; kept while the rule runs."""
    memo = ctx.memo()
    key = ("members", collection.url)
    if key not in memo:
        families = {family(m.type) for m in collection.members if m.type}
        paths = {path_of(m.url or m.href) for m in collection.members if m.href}
        memo[key] = ({f for f in families if f}, paths)
    return memo[key]


def _down_collections(ctx: RuleContext, parent: Resource) -> list[tuple[Link, Resource]]:
    """(Down link, collection) a parent links to, directly or through its Alternate form."""
    forms = [parent]
    for link in parent.links:
        if link.rel == "Alternate" and link.owner in (None, parent.href):
            other = ctx.target(parent, link)
            if other is not None and other.error is None:
                forms.append(other)
    found = []
    for form in forms:
        for link in form.links:
            if link.rel == "Down" and link.owner in (None, form.href):
                target = ctx.target(form, link)
                if target is not None and target.error is None:
                    found.append((link, target))
    return found


def _collections_for(ctx: RuleContext, parent: Resource, child_family: str) -> tuple[frozenset[str], list[Resource]]:
    """(the paths the parent links Down to, the collections among them that hold the child's kind);
    kept while the rule runs, since every child of the kind that links Up to the parent asks.

    A collection holds the child's kind when its members say so, or, empty, when the Down link's
    Type does (BackupJobSessionReferenceList holds BackupJobSessions).
    """
    memo = ctx.memo()
    key = ("collections for", parent.url, child_family)
    if key not in memo:
        downs = _down_collections(ctx, parent)
        relevant = [c for link_down, c in downs
                    if child_family in _members_index(ctx, c)[0]
                    or ((link_down.type or "").endswith("List") and family(link_down.type) == child_family)]
        memo[key] = (frozenset(path_of(c.url) for _, c in downs), relevant)
    return memo[key]


def _kind_family(res: Resource | None) -> str | None:
    return family(res.type or res.root) if res is not None else None


@rule("REL002", Severity.ERROR, fault="up_sideways", source="links.md",
      subject="Up links to a parent with a Down collection of the child's kind")
def up_link_targets_parent(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An Up link leads to the parent, and the parent lists the child in its Down collection.

    Clients climb Up to rebuild context (which server, which job); a sideways Up strands them.
    Checked where the parent has a Down collection of the child's kind, as the docs describe.
    """
    for link in res.links:
        if link.rel != "Up":
            continue
        child = ctx.lookup(owner_url(res, link))
        parent = ctx.readable_target(res, link)
        child_family = _kind_family(child)
        if parent is None or child_family is None:
            continue
        down_paths, relevant = _collections_for(ctx, parent, child_family)
        child_path = path_of(child.url)
        if child_path in down_paths:
            ctx.judged(res)
            continue  # the parent links Down to the child itself
        if not relevant:
            continue
        ctx.judged(res)
        if not any(child_path in _members_index(ctx, c)[1] for c in relevant):
            yield ctx.finding(res, link=link, url=child.url,
                              expected=f"the parent lists {child.url} in a Down collection "
                                       f"({', '.join(c.url for c in relevant)})",
                              actual="the parent's collections do not list it", shown_by=[c.url for c in relevant])


@rule("REL003", Severity.ERROR, fault="foreign_member", source="links.md",
      subject="Down collections whose members link Up to the kind that links them")
def down_collection_members_point_up(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """The members of a Down collection point back Up to the resource that links the collection.

    A collection reached from a job must hold that job's sessions, not someone else's; clients
    that page through children trust the collection's scope.
    """
    for link in res.links:
        if link.rel != "Down":
            continue
        owner = ctx.lookup(owner_url(res, link))
        owner_family = _kind_family(owner)
        collection = ctx.readable_target(res, link)
        if owner is None or owner_family is None or collection is None:
            continue
        judged, strays = _strays(ctx, collection, owner, owner_family)
        if judged:
            ctx.judged(res)
        for member, ups in strays:
            yield ctx.finding(res, link=link, url=owner.url,
                              expected=f"every member of {collection.url} points Up to {owner.url}",
                              actual=f"{member.url} points Up to {', '.join(str(u.href) for u in ups)}",
                              shown_by=[member.url])


def _strays(ctx: RuleContext, collection: Resource, owner: Resource,
            owner_family: str) -> tuple[bool, list[tuple[Resource, list[Link]]]]:
    """(whether any member links Up to the owner's kind, the members whose Up links of that kind lead
    elsewhere); kept while the rule runs, since every document that links Down to the collection asks."""
    memo = ctx.memo()
    key = ("strays", collection.url, owner.url, owner_family)
    if key not in memo:
        judged, strays = False, []
        for member_link in collection.members:
            member = ctx.target(collection, member_link)
            if member is None or member.error is not None:
                continue
            ups = [u for u in member.links if u.rel == "Up" and u.owner in (None, member.href)
                   and family(u.type) == owner_family]
            judged = judged or bool(ups)
            if ups and not any(path_of(u.url or "") == path_of(owner.url) for u in ups):
                strays.append((member, ups))
        memo[key] = (judged, strays)
    return memo[key]


def _same_uid(ctx: RuleContext, source: Resource, target: Resource) -> bool:
    """Whether two UIDs name one resource: equal, or the same id where the profile documents another
    UID form for the type (a VLAN's entity form carries its bare id, its reference form the URN)."""
    if source.uid == target.uid:
        return True
    departures = ctx.profile.uid_forms
    kinds = {k.removesuffix("Reference") for k in (source.kind, target.kind) if k}
    return bool(kinds & departures.keys()) and source.uid.rsplit(":", 1)[-1] == target.uid.rsplit(":", 1)[-1]


@rule("REL004", Severity.ERROR, fault="alternate_other_uid", source="resource_representation_for_ke.md",
      subject="Alternate links to a document the crawl read")
def alternate_pairs_reference_and_entity(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An Alternate link joins the reference and the entity form of one resource (same UID).

    Clients switch forms to get more (or less) detail about the same object; an Alternate to
    another object, or to the same form, silently swaps what they are looking at.
    """
    reference_roots = ctx.profile.reference_roots
    for link in res.links:
        if link.rel != "Alternate":
            continue
        source = ctx.lookup(owner_url(res, link))
        target = ctx.readable_target(res, link)
        if source is None or target is None:
            continue
        ctx.judged(res)
        if source.uid and target.uid and not _same_uid(ctx, source, target):
            yield ctx.finding(res, link=link, url=source.url, expected=f"UID {source.uid}",
                              actual=f"{target.url} has UID {target.uid}", shown_by=[source.url, target.url])
        elif (source.root in reference_roots) == (target.root in reference_roots):
            yield ctx.finding(res, link=link, url=source.url, expected="the other form (reference <-> entity)",
                              actual=f"{source.root} -> {target.root}", shown_by=[source.url, target.url])


@rule("REL005", Severity.ERROR, fault="alternate_one_way", source="resource_representation_for_ke.md",
      subject="Alternate links to a document that links Alternate back")
def alternate_round_trips(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Following Alternate twice comes back to where it started.

    The two forms are one resource; a client that switches form and back must land on the URL it
    left, or caches and breadcrumbs diverge.
    """
    for link in res.links:
        if link.rel != "Alternate":
            continue
        start = owner_url(res, link)
        target = ctx.readable_target(res, link)
        if target is None:
            continue
        backs = [b for b in target.links if b.rel == "Alternate" and b.owner in (None, target.href)]
        if backs:
            ctx.judged(res)
        if backs and not any(b.url == start for b in backs):
            yield ctx.finding(res, link=link, url=start, expected=f"{target.url} links Alternate back to {start}",
                              actual=f"it links to {', '.join(str(b.href) for b in backs)}", shown_by=[target.url])


def _links_off_their_resource(ctx: RuleContext, res: Resource, rels: set[str]) -> Iterator[Finding]:
    """Links of these Rels whose Href is not on the resource that carries them."""
    for link in res.links:
        if link.rel in rels and link.href:
            ctx.judged(res)
            owner = owner_url(res, link)
            if not owner.startswith(("http://", "https://")):
                # A saved document that names no Href of its own: where it lives is unknown.
                ctx.note(f"{res.url}: {link.rel} links not checked: the document names no Href of its own")
                continue
            href = link.url
            if href and path_of(href) != path_of(owner):
                yield ctx.finding(res, link=link, url=owner, expected=f"an Href on {path_of(owner)}",
                                  actual=f"Href={link.href!r}")


@rule("REL006", Severity.ERROR, fault="edit_elsewhere", source="links.md",
      subject="Edit and Delete links")
def edit_and_delete_point_at_their_resource(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Edit and Delete links point at the resource that carries them.

    A client that PUTs or DELETEs through them must change the object it is looking at; a link to
    another URL makes a harmless edit a destructive one.
    """
    yield from _links_off_their_resource(ctx, res, {"Edit", "Delete"})


@rule("REL007", Severity.ERROR, fault="create_on_self", source="links.md",
      subject="Create links")
def create_points_at_a_collection(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A Create link points at a collection (or a create action), never at the resource itself.

    A client POSTs a new member to the collection; posting to an item either fails or, worse,
    overwrites it.
    """
    for link in res.links:
        if link.rel != "Create" or not link.href:
            continue
        ctx.judged(res)
        owner = owner_url(res, link)
        href = link.url
        target = ctx.target(res, link)
        if href and path_of(href) == path_of(owner):
            yield ctx.finding(res, link=link, url=owner, expected="a collection's Href",
                              actual=f"the resource's own Href {link.href!r}")
        elif target is not None and target.error is None and target.uid:
            yield ctx.finding(res, link=link, url=owner, expected="a collection's Href",
                              actual=f"{target.url} is the single resource {target.uid}")


@rule("REL008", Severity.ERROR, fault="action_on_parent", source="links.md",
      subject="action links (the profile's action Rels)")
def action_link_acts_on_its_resource(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An action link (Start, Stop, ...) points at its own resource, or where the profile documents it.

    Clients invoke the action they see on a job against that job; an action pointed elsewhere
    starts or stops the wrong thing. The few operations documented on another URL (a NAS job's
    `/start`, the scope rebuild of `/security`) are the profile's `[operations]`.
    """
    for link in res.links:
        if link.rel in ctx.profile.action_rels and link.href:
            owner = owner_url(res, link)
            href = link.url
            want = misdirected(ctx.profile, link.rel, href, owner, ctx.snapshot.root_url) if href else None
            if want is not None:
                shown = f"an Href on {want.path}" + (f" (documented: {want.form})" if want.form else "")
                yield ctx.finding(res, link=link, url=owner, expected=shown, actual=f"Href={link.href!r}")


@rule("REL009", Severity.ERROR, fault="action_without_query", source="links.md",
      subject="action links (the profile's action Rels)")
def action_link_names_its_action(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An action link's Href names its action: `?action=...`, or the form the profile documents.

    Without it the Href is the resource's own URL: a client POSTing there does not start
    anything, and a crawler treats the action as a plain page.
    """
    for link in res.links:
        if link.rel not in ctx.profile.action_rels or not link.href:
            continue
        href = link.url
        if href:
            ctx.judged(res)
        want = misnamed(ctx.profile, link.rel, href, owner_url(res, link), ctx.snapshot.root_url) if href else None
        if want is None:
            continue
        if want.form is None:
            expected = "an Href with ?action=..."
        elif want.action is None:
            expected = f"an Href without ?action= (documented: {want.form})"
        else:
            expected = f"an Href with ?action={want.action} (documented: {want.form})"
        yield ctx.finding(res, link=link, expected=expected, actual=f"Href={link.href!r}")


@rule("REL010", Severity.ERROR, fault="alternate_same_form", source="resource_representation_for_ke.md",
      subject="Alternate links of references and entities with an Href of their own")
def alternate_is_the_same_url_in_the_other_form(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An Alternate link names its holder's own URL in the other form: the same path, the other `format`.

    The two forms of a key resource are one URL, with and without `?format=Entity`; an Alternate
    on another path (a NAS job listed at `/agents/jobs/{id}` whose Alternate is
    `/nas/jobs/{id}?format=Entity`) or in the same form means the holder's Href and its Alternate do
    not name one resource, which the body alone shows, before anything is followed. A document's own
    links are judged against the URL it was fetched from (its own Href is TYP004's); paths compare
    without regard to case, as the server matches them.
    """
    name, _, value = ctx.profile.entity_query.partition("=")
    name, value = name.lower(), value.lower()
    for holder in holders(res):
        if holder.at is None:
            continue
        entity = query_of(holder.at).get(name, "").lower() == value
        for link in holder.alternates:
            if not link.url:
                continue
            ctx.judged(res)
            other = query_of(link.url).get(name, "").lower() == value
            if path_of(link.url) != path_of(holder.at) or other == entity:
                want = path(holder.at).rstrip("/") + ("" if entity else f"?{ctx.profile.entity_query}")
                yield ctx.finding(res, link=link, expected=f"Href on {want} (the other form of {holder.at})",
                                  actual=f"Href={link.href!r}")
