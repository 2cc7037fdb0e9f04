"""The mock's data: small frozen records of the backup estate, and the dataset that indexes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "Backup", "BackupFile", "BackupServer", "Dataset", "Job", "JobInclude", "JobSession", "Replica", "Repository",
    "RestorePoint", "Task", "TaskSession", "VmRestorePoint",
]


@dataclass(frozen=True, slots=True)
class BackupServer:
    id: str
    name: str
    description: str
    port: int
    version: str


@dataclass(frozen=True, slots=True)
class Repository:
    id: str
    name: str
    server_id: str
    capacity: int
    free_space: int
    kind: str

    @property
    def used_space(self) -> int:
        """What the backup files on it take: capacity less free space, however it is shown."""
        return self.capacity - self.free_space


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    name: str
    server_id: str
    job_type: str  # Backup, BackupCopy or Replica
    platform: str
    description: str
    schedule_configured: bool
    schedule_enabled: bool
    next_run: datetime | None


@dataclass(frozen=True, slots=True)
class JobInclude:
    """A VM processed by a job (an `ObjectInJob`)."""

    id: str
    job_id: str
    name: str
    hierarchy_ref: str
    order: int


@dataclass(frozen=True, slots=True)
class JobSession:
    """One run of a backup job (a `BackupJobSession`)."""

    id: str
    job_id: str
    created: datetime
    ended: datetime | None
    state: str
    result: str
    progress: int
    is_retry: bool
    restore_point_id: str | None


@dataclass(frozen=True, slots=True)
class TaskSession:
    """The processing of one VM within a job session (a `BackupTaskSession`)."""

    id: str
    session_id: str
    vm_name: str
    created: datetime
    ended: datetime | None
    state: str
    result: str
    reason: str
    total_size: int
    vm_restore_point_id: str | None


@dataclass(frozen=True, slots=True)
class Backup:
    id: str
    job_id: str
    repository_id: str
    platform: str
    backup_type: str


@dataclass(frozen=True, slots=True)
class RestorePoint:
    id: str
    backup_id: str
    session_id: str
    backup_date: datetime


@dataclass(frozen=True, slots=True)
class VmRestorePoint:
    id: str
    restore_point_id: str
    vm_name: str
    created: datetime
    algorithm: str
    point_type: str
    hierarchy_ref: str


@dataclass(frozen=True, slots=True)
class BackupFile:
    """The file a restore point is stored in: a full (`.vbk`) or an increment (`.vib`) of a backup."""

    id: str
    backup_id: str
    restore_point_id: str
    path: str
    file_type: str
    created: datetime
    backup_size: int
    data_size: int


@dataclass(frozen=True, slots=True)
class Replica:
    id: str
    job_id: str
    repository_id: str
    platform: str


@dataclass(frozen=True, slots=True)
class Task:
    """An asynchronous operation (`task-N`) and the key resource it acted on, if any."""

    id: str
    operation: str
    state: str
    success: bool
    message: str
    target_kind: str | None
    target_id: str | None


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything the mock serves, keyed by id in generation order, plus the parent-to-children indexes.

    `children[relation][parent_id]` lists child ids; relations are named `parent.children`
    (e.g. `job.sessions`), so views never scan a whole collection to find a parent's children.
    `now` is the moment the estate was generated for: every time in it is relative to it, and
    whatever the mock computes "as of now" (reports, new schedules) reads it, never the wall clock.
    """

    seed: int
    size: int
    now: datetime
    backup_servers: Mapping[str, BackupServer]
    repositories: Mapping[str, Repository]
    jobs: Mapping[str, Job]
    includes: Mapping[str, JobInclude]
    sessions: Mapping[str, JobSession]
    task_sessions: Mapping[str, TaskSession]
    backups: Mapping[str, Backup]
    restore_points: Mapping[str, RestorePoint]
    vm_restore_points: Mapping[str, VmRestorePoint]
    backup_files: Mapping[str, BackupFile]
    replicas: Mapping[str, Replica]
    tasks: Mapping[str, Task]
    children: Mapping[str, Mapping[str, Sequence[str]]]

    def kids(self, relation: str, parent_id: str) -> Sequence[str]:
        """Child ids of one parent under a relation (empty when it has none)."""
        return self.children[relation].get(parent_id, ())

    def count(self) -> int:
        """How many records the dataset holds, all kinds together."""
        return sum(len(getattr(self, name)) for name in (
            "backup_servers", "repositories", "jobs", "includes", "sessions", "task_sessions", "backups",
            "restore_points", "vm_restore_points", "backup_files", "replicas", "tasks"))
