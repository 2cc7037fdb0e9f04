"""Faults of the types family: a Type, a root element or an own Href that says something else is there."""

from __future__ import annotations

from ..kinds import KINDS
from ..tree import Node, walk
from ..views import entity, reference
from .relations import DATA
from ..fault_registry import Context, document_fault, entity_document, own_id, reference_document, rel_links

__all__: list[str] = []


@document_fault("type_mismatch", "TYP001",
                "the Alternate link of a Repository entity says Type='Backup' but leads to the Repository's reference")
def _type_mismatch(root: Node, context: Context) -> None:
    # On the entity: a reference's Alternate typed as another resource is TYP008's too, from the body alone.
    for repository in entity_document(root, "Repository"):
        for link in rel_links(repository, "Alternate"):
            link.attrs["Type"] = "Backup"


@document_fault("entity_format_ignored", "TYP002",
                "a Replica asked for as '?format=Entity' answers its reference form; every link that promises the "
                "entity there is then wrong, and so is the Alternate pair", also=("TYP001", "REL004"), replay=DATA)
def _entity_format_ignored(root: Node, context: Context) -> Node | None:
    # The reference form as built for the URL asked: it names itself by that URL and links
    # Alternate to the plain URL, so the own Href and the round trip stay right.
    v = context.view
    for replica in entity_document(root, "Replica"):
        assert v is not None
        kind = KINDS["replicas"]
        answer = reference(v, kind, kind.items(v.ds)[own_id(replica)])
        answer.attrs["Href"] = replica.attrs["Href"]
        for link in rel_links(answer, "Alternate"):
            link.attrs.update(Href=v.item(kind, own_id(replica)), Type=kind.entity)
        return answer
    return None


@document_fault("reference_is_entity", "TYP003",
                "the plain URL of a Replica answers its entity form; every link that promises the reference "
                "there is then wrong, and so is the Alternate pair", also=("TYP001", "REL004"), replay=DATA)
def _reference_is_entity(root: Node, context: Context) -> Node | None:
    # The mirror image of entity_format_ignored: own Href and Alternate fit the URL asked.
    v = context.view
    if "format" in context.query:
        return None
    for replica in reference_document(root, "Replica"):
        assert v is not None
        kind = KINDS["replicas"]
        answer = entity(v, kind, kind.items(v.ds)[own_id(replica)])
        answer.attrs["Href"] = replica.attrs["Href"]
        for link in rel_links(answer, "Alternate"):
            link.attrs.update(Href=v.entity(kind, own_id(replica)), Type=kind.entity)
        return answer
    return None


@document_fault("stale_self_href", "TYP004",
                "a Job entity names itself by its plain URL, without '?format=Entity'")
def _stale_self_href(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        job.attrs["Href"] = str(job.attrs["Href"]).split("?", 1)[0]


@document_fault("root_type_mismatch", "TYP005", "a Repository entity says Type='RepositoryReference' on its root")
def _root_type_mismatch(root: Node, context: Context) -> None:
    for repository in entity_document(root, "Repository"):
        repository.attrs["Type"] = "RepositoryReference"


@document_fault("uid_of_another_type", "TYP006",
                "every Backup, in both forms and wherever it is embedded, names itself by a UID of type Job "
                "(urn:veeam:Job:<its id>)")
def _uid_of_another_type(root: Node, context: Context) -> None:
    # Every copy alike, so the two forms of one backup keep one UID (REL004 holds). Not a repository:
    # the clones the action phase sends name theirs by UID, and a server refuses an unknown one.
    for element in walk(root):
        if element.attrs.get("Type") in ("Backup", "BackupReference") and "UID" in element.attrs:
            element.attrs["UID"] = KINDS["jobs"].uid(str(element.attrs["UID"]).rsplit(":", 1)[-1])


@document_fault("member_uid_malformed", "TYP006",
                "the entity list of backup servers (`/api/backupServers?format=Entity`) names each of its "
                "members by a UID without its id (urn:veeam:BackupServer:not-a-guid); each server's own "
                "document keeps its UID")
def _member_uid_malformed(root: Node, context: Context) -> None:
    if context.path.rstrip("/") != "/api/backupservers" or context.query.get("format", "").casefold() != "entity":
        return
    for element in walk(root):
        if element is not root and element.attrs.get("Type") == "BackupServer" and "UID" in element.attrs:
            element.attrs["UID"] = "urn:veeam:BackupServer:not-a-guid"


@document_fault("reference_of_another_type", "TYP007",
                "the list of repository references (`/api/repositories`) calls each of them a BackupReference "
                "(with a Backup's UID to match) at the repository's own URL, and leaves out their Alternate links")
def _reference_of_another_type(root: Node, context: Context) -> None:
    # A Type at a URL that serves another: a reference Type names the root EntityRef whatever its
    # resource, so following the Href shows nothing wrong (TYP001 holds); without the Alternate no
    # Alternate disagrees with it either.
    if context.path.rstrip("/") != "/api/repositories" or "format" in context.query:
        return
    for ref in root.children:
        if ref.attrs.get("Type") != "RepositoryReference" or "UID" not in ref.attrs:
            continue
        ref.attrs["Type"] = "BackupReference"
        ref.attrs["UID"] = KINDS["backups"].uid(own_id(ref))
        holder = ref.child("Links")
        if holder is not None:
            holder.children = [l for l in holder.children if l.attrs.get("Rel") != "Alternate"]


@document_fault("alternate_type_other_resource", "TYP008",
                "the Alternate link of a Backup reference says Type='Job': the reference names a backup, its "
                "Alternate a job; following it shows a Backup root", also=("TYP001",))
def _alternate_type_other_resource(root: Node, context: Context) -> None:
    for backup in reference_document(root, "Backup"):
        for link in rel_links(backup, "Alternate"):
            link.attrs["Type"] = "Job"
