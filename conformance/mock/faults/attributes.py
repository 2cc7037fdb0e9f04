"""Faults of the attribute family: a Link's Rel, Href, Type or Name is missing or malformed."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from ..tree import Node
from ..fault_registry import Context, document_fault, entity_document, rel_links

__all__ = ["FOREIGN_ORIGIN"]

FOREIGN_ORIGIN = "https://elsewhere.invalid:9398"


@document_fault("link_without_rel", "LNK001", "the Edit link of a BackupServer entity has no Rel")
def _link_without_rel(root: Node, context: Context) -> None:
    for server in entity_document(root, "BackupServer"):
        for link in rel_links(server, "Edit")[:1]:
            del link.attrs["Rel"]


@document_fault("relative_href", "LNK002", "the Up link of a Repository entity has a path-only Href")
def _relative_href(root: Node, context: Context) -> None:
    for repository in entity_document(root, "Repository"):
        for link in rel_links(repository, "Up"):
            parts = urlsplit(str(link.attrs["Href"]))
            link.attrs["Href"] = urlunsplit(("", "", parts.path, parts.query, ""))


@document_fault("foreign_href", "LNK003", f"the backup server Up link of a Backup entity points to {FOREIGN_ORIGIN}")
def _foreign_href(root: Node, context: Context) -> None:
    # Not the Alternate: the reference form comes back through it, so a foreign one would also
    # break the Alternate round trip (REL005); nothing comes back through this Up link.
    for backup in entity_document(root, "Backup"):
        for link in rel_links(backup, "Up", "BackupServerReference"):
            parts = urlsplit(str(link.attrs["Href"]))
            link.attrs["Href"] = FOREIGN_ORIGIN + urlunsplit(("", "", parts.path, parts.query, ""))


@document_fault("down_link_without_type", "LNK004", "the Down links of a Job entity have no Type")
def _down_link_without_type(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        for link in rel_links(job, "Down"):
            link.attrs.pop("Type", None)


@document_fault("logon_link_without_type", "LNK004",
                "the logon answer (201 to POST /api/sessionMngr/) has Down links without Type; the session as GET "
                "returns it keeps them")
def _logon_link_without_type(root: Node, context: Context) -> None:
    if context.method == "POST" and root.name == "LogonSession":
        for link in rel_links(root, "Down"):
            link.attrs.pop("Type", None)


@document_fault("lowercase_rel", "LNK005", "the first Up link of a Replica entity has Rel 'up' instead of 'Up'")
def _lowercase_rel(root: Node, context: Context) -> None:
    for replica in entity_document(root, "Replica"):
        for link in rel_links(replica, "Up")[:1]:
            link.attrs["Rel"] = "up"


@document_fault("href_with_fragment", "LNK006",
                "the Down link of a BackupServer entity to its jobs ends with the fragment '#jobs'")
def _href_with_fragment(root: Node, context: Context) -> None:
    for server in entity_document(root, "BackupServer"):
        for link in rel_links(server, "Down", "JobReferenceList"):
            link.attrs["Href"] = f"{link.attrs['Href']}#jobs"


@document_fault("typed_action_link", "LNK007", "the Start link of a Job entity carries Type='Task'")
def _typed_action_link(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        for link in rel_links(job, "Start"):
            link.attrs["Type"] = "Task"


@document_fault("duplicate_link", "LNK008", "a Repository entity lists its Alternate link twice")
def _duplicate_link(root: Node, context: Context) -> None:
    for repository in entity_document(root, "Repository"):
        holder = repository.child("Links")
        for link in rel_links(repository, "Alternate")[:1]:
            assert holder is not None  # an element with links has a Links holder
            holder.children.insert(holder.children.index(link) + 1, replace(link, attrs=dict(link.attrs)))


@document_fault("stale_link_name", "LNK009",
                "the Up link of a Job entity names its backup server by a name the server no longer has")
def _stale_link_name(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        for link in rel_links(job, "Up", "BackupServerReference"):
            link.attrs["Name"] = f"{link.attrs.get('Name', 'server')} (old name)"
