"""The elements after `<Links>` in each entity, in the order the schema's sequences declare them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from .hrefs import View
from .kinds import KINDS
from .model import JobInclude
from .tree import Node, absent, el, shared, values

__all__ = ["FIELDS", "object_in_job"]


@cache
def _one_copy(build: Callable[..., Node], *args: Any) -> Node:
    """The one shared copy of a subtree that depends on its arguments alone."""
    return shared(build(*args))


def _constant(v: View, build: Callable[..., Node], *args: Any) -> Node:
    """A subtree every job or VM with these arguments carries alike: built and rendered once where
    the app shares subtrees (a job's VMs are thousands of them), else fresh for faults to change."""
    return _one_copy(build, *args) if v.kept is not None else build(*args)


def _when(name: str, value: datetime | None) -> Node:
    return absent(name) if value is None else el(name, value)


_WEEK = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_YEAR = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December")
_SKIPPED = {"Windows": ("%SystemRoot%\\Temp", "C:\\$Recycle.Bin", "C:\\System Volume Information"),
            "Linux": ("/proc", "/sys", "/tmp", "/var/tmp")}
"""The folders a VM's file indexing leaves out: the guest's temporary and system ones."""


def _indexing(system: str, indexed: bool) -> Node:
    """File indexing of one kind of guest: off, or of every folder but the skipped ones.

    Both lists are always there, empty or not, as servers send them (`[]` in JSON)."""
    skipped = _SKIPPED[system] if indexed else ()
    return el(f"{system}GuestFSIndexingOptions", None,
              el("FileSystemIndexingMode", "ExceptSpecifiedFolders" if indexed else "Disabled"),
              el("IncludedIndexingFolders", None, *values("Path")),
              el("ExcludedIndexingFolders", None, *values("Path", *skipped)))


def _guest_processing(indexed: bool = False) -> Node:
    """Guest processing as a job configured without application awareness reports it: no VSS, no
    SQL log backup, no guest credentials; the job indexes no files, each of its VMs its own."""
    return el("GuestProcessingOptions", None,
              el("VssSnapshotOptions", None, el("VssSnapshotMode", "Disabled"), el("IsCopyOnly", False)),
              _indexing("Windows", indexed), _indexing("Linux", indexed),
              el("SqlBackupOptions", None, el("TransactionLogsProcessing", "Never"), el("BackupLogsFrequencyMin", 15),
                 el("UseDbBackupRetention", True), el("RetainDays", 15)),
              el("WindowsCredentialsId", ""), el("LinuxCredentialsId", ""))


def object_in_job(v: View, inc: JobInclude, *extra: Node) -> Node:
    """A VM in a job, embedded in the job's entity or served on its own (then with links)."""
    return el("ObjectInJob", None, *extra, el("ObjectInJobId", inc.id), el("HierarchyObjRef", inc.hierarchy_ref),
              el("Name", inc.name), el("DisplayName", inc.name), el("Order", inc.order),
              _constant(v, _guest_processing, True),
              Type="ObjectInJob", Href=v.href(f"jobs/{inc.job_id}/includes/{inc.id}"))


_JOB_INFO = {"Backup": "BackupJobInfo", "Replica": "ReplicaJobInfo", "BackupCopy": "BackupCopyJobInfo"}


def _hours(holder: str) -> Node:
    """A week of hours a schedule may use (`<Day Name="Sunday">1,1,...</Day>`): every hour of every day."""
    return el(holder, None, *(el("Day", ",".join("1" * 24), Name=day) for day in _WEEK), items="Day")


def _schedule(configured: bool) -> Node:
    """What a job made with the defaults carries: every kind of schedule, the daily one at 22:00 on
    every day alone enabled (when the job is scheduled), with three retries."""
    at = "22:00:00.0000000+00:00"
    return el("JobScheduleOptions", None, el("Standart", None,
              el("RetryOptions", None, el("RetryTimes", 3), el("RetryTimeout", 10), el("RetrySpecified", True),
                 el("RetrySpecified1", True)),
              el("WaitForBackupCompletion", True), el("BackupCompetitionWaitingPeriodMin", 180),
              el("OptionsDaily", None, el("Kind", "Everyday"), *values("Days", *_WEEK), el("Time", at),
                 el("TimeOffsetUtc", 0), Enabled=configured),
              el("OptionsMonthly", None, el("Time", at), el("TimeOffsetUtc", 0), el("DayNumberInMonth", "Fourth"),
                 el("DayOfWeek", "Saturday"), *values("Months", *_YEAR), el("DayOfMonth", 1), Enabled=False),
              el("OptionsPeriodically", None, el("Kind", "Hours"), el("FullPeriod", 1), _hours("Schedule"),
                 Enabled=False),
              el("OptionsContinuous", None, _hours("Schedule"), Enabled=False),
              el("OptionsBackupWindow", None, _hours("TimePeriods"), Enabled=False),
              el("OptionsDaisyChaining", None, el("PreviousJobUid", ""), Enabled=False)))


def _storage() -> Node:
    return el("AdvancedStorageOptions", None, el("PasswordKeyId", ""))


def _gfs() -> Node:
    def period(name: str, pick: str, value: str) -> Node:
        return el(name, None, el("Enabled", False), el("RetentionPeriod", 1), el(pick, value))

    return el("GfsRetentionPolicy", None, period("Weekly", "SelectedDay", "Sunday"),
              period("Monthly", "SelectedWeek", "First"), period("Yearly", "SelectedMonth", "January"), Enabled=False)


def _simple_retention() -> Node:
    return el("SimpleRetentionPolicy", None, el("RetainCycles", 7), el("RetainDaysToKeep", 7),
              el("RetainLimitType", "Cycles"))


def _retention(v: View) -> list[Node]:
    """What a backup job keeps: storage options, no GFS, and seven restore points."""
    return [_constant(v, _storage), _constant(v, _gfs), _constant(v, _simple_retention)]


def _embedded(v: View, inc: JobInclude) -> Node:
    """A VM as its job's entity shows it, kept while it stays."""
    return v.keep(("ObjectInJob in its job", inc.id), inc, lambda: object_in_job(v, inc))


def _job(v: View, job: Any) -> list[Node]:
    includes = [_embedded(v, v.ds.includes[i]) for i in v.ds.kids("job.includes", job.id)]
    if job.job_type == "BackupCopy":  # what it copies is linked, not listed: none in the mock
        details = [el("LinkedJobIncludes", None, items="LinkedJobObject"), el("LinkedBackupIncludes", None),
                   el("LinkedBackupRepositoryIncludes", None, items="LinkedBackupRepository")]
    else:
        details = [el("Includes", None, *includes, items="ObjectInJob")]
    if job.job_type == "Backup":
        details += [_constant(v, _guest_processing, False), *_retention(v)]
    info = el(_JOB_INFO[job.job_type], None, *details)
    return [el("JobType", job.job_type), el("Platform", job.platform), el("Description", job.description),
            el("ScheduleConfigured", job.schedule_configured), el("ScheduleEnabled", job.schedule_enabled),
            _when("NextRun", job.next_run), _constant(v, _schedule, job.schedule_configured), el("JobInfo", None, info)]


def _session(v: View, s: Any) -> list[Node]:
    job = v.ds.jobs[s.job_id]
    return [el("JobUid", KINDS["jobs"].uid(job.id)), el("JobName", job.name), el("JobType", job.job_type),
            el("CreationTimeUTC", s.created), _when("EndTimeUTC", s.ended), el("State", s.state),
            el("Result", s.result), el("Progress", s.progress), el("IsRetry", s.is_retry)]


def _task_session(v: View, t: Any) -> list[Node]:
    return [el("JobSessionUid", KINDS["backupSessions"].uid(t.session_id)), el("CreationTimeUTC", t.created),
            _when("EndTimeUTC", t.ended), el("State", t.state), el("Result", t.result), el("Reason", t.reason),
            el("TotalSize", t.total_size)]


FIELDS: Mapping[str, Callable[[View, Any], list[Node]]] = {
    "backupServers": lambda v, s: [el("Description", s.description), el("Port", s.port), el("Version", s.version)],
    "jobs": _job,
    "backupSessions": _session,
    "backupTaskSessions": _task_session,
    "repositories": lambda v, r: [el("Capacity", r.capacity), el("FreeSpace", r.free_space), el("Kind", r.kind)],
    "backups": lambda v, b: [el("Platform", b.platform), el("BackupType", b.backup_type)],
    "restorePoints": lambda v, p: [el("BackupDateUTC", p.backup_date)],
    "vmRestorePoints": lambda v, p: [el("CreationTimeUTC", p.created), el("Algorithm", p.algorithm), el("PointType", p.point_type),
                                     el("HierarchyObjRef", p.hierarchy_ref)],
    "replicas": lambda v, r: [el("Platform", r.platform)],
    "backupFiles": lambda v, f: [el("FilePath", f.path), el("BackupSize", f.backup_size), el("DataSize", f.data_size),
                                 el("CreationTimeUtc", f.created), el("FileType", f.file_type)],
}
