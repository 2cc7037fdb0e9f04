"""What the open-source clients of the API do, played against the mock over a real socket.

Monitoring plugins, exporters and client libraries, run unchanged, log on and build their token
from the `SessionId` of the body, filter queries with the documented fields in the case they
like, and iterate lists that may be empty. And the bodies live servers sent them (the captures,
read where they lie) have the member structure of the mock's answers to the same requests.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.mock.server import MockServer
from test_captures import captures_folder

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[str, Any]]:
    ds = generate_dataset(120, seed=2, now=NOW)
    with MockServer(create_app(ds)) as server:
        yield server.url, ds


def _session_id(url: str) -> str:
    """Log on as a collector does: Basic credentials, the answer's body read as JSON."""
    with httpx.Client(base_url=url, headers=JSON) as logon:
        response = logon.post("sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    assert response.status_code == 201, response.text
    return response.json()["SessionId"]


def _token(session_id: str) -> str:
    return base64.b64encode(session_id.encode()).decode()


@pytest.fixture
def client(mock) -> Iterator[httpx.Client]:
    """A client that ignores the token header of the logon answer and sends base64 of SessionId."""
    url, _ = mock
    with httpx.Client(base_url=url, headers={**JSON, "X-RestSvcSessionId": _token(_session_id(url))}) as c:
        yield c


def test_base64_of_the_session_id_is_the_token_in_the_header(client):
    assert client.get("jobs").status_code == 200


def test_base64_of_the_session_id_is_the_token_in_the_cookie(mock):
    url, _ = mock
    with httpx.Client(base_url=url, headers=JSON, cookies={"X-RestSvcSessionId": _token(_session_id(url))}) as c:
        assert c.get("backupSessions").status_code == 200
        assert c.get("jobs", headers={"X-RestSvcSessionId": "not-a-token"}).status_code == 200  # the cookie wins


def test_the_documented_creation_time_filter_of_replica_job_sessions_is_answered(client):
    since = (NOW - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S")
    response = client.get(f"query?type=ReplicaJobSession&format=Entities&filter=CreationTime>={since}")
    assert response.status_code == 200, response.text
    sessions = response.json()["Entities"]["ReplicaJobSessions"]["ReplicaJobSessions"]
    assert sessions and all(s["CreationTimeUTC"] >= since for s in sessions)


def test_filters_as_clients_write_them_lower_case_quoted_and_combined(client, mock):
    _, ds = mock
    response = client.get('query?type=BackupJobSession&format=entities&filter=result=="Failed";endtime>"2026-11-20"')
    assert response.status_code == 200, response.text
    got = {s["UID"] for s in response.json()["Entities"]["BackupJobSessions"]["BackupJobSessions"]}
    cut = datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert got and got == {f"urn:veeam:BackupJobSession:{s.id}" for s in ds.sessions.values()
                           if s.result == "Failed" and s.ended is not None and s.ended > cut}


def test_a_field_no_page_documents_is_a_400_error_naming_it(client):
    response = client.get("query?type=ReplicaJobSession&filter=Colour==blue")
    assert response.status_code == 400
    assert "'Colour'" in response.json()["Message"]


def test_an_empty_list_of_task_sessions_is_an_array_a_client_can_iterate(client, mock):
    _, ds = mock
    idle = next(s for s in ds.sessions.values() if not ds.kids("session.task_sessions", s.id))
    listed = client.get(f"backupSessions/{idle.id}/taskSessions?format=Entity").json()
    assert [t["Name"] for t in listed["BackupTaskSessions"]] == []
    refs = client.get(f"backupSessions/{idle.id}/taskSessions").json()
    assert [r["Href"] for r in refs["Refs"]] == []
    uid = f"urn:veeam:BackupJobSession:{idle.id}"
    found = client.get(f'query?type=BackupTaskSession&format=Entities&filter=JobSessionUid=="{uid}"').json()
    assert [t["Name"] for t in found["Entities"]["BackupTaskSessions"]["BackupTaskSessions"]] == []
    paging = found["PagingInfo"]
    assert (paging["PageNum"], paging["PagesCount"]) == (1, 1)
    assert [(link["Rel"], "Type" in link) for link in paging["Links"]] == [("First", False), ("Last", False)]


# -- the captures -----------------------------------------------------------------------------------

CAPTURES = captures_folder()
needs_captures = pytest.mark.skipif(CAPTURES is None, reason="the bodies captured from live servers are not on "
                                    "this machine (set CONFORMANCE_CAPTURES to their folder)")

REQUESTS = {
    "15_surfer_jobs_refs.json": "jobs",
    "16_surfer_job_entity.json": "jobs/{job}?format=Entity",
    "17_surfer_error404_job_not_found.json": "jobs/{unknown}?format=Entity",
    "18_surfer_error400_invalid_id.json": "jobs/12345?format=Entity",
    "19_surfer_job_backupsessions_entities.json": "jobs/{job}/backupSessions?format=Entity",
    "20_surfer_backups_refs.json": "backups",
    "21_surfer_backup_entity.json": "backups/{backup}?format=Entity",
    "22_surfer_backup_restorepoints_refs.json": "backups/{backup}/restorePoints",
    "23_surfer_restorepoint_vmrestorepoints_refs.json": "restorePoints/{point}/vmRestorePoints",
    "24_surfer_query_backupjobsession_failed.json":
        'query?type=BackupJobSession&format=entities&filter=result=="Failed";endtime>"2026-11-01"',
    "25_surfer_query_backupjobsession_success.json":
        'query?type=BackupJobSession&format=entities&filter=jobname=="{job_name}";result=="Success"',
    "26_surfer_query_backupjobsession_empty.json":
        'query?type=BackupJobSession&format=entities&filter=jobname=="no such job";result=="Success"',
    "27_surfer_query_backupjobsession_since.json":
        'query?type=BackupJobSession&format=entities&filter=creationtime>"2026-11-01"',
    "28_surfer_report_repository.json": "reports/summary/repository",
    "29_surfer_report_processed_vms.json": "reports/summary/processed_vms",
    "30_surfer_report_job_statistics.json": "reports/summary/job_statistics",
    "31_surfer_report_vms_overview.json": "reports/summary/vms_overview",
    "32_surfer_report_overview.json": "reports/summary/overview",
}
"""Each JSON capture and the same request on the mock, its ids those of the mock's estate."""

def shape(value: Any, path: str = "", out: dict[str, str] | None = None) -> dict[str, str]:
    """Every member path of a JSON value (`.Entities.Jobs.Jobs[].Links[].Rel`) and the kind of its value."""
    out = {} if out is None else out
    if isinstance(value, dict):
        out[path] = "object"
        for key, member in value.items():
            shape(member, f"{path}.{key}", out)
    elif isinstance(value, list):
        out[path] = "array"
        for item in value:
            shape(item, f"{path}[]", out)
    else:
        out[path] = "null" if value is None else "value"
    return out


def _request(template: str, ds: Any) -> str:
    job = next(j for j in ds.jobs.values() if j.job_type == "Backup" and ds.kids("job.sessions", j.id))
    backup = next(b for b in ds.backups.values() if ds.kids("backup.restore_points", b.id))
    return template.format(job=job.id, job_name=job.name, unknown=uuid.uuid4(), backup=backup.id,
                           point=next(iter(ds.restore_points)))


@needs_captures
def test_every_json_capture_has_its_request_here():
    assert sorted(p.name for p in CAPTURES.glob("*.json")) == sorted(REQUESTS)


@needs_captures
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_mock_answers_with_the_member_structure_a_live_server_sent(client, mock, name):
    """Every member of the capture is in the mock's answer with a value of the same kind (an
    object, an array, a value), so what a client read there it reads here: a list is an array,
    empty or not, a list of plain values too (`Days`, `ExcludedIndexingFolders`), every kind of a
    job's schedule and guest processing is there, and only a single value may be unset (`null`)
    on one side."""
    body = json.loads((CAPTURES / name).read_text(encoding="utf-8"))
    response = client.get(_request(REQUESTS[name], mock[1]))
    if "StatusCode" in body:  # an Error: the same status for the same mistake (an unknown id, a malformed one)
        assert response.status_code == body["StatusCode"]
    captured, served = shape(body), shape(response.json())
    wrong = {path: (kind, served.get(path)) for path, kind in captured.items()
             if kind != "null" and served.get(path) != kind and not (kind == "value" and served.get(path) == "null")}
    assert wrong == {}
