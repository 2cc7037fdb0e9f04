"""What the mock keeps between responses (an app without faults): documents byte for byte as a
fresh build makes them, whatever was written in between, a document kept from the second time it
is asked for, and a store that stays within its bound."""

from __future__ import annotations

import re

import pytest

from conformance.mock import create_app, generate_dataset
from conformance.mock.kept import Kept
from conformance.mock.tree import el

pytestmark = pytest.mark.anyio

NS = "http://www.veeam.com/ent/v1.0"
XML = {"Content-Type": "application/xml"}
ACCEPTS = ({"Accept": "application/xml"}, {"Accept": "application/json"})


def _spec(name: str, *children: tuple[str, str]) -> str:
    return f'<{name} xmlns="{NS}">' + "".join(f"<{k}>{v}</{k}>" for k, v in children) + f"</{name}>"


def _pages(app) -> list[str]:
    """Documents of every kind a write can change: lists and items, references and entities, VMs."""
    ds = app.state.dataset
    server, job = next(iter(ds.backup_servers)), next(j for j in ds.jobs.values() if j.job_type == "Backup")
    newest = list(ds.jobs)[-1]
    vm = ds.kids("job.includes", job.id)[-1]
    return ["/api/jobs", "/api/jobs?format=Entity", f"/api/jobs/{job.id}", f"/api/jobs/{job.id}?format=Entity",
            f"/api/jobs/{newest}?format=Entity", f"/api/jobs/{job.id}/includes", f"/api/jobs/{newest}/includes",
            f"/api/jobs/{job.id}/includes/{vm}", "/api/backupServers", "/api/backupServers?format=Entity",
            f"/api/backupServers/{server}", f"/api/backupServers/{server}/jobs?format=Entity", "/api/backupSessions",
            "/api/backups?format=Entity", "/api/replicas"]


async def _same_documents(kept_client, fresh_client, app) -> None:
    for page in _pages(app):
        for accept in ACCEPTS:
            fresh = await fresh_client.get(page, headers=accept)
            for _ in range(3):  # built, then kept, then served as kept
                answer = await kept_client.get(page, headers=accept)
                assert (answer.status_code, answer.content) == (fresh.status_code, fresh.content), (page, accept)


async def test_kept_documents_are_what_a_fresh_build_makes_after_every_kind_of_write(connect):
    dataset = generate_dataset(12, seed=7)
    kept_app, fresh_app = create_app(dataset), create_app(dataset)
    fresh_app.state.kept = None
    async with connect(kept_app) as kept, connect(fresh_app) as fresh:
        await _same_documents(kept, fresh, kept_app)
        ds = kept_app.state.dataset
        job = next(j for j in ds.jobs.values() if j.job_type == "Backup")
        server = next(iter(ds.backup_servers))
        repository = f"urn:veeam:Repository:{next(iter(ds.repositories))}"
        vm = _spec("CreateObjectInJobSpec", ("HierarchyObjRef", "urn:VMware:Vm:h.vm-1"), ("HierarchyObjName", "vm-1"))
        clone = (f'<JobCloneSpec xmlns="{NS}"><BackupJobCloneInfo><JobName>copy</JobName><FolderName>f</FolderName>'
                 f"<RepositoryUid>{repository}</RepositoryUid></BackupJobCloneInfo></JobCloneSpec>")
        writes = [("POST", f"/api/jobs/{job.id}/includes", vm), ("POST", f"/api/jobs/{job.id}?action=clone", clone),
                  ("POST", f"/api/jobs/{job.id}?action=toggleScheduleEnabled", None),
                  ("PUT", f"/api/backupServers/{server}",
                   _spec("BackupServerSpec", ("Description", "renamed"), ("DnsNameOrIpAddress", "vbr99.example"),
                         ("Username", "EXAMPLE\\admin"), ("Port", "9392"), ("Password", "secret")))]
        for method, url, body in writes:
            for client in (kept, fresh):
                answer = await client.request(method, url, content=body, headers=XML if body else None)
                assert answer.status_code in (202, 204), answer.text
            await _same_documents(kept, fresh, kept_app)
        added = re.search(r'Href="([^"]*/includes/[^"?]*)"', (await kept.get(f"/api/jobs/{job.id}/includes")).text)
        for client in (kept, fresh):
            assert (await client.delete(added.group(1))).status_code == 202
        await _same_documents(kept, fresh, kept_app)
        assert "vbr99.example" in (await kept.get("/api/jobs")).text  # the jobs' Up links name the server anew


async def test_a_document_is_kept_from_the_second_time_it_is_asked_for(app, session):
    await session.get("/api/jobs")
    assert len(app.state.kept) == 0
    await session.get("/api/jobs")
    assert len(app.state.kept) == 1 + len(app.state.dataset.jobs)  # the list and each job's reference


async def test_an_app_with_faults_keeps_nothing(connect):
    app = create_app(generate_dataset(12, seed=7), faults=["start_answers_200"])
    async with connect(app) as client:
        for _ in range(3):
            assert (await client.get("/api/jobs?format=Entity")).status_code == 200
    assert len(app.state.kept) == 0


def test_the_store_keeps_what_it_was_built_from_and_stays_within_its_weight():
    kept, built = Kept(limit=10), []

    def build(name: str):
        def make():
            built.append(name)
            return el(name)
        return make

    def document(key: str, deps: object, weight: int = 1):
        return kept.node(key, deps, build(key), weight)

    first = document("a", 1)
    assert document("a", 1) is not first and len(kept) == 1  # kept the second time
    again = document("a", 1)
    assert document("a", 1) is again and built == ["a", "a"]  # served as kept while its deps hold
    assert document("a", 2) is not again and built == ["a", "a", "a"]  # built anew when they change
    for n in range(20):
        document(f"list {n}", None, 4)
        document(f"list {n}", None, 4)
    assert kept.weight <= 10 and len(kept) <= 3
