"""What holds in a real backup estate, as one table, and the check of a generated estate against it.

Clients reason from these facts (they sum task sessions per job run, follow a restore point to
its job), so an estate that breaks one sends them down paths no real server does. Each entry
names the fact and yields a line per record that breaks it; `violations` runs the whole table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .estate import Estate
from .kinds import KINDS
from .model import Dataset

__all__ = ["AREA_INVARIANTS", "INVARIANTS", "AreaInvariant", "Invariant", "violations"]

_ORDER = {"Success": 0, "Warning": 1, "Failed": 2}


@dataclass(frozen=True)
class Invariant:
    """One fact of a real estate and how to find the records of a generated one that break it."""

    fact: str
    broken: Callable[[Dataset], Iterator[str]]


@dataclass(frozen=True)
class AreaInvariant:
    """The same, over the items of the documented areas beyond the key resources."""

    fact: str
    broken: Callable[[Estate], Iterator[str]]


def _parents(ds: Dataset) -> Iterator[str]:
    refs = [(ds.repositories, "server_id", ds.backup_servers), (ds.jobs, "server_id", ds.backup_servers),
            (ds.includes, "job_id", ds.jobs), (ds.sessions, "job_id", ds.jobs),
            (ds.task_sessions, "session_id", ds.sessions), (ds.backups, "job_id", ds.jobs),
            (ds.backups, "repository_id", ds.repositories), (ds.restore_points, "backup_id", ds.backups),
            (ds.restore_points, "session_id", ds.sessions),
            (ds.vm_restore_points, "restore_point_id", ds.restore_points),
            (ds.backup_files, "backup_id", ds.backups), (ds.backup_files, "restore_point_id", ds.restore_points),
            (ds.replicas, "job_id", ds.jobs), (ds.replicas, "repository_id", ds.repositories)]
    for records, attr, parents in refs:
        for record in records.values():
            if getattr(record, attr) not in parents:
                yield f"{type(record).__name__} {record.id}: {attr} {getattr(record, attr)} does not exist"
    for task in ds.tasks.values():
        if task.target_kind is not None and task.target_id not in KINDS[task.target_kind].items(ds):
            yield f"Task {task.id}: its target {task.target_kind}/{task.target_id} does not exist"


def _sessions_run_backup_jobs(ds: Dataset) -> Iterator[str]:
    for s in ds.sessions.values():
        if ds.jobs[s.job_id].job_type == "Replica":
            yield f"JobSession {s.id}: a backup job session of replication job {s.job_id}"


def _session_states(ds: Dataset) -> Iterator[str]:
    for s in ds.sessions.values():
        if s.ended is None and (s.state != "Working" or s.result != "None"):
            yield f"JobSession {s.id}: running, yet {s.state} with result {s.result}"
        if s.ended is not None and (s.state != "Stopped" or s.ended < s.created or s.result not in _ORDER):
            yield f"JobSession {s.id}: finished, yet {s.state}, {s.result}, from {s.created} to {s.ended}"


def _finished_sessions_have_tasks(ds: Dataset) -> Iterator[str]:
    for s in ds.sessions.values():
        if s.ended is not None and s.result != "Failed" and not ds.kids("session.task_sessions", s.id):
            yield f"JobSession {s.id}: finished with {s.result} but processed no VM (no task session)"


def _tasks_inside_their_session(ds: Dataset) -> Iterator[str]:
    for t in ds.task_sessions.values():
        s = ds.sessions[t.session_id]
        vms = {ds.includes[i].name for i in ds.kids("job.includes", s.job_id)}
        if t.vm_name not in vms:
            yield f"TaskSession {t.id}: VM {t.vm_name} is not one its job {s.job_id} includes"
        if t.created < s.created or (s.ended is None) != (t.ended is None):
            yield f"TaskSession {t.id}: starts before its session or runs while it ended (or ended while it runs)"
        elif t.ended is not None and s.ended is not None and not t.created <= t.ended <= s.ended:
            yield f"TaskSession {t.id}: ends at {t.ended}, outside its session ({s.created} to {s.ended})"
        if s.ended is not None and _ORDER.get(t.result, 3) > _ORDER.get(s.result, 3):
            yield f"TaskSession {t.id}: {t.result}, worse than its session's {s.result}"


def _points_of_jobs_that_ran(ds: Dataset) -> Iterator[str]:
    for p in ds.restore_points.values():
        s = ds.sessions[p.session_id]
        if ds.backups[p.backup_id].job_id != s.job_id:
            yield f"RestorePoint {p.id}: in a backup of job {ds.backups[p.backup_id].job_id}, made by job {s.job_id}"
        if s.ended is None or s.result == "Failed" or p.backup_date != s.ended or s.restore_point_id != p.id:
            yield f"RestorePoint {p.id}: not the point its session {s.id} left when it finished without failing"


def _vm_points_of_processed_vms(ds: Dataset) -> Iterator[str]:
    processed: defaultdict[str, set[str]] = defaultdict(set)
    for t in ds.task_sessions.values():
        if t.ended is not None and t.result != "Failed":
            processed[t.session_id].add(t.vm_name)
    for p in ds.vm_restore_points.values():
        session = ds.restore_points[p.restore_point_id].session_id
        if p.vm_name not in processed[session]:
            yield f"VmRestorePoint {p.id}: VM {p.vm_name} was not processed by session {session}"
    for p in ds.restore_points.values():
        if not ds.kids("restore_point.vm_restore_points", p.id):
            yield f"RestorePoint {p.id}: holds no VM's point"


def _files_of_points(ds: Dataset) -> Iterator[str]:
    files: defaultdict[str, list] = defaultdict(list)
    for f in ds.backup_files.values():
        files[f.restore_point_id].append(f)
        if ds.restore_points[f.restore_point_id].backup_id != f.backup_id:
            yield f"BackupFile {f.id}: in another backup than its restore point"
    for p in ds.restore_points.values():
        if len(files[p.id]) != 1:
            yield f"RestorePoint {p.id}: stored in {len(files[p.id])} files, not one"
    for b in ds.backups.values():
        chain = sorted((f for f in ds.backup_files.values() if f.backup_id == b.id), key=lambda f: f.created)
        if chain and chain[0].file_type != "vbk":
            yield f"Backup {b.id}: its chain starts with an increment ({chain[0].file_type}), not a full"


def _storage_on_own_server(ds: Dataset) -> Iterator[str]:
    for record in (*ds.backups.values(), *ds.replicas.values()):
        if ds.repositories[record.repository_id].server_id != ds.jobs[record.job_id].server_id:
            yield f"{type(record).__name__} {record.id}: on a repository of another server than its job's"


def _space_adds_up(ds: Dataset) -> Iterator[str]:
    used: defaultdict[str, int] = defaultdict(int)
    for f in ds.backup_files.values():
        used[ds.backups[f.backup_id].repository_id] += f.backup_size
    for r in ds.repositories.values():
        if r.free_space < 0 or r.capacity - r.free_space != used[r.id]:
            yield f"Repository {r.id}: {r.capacity} capacity and {r.free_space} free, yet its files take {used[r.id]}"


def _past_and_future(ds: Dataset) -> Iterator[str]:
    for s in ds.sessions.values():
        if s.created > ds.now or (s.ended is not None and s.ended > ds.now):
            yield f"JobSession {s.id}: in the future of {ds.now}"
    for j in ds.jobs.values():
        if j.next_run is not None and j.next_run <= ds.now:
            yield f"Job {j.id}: its next run {j.next_run} is not after {ds.now}"
        if (j.next_run is not None) != j.schedule_enabled:
            yield f"Job {j.id}: a next run only when its schedule is enabled"


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("every record's parent exists (server, job, session, backup, restore point, repository)", _parents),
    Invariant("backup job sessions are runs of backup and backup copy jobs, never of replication jobs",
              _sessions_run_backup_jobs),
    Invariant("a running session is Working without a result; a finished one is Stopped with one, after it started",
              _session_states),
    Invariant("a session that finished without failing processed its VMs: it has task sessions",
              _finished_sessions_have_tasks),
    Invariant("a task session processes a VM of its job, within its session's time, no worse than its session",
              _tasks_inside_their_session),
    Invariant("a restore point belongs to the backup of the job that ran, left by a session that did not fail",
              _points_of_jobs_that_ran),
    Invariant("a restore point holds the points of the VMs its session processed, and at least one",
              _vm_points_of_processed_vms),
    Invariant("each restore point is stored in one backup file of its backup; a chain starts with a full",
              _files_of_points),
    Invariant("backups and replicas are kept on a repository of their job's backup server", _storage_on_own_server),
    Invariant("a repository's used space is what its backup files take, and never beyond its capacity",
              _space_adds_up),
    Invariant("what happened is before the estate's moment, and the next runs of enabled schedules after it",
              _past_and_future),
)


def _area_parents(est: Estate) -> Iterator[str]:
    for path, items in est.items.items():
        area = est.surface.areas[path]
        for item in items.values():
            if area.parent is not None and not est.exists(area.parent, item.parent or ""):
                yield f"{path}/{item.id}: its parent {area.parent}/{item.parent} does not exist"


def _area_links(est: Estate) -> Iterator[str]:
    for path, items in est.items.items():
        for id_ in items:
            for up_path, up_id in (*est.ups(path, id_), *est.related(path, id_)):
                if not est.exists(up_path, up_id):
                    yield f"{path}/{id_}: links to {up_path}/{up_id}, which does not exist"


def _area_servers_agree(est: Estate) -> Iterator[str]:
    for path, items in est.items.items():
        for id_ in items:
            ups = est.ups(path, id_)
            named = [i for p, i in ups if p == "backupServers"]
            reached = next((s for p, i in ups if p != "backupServers" and (s := est.server_of(p, i))), None)
            if named and reached is not None and reached not in named:
                yield f"{path}/{id_}: names backup server {named[0]}, yet its parents belong to {reached}"


def _every_area_present(est: Estate) -> Iterator[str]:
    for path, items in est.items.items():
        if not items and (est.surface.areas[path].parent is None or est.ids(est.surface.areas[path].parent)):
            yield f"{path}: no items"


AREA_INVARIANTS: tuple[AreaInvariant, ...] = (
    AreaInvariant("an item nested under another belongs to an existing one", _area_parents),
    AreaInvariant("every item an Up or Related link names exists", _area_links),
    AreaInvariant("an item names as its backup server the one its parents belong to", _area_servers_agree),
    AreaInvariant("every documented area has items at any size", _every_area_present),
)


def violations(ds: Dataset, estate: Estate | None = None) -> list[str]:
    """Every broken fact of an estate, one line each, prefixed by the fact; empty when it is real."""
    out = [f"{inv.fact}: {line}" for inv in INVARIANTS for line in inv.broken(ds)]
    if estate is not None:
        out += [f"{inv.fact}: {line}" for inv in AREA_INVARIANTS for line in inv.broken(estate)]
    return out
