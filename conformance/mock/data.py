"""Deterministic generation of a consistent backup estate from a size and a seed."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from .model import (
    Backup, BackupFile, BackupServer, Dataset, Job, JobInclude, JobSession, Replica, Repository, RestorePoint, Task,
    TaskSession, VmRestorePoint,
)

__all__ = ["MAX_SIZE", "generate_dataset", "moment_text", "parse_moment"]

MAX_SIZE = 100_000
"""The largest estate the mock builds: beyond it a crawl of every resource takes hours, not minutes."""

_VOLUME_STEP = 2**38
"""Repository capacities are whole multiples of 256 GiB."""
_RECENT = 0.25
"""The share of finished sessions that ended within the last day, so a 'last 24 hours' view shows some."""

# Shares of `size` per kind; together with the derived kinds they add up to about `size`.
_SHARES = {"servers": 0.02, "repositories": 0.05, "jobs": 0.10, "includes": 0.10, "sessions": 0.20,
           "task_sessions": 0.20, "restore_points": 0.10, "replicas": 0.03, "tasks": 0.05}

_TEAMS = ("Finance", "Sales", "Exchange", "SQL", "Web", "File", "Oracle", "HR", "Dev", "Lab", "Mail", "ERP")
_PLATFORMS = ("VMware", "HyperV", "vCloud")
_REPO_KINDS = ("WindowsLocal", "LinuxLocal", "CifsShare", "Nfs", "Extendable")
_RESULTS = ("Success", "Success", "Success", "Warning", "Failed")
_OPERATIONS = ("StartJob", "StopJob", "RetryJob", "CloneJob", "ToggleScheduleEnabled")
_JOB_TYPES = ("Backup",) * 7 + ("Replica",) * 2 + ("BackupCopy",)
_JOB_NOUNS = {"Backup": "Backup", "Replica": "Replication", "BackupCopy": "Backup Copy"}


class _Ids:
    """GUIDs drawn from the seeded generator, so ids are random-looking yet reproducible."""

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def __call__(self) -> str:
        return str(uuid.UUID(int=self._bits(128), version=4))


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date-time (`2026-01-01T00:00:00Z`, or with an offset) as a UTC moment; a value
    without an offset is taken as UTC. ValueError names what is wrong."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time such as 2026-01-01T00:00:00Z") from None
    return _utc_second(moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc))


def moment_text(moment: datetime) -> str:
    """The form `parse_moment` reads back to the same moment (`2026-01-01T00:00:00Z`)."""
    return _utc_second(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_second(moment: datetime) -> datetime:
    """UTC, in whole seconds: the API shows times to the second, so filters on them match exactly."""
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def generate_dataset(size: int = 40, seed: int = 0, now: datetime | None = None) -> Dataset:
    """Build a backup estate of about `size` records whose relations all hold (every parent exists).

    Every time in it is relative to `now` (the current UTC time when None, in whole seconds):
    sessions over the last 30 days, a share of them within the last day and a few still working,
    next runs within the next day. The same size, seed and `now` give the same estate; another
    `now` gives the same records with every time shifted, so a mock started today shows recent
    activity and a pinned `now` replays one exactly. A `now` without time zone is refused.

    `size` counts records (backup servers, jobs, job sessions, task sessions, restore points, ...),
    each kind a fixed share of it and at least one of each; the API shows every record in several
    resources (entity and reference forms, lists, children), so a crawl meets more URLs than that.
    Generation is linear in `size` and keeps only small records; documents are rendered per
    request, so 100,000 resources stay cheap to build and to hold. Small sizes still get one of
    every kind (a backup job and a replication job, a session with a restore point, ...).
    """
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"size must be from 1 to {MAX_SIZE}, got {size}")
    if now is not None and now.tzinfo is None:
        raise ValueError(f"now must carry a time zone (UTC), got {now.isoformat()}")
    return _Estate(size, seed, _utc_second(datetime.now(timezone.utc) if now is None else now)).build()


class _Estate:
    """One generation run: the seeded generator, the records so far and the child indexes."""

    def __init__(self, size: int, seed: int, now: datetime) -> None:
        self.size, self.seed, self.now = size, seed, now
        self.rng = random.Random(seed)
        self.new_id = _Ids(self.rng)
        self.kids: defaultdict[str, defaultdict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def share(self, kind: str, minimum: int = 1) -> int:
        return max(minimum, round(self.size * _SHARES[kind]))

    def adopt(self, relation: str, parent_id: str, child_id: str) -> None:
        self.kids[relation][parent_id].append(child_id)

    def build(self) -> Dataset:
        servers = self.servers()
        repositories = self.repositories(servers)
        jobs = self.jobs(servers)
        includes = self.includes(jobs)
        backups = self.backups(jobs)
        sessions = self.sessions(jobs)
        restore_points = self.restore_points(sessions)
        task_sessions = self.task_sessions(sessions, includes)
        vm_points = self.vm_restore_points(task_sessions, {s.id: s for s in sessions}, includes)
        replicas = self.replicas(jobs)
        tasks = self.tasks(jobs)
        files = self.backup_files(jobs, backups, restore_points, task_sessions)
        repositories = _fill(repositories, backups, files)
        for session in sessions:
            self.adopt("job.sessions", session.job_id, session.id)
        return Dataset(
            seed=self.seed, size=self.size, now=self.now, backup_servers=_keyed(servers),
            repositories=_keyed(repositories), jobs=_keyed(jobs), includes=_keyed(includes), sessions=_keyed(sessions),
            task_sessions=_keyed(task_sessions), backups=_keyed(backups), restore_points=_keyed(restore_points),
            vm_restore_points=_keyed(vm_points), backup_files=_keyed(files), replicas=_keyed(replicas),
            tasks=_keyed(tasks),
            children={relation: dict(parents) for relation, parents in self.kids.items()},
        )

    def servers(self) -> list[BackupServer]:
        return [BackupServer(self.new_id(), f"vbr{n:02d}.corp.example", f"Backup server {n}", 9392,
                             self.rng.choice(("12.3.1.1139", "13.0.1.1071")))
                for n in range(1, self.share("servers") + 1)]

    def repositories(self, servers: list[BackupServer]) -> list[Repository]:
        """At least one per server, so every job finds a repository on its own server; empty until
        `_fill` counts the backup files kept on each."""
        out = []
        for n in range(max(len(servers), self.share("repositories"))):
            server = servers[n] if n < len(servers) else self.rng.choice(servers)
            capacity = self.rng.randrange(1, 64) * _VOLUME_STEP
            out.append(Repository(self.new_id(), f"Backup Volume {n + 1:02d}", server.id, capacity, capacity,
                                  self.rng.choice(_REPO_KINDS)))
            self.adopt("server.repositories", server.id, out[-1].id)
        return out

    def jobs(self, servers: list[BackupServer]) -> list[Job]:
        """The first two are a backup job and a replication job, so both families always exist."""
        out = []
        for n in range(self.share("jobs", minimum=2)):
            job_type = ("Backup", "Replica")[n] if n < 2 else self.rng.choice(_JOB_TYPES)
            server = self.rng.choice(servers)
            enabled = self.rng.random() < 0.8
            out.append(Job(self.new_id(), f"{self.rng.choice(_TEAMS)} {_JOB_NOUNS[job_type]} {n + 1}", server.id,
                           job_type, self.rng.choice(_PLATFORMS),
                           f"Protects the {self.rng.choice(_TEAMS).lower()} workloads", True, enabled,
                           self.next_run() if enabled else None))
            self.adopt("server.jobs", server.id, out[-1].id)
        return out

    def next_run(self) -> datetime:
        """Within the next day, on the minute, as a schedule sets it."""
        return self.now.replace(second=0) + timedelta(hours=self.rng.randrange(1, 24))

    def includes(self, jobs: list[Job]) -> list[JobInclude]:
        """At least one VM per job; VM names are unique across the estate."""
        out = []
        for n in range(max(len(jobs), self.share("includes"))):
            job = jobs[n] if n < len(jobs) else self.rng.choice(jobs)
            order = len(self.kids["job.includes"][job.id])
            out.append(JobInclude(self.new_id(), job.id, f"vm-{n + 1:05d}",
                                  f"urn:{job.platform}:Vm:{job.server_id}.vm-{n + 1}", order))
            self.adopt("job.includes", job.id, out[-1].id)
        return out

    def backups(self, jobs: list[Job]) -> list[Backup]:
        """One backup per backup-family job, kept on a repository of the job's server."""
        out = []
        for job in jobs:
            if job.job_type == "Replica":
                continue
            repo = self.rng.choice(self.kids["server.repositories"][job.server_id])
            out.append(Backup(self.new_id(), job.id, repo, job.platform, "Standard"))
            self.adopt("repository.backups", repo, out[-1].id)
            self.adopt("job.backups", job.id, out[-1].id)
        return out

    def sessions(self, jobs: list[Job]) -> list[JobSession]:
        """Runs of backup-family jobs over the last 30 days, a share of them (the first always) ended
        within the last day; a few are still working (the second always, started in the last hours)."""
        backup_jobs = [j for j in jobs if j.job_type != "Replica"]
        out = []
        for n in range(self.share("sessions")):
            job = backup_jobs[0] if n == 0 else self.rng.choice(backup_jobs)
            running = n == 1 or (n > 1 and self.rng.random() < 0.05)
            if running:
                created, ended = self.now - timedelta(minutes=self.rng.randrange(5, 4 * 60)), None
            else:
                recent = n == 0 or self.rng.random() < _RECENT
                ago = self.rng.randrange(10, 24 * 60) if recent else self.rng.randrange(24 * 60, 30 * 24 * 60)
                ended = self.now - timedelta(minutes=ago)
                created = ended - timedelta(seconds=self.rng.randrange(60, 4 * 3600))
            result = "Success" if n == 0 else ("None" if running else self.rng.choice(_RESULTS))
            out.append(JobSession(self.new_id(), job.id, created, ended, "Working" if running else "Stopped", result,
                                  self.rng.randrange(1, 100) if running else 100, self.rng.random() < 0.1, None))
        return out

    def restore_points(self, sessions: list[JobSession]) -> list[RestorePoint]:
        """Finished, not failed sessions leave a restore point in their job's backup (updates `sessions`)."""
        eligible = [i for i, s in enumerate(sessions) if s.ended is not None and s.result != "Failed"]
        wanted = min(len(eligible) - 1, self.share("restore_points") - 1)
        out = []
        for i in sorted([0, *self.rng.sample(eligible[1:], wanted)]):
            session = sessions[i]
            backup = self.kids["job.backups"][session.job_id][0]
            out.append(RestorePoint(self.new_id(), backup, session.id, session.ended))  # type: ignore[arg-type]
            sessions[i] = replace(session, restore_point_id=out[-1].id)
            self.adopt("backup.restore_points", backup, out[-1].id)
        return out

    def task_sessions(self, sessions: list[JobSession], includes: list[JobInclude]) -> list[TaskSession]:
        """A VM's processing in a session: every session that finished without failing first gets one
        (it processed its VMs, so its restore point holds some), the rest go to sessions at random."""
        by_id = {inc.id: inc for inc in includes}
        owed = [s for s in sessions if s.ended is not None and s.result != "Failed"]
        out = []
        for n in range(max(len(owed), self.share("task_sessions"))):
            drawn = sessions[0] if n == 0 else self.rng.choice(sessions)
            session = owed[n] if n < len(owed) else drawn
            vm = by_id[self.rng.choice(self.kids["job.includes"][session.job_id])]
            out.append(_task_session(self.new_id(), session, vm.name, self.rng))
            self.adopt("session.task_sessions", session.id, out[-1].id)
        return out

    def vm_restore_points(self, task_sessions: list[TaskSession], sessions: dict[str, JobSession],
                          includes: list[JobInclude]) -> list[VmRestorePoint]:
        """A VM's point in its session's restore point, per task that did not fail (updates `task_sessions`)."""
        by_name = {inc.name: inc for inc in includes}
        out = []
        for i, ts in enumerate(task_sessions):
            rp_id = sessions[ts.session_id].restore_point_id
            if rp_id is None or ts.ended is None or ts.result == "Failed":
                continue
            full = self.rng.random() < 0.3
            out.append(VmRestorePoint(self.new_id(), rp_id, ts.vm_name, ts.ended, "Full" if full else "Incremental",
                                      "Full" if full else "Increment", by_name[ts.vm_name].hierarchy_ref))
            task_sessions[i] = replace(ts, vm_restore_point_id=out[-1].id)
            self.adopt("restore_point.vm_restore_points", rp_id, out[-1].id)
        return out

    def replicas(self, jobs: list[Job]) -> list[Replica]:
        replica_jobs = [j for j in jobs if j.job_type == "Replica"]
        out = []
        for _ in range(self.share("replicas")):
            job = self.rng.choice(replica_jobs)
            repo = self.rng.choice(self.kids["server.repositories"][job.server_id])
            out.append(Replica(self.new_id(), job.id, repo, job.platform))
            self.adopt("repository.replicas", repo, out[-1].id)
        return out

    def tasks(self, jobs: list[Job]) -> list[Task]:
        out = []
        for n in range(1, self.share("tasks") + 1):
            ok = self.rng.random() < 0.9
            out.append(Task(f"task-{n}", self.rng.choice(_OPERATIONS), "Finished", ok,
                            "Operation completed" if ok else "Operation failed", "jobs", self.rng.choice(jobs).id))
        return out

    def backup_files(self, jobs: list[Job], backups: list[Backup], restore_points: list[RestorePoint],
                     task_sessions: list[TaskSession]) -> list[BackupFile]:
        """One file per restore point: the first of each backup a full (.vbk), later ones increments (.vib).

        Drawn after everything else and without the generator, so adding files left the rest of
        the estate as it was for every seed.
        """
        jobs_by_id = {j.id: j for j in jobs}
        job_of = {b.id: jobs_by_id[b.job_id] for b in backups}
        sizes: defaultdict[str, int] = defaultdict(int)
        for t in task_sessions:
            sizes[t.session_id] += t.total_size
        out = []
        for p in sorted(restore_points, key=lambda p: (p.backup_id, p.backup_date)):
            job = job_of[p.backup_id]
            full = not self.kids["backup.backup_files"][p.backup_id]
            file_type = "vbk" if full else "vib"
            name = f"{job.name}D{p.backup_date:%Y-%m-%dT%H%M%S}.{file_type}"
            digest = hashlib.sha256(f"{self.seed}:file:{p.id}".encode()).digest()
            out.append(BackupFile(str(uuid.UUID(bytes=digest[:16], version=4)), p.backup_id, p.id,
                                  f"{job.name}/{name}", file_type, p.backup_date, sizes[p.session_id] // 2,
                                  sizes[p.session_id]))
            self.adopt("backup.backup_files", p.backup_id, out[-1].id)
        return out


def _task_session(id_: str, session: JobSession, vm: str, rng: random.Random) -> TaskSession:
    """A VM's share of a session: still running with it, or finished inside its time span."""
    start = session.created + timedelta(seconds=rng.randrange(0, 60))
    if session.ended is None:
        return TaskSession(id_, session.id, vm, start, None, "InProgress", "None", "", 0, None)
    end = min(session.ended, start + timedelta(seconds=rng.randrange(30, 3600)))
    result = session.result if rng.random() < 0.7 else "Success"
    reason = "" if result == "Success" else rng.choice(("Low free space on the datastore", "Snapshot timed out"))
    return TaskSession(id_, session.id, vm, start, end, "Completed", result, reason,
                       rng.randrange(1, 200) * 2**30, None)


def _fill(repositories: list[Repository], backups: list[Backup], files: list[BackupFile]) -> list[Repository]:
    """Each repository's free space is its capacity less the backup files on it: the one figure of used
    space that the entity, the query rows and the repository report all show (a volume that would
    overflow grows to hold a quarter more than it does)."""
    on = {b.id: b.repository_id for b in backups}
    used: defaultdict[str, int] = defaultdict(int)
    for f in files:
        used[on[f.backup_id]] += f.backup_size
    out = []
    for r in repositories:
        steps = -(-used[r.id] * 5 // (4 * _VOLUME_STEP))  # rounded up
        capacity = max(r.capacity, steps * _VOLUME_STEP)
        out.append(replace(r, capacity=capacity, free_space=capacity - used[r.id]))
    return out


def _keyed(items: list) -> dict:
    return {item.id: item for item in items}
