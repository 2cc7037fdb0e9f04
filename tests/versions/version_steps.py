"""Shared steps of the version tests: reading documents, and what two profiles say changed."""

from __future__ import annotations

import httpx
from lxml import etree

from conformance.contract.profiles import Profile

NS = {"v": "http://www.veeam.com/ent/v1.0"}


def xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, (response.url, response.status_code, response.text[:300])
    return etree.fromstring(response.content)


def rels(element: etree._Element) -> list[str]:
    """The Rels of an element's own links."""
    return [link.get("Rel") for link in element.iterfind("v:Links/v:Link", NS)]


def down_types(element: etree._Element) -> set[str]:
    return {link.get("Type") for link in element.iterfind("v:Links/v:Link", NS) if link.get("Rel") == "Down"}


def _operations(profile: Profile) -> set[str]:
    """The Rels the results list as actions: the profile's actions and the Rels with an [actions] table."""
    return set(profile.action_rels) | set(profile.actions)


def implied_changes(old: Profile, new: Profile, met: set[str] | None = None) -> set[tuple[str, str, str, str]]:
    """(area, resource type, subject, change) that a diff of clean runs of the two versions must list:
    resource types added or removed, Rels and actions a type may carry added or removed on the types both
    have, and the Types of pinned Rels (`types`) added or removed. A diff reads runs, so only the
    types the runs met (`met`, all when None) can show a change."""
    def seen(kinds: set[str]) -> set[str]:
        return kinds if met is None else kinds & met

    out = {("resource type", kind, "", "added") for kind in seen(new.kinds.keys() - old.kinds.keys())}
    out |= {("resource type", kind, "", "removed") for kind in seen(old.kinds.keys() - new.kinds.keys())}
    operations = _operations(old) | _operations(new)
    for kind in seen(old.kinds.keys() & new.kinds.keys()):
        before, after = old.kinds[kind], new.kinds[kind]
        for rels, change in ((after.allowed - before.allowed, "added"),
                             (before.allowed - after.allowed, "removed")):
            out |= {("action" if rel in operations else "Rel", kind, rel, change) for rel in rels}
        for rel in before.types.keys() & after.types.keys():
            came, gone = after.types[rel] - before.types[rel], before.types[rel] - after.types[rel]
            if came or gone:
                out.add(("link Type", kind, rel, "changed" if came and gone else "added" if came else "removed"))
    return out
