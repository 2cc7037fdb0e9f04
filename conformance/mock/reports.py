"""The summary report and its five frames, with figures computed from the dataset."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .hrefs import View
from .model import Dataset
from .tree import Node, el, link, links

__all__ = ["FRAMES", "PERIOD_DAYS", "Summary", "period_start", "summarise", "summary_report"]

PERIOD_DAYS = 7
"""The days a report covers: the day of the data's `now` (UTC) and the six before it. Job runs and
processed VMs are counted over them; states (running, scheduled, latest results) are as of `now`."""


def period_start(now: datetime) -> datetime:
    """Midnight (UTC) of the first day of the report's period ending at `now`."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=PERIOD_DAYS - 1)


@dataclass(frozen=True)
class Summary:
    """Figures every frame draws on; computed once per dataset (one linear pass per kind)."""

    running_jobs: int
    scheduled: Counter[str]
    vm_results: Counter[str]
    protected_vms: int
    backed_up_vms: int
    replicated_vms: int
    vm_points: int
    point_sizes: Counter[str]
    source_size: int
    runs: Counter[str]
    longest_run: tuple[int, str]
    days: tuple[tuple[datetime, int, int], ...]
    repositories: tuple[tuple[str, int, int, int], ...]


def summarise(ds: Dataset) -> Summary:
    """Compute the report figures from the records and the data's own clock (`ds.now`), so a report
    counts what a query over the same period finds: latest result per VM, runs, sizes, days."""
    start = period_start(ds.now)
    latest: dict[str, tuple[datetime, str]] = {}
    size_of_task: dict[str, int] = {}
    per_day: Counter[datetime] = Counter()
    for t in ds.task_sessions.values():
        if t.vm_name not in latest or latest[t.vm_name][0] < t.created:
            latest[t.vm_name] = (t.created, t.result)
        if t.vm_restore_point_id:
            size_of_task[t.vm_restore_point_id] = t.total_size
        per_day[t.created.replace(hour=0, minute=0, second=0, microsecond=0)] += 1
    point_sizes: Counter[str] = Counter()
    for p in ds.vm_restore_points.values():
        point_sizes[p.point_type] += size_of_task.get(p.id, 0)
    in_period = [s for s in ds.sessions.values() if start <= s.created <= ds.now]
    longest = (0, "")
    for s in in_period:
        if s.ended is not None:
            longest = max(longest, (int((s.ended - s.created).total_seconds()), ds.jobs[s.job_id].name))
    days = tuple((start + timedelta(days=n), per_day[start + timedelta(days=n)], 0) for n in range(PERIOD_DAYS))
    replica_jobs = {r.job_id for r in ds.replicas.values()}
    return Summary(
        running_jobs=len({s.job_id for s in ds.sessions.values() if s.state == "Working"}),
        scheduled=Counter(j.job_type for j in ds.jobs.values() if j.schedule_enabled),
        vm_results=Counter(result for _, result in latest.values()),
        protected_vms=len(ds.includes),
        backed_up_vms=len({p.vm_name for p in ds.vm_restore_points.values()}),
        replicated_vms=sum(len(ds.kids("job.includes", j)) for j in replica_jobs),
        vm_points=len(ds.vm_restore_points),
        point_sizes=point_sizes,
        source_size=sum(t.total_size for t in ds.task_sessions.values()),
        runs=Counter(s.result for s in in_period),
        longest_run=longest,
        days=days,
        repositories=tuple((r.name, r.capacity, r.free_space, r.used_space) for r in ds.repositories.values()),
    )


def _frame(v: View, root: str, segment: str, *children: Node, items: str | None = None, **attrs: str) -> Node:
    up = link("Up", v.href("reports/summary"), "Report", "Summary")
    return el(root, None, links(up), *children, items=items, Href=v.href(f"reports/summary/{segment}"),
              Type="ReportFrame", **attrs)


def _overview(v: View, s: Summary) -> Node:
    return _frame(v, "OverviewReportFrame", "overview",
                  el("BackupServers", len(v.ds.backup_servers)), el("ProxyServers", len(v.ds.backup_servers)),
                  el("RepositoryServers", len(v.ds.repositories)), el("RunningJobs", s.running_jobs),
                  el("ScheduledJobs", sum(s.scheduled.values())),
                  el("SuccessfulVmLastestStates", s.vm_results["Success"]),
                  el("WarningVmLastestStates", s.vm_results["Warning"]),
                  el("FailedVmLastestStates", s.vm_results["Failed"]))


def _vms_overview(v: View, s: Summary) -> Node:
    finished = s.vm_results["Success"] + s.vm_results["Warning"] + s.vm_results["Failed"]
    percent = round(100 * s.vm_results["Success"] / finished) if finished else 0
    return _frame(v, "VmsOverviewReportFrame", "vms_overview",
                  el("ProtectedVms", s.protected_vms), el("BackedUpVms", s.backed_up_vms),
                  el("ReplicatedVms", s.replicated_vms), el("RestorePoints", s.vm_points),
                  el("FullBackupPointsSize", s.point_sizes["Full"]),
                  el("IncrementalBackupPointsSize", s.point_sizes["Increment"]), el("ReplicaRestorePointsSize", 0),
                  el("SourceVmsSize", s.source_size), el("SuccessBackupPercents", percent),
                  el("ProtectedVmsReportLink", "Reports/ProtectedVms"))


def _job_statistics(v: View, s: Summary) -> Node:
    seconds, name = s.longest_run
    return _frame(v, "JobStatisticsReportFrame", "job_statistics",
                  el("RunningJobs", s.running_jobs), el("ScheduledJobs", sum(s.scheduled.values())),
                  el("ScheduledBackupJobs", s.scheduled["Backup"] + s.scheduled["BackupCopy"]),
                  el("ScheduledReplicaJobs", s.scheduled["Replica"]), el("TotalJobRuns", sum(s.runs.values())),
                  el("SuccessfulJobRuns", s.runs["Success"]), el("WarningsJobRuns", s.runs["Warning"]),
                  el("FailedJobRuns", s.runs["Failed"]), el("MaxJobDuration", seconds),
                  el("MaxBackupJobDuration", seconds), el("MaxReplicaJobDuration", 0),
                  el("MaxDurationBackupJobName", name), el("MaxDurationReplicaJobName", ""),
                  el("BackupJobStatusReportLink", "Reports/BackupJobStatus"))


def _repository(v: View, s: Summary) -> Node:
    periods = [el("Period", None, el("Name", name), el("Capacity", capacity), el("FreeSpace", free),
                  el("BackupSize", used)) for name, capacity, free, used in s.repositories]
    return _frame(v, "RepositoryReportFrame", "repository", *periods, items="Period",
                  CapacityPlanningReportLink="Reports/CapacityPlanning")


def _processed_vms(v: View, s: Summary) -> Node:
    days = [el("Day", Timestamp=day, ReplicatedVms=replicated, BackupedVms=backed_up)
            for day, backed_up, replicated in s.days]
    return _frame(v, "ProcessedVmsReportFrame", "processed_vms", *days, items="Day")


FRAMES: Mapping[str, tuple[str, Callable[[View, Summary], Node]]] = {
    "overview": ("Overview", _overview),
    "vms_overview": ("VMs overview", _vms_overview),
    "job_statistics": ("Job statistics", _job_statistics),
    "processed_vms": ("Processed VMs", _processed_vms),
    "repository": ("Repositories", _repository),
}
"""URL segment -> (link Name, frame builder)."""


def summary_report(v: View) -> Node:
    """`SummaryReport`: Down links to each frame."""
    frames = [link("Down", v.href(f"reports/summary/{segment}"), "ReportFrame", title)
              for segment, (title, _) in FRAMES.items()]
    return el("SummaryReport", None, links(*frames), Href=v.href("reports/summary"), Type="Report")
