"""The key resources the mock serves: URL segment, element names, parents, children and actions of each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import Dataset

__all__ = ["KINDS", "Action", "Kind", "Sub", "find_kind", "stamp"]

Parents = Callable[[Dataset, Any], tuple[tuple[str, str], ...]]
Related = Callable[[Dataset, Any], tuple[tuple[str, str, bool], ...]]


@dataclass(frozen=True)
class Sub:
    """A child collection under an item, e.g. `/jobs/{ID}/backupSessions`."""

    segment: str
    kind: str
    relation: str


@dataclass(frozen=True)
class Action:
    """A POST `?action=` operation advertised by a link with this Rel and no Type."""

    rel: str
    action: str
    operation: str
    applies: Callable[[Any], bool] = lambda obj: True
    spec: str | None = None
    """The request body it takes (its spec element), read and validated before the Task starts."""


@dataclass(frozen=True)
class Kind:
    """One key resource: reference form `/{path}/{ID}`, entity form `?format=Entity`, both collections.

    `ups` and `related` name other items as (kind path, id[, entity form]); the views turn them
    into links, so every link target is an item this table serves.
    """

    path: str
    entity: str
    plural: str
    table: str
    name: Callable[[Dataset, Any], str]
    ups: Parents = lambda ds, obj: ()
    subs: tuple[Sub, ...] = ()
    related: Related = lambda ds, obj: ()
    actions: tuple[Action, ...] = ()
    editable: bool = False
    deletable: bool = False
    attrs: Callable[[Any], Mapping[str, Any]] = lambda obj: {}
    collection_actions: tuple[Action, ...] = ()

    def items(self, ds: Dataset) -> Mapping[str, Any]:
        return getattr(ds, self.table)

    def uid(self, id_: str) -> str:
        return f"urn:veeam:{self.entity}:{id_}"


def stamp(moment: datetime) -> str:
    """The `yyyy-MM-dd HH:mm:ss` stamp sessions and points carry in their names."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _point_name(moment: datetime) -> str:
    """Restore points are named like `Jun  1 2025  5:23AM` (month, padded day, 12-hour clock)."""
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day:>2} {moment.year} {hour:>2}:{moment:%M}{'AM' if moment.hour < 12 else 'PM'}"


def _job_of_session(ds: Dataset, session_id: str) -> Any:
    return ds.jobs[ds.sessions[session_id].job_id]


def _server_of_point(ds: Dataset, rp_id: str) -> str:
    return ds.jobs[ds.backups[ds.restore_points[rp_id].backup_id].job_id].server_id


KINDS: Mapping[str, Kind] = {k.path: k for k in (
    Kind("backupServers", "BackupServer", "BackupServers", "backup_servers", lambda ds, s: s.name,
         subs=(Sub("jobs", "jobs", "server.jobs"), Sub("repositories", "repositories", "server.repositories")),
         actions=(Action("VeeamZip", "veeamzip", "VeeamZip", spec="VeeamZipStartupSpec"),
                  Action("QuickBackup", "quickbackup", "QuickBackup", spec="QuickBackupStartupSpec"),
                  Action("Start", "collect", "CollectBackupServerData")),
         editable=True, deletable=True,
         collection_actions=(Action("Create", "create", "CreateBackupServer"),)),
    Kind("jobs", "Job", "Jobs", "jobs", lambda ds, j: j.name,
         ups=lambda ds, j: (("backupServers", j.server_id),),
         subs=(Sub("backupSessions", "backupSessions", "job.sessions"),),
         actions=(Action("Start", "start", "StartJob"), Action("Stop", "stop", "StopJob"),
                  Action("Retry", "retry", "RetryJob"), Action("Clone", "clone", "CloneJob"),
                  Action("ToggleScheduleEnabled", "toggleScheduleEnabled", "ToggleJobSchedule"),
                  Action("Sync", "sync", "SyncJob", lambda j: j.job_type == "BackupCopy")),
         editable=True),
    Kind("backupSessions", "BackupJobSession", "BackupJobSessions", "sessions",
         lambda ds, s: f"{ds.jobs[s.job_id].name}@{stamp(s.created)}",
         ups=lambda ds, s: (("backupServers", ds.jobs[s.job_id].server_id), ("jobs", s.job_id)),
         subs=(Sub("taskSessions", "backupTaskSessions", "session.task_sessions"),),
         related=lambda ds, s: (("restorePoints", s.restore_point_id, False),) if s.restore_point_id else (),
         actions=(Action("Stop", "stop", "StopJobSession"),)),
    Kind("backupTaskSessions", "BackupTaskSession", "BackupTaskSessions", "task_sessions",
         lambda ds, t: f"{t.vm_name}@{stamp(t.created)}",
         ups=lambda ds, t: (("backupServers", _job_of_session(ds, t.session_id).server_id),
                            ("backupSessions", t.session_id)),
         related=lambda ds, t: (("vmRestorePoints", t.vm_restore_point_id, True),) if t.vm_restore_point_id else (),
         attrs=lambda t: {"VmDisplayName": t.vm_name}),
    Kind("repositories", "Repository", "Repositories", "repositories", lambda ds, r: r.name,
         ups=lambda ds, r: (("backupServers", r.server_id),),
         subs=(Sub("backups", "backups", "repository.backups"), Sub("replicas", "replicas", "repository.replicas"))),
    Kind("backups", "Backup", "Backups", "backups", lambda ds, b: ds.jobs[b.job_id].name,
         ups=lambda ds, b: (("repositories", b.repository_id), ("backupServers", ds.jobs[b.job_id].server_id)),
         subs=(Sub("restorePoints", "restorePoints", "backup.restore_points"),)),
    Kind("restorePoints", "RestorePoint", "RestorePoints", "restore_points", lambda ds, p: _point_name(p.backup_date),
         ups=lambda ds, p: (("backups", p.backup_id), ("backupServers", _server_of_point(ds, p.id))),
         subs=(Sub("vmRestorePoints", "vmRestorePoints", "restore_point.vm_restore_points"),)),
    Kind("vmRestorePoints", "VmRestorePoint", "VmRestorePoints", "vm_restore_points",
         lambda ds, p: f"{p.vm_name}@{stamp(p.created)}",
         ups=lambda ds, p: (("backupServers", _server_of_point(ds, p.restore_point_id)),
                            ("restorePoints", p.restore_point_id)),
         actions=(Action("Restore", "restore", "RestoreVm", spec="RestoreSpec"),),
         attrs=lambda p: {"VmDisplayName": p.vm_name}),
    Kind("replicas", "Replica", "Replicas", "replicas", lambda ds, r: ds.jobs[r.job_id].name,
         ups=lambda ds, r: (("repositories", r.repository_id), ("backupServers", ds.jobs[r.job_id].server_id))),
    Kind("backupFiles", "BackupFile", "BackupFiles", "backup_files", lambda ds, f: f.path.rsplit("/", 1)[-1],
         ups=lambda ds, f: (("backups", f.backup_id),
                            ("backupServers", ds.jobs[ds.backups[f.backup_id].job_id].server_id))),
)}

_BY_SEGMENT = {k.path.lower(): k for k in KINDS.values()}


def find_kind(segment: str) -> Kind | None:
    """The kind served under a URL segment, matched case-insensitively as the server does."""
    return _BY_SEGMENT.get(segment.lower())
