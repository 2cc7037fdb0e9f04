"""Specification of the mock's clock: its data lives around the moment it is generated for, one
pinned moment serves the same bodies every time, and what the reports count agrees with the
records a query finds over the same period."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from conformance.mock import create_app, generate_dataset
from conformance.mock.data import moment_text, parse_moment

NS = {"v": "http://www.veeam.com/ent/v1.0"}
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- the data around its moment ----------------------------------------------------------------------

def test_without_a_moment_the_data_is_generated_for_the_current_utc_time_in_whole_seconds():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    ds = generate_dataset(5)
    after = datetime.now(timezone.utc)
    assert before <= ds.now <= after
    assert ds.now.tzinfo is not None and ds.now.utcoffset() == timedelta(0) and ds.now.microsecond == 0


@pytest.mark.parametrize("size", [5, 40, 1000])
def test_every_time_in_the_data_lies_on_the_right_side_of_its_moment(size):
    ds = generate_dataset(size, seed=2, now=NOW)
    for s in ds.sessions.values():
        assert NOW - timedelta(days=31) < s.created < NOW
        assert s.ended is None or s.created < s.ended <= NOW
    for t in ds.task_sessions.values():
        assert t.created < NOW and (t.ended is None or t.ended <= NOW)
    kept = [p.backup_date for p in ds.restore_points.values()]
    kept += [p.created for p in (*ds.vm_restore_points.values(), *ds.backup_files.values())]
    assert all(when <= NOW for when in kept)
    for job in ds.jobs.values():
        assert job.next_run is None or NOW < job.next_run <= NOW + timedelta(days=1)


def test_some_sessions_ended_within_the_last_day_and_a_few_are_still_working_since_the_last_hours():
    ds = generate_dataset(40, seed=5, now=NOW)
    recent = [s for s in ds.sessions.values() if s.ended is not None and s.ended > NOW - timedelta(days=1)]
    working = [s for s in ds.sessions.values() if s.state == "Working"]
    assert recent and working
    assert all(s.ended is None and s.created > NOW - timedelta(hours=4) for s in working)


def test_another_moment_shifts_every_time_and_changes_nothing_else():
    shift = timedelta(days=40, hours=7)
    a, b = generate_dataset(60, seed=3, now=NOW), generate_dataset(60, seed=3, now=NOW + shift)
    assert list(a.sessions) == list(b.sessions) and list(a.backup_files) == list(b.backup_files)
    for old, new in zip(a.sessions.values(), b.sessions.values()):
        assert new.created - old.created == shift and (old.ended is None or new.ended - old.ended == shift)
        assert (new.state, new.result, new.job_id) == (old.state, old.result, old.job_id)
    for old, new in zip(a.jobs.values(), b.jobs.values()):
        assert old.next_run is None or new.next_run - old.next_run == shift


def test_a_moment_without_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        generate_dataset(5, now=datetime(2026, 1, 1))


@pytest.mark.parametrize("text, expected", [
    ("2026-01-01T00:00:00Z", NOW),
    ("2026-01-01T02:00:00+02:00", NOW),
    ("2026-01-01T00:00:00", NOW),  # no offset: UTC
    ("2026-01-01T00:00:00.750Z", NOW),  # whole seconds, as the API shows times
])
def test_a_moment_is_read_from_iso_8601_as_utc(text, expected):
    assert parse_moment(text) == expected
    assert parse_moment(moment_text(parse_moment(text))) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01T00:00:00Z", ""])
def test_a_moment_that_is_not_iso_8601_is_refused_saying_what_is_expected(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_moment(text)


# -- the same moment and seed, the same bodies --------------------------------------------------------

PATHS = ["/api/", "/api/logonSessions", "/api/jobs?format=Entity", "/api/backupSessions?format=Entity",
         "/api/backupTaskSessions?format=Entity", "/api/restorePoints?format=Entity", "/api/backupFiles?format=Entity",
         "/api/repositories?format=Entity", "/api/tasks", "/api/querySvc",
         "/api/query?type=BackupJobSession&format=Entities&sortDesc=CreationTime",
         "/api/query?type=VmRestorePoint&format=Entities&filter=" + quote("CreationTime>=2025-12-31T00:00:00Z"),
         *(f"/api/reports/summary/{frame}" for frame in
           ("overview", "vms_overview", "job_statistics", "processed_vms", "repository"))]


@pytest.mark.anyio
async def test_two_mocks_of_the_same_moment_and_seed_serve_identical_bodies(connect):
    served = []
    for _ in range(2):
        app = create_app(generate_dataset(40, seed=1, now=parse_moment("2026-01-01T00:00:00Z")))
        async with connect(app) as client:
            bodies = []
            for path in PATHS:
                for accept in ("application/xml", "application/json"):
                    response = await client.get(path, headers={"Accept": accept})
                    assert response.status_code == 200, (path, response.text)
                    bodies.append(response.content)
            served.append(bodies)
    assert served[0] == served[1]


# -- the reports count what the records say -----------------------------------------------------------

@pytest.fixture
def app():
    return create_app(generate_dataset(200, seed=11, now=NOW + timedelta(hours=9, minutes=30)))


async def _count(session: httpx.AsyncClient, type_: str, condition: str) -> int:
    result = xml(await session.get(f"/api/query?type={type_}&filter={quote(condition)}"))
    return len(result.findall("v:Refs/v:Ref", NS))


def _figures(frame: etree._Element) -> dict[str, str]:
    return {etree.QName(child).localname: child.text for child in frame if child.text is not None}


@pytest.mark.anyio
async def test_job_statistics_count_the_runs_a_query_finds_over_the_reports_seven_days(app, session):
    first_day = (app.state.dataset.now - timedelta(days=6)).strftime("%Y-%m-%dT00:00:00Z")
    figures = _figures(xml(await session.get("/api/reports/summary/job_statistics")))
    since = f"CreationTime>={first_day}"
    assert int(figures["TotalJobRuns"]) == await _count(session, "BackupJobSession", since) > 0
    for figure, result in (("SuccessfulJobRuns", "Success"), ("WarningsJobRuns", "Warning"),
                           ("FailedJobRuns", "Failed")):
        assert int(figures[figure]) == await _count(session, "BackupJobSession", f"{since};Result=={result}")
    assert int(figures["FailedJobRuns"]) > 0
    assert int(figures["FailedJobRuns"]) < await _count(session, "BackupJobSession", "Result==Failed")


@pytest.mark.anyio
async def test_running_jobs_are_the_jobs_of_the_working_sessions(session):
    working = xml(await session.get("/api/query?type=BackupJobSession&format=Entities&filter=State==Working"))
    jobs = {s.findtext("v:JobUid", namespaces=NS) for s in working.iterfind("v:Entities/v:BackupJobSessions/*", NS)}
    for frame in ("overview", "job_statistics"):
        assert int(_figures(xml(await session.get(f"/api/reports/summary/{frame}")))["RunningJobs"]) == len(jobs) > 0


@pytest.mark.anyio
async def test_processed_vms_are_counted_per_day_over_the_seven_days_ending_today(app, session):
    today = app.state.dataset.now.replace(hour=0, minute=0, second=0)
    days = xml(await session.get("/api/reports/summary/processed_vms")).findall("v:Day", NS)
    assert [moment(d.get("Timestamp")) for d in days] == [today - timedelta(days=n) for n in range(6, -1, -1)]
    for day in days:
        start = moment(day.get("Timestamp"))
        within = (f"CreationTime>={moment_text(start)};"
                  f"CreationTime<{moment_text(start + timedelta(days=1))}")
        assert int(day.get("BackupedVms")) == await _count(session, "BackupTaskSession", within)
    assert int(days[-1].get("BackupedVms")) > 0


@pytest.mark.anyio
async def test_a_query_over_the_last_24_hours_finds_sessions(app, session):
    since = moment_text(app.state.dataset.now - timedelta(hours=24))
    assert await _count(session, "BackupJobSession", f"CreationTime>={since}") > 0
    assert await _count(session, "BackupTaskSession", f"CreationTime>={since}") > 0


@pytest.mark.anyio
async def test_a_schedule_switched_on_runs_next_an_hour_after_the_moment_of_the_data(app, session):
    ds = app.state.dataset
    job = next(j for j in ds.jobs.values() if not j.schedule_enabled)
    response = await session.post(f"/api/jobs/{job.id}?action=toggleScheduleEnabled")
    assert response.status_code == 202
    entity = xml(await session.get(f"/api/jobs/{job.id}?format=Entity"))
    assert moment(entity.findtext("v:NextRun", namespaces=NS)) == ds.now.replace(second=0) + timedelta(hours=1)


# -- a run's mock: one moment, named in its reproductions -------------------------------------------

def _settings(**changes):
    from conformance.run.settings import OPTIONS, Settings

    values = {opt.name: opt.default for opt in OPTIONS}
    values.update(target="mock", mock_size=5, **changes)
    return Settings(**values)


@pytest.mark.parametrize("pinned", [None, NOW])
def test_a_runs_mock_is_generated_for_one_moment_that_the_reproductions_start_it_with(pinned):
    from conformance.run.runner import close_run, prepare_run

    run = prepare_run(_settings(mock_now=pinned))
    try:
        assert run.mock_now == run.mock.app.state.dataset.now
        assert pinned is None or run.mock_now == pinned
        command = run.replay().mock.split()
        assert command[command.index("--now") + 1] == moment_text(run.mock_now)
    finally:
        close_run(run)
