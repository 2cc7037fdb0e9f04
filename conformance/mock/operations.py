"""What the mock does when a client follows Create, Edit, Delete and action links.

Operations the API hands to a Task answer 202 with a Task that moves on per poll (`tasks`); their
effect is applied at once, so what a client reads once the Task is finished is already true.
Request bodies are read as XML in the API's namespace and validated against the project's
schemas (`specs.xsd`, and the Job entity for an edit); a body that is not XML, not the expected
spec element or not valid, an id nobody has or a job's last VM answers 4xx with an Error body.
(The vendor also takes JSON bodies; the mock reads XML only and says so with a 400.)

The dataset an app starts with is never changed: its first write gives the app a copy of its own,
so one dataset can back several apps (as the tests do) without one seeing another's writes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from .area_routes import surface_endpoint
from .auth import HEADER
from .documents import task
from .kinds import KINDS, Action, Kind, find_kind
from .model import BackupServer, Dataset, JobInclude, Task
from .responses import ApiError, job_of, reply, view_of
from .specs import spec_body

__all__ = ["Writes", "change_item", "create_include", "delete_include", "perform", "writable", "writes"]

MAX_CLONES = 1000
"""Jobs made by cloning that the mock keeps: beyond them the oldest clone goes (with its VMs), so a
client cloning in a loop finds its latest clones and the mock's memory stays bounded."""
MAX_CLONED_VMS = 50_000
"""VMs that clones hold, together: a clone copies its source's VMs, so without this bound VMs added to
a job multiply by every clone made of it (a thousand clones of a job with 1,500 VMs are 1.5 million).
Beyond it the oldest clones go, whole, as beyond `MAX_CLONES`."""
MAX_ADDED_VMS = 1_000
"""VMs added through a job's includes that the mock keeps: beyond them the oldest added goes, unless
it is its job's last, so a client adding VMs in a loop cannot grow the mock without end either, nor
a job's documents and the time to serve them: its entity and its list carry every VM it holds (about
1.7 kB each in XML), and every clone of it copies them. (With 10,000, VMs added to a few jobs over
ten minutes of load made them about 1,000 VMs each, and every request slower.)"""
_NEXT_RUN = timedelta(hours=1)
"""When a schedule switched on runs next, if it had no time set aside: this long after the data's `now`."""
_CLONE_INFO = {"Backup": "BackupJobCloneInfo", "Replica": "ReplicaJobCloneInfo", "BackupCopy": "BackupCopyJobCloneInfo"}
_VERSION = "13.0.1.1071"
"""Product version of a backup server connected through the API."""
_DEFAULT_PORT = 9392
"""The port a backup server listens on for Enterprise Manager when the spec names none."""


@dataclass
class Writes:
    """What this app's writes did: ids they created by table (faults tell API-made resources by
    them), the counter behind new ids, and schedules set aside while switched off."""

    seed: int
    count: int = 0
    copied: bool = False
    created: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    added_vms: dict[str, None] = field(default_factory=dict)
    """The VMs added through a job's includes, oldest first (an ordered set)."""
    next_runs: dict[str, datetime | None] = field(default_factory=dict)

    def new_id(self) -> str:
        """A GUID that follows the seed, so a replayed sequence of requests makes the same ids: the
        digest's first 16 bytes as a version 4 UUID (`uuid.UUID(bytes=..., version=4)`, set here by
        hand, twice as fast: a clone makes one per VM)."""
        self.count += 1
        raw = bytearray(hashlib.sha256(f"{self.seed}:write:{self.count}".encode()).digest()[:16])
        raw[6] = raw[6] & 0x0F | 0x40
        raw[8] = raw[8] & 0x3F | 0x80
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def writes(request: Request) -> Writes:
    state = request.app.state
    if not hasattr(state, "writes"):
        state.writes = Writes(state.dataset.seed)
    return state.writes


def writable(request: Request) -> Dataset:
    """The app's dataset, ready to change: copied on the first write, the query rows and report
    figures built from whole tables dropped on every one (the documents `kept` between responses tell
    a change by themselves)."""
    state, w = request.app.state, writes(request)
    if not w.copied:
        ds = state.dataset
        children = dict(ds.children)
        for relation in ("job.includes", "server.jobs"):
            children[relation] = {parent: list(kids) for parent, kids in ds.children.get(relation, {}).items()}
        state.dataset = replace(ds, backup_servers=dict(ds.backup_servers), jobs=dict(ds.jobs),
                                includes=dict(ds.includes), children=children)
        w.copied = True
    state.cache.clear()
    return state.dataset


def _caller(request: Request) -> None:
    if request.app.state.sessions.of_request(request.headers, request.cookies) is None:
        raise ApiError(401, f"a valid {HEADER} header (or cookie) from POST /api/sessionMngr/ is required",
                       {"WWW-Authenticate": 'Basic realm="RestSvc"'})


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _values(node: etree._Element) -> dict[str, str]:
    return {_local(c): c.text or "" for c in node if isinstance(c.tag, str) and len(c) == 0}


def _accepted(request: Request, started: Task) -> Response:
    v = view_of(request)
    return reply(request, task(v, started), 202, {"Location": v.href(f"tasks/{started.id}")})


def _schedule(request: Request, job: Any, enabled: bool) -> Any:
    """The job with its schedule on or off; the next run is set aside while off, and comes back."""
    w = writes(request)
    if enabled == job.schedule_enabled:
        return job
    if not enabled:
        w.next_runs[job.id] = job.next_run
        return replace(job, schedule_enabled=False, next_run=None)
    next_run = w.next_runs.pop(job.id, None) or request.app.state.dataset.now.replace(second=0) + _NEXT_RUN
    return replace(job, schedule_enabled=True, next_run=next_run)


# -- POST ?action= ----------------------------------------------------------------------------------

async def perform(request: Request, kind: Kind, obj: Any | None, action: Action) -> Response:
    """An action the caller may take (found and offered): its effect, and the Task that reports it."""
    board = request.app.state.tasks
    if obj is None and kind.path == "backupServers" and action.action == "create":
        return await _connect_server(request)
    if obj is not None and kind.path == "jobs" and action.rel == "Clone":
        await _clone(request, obj)
    elif obj is not None and kind.path == "jobs" and action.rel == "ToggleScheduleEnabled":
        writable(request).jobs[obj.id] = _schedule(request, obj, not obj.schedule_enabled)
    elif action.spec is not None:
        await spec_body(request, action.spec)
    return _accepted(request, board.start(action.operation, kind.path if obj is not None else None,
                                          obj.id if obj is not None else None))


async def _clone(request: Request, job: Any) -> None:
    """A copy of the job on the same server, with its VMs, named and described by the JobCloneSpec."""
    root = await spec_body(request, "JobCloneSpec")
    info = root[0]
    expected = _CLONE_INFO.get(job.job_type)
    if _local(info) != expected:
        raise ApiError(400, f"a {job.job_type} job is cloned with a {expected}, not a {_local(info)}")
    values = _values(info)
    repository = values.get("RepositoryUid")
    ds: Dataset = request.app.state.dataset
    if repository is not None and (not repository.startswith("urn:veeam:Repository:")
                                   or repository.rsplit(":", 1)[-1] not in ds.repositories):
        raise ApiError(400, f"RepositoryUid {repository!r} names no repository")
    ds, w = writable(request), writes(request)
    clone_id = w.new_id()
    ds.jobs[clone_id] = replace(job, id=clone_id, name=values["JobName"],
                                description=values.get("Description", job.description))
    ds.children["server.jobs"].setdefault(job.server_id, []).append(clone_id)
    copies = []
    for include_id in ds.kids("job.includes", job.id):
        copy_id, vm = w.new_id(), ds.includes[include_id]
        ds.includes[copy_id] = JobInclude(copy_id, clone_id, vm.name, vm.hierarchy_ref, vm.order)
        copies.append(copy_id)
    ds.children["job.includes"][clone_id] = copies
    w.created["jobs"].append(clone_id)
    cloned_vms = sum(len(ds.kids("job.includes", made)) for made in w.created["jobs"])
    while len(w.created["jobs"]) > MAX_CLONES or (cloned_vms > MAX_CLONED_VMS and len(w.created["jobs"]) > 1):
        oldest = w.created["jobs"].pop(0)
        cloned_vms -= len(ds.kids("job.includes", oldest))
        _forget_job(ds, oldest, w)


async def _connect_server(request: Request) -> Response:
    """POST /backupServers?action=create: 201 with the new server's Location, no body."""
    root = await spec_body(request, "BackupServerSpec")
    values = _values(root)
    ds, w = writable(request), writes(request)
    server_id = w.new_id()
    ds.backup_servers[server_id] = BackupServer(server_id, values["DnsNameOrIpAddress"], values["Description"],
                                                int(values.get("Port", _DEFAULT_PORT)), _VERSION)
    w.created["backup_servers"].append(server_id)
    return Response(status_code=201, headers={"Location": view_of(request).item(KINDS["backupServers"], server_id)})


# -- a job's VMs: POST /jobs/{ID}/includes, DELETE /jobs/{ID}/includes/{ID} --------------------------

async def create_include(request: Request) -> Response:
    _caller(request)
    job = job_of(request)
    root = await spec_body(request, "CreateObjectInJobSpec")
    values = _values(root)
    ds, w = writable(request), writes(request)
    include_id = w.new_id()
    ds.includes[include_id] = JobInclude(include_id, job.id, values["HierarchyObjName"], values["HierarchyObjRef"],
                                         len(ds.kids("job.includes", job.id)))
    ds.children["job.includes"].setdefault(job.id, []).append(include_id)
    w.added_vms[include_id] = None
    _bound_added_vms(ds, w)
    return _accepted(request, request.app.state.tasks.start("UpdateJob", "jobs", job.id))


def _bound_added_vms(ds: Dataset, w: Writes) -> None:
    """The oldest VMs added through the API go beyond `MAX_ADDED_VMS`; a job keeps its last one."""
    while len(w.added_vms) > MAX_ADDED_VMS:
        oldest = next(iter(w.added_vms))
        del w.added_vms[oldest]
        include = ds.includes.get(oldest)
        kids = ds.children["job.includes"].get(include.job_id, []) if include is not None else []
        if len(kids) > 1:
            kids.remove(oldest)
            del ds.includes[oldest]


async def delete_include(request: Request) -> Response:
    _caller(request)
    job = job_of(request)
    ds: Dataset = request.app.state.dataset
    include = ds.includes.get(request.path_params["include"])
    if include is None or include.job_id != job.id:
        raise ApiError(404, f"job {job.id} has no included object {request.path_params['include']!r}")
    if len(ds.kids("job.includes", job.id)) <= 1:
        raise ApiError(400, f"{include.name!r} is the only object job {job.name!r} processes; a job keeps one")
    ds = writable(request)
    del ds.includes[include.id]
    ds.children["job.includes"][job.id].remove(include.id)
    writes(request).added_vms.pop(include.id, None)
    return _accepted(request, request.app.state.tasks.start("UpdateJob", "jobs", job.id))


# -- PUT and DELETE of a key resource --------------------------------------------------------------

def _allowed(kind: Kind) -> str:
    return ", ".join(["GET", "POST"] + (["PUT"] if kind.editable else []) + (["DELETE"] if kind.deletable else []))


async def change_item(request: Request) -> Response:
    """PUT (Edit) or DELETE of `/{collection}/{ID}`, where the resource offers the link for it."""
    method, path = request.method, request.url.path
    kind = find_kind(request.path_params["collection"])
    if kind is None:
        return await surface_endpoint(request)  # the table's areas answer what no key resource does
    if not view_of(request).contract.serves(kind):
        raise ApiError(404, f"no resource collection at {path}")
    obj = kind.items(request.app.state.dataset).get(request.path_params["id"])
    if obj is None:
        raise ApiError(404, f"no {kind.entity} with id {request.path_params['id']!r}")
    _caller(request)
    if method == "PUT" and kind.editable and kind.path == "jobs":
        return await _edit_job(request, obj)
    if method == "PUT" and kind.editable and kind.path == "backupServers":
        return await _edit_server(request, obj)
    if method == "DELETE" and kind.deletable and kind.path == "backupServers":
        return _disconnect_server(request, obj)
    if method == "DELETE" and kind.path == "jobs":
        return _delete_job(request, obj)
    raise ApiError(405, f"{method} is not supported on {path}", {"Allow": _allowed(kind)})


async def _edit_job(request: Request, job: Any) -> Response:
    """PUT /jobs/{ID}[?action=edit] with the Job entity: what it says of the editable parts is applied."""
    root = await spec_body(request, "Job")
    if root.get("UID") != KINDS["jobs"].uid(job.id):
        raise ApiError(400, f"the Job sent is {root.get('UID')!r}, not {KINDS['jobs'].uid(job.id)!r}")
    values = _values(root)
    edited = replace(job, description=values["Description"],
                     schedule_configured=values["ScheduleConfigured"] in ("true", "1"))
    edited = _schedule(request, edited, values["ScheduleEnabled"] in ("true", "1"))
    writable(request).jobs[job.id] = edited
    return _accepted(request, request.app.state.tasks.start("UpdateJob", "jobs", job.id))


async def _edit_server(request: Request, server: Any) -> Response:
    """PUT /backupServers/{ID} with a BackupServerSpec: 204."""
    values = _values(await spec_body(request, "BackupServerSpec"))
    writable(request).backup_servers[server.id] = replace(server, name=values["DnsNameOrIpAddress"],
                                                          description=values["Description"],
                                                          port=int(values.get("Port", server.port)))
    return Response(status_code=204)


def _forget_job(ds: Dataset, job_id: str, w: Writes) -> None:
    """Remove a job the API made (a clone) and its VMs from a writable dataset."""
    job = ds.jobs.pop(job_id, None)
    for include_id in ds.children["job.includes"].pop(job_id, []):
        ds.includes.pop(include_id, None)
        w.added_vms.pop(include_id, None)
    if job is not None and job_id in ds.children["server.jobs"].get(job.server_id, []):
        ds.children["server.jobs"][job.server_id].remove(job_id)


def _delete_job(request: Request, job: Any) -> Response:
    """DELETE /jobs/{ID}: a Task removes the job; one whose runs or backups are still kept is refused
    (the mock keeps what it shows consistent: sessions and backups name their job)."""
    ds: Dataset = request.app.state.dataset
    if ds.kids("job.sessions", job.id) or ds.kids("job.backups", job.id) or any(
            r.job_id == job.id for r in ds.replicas.values()):
        raise ApiError(400, f"job {job.name!r} still has sessions, backups or replicas; remove them first")
    _forget_job(writable(request), job.id, writes(request))
    return _accepted(request, request.app.state.tasks.start("DeleteJob", None, None))


def _disconnect_server(request: Request, server: Any) -> Response:
    """DELETE /backupServers/{ID}: 204; a server that still has jobs or repositories is refused."""
    ds: Dataset = request.app.state.dataset
    if ds.kids("server.jobs", server.id) or ds.kids("server.repositories", server.id):
        raise ApiError(400, f"backup server {server.name!r} still has jobs or repositories in Enterprise Manager")
    del writable(request).backup_servers[server.id]
    return Response(status_code=204)
