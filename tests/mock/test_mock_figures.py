"""Specification of the figures the mock shows in several places: one repository has one capacity,
one free space and one used space, whether read from its entity, the query service or a report."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from conformance.mock import create_app, generate_dataset

NS = {"v": "http://www.veeam.com/ent/v1.0"}

pytestmark = pytest.mark.anyio


@pytest.fixture(params=[40, 1000])
def app(request):
    return create_app(generate_dataset(request.param, seed=4))


def xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def number(element: etree._Element, name: str) -> int:
    return int(element.findtext(f"v:{name}", namespaces=NS))


async def test_each_repository_shows_the_same_capacity_free_and_used_space_everywhere(app, session):
    report = xml(await session.get("/api/reports/summary/repository"))
    periods = {p.findtext("v:Name", namespaces=NS): p for p in report.iterfind("v:Period", NS)}
    refs = xml(await session.get("/api/repositories")).findall("v:Ref", NS)
    assert len(refs) == len(periods) == len(app.state.dataset.repositories)
    for ref in refs:
        entity = xml(await session.get(ref.get("Href") + "?format=Entity"))
        capacity, free = number(entity, "Capacity"), number(entity, "FreeSpace")
        assert 0 <= free <= capacity
        same = quote(f'UID=="{entity.get("UID")}";Capacity=={capacity};FreeSpace=={free}')
        rows = xml(await session.get(f"/api/query?type=Repository&filter={same}")).findall("v:Refs/v:Ref", NS)
        assert [r.get("UID") for r in rows] == [entity.get("UID")]
        period = periods[entity.get("Name")]
        assert (number(period, "Capacity"), number(period, "FreeSpace")) == (capacity, free)
        assert number(period, "BackupSize") == capacity - free


async def test_used_space_is_what_the_backup_files_on_the_repository_take(app, session):
    report = xml(await session.get("/api/reports/summary/repository"))
    used = {p.findtext("v:Name", namespaces=NS): number(p, "BackupSize") for p in report.iterfind("v:Period", NS)}
    files = xml(await session.get("/api/query?type=BackupFile&format=Entities"))
    size_of_backup: dict[str, int] = {}
    for f in files.iterfind("v:Entities/v:BackupFiles/v:BackupFile", NS):
        backup = next(l.get("Href") for l in f.iterfind("v:Links/v:Link", NS) if l.get("Type") == "BackupReference")
        size_of_backup[backup] = size_of_backup.get(backup, 0) + number(f, "BackupSize")
    for ref in xml(await session.get("/api/repositories")).findall("v:Ref", NS):
        backups = xml(await session.get(ref.get("Href") + "/backups")).findall("v:Ref", NS)
        assert used[ref.get("Name")] == sum(size_of_backup.get(b.get("Href"), 0) for b in backups)
    assert any(used.values())
