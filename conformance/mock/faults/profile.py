"""Faults of the profile family: a resource type without a link its version promises, with one it
does not, or out of the crawl's reach."""

from __future__ import annotations

from ..kinds import KINDS
from ..tree import Node, link, walk
from .relations import DATA
from ..fault_registry import Context, document_fault, entity_document, own_id, rel_links

__all__: list[str] = []


@document_fault("job_without_clone", "PRF001", "a Job entity leaves out its Clone action link, which every job carries")
def _job_without_clone(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        holder = job.child("Links")
        for clone in rel_links(job, "Clone"):
            assert holder is not None
            holder.children.remove(clone)


@document_fault("repository_related_link", "PRF002",
                "a Repository entity carries a Related link to its backup server, a Rel the profile does not "
                "expect of a Repository", replay=DATA)
def _repository_related_link(root: Node, context: Context) -> None:
    # A link that is right in every other respect (it resolves, its Type and Name fit the target),
    # so only the expectation of the profile is broken.
    v = context.view
    for repository in entity_document(root, "Repository"):
        assert v is not None
        servers = KINDS["backupServers"]
        server_id = v.ds.repositories[own_id(repository)].server_id
        holder = repository.child("Links")
        assert holder is not None
        holder.children.append(link("Related", v.item(servers, server_id), "BackupServerReference",
                                    servers.name(v.ds, v.ds.backup_servers[server_id])))


@document_fault("tasks_hidden", "PRF003",
                "the task list and the task queries list no task, so no Task is ever reached")
def _tasks_hidden(root: Node, context: Context) -> None:
    for node in walk(root):
        if node.name == "Tasks":
            node.children.clear()
