"""Profile family: each resource type carries the links its API version's profile expects of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..model.snapshot import Resource, Snapshot
from ..model.urls import resolve
from ._catalog import Finding, RuleContext, Severity, rule
from ._shapes import family, root_element

if TYPE_CHECKING:
    from ..contract.profiles import Profile

_SOURCE = "links.md"


def _unjudged(ctx: RuleContext, res: Resource) -> bool:
    """Whether the resource type cannot be judged: not in the profile, or not what its root says."""
    if res.kind not in ctx.profile.kinds:
        ctx.note(f"resource type {res.kind} is not listed in the profile's [kinds]; its links were not checked "
                 "against expectations")
        return True
    if res.type and root_element(res) and res.root not in ctx.profile.roots_for_type(res.type):
        ctx.note(f"{res.url} not checked: its Type {res.type} does not name its root {res.root} (see TYP005), so "
                 "its resource type is in doubt")
        return True
    return False


@rule("PRF001", Severity.ERROR, fault="job_without_clone", source=_SOURCE,
      subject="resources of a type the profile lists in [kinds]")
def resource_carries_its_required_links(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every resource carries each Rel its profile requires of its resource type.

    Clients of a version navigate by the links that version promises: a job without its Start
    link cannot be started by a client that follows links, whatever the endpoint would accept.
    The profile's `[kinds.<type>] required` lists them.
    """
    if _unjudged(ctx, res):
        return
    present = {(link.rel or "").strip() for link in res.own_links}
    missing = sorted(ctx.profile.kinds[res.kind].required - present)
    if missing and "" in present:
        ctx.note(f"{res.url} not checked for {', '.join(missing)}: it has a link without Rel (see LNK001), which "
                 "may be the one missing")
        return
    ctx.judged(res)
    for rel in missing:
        yield ctx.finding(res, expected=f"a link with Rel={rel} (required of {res.kind} in profile {ctx.profile.name})",
                          actual=f"no {rel} link; it carries {', '.join(sorted(r for r in present if r)) or 'none'}")


@rule("PRF002", Severity.WARNING, fault="repository_related_link", source=_SOURCE,
      subject="resources of a type the profile lists in [kinds]")
def resource_carries_only_expected_links(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A resource carries only the Rels (and, where the profile pins them, the Types) its profile expects.

    A link the profile does not know for the type is either a resource of another API version
    leaking into this one, or a profile that is out of date; either way clients written against
    the version cannot rely on it. Rels outside the vocabulary are LNK005's.
    """
    if _unjudged(ctx, res):
        return
    ctx.judged(res)
    expected = ctx.profile.kinds[res.kind]
    for link in res.own_links:
        if not link.rel or link.rel not in ctx.profile.rel_vocabulary:
            continue
        if link.rel not in expected.allowed:
            yield ctx.finding(res, link=link, expected=f"only {', '.join(sorted(expected.allowed)) or 'no links'} "
                                                       f"on {res.kind}",
                              actual=f"a {link.rel} link")
        elif link.rel in expected.types and link.type and link.type not in expected.types[link.rel]:
            yield ctx.finding(res, link=link, expected=f"a {link.rel} Type the profile lists for {res.kind}",
                              actual=f"Type={link.type!r}")


def _kinds_of(types: Iterable[str], profile: Profile) -> set[str]:
    """The resource types links of these Types lead to: the Type, the root it predicts, and the
    resource it is about in either form (`TaskList` offers `Task`, `ReplicaReferenceList` offers
    `Replica` and `ReplicaReference`)."""
    kinds: set[str] = set()
    for type_ in types:
        about = family(type_) or type_
        kinds |= {type_, *profile.roots_for_type(type_), about, about + "Reference"}
    return kinds


def offered_kinds(snapshot: Snapshot, profile: Profile) -> set[str]:
    """The resource types the server's links promise."""
    return _kinds_of({link.type for res in snapshot for link in (*res.links, *res.members) if link.type}, profile)


def met_kinds(snapshot: Snapshot) -> set[str]:
    """The resource types the crawl met as a document, or embedded in one (a list's items): either
    way the rules saw their links."""
    return set(snapshot.kinds()) | {m.type for r in snapshot for m in r.members if m.type}


def unmet_kinds(snapshot: Snapshot, profile: Profile) -> tuple[list[str], list[str], list[str]]:
    """(missed, left out, failed): the profile's types that links offered and the crawl did not meet.

    Left out are those a link the crawl left out (`--per-template`, `--max-resources`) was typed to
    lead to: a coverage gap of the user's budget. Failed are those a link whose target failed was
    typed to lead to: REL001's finding on the link, not a second one here. Missed are the rest: no
    link could have led there."""
    unmet = (set(profile.kinds) & offered_kinds(snapshot, profile)) - met_kinds(snapshot)
    left = {type_ for types in (snapshot.meta.get("left_out_types") or {}).values() for type_ in types}
    gaps = unmet & _kinds_of(left, profile)
    broken = {res.via.type for res in snapshot if res.error is not None and res.via is not None and res.via.type}
    failed = (unmet - gaps) & _kinds_of(broken, profile)
    return sorted(unmet - gaps - failed), sorted(gaps), sorted(failed)


def budget_gaps(snapshot: Snapshot, profile: Profile) -> list[str]:
    """The profile's types a crawl left out by its budgets (see `unmet_kinds`), for the reports' coverage."""
    return unmet_kinds(snapshot, profile)[1]


@rule("PRF003", Severity.WARNING, fault="tasks_hidden", source=_SOURCE,
      subject="only the logon session the crawl started from")
def every_expected_resource_type_is_met(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every resource type the profile lists that the server's links offer is met by the crawl.

    A type the crawl never met, as a document or embedded in one, was checked by no rule: the run
    proves nothing about it. The gap is in the server (a collection that lists nothing, a link
    missing) or in the data (a server without replicas); it is reported once, on the logon session
    the crawl started from. A type no link offers (an installation without cloud tenants or NAS) is
    absent, not missed. A type that only links the crawl left out led to (`--per-template`,
    `--max-resources`) is the budget's gap, not the server's: a note and the reports' coverage say
    so, and no finding; nor is one behind a link whose target failed, which is REL001's finding.
    """
    meta = ctx.snapshot.meta
    session = meta.get("session_url")
    if not session or resolve(session, ctx.snapshot.root_url) != res.url:
        return  # only a crawl has a starting point; saved files (`conformance check`) prove no coverage
    ctx.judged(res)
    absent = sorted(set(ctx.profile.kinds) - offered_kinds(ctx.snapshot, ctx.profile) - met_kinds(ctx.snapshot))
    if absent:
        ctx.note(f"{len(absent)} of the {len(ctx.profile.kinds)} resource types of profile {ctx.profile.name} were "
                 f"not offered by any link, so not checked: {', '.join(absent)}")
    missed, gaps, failed = unmet_kinds(ctx.snapshot, ctx.profile)
    if gaps:
        ctx.note(f"{len(gaps)} resource type(s) not met because the crawl left out the links to them (--per-template "
                 f"{meta.get('per_template') or 'no limit'}, --max-resources {meta.get('max_resources', '?')}), so "
                 f"not checked: {', '.join(gaps)}")
    if failed:
        ctx.note(f"{len(failed)} resource type(s) not met because the links to them failed (see REL001), so not "
                 f"checked: {', '.join(failed)}")
    left = meta.get("skipped_sampling", 0) + meta.get("skipped_budget", 0)
    cause = f", and none of the {left} URL(s) it left out was linked as one" if left else ""
    for kind in missed:
        yield ctx.finding(res, expected=f"at least one {kind} met (profile {ctx.profile.name})",
                          actual=f"the crawl met no {kind}, as a document or embedded{cause}")
