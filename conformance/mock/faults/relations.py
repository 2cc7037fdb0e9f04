"""Faults of the relations family: links that lead somewhere, but not where they say."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..hrefs import View
from ..kinds import KINDS
from ..tree import Node, walk
from ..views import ref_item
from ..fault_registry import Context, document_fault, entity_document, own_id, reference_document, rel_links

__all__ = ["DATA", "MISSING_SERVER_ID"]

DATA = "it points a link at another item of the mock's generated data, which a replay of a recording does not hold"

MISSING_SERVER_ID = "00000000-0000-4000-8000-000000000000"
"""A backup server id no dataset contains (generated ids are random version-4 GUIDs)."""


def _other(ids: Iterable[str], own: str, preferred: Callable[[str], bool] = lambda _: True) -> str | None:
    """Another id than `own`: a preferred one if there is one, else any; None when `own` is alone."""
    others = [i for i in ids if i != own]
    return next((i for i in others if preferred(i)), others[0] if others else None)


def _point_at(link: Node, v: View, kind_path: str, id_: str) -> None:
    """Point a link at another item's reference form, with that item's Name so only the target changes."""
    kind = KINDS[kind_path]
    link.attrs["Href"] = v.item(kind, id_)
    link.attrs["Name"] = kind.name(v.ds, kind.items(v.ds)[id_])


@document_fault("dangling_link", "REL001",
                f"the backup server Up link of a Replica entity names server {MISSING_SERVER_ID}, which answers 404")
def _dangling_link(root: Node, context: Context) -> None:
    for replica in entity_document(root, "Replica"):
        for link in rel_links(replica, "Up", "BackupServerReference"):
            link.attrs["Href"] = str(link.attrs["Href"]).rsplit("/", 1)[0] + "/" + MISSING_SERVER_ID


@document_fault("up_sideways", "REL002",
                "the Up link of a BackupTaskSession entity to its job session points to another job session",
                replay=DATA)
def _up_sideways(root: Node, context: Context) -> None:
    # Another session that has task sessions of its own: the parent must list some of the
    # child's kind for the rule to judge it, and a session without tasks lists none.
    v = context.view
    for task in entity_document(root, "BackupTaskSession"):
        assert v is not None
        own = v.ds.task_sessions[own_id(task)].session_id
        other = _other(v.ds.sessions, own, lambda s: bool(v.ds.kids("session.task_sessions", s)))
        for link in rel_links(task, "Up", "BackupJobSessionReference"):
            if other is not None:
                _point_at(link, v, "backupSessions", other)


@document_fault("foreign_member", "REL003",
                "the backupSessions collection of a job also lists a session of another job", replay=DATA)
def _foreign_member(root: Node, context: Context) -> None:
    parts = context.path.strip("/").split("/")
    v = context.view
    if root.name != "EntityReferences" or parts[:2] != ["api", "jobs"] or parts[3:] != ["backupsessions"]:
        return
    assert v is not None
    foreign = next((s for s in v.ds.sessions.values() if s.job_id != parts[2]), None)
    if foreign is not None:
        root.children.append(ref_item(v, KINDS["backupSessions"], foreign))


def _partner(ids: list[str], own: str) -> str | None:
    """The id paired with `own` (first with second, third with fourth, ...); None for an odd one out."""
    index = ids.index(own) ^ 1
    return ids[index] if index < len(ids) else None


@document_fault("alternate_other_uid", "REL004",
                "BackupTaskSessions have their Alternate links crossed in pairs: each form of one task session "
                "leads to the other form of another; the Alternate is then on another path than its holder",
                also=("REL010",), replay=DATA)
def _alternate_other_uid(root: Node, context: Context) -> None:
    # Crossed in pairs and in every copy, so two Alternate steps still come back (REL005 holds);
    # and on a kind without children, since the relation rules find a parent's Down collections
    # through its Alternate.
    v = context.view
    assert v is not None
    kind = KINDS["backupTaskSessions"]
    ids = list(kind.items(v.ds))
    for element in walk(root):
        type_ = element.attrs.get("Type")
        if type_ not in (kind.entity, f"{kind.entity}Reference") or "UID" not in element.attrs:
            continue
        partner = _partner(ids, own_id(element))
        for link in rel_links(element, "Alternate") if partner is not None else ():
            _point_at(link, v, kind.path, partner)
            if type_ != kind.entity:
                link.attrs["Href"] = v.entity(kind, partner)


@document_fault("alternate_one_way", "REL005",
                "the Alternate link of a Replica entity names its reference form as '?format=Reference', which "
                "links back to the entity, so from the plain reference URL two Alternate steps land elsewhere",
                replay="its Alternate link leads to a spelling of the Replica's URL ('?format=Reference') that no "
                       "recording holds")
def _alternate_one_way(root: Node, context: Context) -> None:
    for replica in entity_document(root, "Replica"):
        for link in rel_links(replica, "Alternate"):
            link.attrs["Href"] = f"{link.attrs['Href']}?format=Reference"
    # The reference served at that spelling names itself by it, as the URL it was fetched from:
    # the defect is the round trip alone, not a stale own Href.
    if context.query.get("format", "").casefold() == "reference":
        for replica in reference_document(root, "Replica"):
            replica.attrs["Href"] = f"{replica.attrs['Href']}?format=Reference"


@document_fault("edit_elsewhere", "REL006", "the Edit link of a Job entity points to another job", replay=DATA)
def _edit_elsewhere(root: Node, context: Context) -> None:
    v = context.view
    for job in entity_document(root, "Job"):
        assert v is not None
        other = _other(v.ds.jobs, own_id(job))
        for link in rel_links(job, "Edit"):
            if other is not None:
                _point_at(link, v, "jobs", other)


def _reference_href(entity: Node) -> str:
    """The plain URL of an entity document (its own Href without `?format=Entity`)."""
    return str(entity.attrs["Href"]).split("?", 1)[0]


@document_fault("create_on_self", "REL007", "the Create link of a Job entity points to the job itself")
def _create_on_self(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        for link in rel_links(job, "Create"):
            link.attrs["Href"] = _reference_href(job)


@document_fault("action_on_parent", "REL008",
                "the Start link of a Job entity starts its backup server (`?action=start` on the server)")
def _action_on_parent(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        servers = rel_links(job, "Up", "BackupServerReference")
        for link in rel_links(job, "Start"):
            if servers:
                link.attrs["Href"] = f"{servers[0].attrs['Href']}?action=start"


@document_fault("action_without_query", "REL009", "the Stop link of a Job entity is the job's URL without ?action=")
def _action_without_query(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        for link in rel_links(job, "Stop"):
            link.attrs["Href"] = _reference_href(job)


@document_fault("alternate_same_form", "REL010",
                "every Repository, in both forms and wherever it is embedded, names itself as its Alternate (a "
                "reference its plain URL, an entity its '?format=Entity' URL), Types unchanged; following them "
                "shows the same form, and a root the Type does not predict", also=("REL004", "TYP001"))
def _alternate_same_form(root: Node, context: Context) -> None:
    # Every copy alike, so an Alternate step still comes back where it started (REL005 holds).
    for element in walk(root):
        if element.attrs.get("Type") in ("Repository", "RepositoryReference") and "Href" in element.attrs:
            for link in rel_links(element, "Alternate"):
                link.attrs["Href"] = element.attrs["Href"]
