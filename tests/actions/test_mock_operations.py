"""The mock's write side: documented outcomes for valid input, 4xx Errors for anything else."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from conformance.mock.kinds import KINDS

from action_helpers import NS, XML, links, spec, text, xml

pytestmark = pytest.mark.anyio


def job_of_type(app, job_type: str):
    return next(j for j in app.state.dataset.jobs.values() if j.job_type == job_type)


def repository_uid(app) -> str:
    return KINDS["repositories"].uid(next(iter(app.state.dataset.repositories)))


def clone_body(app, job_type: str = "Backup", name: str = "copy") -> bytes:
    info = {"Backup": "BackupJobCloneInfo", "Replica": "ReplicaJobCloneInfo"}[job_type]
    parts = [("JobName", name), ("FolderName", "f"), ("RepositoryUid", repository_uid(app))] if job_type == "Backup" \
        else [("JobName", name), ("VmSuffix", "_r")]
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in parts)
    return f'<JobCloneSpec xmlns="{NS["v"]}"><{info}>{inner}</{info}></JobCloneSpec>'.encode()


async def finish(client, response) -> None:
    """Poll the Task a 202 answered with until it is Finished (the mock needs two polls)."""
    href = xml(response).get("Href")
    for _ in range(5):
        if text(xml(await client.get(href)), "State") == "Finished":
            return
    raise AssertionError(f"{href} never finished")


async def test_an_action_answers_202_with_a_running_task_that_finishes_on_the_second_poll(app, client):
    job = next(iter(app.state.dataset.jobs))
    started = await client.post(f"/api/jobs/{job}?action=start")
    assert started.status_code == 202 and started.headers["location"] == xml(started).get("Href")
    task = xml(started)
    assert text(task, "State") == "Running" and task.find("v:Result", NS) is None
    states = [text(xml(await client.get(task.get("Href"))), "State") for _ in range(3)]
    assert states == ["Running", "Finished", "Finished"]
    finished = xml(await client.get(task.get("Href")))
    assert finished.find("v:Result", NS).get("Success") == "true"
    assert text(xml(await client.get("/api/tasks")).find("v:Task", NS), "State") == "Finished"  # the list does not poll


async def test_clone_makes_a_job_on_the_same_server_holding_the_vms_of_the_original(app, client):
    original = job_of_type(app, "Backup")
    before = set(app.state.dataset.jobs)
    answer = await client.post(f"/api/jobs/{original.id}?action=clone", content=clone_body(app, "Backup", "Copy 1"),
                         headers=XML)
    assert answer.status_code == 202 and text(xml(answer), "Operation") == "CloneJob"
    (clone,) = set(app.state.dataset.jobs) - before
    made = app.state.dataset.jobs[clone]
    assert (made.name, made.server_id, made.job_type) == ("Copy 1", original.server_id, "Backup")
    async def names(job_id: str) -> list[str]:
        listed = xml(await client.get(f"/api/jobs/{job_id}/includes")).findall("v:ObjectInJob", NS)
        return sorted(i.findtext("v:HierarchyObjRef", namespaces=NS) for i in listed)

    assert await names(clone) == await names(original.id)
    listed = [r.get("Href") for r in xml(await client.get("/api/jobs")).findall("v:Ref", NS)]
    assert f"http://mock.test/api/jobs/{clone}" in listed


@pytest.mark.parametrize("body, reason", [
    (lambda app: clone_body(app, "Replica"), "a Backup job is cloned with a BackupJobCloneInfo"),
    (lambda app: clone_body(app).replace(b"Repository:", b"Repository:0"), "names no repository"),
    (lambda app: clone_body(app, name="x" * 51), "not valid"),
    (lambda app: b"\x00\xff not xml", "not well-formed"),
    (lambda app: spec("CreateObjectInJobSpec", ("HierarchyObjRef", "urn:a:b:c"), ("HierarchyObjName", "n")),
     "must be a JobCloneSpec"),
    (lambda app: clone_body(app).replace(NS["v"].encode(), b"urn:other"), "must be a JobCloneSpec"),
])
async def test_a_clone_body_that_is_not_a_valid_spec_for_the_job_is_a_400_error(app, client, body, reason):
    job = job_of_type(app, "Backup")
    answer = await client.post(f"/api/jobs/{job.id}?action=clone", content=body(app), headers=XML)
    assert answer.status_code == 400, answer.text
    error = xml(answer)
    assert error.tag.endswith("Error") and error.get("StatusCode") == "400" and reason in error.get("Message")


async def test_a_body_that_is_not_xml_is_refused_whatever_it_says(app, client):
    job = job_of_type(app, "Backup")
    for content_type in ("application/json", "text/plain", None):
        headers = {"Content-Type": content_type} if content_type else {}
        answer = await client.post(f"/api/jobs/{job.id}?action=clone", content=clone_body(app), headers=headers)
        assert answer.status_code == 400 and "Content-Type application/xml" in xml(answer).get("Message")


async def test_unknown_ids_are_404_errors_for_every_write(app, client):
    nobody = "00000000-0000-4000-8000-000000000000"
    job = next(iter(app.state.dataset.jobs))
    for method, path in [("POST", f"/api/jobs/{nobody}?action=start"), ("POST", f"/api/jobs/{nobody}/includes"),
                         ("DELETE", f"/api/jobs/{job}/includes/{nobody}"), ("PUT", f"/api/jobs/{nobody}"),
                         ("DELETE", f"/api/backupServers/{nobody}"), ("DELETE", f"/api/tasks/task-{nobody}"),
                         ("DELETE", f"/api/logonSessions/{nobody}")]:
        answer = await client.request(method, path)
        assert (answer.status_code, xml(answer).get("StatusCode")) == (404, "404"), (method, path)


async def test_a_vm_added_to_a_job_is_listed_links_up_and_is_removed_again_but_never_the_last(app, client):
    job = job_of_type(app, "Backup")
    body = spec("CreateObjectInJobSpec", ("HierarchyObjRef", "urn:VMware:Vm:x.vm-1"), ("HierarchyObjName", "new-vm"))
    added = await client.post(f"/api/jobs/{job.id}/includes", content=body, headers=XML)
    assert added.status_code == 202 and text(xml(added), "Operation") == "UpdateJob"
    await finish(client, added)
    listed = xml(await client.get(f"/api/jobs/{job.id}/includes")).findall("v:ObjectInJob", NS)
    new = next(i for i in listed if text(i, "Name") == "new-vm")
    vm = xml(await client.get(new.get("Href")))
    assert links(vm, "Up") == [f"http://mock.test/api/jobs/{job.id}"]
    removed = await client.delete(links(vm, "Delete")[0])
    assert removed.status_code == 202
    assert (await client.get(new.get("Href"))).status_code == 404
    remaining = [i.get("Href") for i in xml(await client.get(f"/api/jobs/{job.id}/includes")).findall("v:ObjectInJob", NS)]
    for href in remaining[1:]:
        assert (await client.delete(href)).status_code == 202
    last = await client.delete(remaining[0])
    assert last.status_code == 400 and "keeps one" in xml(last).get("Message")


async def test_toggling_the_schedule_twice_restores_it_with_its_next_run(app, client):
    job = next(j for j in app.state.dataset.jobs.values() if j.schedule_enabled)
    entity = f"/api/jobs/{job.id}?format=Entity"
    before = xml(await client.get(entity))
    assert (await client.post(f"/api/jobs/{job.id}?action=toggleScheduleEnabled")).status_code == 202
    middle = xml(await client.get(entity))
    assert (text(middle, "ScheduleEnabled"), middle.find("v:NextRun", NS)) == ("false", None)
    assert (await client.post(f"/api/jobs/{job.id}?action=toggleScheduleEnabled")).status_code == 202
    after = xml(await client.get(entity))
    assert [text(after, n) for n in ("ScheduleEnabled", "NextRun")] == [text(before, n) for n in ("ScheduleEnabled",
                                                                                                   "NextRun")]


async def test_editing_a_job_with_its_own_entity_changes_nothing_and_with_another_jobs_is_refused(app, client):
    first, second = list(app.state.dataset.jobs)[:2]
    body = (await client.get(f"/api/jobs/{first}?format=Entity")).content
    edited = await client.put(f"/api/jobs/{first}", content=body, headers=XML)
    assert edited.status_code == 202 and text(xml(edited), "Operation") == "UpdateJob"
    assert (await client.get(f"/api/jobs/{first}?format=Entity")).content == body
    changed = body.replace(b"<ScheduleConfigured>true<", b"<ScheduleConfigured>false<")
    assert (await client.put(f"/api/jobs/{first}?action=edit", content=changed, headers=XML)).status_code == 202
    assert b"<ScheduleConfigured>false<" in (await client.get(f"/api/jobs/{first}?format=Entity")).content
    other = await client.put(f"/api/jobs/{second}", content=body, headers=XML)
    assert other.status_code == 400 and "not" in xml(other).get("Message")


async def test_a_backup_server_is_connected_with_201_and_a_location_then_disconnected_with_204(app, client):
    body = spec("BackupServerSpec", ("Description", "d"), ("DnsNameOrIpAddress", "vbr99.example"),
                ("Username", "EXAMPLE\\admin"), ("Port", "9392"), ("Password", "secret"))
    made = await client.post("/api/backupServers?action=create", content=body, headers=XML)
    assert made.status_code == 201 and not made.content
    location = made.headers["location"]
    assert xml(await client.get(location)).get("Name") == "vbr99.example"
    assert location in [r.get("Href") for r in xml(await client.get("/api/backupServers")).findall("v:Ref", NS)]
    assert (await client.delete(location)).status_code == 204
    assert (await client.get(location)).status_code == 404
    busy = next(iter(app.state.dataset.backup_servers))
    refused = await client.delete(f"/api/backupServers/{busy}")
    assert refused.status_code == 400 and "still has jobs" in xml(refused).get("Message")


async def test_put_and_delete_where_no_link_offers_them_are_405_with_allow(app, client):
    job = next(iter(app.state.dataset.jobs))
    repository = next(iter(app.state.dataset.repositories))
    refused = await client.delete(f"/api/repositories/{repository}")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST"
    assert (await client.put(f"/api/repositories/{repository}")).status_code == 405
    assert (await client.request("PATCH", f"/api/jobs/{job}")).status_code == 405  # the protocol probe's verb stays refused


async def test_writes_need_a_session(app):
    job = next(iter(app.state.dataset.jobs))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as anonymous:
        for method, path in [("POST", f"/api/jobs/{job}/includes"), ("PUT", f"/api/jobs/{job}"),
                             ("POST", f"/api/jobs/{job}?action=start")]:
            assert (await anonymous.request(method, path)).status_code == 401


async def test_the_dataset_an_app_starts_with_is_never_changed(dataset, app, client):
    jobs, includes = dict(dataset.jobs), {k: list(v) for k, v in dataset.children["job.includes"].items()}
    job = job_of_type(app, "Backup")
    await client.post(f"/api/jobs/{job.id}?action=clone", content=clone_body(app), headers=XML)
    await client.post(f"/api/jobs/{job.id}?action=toggleScheduleEnabled")
    assert app.state.dataset is not dataset and len(app.state.dataset.jobs) == len(jobs) + 1
    assert dict(dataset.jobs) == jobs and {k: list(v) for k, v in dataset.children["job.includes"].items()} == includes


async def test_clones_hold_a_bounded_number_of_vms_together_the_oldest_clones_going_whole(app, client, monkeypatch):
    from conformance.mock import operations

    monkeypatch.setattr(operations, "MAX_CLONED_VMS", 10)
    job = job_of_type(app, "Backup")
    for n in range(4):
        body = spec("CreateObjectInJobSpec", ("HierarchyObjRef", f"urn:VMware:Vm:h.vm-{n}"), ("HierarchyObjName", f"vm-{n}"))
        assert (await client.post(f"/api/jobs/{job.id}/includes", content=body, headers=XML)).status_code == 202
    per_clone = len(app.state.dataset.kids("job.includes", job.id))
    for n in range(6):  # each clone copies the job's VMs, the added ones too
        answer = await client.post(f"/api/jobs/{job.id}?action=clone", content=clone_body(app, name=f"c{n}"),
                                   headers=XML)
        assert answer.status_code == 202
    ds, clones = app.state.dataset, app.state.writes.created["jobs"]
    assert sum(len(ds.kids("job.includes", clone)) for clone in clones) <= max(10, per_clone)
    assert [ds.jobs[clone].name for clone in clones][-1] == "c5"  # the newest stays
    assert len(ds.kids("job.includes", job.id)) == per_clone  # what was added to the job itself is kept


async def test_vms_added_beyond_a_cap_go_oldest_first_and_a_job_keeps_its_last(app, client, monkeypatch):
    from conformance.mock import operations

    monkeypatch.setattr(operations, "MAX_ADDED_VMS", 3)
    job = job_of_type(app, "Backup")
    generated = len(app.state.dataset.kids("job.includes", job.id))
    for n in range(5):
        body = spec("CreateObjectInJobSpec", ("HierarchyObjRef", f"urn:VMware:Vm:h.vm-{n}"), ("HierarchyObjName", f"vm-{n}"))
        assert (await client.post(f"/api/jobs/{job.id}/includes", content=body, headers=XML)).status_code == 202
    ds = app.state.dataset
    names = [ds.includes[i].name for i in ds.kids("job.includes", job.id)]
    assert len(names) == generated + 3 and names[-3:] == ["vm-2", "vm-3", "vm-4"]


def test_ids_made_by_writes_follow_the_seed_as_version_4_uuids():
    from conformance.mock.operations import Writes

    writes = Writes(7)
    for n in range(1, 500):
        digest = hashlib.sha256(f"7:write:{n}".encode()).digest()
        assert writes.new_id() == str(uuid.UUID(bytes=digest[:16], version=4))
