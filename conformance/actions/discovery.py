"""Which operations a crawl found, and which of them `--actions` allows.

An operation is one Rel on one path template (`Start` on `jobs/{id}?action=start`); its targets
are the links the crawl saw for it, each with the crawled resource that offered it. Nothing is
hard-coded: a server that offers no Clone link gets no Clone request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from ..contract import operations
from ..contract.profiles import ActionSpec, Profile, path_template
from ..model.links import Link
from ..model.snapshot import Snapshot
from ..model.urls import resolve

__all__ = ["Operation", "Target", "allowed", "discover"]

_LOGON = "sessionmngr"
"""The logon entry point (`Create` on `sessionMngr/?v=...`): the crawl's own business, never an action."""


@dataclass(frozen=True)
class Target:
    """One link to follow: its absolute Href and the crawled resource that offered it."""

    owner: str
    owner_kind: str
    href: str
    link: Link


@dataclass(frozen=True)
class Operation:
    """One Rel on one path template, with what the profile says it promises and every link to it."""

    rel: str
    template: str
    action: str | None
    """The `action` query value of the links (`clone`), None for links without one."""
    spec: ActionSpec
    targets: tuple[Target, ...]

    @property
    def key(self) -> str:
        return f"{self.rel} {self.template}" + (f"?action={self.action}" if self.action else "")


def _path(url: str) -> str:
    return httpx.URL(url).path.rstrip("/").lower()


def misdirected(rel: str, href: str, owner: str, profile: Profile, root_url: str) -> str | None:
    """Why a link does not point where its Rel says (None when it does): such a link is one finding
    of the relations rules, and following it would only make a second one out of the same defect.
    Operation links are judged by the profile's forms (`[operations]`), as the rules judge them."""
    if rel in profile.action_rels:
        if operations.misdirected(profile, rel, href, owner, root_url) is not None:
            return "an action on another resource"
        if operations.misnamed(profile, rel, href, owner, root_url) is not None:
            return "an action without ?action=" if operations.action_of(href) is None else "an action named otherwise"
    elif rel in ("Edit", "Delete") and _path(href) != _path(owner):
        return f"an {rel} of another resource"
    elif rel == "Create" and _path(href) == _path(owner):
        return "a Create on the resource itself"
    return None


def discover(snapshot: Snapshot, profile: Profile) -> tuple[list[Operation], list[str]]:
    """The operations whose links the crawl saw and the profile describes, sorted by key; and
    notes on the operation links the profile does not describe (so nothing is silently skipped)."""
    groups: dict[tuple[str, str, str | None], list[Target]] = {}
    undescribed: set[str] = set()
    skipped: list[str] = []
    for res in sorted(snapshot, key=lambda r: r.url):
        if res.error is not None or res.url == snapshot.root_url or res.method != "GET":
            continue  # the logon answer's links are those of the session, which the crawl read
        for link in res.links:
            if not link.rel or not link.href or link.owner not in (None, res.href):
                continue  # links of embedded items speak for the items, which the crawl reads on their own
            action = operations.action_of(link.href)
            if link.rel not in profile.actions:
                if action is not None or link.rel in ("Create", "Delete", "Edit"):
                    undescribed.add(link.rel)
                continue
            href = resolve(link.href, res.url)
            template = path_template(href or "", snapshot.root_url) if href else ""
            if not href or template.startswith(_LOGON):
                continue
            why = misdirected(link.rel, href, res.url, profile, snapshot.root_url)
            if why is not None:
                skipped.append(f"{link.describe()} of {res.url} not followed: {why} (the relations rules report it)")
                continue
            key = (link.rel, template, action.lower() if action else None)
            groups.setdefault(key, []).append(Target(res.url, res.kind, href, link))
    ops = []
    for (rel, template, action), targets in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        spec = profile.actions[rel].for_href(targets[0].href, snapshot.root_url)
        unique = {t.href: t for t in targets}  # a link offered by both forms of a resource is one target
        ops.append(Operation(rel, template, action, spec, tuple(sorted(unique.values(), key=lambda t: t.href))))
    notes = [f"{rel}: links found, but the profile has no [actions.{rel}] table; not followed"
             for rel in sorted(undescribed)]
    return ops, notes + skipped


def allowed(spec: ActionSpec, mode: str) -> bool:
    """`none` allows nothing beyond GET, `safe` what is safe or undone by the suite, `all` everything."""
    if mode == "all":
        return True
    return mode == "safe" and spec.safety in ("safe", "reversible")


def select(ops: Iterable[Operation], mode: str) -> tuple[list[Operation], list[Operation]]:
    """The operations `mode` allows, and those it holds back."""
    ops = list(ops)
    return [op for op in ops if allowed(op.spec, mode)], [op for op in ops if not allowed(op.spec, mode)]
