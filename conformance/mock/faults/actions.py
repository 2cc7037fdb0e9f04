"""Faults of the actions family: what following Create, Edit, Delete and action links does.

Each breaks one ACT rule and nothing else: they act only on requests the crawl never sends
(POST, PUT, DELETE) or on resources only those requests make (tasks they start, servers and VMs
they add), so every rule judging the crawl still sees a clean server.
"""

from __future__ import annotations

import re
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from ...model.parsing import ParseError, parse_xml
from ..area_routes import estate_for
from ..documents import task
from ..estate import Item
from ..fault_registry import (
    CallNext,
    Context,
    Reply,
    document_fault,
    exchange_fault,
    rel_links,
    reply_fault,
    request_context,
)
from ..operations import writable, writes
from ..render import NAMESPACE
from ..responses import error_response, reply, view_of
from ..specs import spec_schema
from ..surface import Area, load_surface
from ..tree import Node

__all__: list[str] = []

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
WRITES = "it acts on writes and what they make, and a replay of a recording answers no write"
NOWHERE = "00000000-0000-4000-8000-00000000dead"
"""A job id nobody has."""


def _parts(request: Request) -> list[str]:
    return request_context(request).path.strip("/").split("/")


def _action(context: Context, collection: str, name: str) -> str | None:
    """The id when the request is POST `/api/{collection}/{id}?action={name}`."""
    if context.method != "POST" or context.query.get("action", "").casefold() != name.casefold():
        return None
    return context.item(collection)


def _started_here(root: Node, context: Context, operation: str) -> bool:
    """A Task document of `operation` that an action request of this app started (not a past one)."""
    if root.name != "Task" or context.view is None:
        return False
    op, task_id = root.child("Operation"), root.child("TaskId")
    return (op is not None and op.text == operation and task_id is not None
            and str(task_id.text) not in context.view.ds.tasks)


@exchange_fault("clone_crashes_on_bytes", "ACT001",
                "a clone whose body is not well-formed XML crashes the server: 500 instead of a 400", replay=WRITES)
async def _clone_crashes_on_bytes(request: Request, call_next: CallNext) -> Response:
    if _action(request_context(request), "jobs", "clone") is not None:
        try:
            parse_xml(await request.body())
        except ParseError:
            return error_response(request, 500, "internal error in the mock server")
    return await call_next(request)


@exchange_fault("vm_spec_unchecked", "ACT002",
                "adding a VM to a job accepts any well-formed XML body (202 and a Task) without validating it",
                replay=WRITES)
async def _vm_spec_unchecked(request: Request, call_next: CallNext) -> Response:
    parts = _parts(request)
    if request.method != "POST" or len(parts) != 4 or parts[1] != "jobs" or parts[3] != "includes":
        return await call_next(request)
    if parts[2] not in request.app.state.dataset.jobs:
        return await call_next(request)
    try:
        root = parse_xml(await request.body())
    except ParseError:
        return await call_next(request)
    if root.tag == f"{{{NAMESPACE}}}CreateObjectInJobSpec" and spec_schema().validate(root):
        return await call_next(request)
    started = request.app.state.tasks.start("UpdateJob", "jobs", parts[2])
    v = view_of(request)
    return reply(request, task(v, started), 202, {"Location": v.href(f"tasks/{started.id}")})


@reply_fault("start_answers_200", "ACT003", "starting a job answers 200 with its Task, not the documented 202",
             replay=WRITES)
def _start_answers_200(reply: Reply) -> Reply:
    if reply.status == 202 and _action(reply.context, "jobs", "start") is not None:
        return replace(reply, status=200)
    return reply


@document_fault("clone_task_related_nowhere", "ACT004",
                "the Task of a job clone links Related to a job id nobody has", replay=WRITES)
def _clone_task_related_nowhere(root: Node, context: Context) -> None:
    if _started_here(root, context, "CloneJob"):
        for link in rel_links(root, "Related"):
            link.attrs["Href"] = _GUID.sub(NOWHERE, str(link.attrs["Href"]))


@document_fault("start_task_never_finishes", "ACT005",
                "the Task of a job start stays Running, however often it is polled", replay=WRITES)
def _start_task_never_finishes(root: Node, context: Context) -> None:
    if _started_here(root, context, "StartJob"):
        state = root.child("State")
        if state is not None:
            state.text = "Running"
        root.children = [c for c in root.children if c.name != "Result"]


@exchange_fault("task_delete_ignored", "ACT006", "DELETE of a task answers 204 and keeps the task", replay=WRITES)
async def _task_delete_ignored(request: Request, call_next: CallNext) -> Response:
    task_id = request_context(request).item("tasks") if request.method == "DELETE" else None
    if task_id is not None and request.app.state.tasks.get(task_id) is not None:
        return Response(status_code=204)
    return await call_next(request)


@exchange_fault("created_server_unlisted", "ACT007",
                "backup servers connected through the API are missing from the backupServers collection", replay=WRITES)
async def _created_server_unlisted(request: Request, call_next: CallNext) -> Response:
    state = request.app.state
    hidden = set(state.writes.created["backup_servers"]) if hasattr(state, "writes") else set()
    if request.method != "GET" or _parts(request) != ["api", "backupservers"] or not hidden:
        return await call_next(request)
    shown = state.dataset
    state.dataset = replace(shown, backup_servers={k: v for k, v in shown.backup_servers.items() if k not in hidden})
    try:
        return await call_next(request)  # the document is built before the response starts
    finally:
        state.dataset = shown


@exchange_fault("deleted_vm_lingers", "ACT008",
                "a VM removed from a job still answers 200 at its URL (it is gone from the job's list)", replay=WRITES)
async def _deleted_vm_lingers(request: Request, call_next: CallNext) -> Response:
    parts = _parts(request)
    if len(parts) != 5 or parts[1] != "jobs" or parts[3] != "includes":
        return await call_next(request)
    state = request.app.state
    if not hasattr(state, "deleted_vms"):
        state.deleted_vms = {}
    tombstones = state.deleted_vms
    if request.method == "DELETE":
        include = state.dataset.includes.get(parts[4])
        response = await call_next(request)
        if include is not None and response.status_code == 202:
            tombstones[include.id] = include
        return response
    if request.method == "GET" and parts[4] in tombstones:
        includes = state.dataset.includes
        includes[parts[4]] = tombstones[parts[4]]
        try:
            return await call_next(request)
        finally:
            includes.pop(parts[4], None)
    return await call_next(request)


@exchange_fault("edit_appends_to_description", "ACT009",
                "editing a job appends ' (edited)' to its Description, even when the body changes nothing",
                replay=WRITES)
async def _edit_appends_to_description(request: Request, call_next: CallNext) -> Response:
    job_id = request_context(request).item("jobs") if request.method == "PUT" else None
    response = await call_next(request)
    if job_id is not None and response.status_code == 202:
        jobs = request.app.state.dataset.jobs
        jobs[job_id] = replace(jobs[job_id], description=jobs[job_id].description + " (edited)")
    return response


@exchange_fault("clone_shares_vms", "ACT010",
                "a job and its clone share additions: a VM added to either is added to the other too", replay=WRITES)
async def _clone_shares_vms(request: Request, call_next: CallNext) -> Response:
    context = request_context(request)
    parts = _parts(request)
    original = _action(context, "jobs", "clone")
    adding = parts[2] if request.method == "POST" and len(parts) == 4 and parts[1:4:2] == ["jobs", "includes"] else None
    response = await call_next(request)
    if response.status_code != 202 or (original is None and adding is None):
        return response
    state, w = request.app.state, writes(request)
    if not hasattr(state, "clone_partners"):
        state.clone_partners = {}
    partners: dict[str, set[str]] = state.clone_partners
    if original is not None:
        clone = w.created["jobs"][-1]
        partners.setdefault(original, set()).add(clone)
        partners.setdefault(clone, set()).add(original)
        return response
    ds = writable(request)
    added = ds.includes[ds.kids("job.includes", str(adding))[-1]]
    for partner in sorted(partners.get(str(adding), ())):
        copy_id = w.new_id()
        ds.includes[copy_id] = replace(added, id=copy_id, job_id=partner,
                                       order=len(ds.kids("job.includes", partner)))
        ds.children["job.includes"].setdefault(partner, []).append(copy_id)
    return response


def _area_write(request: Request) -> tuple[Area, str, tuple[str, ...]] | None:
    """(area, 'collection' or 'item', ids) when the request is a Create on an area's collection or
    a DELETE of one of its items; None for anything else."""
    method, action = request.method, request_context(request).query.get("action", "create").casefold()
    found = load_surface().match(request.scope["path"].partition("/api/")[2])
    if found is None or not isinstance(found.entry, Area):
        return None
    if method == "POST" and found.form == "collection" and action == "create":
        return found.entry, "collection", found.ids
    if method == "DELETE" and found.form == "item":
        return found.entry, "item", found.ids
    return None


def _server_write(request: Request) -> tuple[str, str | None] | None:
    """('create', None) for a backup server connected, ('delete' or 'edit', its id) for one
    disconnected or edited; None for anything else."""
    context = request_context(request)
    parts = _parts(request)
    if parts[:2] != ["api", "backupservers"]:
        return None
    if len(parts) == 2 and request.method == "POST" and context.query.get("action", "").casefold() == "create":
        return "create", None
    if len(parts) == 3 and request.method in ("DELETE", "PUT"):
        return ("delete" if request.method == "DELETE" else "edit"), parts[2]
    return None


def _kept(request: Request, name: str) -> dict[str, list[object]]:
    state = request.app.state
    if not hasattr(state, name):
        setattr(state, name, {})
    return getattr(state, name)


@exchange_fault("deleted_member_reappears", "ACT011",
                "a backup server disconnected, or an item deleted from a documented area, is back in its list (and "
                "answers again) once the next one is created there", replay=WRITES)
async def _deleted_member_reappears(request: Request, call_next: CallNext) -> Response:
    area, server = _area_write(request), _server_write(request)
    if area is None and server is None:
        return await call_next(request)
    tombstones = _kept(request, "deleted_members")
    est = estate_for(request) if area is not None else None
    if server is not None:
        key, gone = "backupServers", request.app.state.dataset.backup_servers.get(server[1] or "")
    else:
        assert area is not None and est is not None
        key, gone = area[0].path, est.items[area[0].path].get(area[2][-1]) if area[1] == "item" else None
    response = await call_next(request)
    if response.status_code >= 300:
        return response
    if server is not None and server[0] == "delete" and gone is not None:
        tombstones.setdefault(key, []).append(gone)
    elif server is not None and server[0] == "create":
        for back in tombstones.pop(key, []):
            writable(request).backup_servers[back.id] = back  # type: ignore[attr-defined]
    elif area is not None and est is not None and area[1] == "item" and gone is not None:
        tombstones.setdefault(key, []).append(gone)
    elif area is not None and est is not None and area[1] == "collection":
        for back in tombstones.pop(key, []):
            assert isinstance(back, Item)
            est.items[key][back.id] = back
            if back.parent is not None:
                est.kids[key].setdefault(back.parent, []).append(back.id)
    return response


@exchange_fault("edit_lost_after_create", "ACT012",
                "connecting a backup server undoes the edits of the servers already there, and creating an item in "
                "a documented area those of the items already there", replay=WRITES)
async def _edit_lost_after_create(request: Request, call_next: CallNext) -> Response:
    area, server = _area_write(request), _server_write(request)
    before = _kept(request, "servers_before_edit")
    if server is not None and server[0] == "edit":
        before.setdefault(server[1] or "", request.app.state.dataset.backup_servers.get(server[1] or ""))
    response = await call_next(request)
    if response.status_code >= 300:
        return response
    if server is not None and server[0] == "create":
        servers = writable(request).backup_servers
        for server_id, was in list(before.items()):
            if was is not None and server_id in servers:
                servers[server_id] = was  # type: ignore[assignment]
        before.clear()
    if area is not None and area[1] == "collection":
        est = estate_for(request)
        for key in [k for k in est.overrides if k[0] == area[0].path]:
            del est.overrides[key]
    return response
