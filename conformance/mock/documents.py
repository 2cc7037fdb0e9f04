"""Documents of the service resources: the API root, logon sessions, tasks, job VMs, errors."""

from __future__ import annotations

from collections.abc import Iterable

from .area_docs import Docs
from .auth import API_VERSIONS, LogonSession
from .fields import object_in_job
from .hrefs import View
from .kinds import KINDS
from .model import Job, JobInclude, Task
from .tree import Node, absent, el, link, links
from .versions import contract_of

__all__ = ["STATUS_NAMES", "enterprise_manager", "error", "logon_session", "logon_sessions", "object_in_job_doc",
           "objects_in_job", "task", "tasks"]

STATUS_NAMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
                406: "NotAcceptable", 500: "InternalServerError", 501: "NotImplemented", 503: "ServiceUnavailable"}
"""`Status` of an `Error`: the server's names of the HTTP status codes."""


def enterprise_manager(v: View, supported: Iterable[str] = API_VERSIONS) -> Node:
    """The public API root: where to log on, in each version the server supports."""
    versions = [el("SupportedVersion", None, links(link("Create", v.href(f"sessionMngr/?v={name}"), "LogonSession",
                                                        name)), Name=name)
                for name in supported]
    return el("EnterpriseManager", None,
              links(link("Create", v.href("sessionMngr/?v=latest"), "LogonSession", "latest"),
                    link("Down", v.href("logonSessions"), "LogonSessionList")),
              el("SupportedVersions", None, *versions, items="SupportedVersion"),
              Href=v.base, Type="EnterpriseManager")


def _session_links(v: View, session: LogonSession) -> Node:
    downs = []
    contract = contract_of(session.version)  # what the session opens is its own version's table of contents
    for kind in (k for k in KINDS.values() if contract.serves(k)):
        downs += [link("Down", v.href(kind.path), f"{kind.entity}ReferenceList"),
                  link("Down", v.href(f"{kind.path}?format=Entity"), f"{kind.entity}List")]
    own = v.href(f"logonSessions/{session.id}")
    return links(link("Up", v.base, "EnterpriseManager"), *downs,
                 link("Down", v.href("querySvc"), "QueryService"), link("Down", v.href("reports/summary"), "Report"),
                 link("Down", v.href("tasks"), "TaskList"), *Docs(v, None).session_links(),
                 link("Create", v.href("backupServers?action=create")), link("Delete", own, "LogonSession"))


def logon_session(v: View, session: LogonSession) -> Node:
    """A session: links to every collection the mock serves, then who is logged on."""
    return el("LogonSession", None, _session_links(v, session), el("UserName", session.user),
              el("SessionId", session.id), Href=v.href(f"logonSessions/{session.id}"), Type="LogonSession")


def logon_sessions(v: View, sessions: Iterable[LogonSession]) -> Node:
    return el("LogonSessions", None, *(logon_session(v, s) for s in sessions), items="LogonSession")


def task(v: View, t: Task) -> Node:
    """A task: Delete on itself, Related to the entity it acted on, then its outcome."""
    href = v.href(f"tasks/{t.id}")
    related = None
    if t.target_kind is not None and t.target_id is not None:
        target = KINDS[t.target_kind]
        obj = target.items(v.ds).get(t.target_id)
        if obj is not None:
            related = link("Related", v.entity(target, t.target_id), target.entity, target.name(v.ds, obj))
    outcome = [el("Result", None, el("Message", t.message), Success=t.success)] if t.state == "Finished" else []
    return el("Task", None, links(link("Delete", href, "Task"), related),
              el("TaskId", t.id), el("State", t.state), el("Operation", t.operation), *outcome,
              Href=href, Type="Task")


def tasks(v: View, items: Iterable[Task]) -> Node:
    return el("Tasks", None, *(task(v, t) for t in items), items="Task")


def _include_links(v: View, job: Job, inc: JobInclude) -> Node:
    return links(link("Up", v.item(KINDS["jobs"], job.id), "JobReference", job.name),
                 link("Delete", v.href(f"jobs/{job.id}/includes/{inc.id}")))


def object_in_job_doc(v: View, job: Job, inc: JobInclude) -> Node:
    """One VM of a job, with Up to the job and Delete on itself."""
    return v.keep(("ObjectInJob", inc.id), (inc, job), lambda: object_in_job(v, inc, _include_links(v, job, inc)))


def objects_in_job(v: View, job: Job) -> Node:
    """The VMs of a job; kept while the job and its VMs stay (a VM is only added or removed)."""
    ids = tuple(v.ds.kids("job.includes", job.id))

    def build() -> Node:
        return el("ObjectsInJob", None, *(object_in_job_doc(v, job, v.ds.includes[i]) for i in ids),
                  items="ObjectInJob")

    return v.keep(("ObjectsInJob", job.id), (job, ids), build, 1 + len(ids))


def error(status: int, message: str) -> Node:
    """An `Error`: the message, the numeric code and its name; the exception details a real server
    leaves unset are absent (XML) or `null` (JSON), as it sends them."""
    return el("Error", None, absent("FirstChanceExceptionMessage"), absent("StackTrace"), Message=message,
              StatusCode=status, Status=STATUS_NAMES.get(status, "Error"))
