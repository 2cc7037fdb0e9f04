"""Lifecycles read from links: which types a client can create, edit, act on and delete.

A hypermedia API says what can be done with a resource in the links of its representations. A
collection the crawl saw a Create link to, whose members offer Delete (and maybe Edit and actions),
is a lifecycle: its members can be made, changed and removed again, in any order. Nothing is
hard-coded: a type appears here because the crawl saw the links, and the profile describes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contract.profiles import ActionSpec, path_template
from ..model.snapshot import Snapshot
from .discovery import Operation, allowed
from .engine import collection_of

__all__ = ["Lifecycle", "lifecycles"]


@dataclass(frozen=True)
class Lifecycle:
    """One type's lifecycle: where its members are made and listed, and what its members offer."""

    type: str
    """The members' resource type, as the crawl saw it (or their path template, when no member was crawled)."""
    owner: str
    """The crawled resource that offered Create: findings attach there."""
    create: str
    """The Create link's Href."""
    create_spec: ActionSpec
    collection: str
    """Where the members are listed (the Create link's target, without its query)."""
    template: str
    """The members' path template (`backupservers/{id}/credentials/{id}`)."""
    edit_spec: ActionSpec | None = None
    edit_whole: bool = False
    """Whether Edit takes the member as GET returns it (else a spec element of its own)."""
    actions: tuple[str, ...] = ()
    """The members' action Rels that take no body, in order."""

    @property
    def steps(self) -> tuple[str, ...]:
        """The kinds of step a sequence of this lifecycle is made of."""
        return ("Create", *(("Edit",) if self.edit_spec else ()), *self.actions, "Delete")

    def __repr__(self) -> str:  # hypothesis names the machine with it
        return f"lifecycle({self.type!r})"


def lifecycles(snapshot: Snapshot, ops: list[Operation], mode: str) -> list[Lifecycle]:
    """Every collection the crawl saw a Create link to whose members offer Delete, as `mode` allows,
    one per member path template (the first Create link by Href speaks for the others)."""
    root = snapshot.root_url
    kinds: dict[str, set[str]] = {}
    roots: dict[str, set[str]] = {}
    for res in snapshot:
        if res.method == "GET" and res.error is None:
            template = path_template(res.url, root)
            kinds.setdefault(template, set()).add(res.kind)
            roots.setdefault(template, set()).add(res.root or "")
    member_ops: dict[str, list[Operation]] = {}
    for op in ops:
        if allowed(op.spec, mode):
            member_ops.setdefault(op.template, []).append(op)
    found: dict[str, Lifecycle] = {}
    for op in ops:
        if op.rel != "Create" or not allowed(op.spec, mode):
            continue
        first = op.targets[0]
        collection = collection_of(first.href)
        template = path_template(collection, root) + "/{id}"
        offered = {o.rel: o for o in member_ops.get(template, [])}
        if "Delete" not in offered or template in found:
            continue
        edit = offered.get("Edit")
        actions = tuple(sorted(rel for rel, o in offered.items()
                               if rel not in ("Create", "Edit", "Delete", "Clone") and not o.spec.body))
        named = sorted(kinds.get(template, ()), key=lambda k: (k.endswith("Reference"), k))  # the entity's name first
        found[template] = Lifecycle(
            named[0] if named else template, first.owner, first.href, op.spec, collection, template,
            edit.spec if edit else None, bool(edit and edit.spec.body and edit.spec.body in roots.get(template, ())),
            actions)
    return sorted(found.values(), key=lambda lc: lc.template)
