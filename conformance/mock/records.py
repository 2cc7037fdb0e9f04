"""What the query service filters and sorts on: one flat record per item, with the documented field names."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .kinds import KINDS
from .model import Dataset, Task

__all__ = ["ENUM_ORDERS", "Row", "rows", "server_fields", "task_rows"]


class Row(dict):
    """A query record that remembers the item it describes, so a page of rows renders as items."""

    __slots__ = ("item",)

    def __init__(self, item: Any, fields: Mapping[str, Any]) -> None:
        super().__init__(fields)
        self.item = item


def _uid(kind: str, id_: str) -> str:
    return KINDS[kind].uid(id_)


def _name(ds: Dataset, kind: str, id_: str) -> str:
    k = KINDS[kind]
    return k.name(ds, k.items(ds)[id_])


def server_fields(ds: Dataset, server_id: str) -> dict[str, Any]:
    """The documented fields that name the backup server an item belongs to."""
    return {"BackupServerUid": _uid("backupServers", server_id),
            "BackupServerName": ds.backup_servers[server_id].name}


def _job(ds: Dataset, job_id: str) -> dict[str, Any]:
    return {"JobUid": _uid("jobs", job_id), "JobName": ds.jobs[job_id].name}


def _repository(ds: Dataset, repository_id: str) -> dict[str, Any]:
    return {"RepositoryUid": _uid("repositories", repository_id),
            "RepositoryName": ds.repositories[repository_id].name}


def _point_server(ds: Dataset, rp_id: str) -> str:
    return ds.jobs[ds.backups[ds.restore_points[rp_id].backup_id].job_id].server_id


_FIELDS: Mapping[str, Callable[[Dataset, Any], dict[str, Any]]] = {
    "backupServers": lambda ds, s: {"Description": s.description, "IpOrDnsName": s.name, "Port": s.port,
                                    "Version": s.version},
    "jobs": lambda ds, j: {"Description": j.description, "NextRun": j.next_run, "JobType": j.job_type,
                           "Platform": j.platform, "ScheduleConfigured": j.schedule_configured,
                           "ScheduleEnabled": j.schedule_enabled, **server_fields(ds, j.server_id)},
    "backupSessions": lambda ds, s: {"JobType": ds.jobs[s.job_id].job_type, **_job(ds, s.job_id),
                                     "CreationTime": s.created, "EndTime": s.ended, "State": s.state,
                                     "Result": s.result, "IsRetry": s.is_retry,
                                     **server_fields(ds, ds.jobs[s.job_id].server_id)},
    "backupTaskSessions": lambda ds, t: {"CreationTime": t.created, "EndTime": t.ended, "State": t.state,
                                         "Result": t.result, "Reason": t.reason, "TotalSize": t.total_size,
                                         "JobSessionUid": _uid("backupSessions", t.session_id),
                                         **_job(ds, ds.sessions[t.session_id].job_id),
                                         **server_fields(ds, ds.jobs[ds.sessions[t.session_id].job_id].server_id),
                                         "VmDisplayName": t.vm_name},
    "repositories": lambda ds, r: {"FreeSpace": r.free_space, "Capacity": r.capacity, **server_fields(ds, r.server_id)},
    "backups": lambda ds, b: {**_job(ds, b.job_id), **_repository(ds, b.repository_id), "Platform": b.platform,
                              "BackupType": b.backup_type},
    "restorePoints": lambda ds, p: {"CreationTime": p.backup_date, "BackupUid": _uid("backups", p.backup_id),
                                    "BackupName": _name(ds, "backups", p.backup_id),
                                    **server_fields(ds, _point_server(ds, p.id))},
    "vmRestorePoints": lambda ds, p: {"CreationTime": p.created, "Type": p.point_type, "Algorithm": p.algorithm,
                                      "RestorePointId": _uid("restorePoints", p.restore_point_id),
                                      "RestorePointName": _name(ds, "restorePoints", p.restore_point_id),
                                      "VmDisplayName": p.vm_name,
                                      **server_fields(ds, _point_server(ds, p.restore_point_id))},
    "replicas": lambda ds, r: {**_job(ds, r.job_id), **_repository(ds, r.repository_id), "Platform": r.platform},
    "backupFiles": lambda ds, f: {"FilePath": f.path, "FileType": f.file_type, "CreationTime": f.created,
                                  "BackupSize": f.backup_size, "DataSize": f.data_size,
                                  "BackupUid": _uid("backups", f.backup_id),
                                  "BackupName": _name(ds, "backups", f.backup_id)},
}

ENUM_ORDERS: Mapping[str, Mapping[str, Sequence[str]]] = {
    "tasks": {"State": ("Running", "OperationFinished", "Finished")},
}
"""Per kind, orders the query pages do not list as values (a task's states); the documented ones
come with the fields of `query_fields.toml`."""


def rows(ds: Dataset, kind_path: str) -> list[Row]:
    """One record per item of a key kind: UID and Name, then the kind's documented query fields."""
    kind = KINDS[kind_path]
    fields = _FIELDS[kind_path]
    return [Row(obj, {"UID": kind.uid(obj.id), "Name": kind.name(ds, obj), **fields(ds, obj)})
            for obj in kind.items(ds).values()]


def task_rows(tasks: Sequence[Task]) -> list[Row]:
    return [Row(t, {"TaskId": t.id, "State": t.state, "Operation": t.operation}) for t in tasks]
