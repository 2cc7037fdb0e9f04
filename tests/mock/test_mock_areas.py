"""The documented areas beyond the key resources (`surface.toml`): served from the table, valid,
reproducible, holding to the profile's links, and changed by the documented writes."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
from lxml import etree

from conformance.mock import create_app, generate_dataset
from conformance.mock.area_docs import documented_rels
from conformance.mock.estate import Estate
from conformance.mock.surface import Surface, load_surface

pytestmark = pytest.mark.anyio

NS = {"v": "http://www.veeam.com/ent/v1.0"}
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SURFACE = load_surface()


def xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def member_hrefs(doc: etree._Element) -> list[str]:
    return [child.get("Href") for child in doc if child.get("Href")]


async def test_every_top_level_area_answers_both_forms_valid_against_the_schemas(session, schema):
    for area in SURFACE.top_areas():
        for suffix in ("", "?format=Entity"):
            doc = xml(await session.get(f"/api/{area.path}{suffix}"))
            assert schema.validate(doc), (area.path, suffix, schema.error_log.last_error)
            for href in member_hrefs(doc)[:1]:
                item = xml(await session.get(href))
                assert schema.validate(item), (href, schema.error_log.last_error)


async def test_a_nested_area_lists_exactly_the_items_of_its_parent(session):
    tenants = member_hrefs(xml(await session.get("/api/cloud/tenants")))
    seen: set[str] = set()
    for tenant in tenants:
        resources = member_hrefs(xml(await session.get(f"{tenant}/resources")))
        assert all(r.startswith(f"{tenant}/resources/") for r in resources)
        assert not seen & set(resources)
        seen |= set(resources)


async def test_the_links_of_an_item_are_those_the_profile_documents_for_its_type(session):
    for area in SURFACE.top_areas():
        doc = xml(await session.get(f"/api/{area.path}?format=Entity"))
        allowed = documented_rels(area.type)
        for item in doc:
            rels = {link.get("Rel") for link in item.iterfind("v:Links/v:Link", NS)}
            assert allowed is None or rels <= allowed, (area.path, rels - allowed)


async def test_two_mocks_of_one_seed_and_clock_serve_the_same_areas(connect):
    bodies = []
    for _ in range(2):
        app = create_app(generate_dataset(30, seed=5, now=NOW))
        async with connect(app) as client:
            got = []
            for area in SURFACE.top_areas():
                got.append((await client.get(f"/api/{area.path}?format=Entity")).content)
            bodies.append(got)
    assert bodies[0] == bodies[1]


def test_an_area_added_to_the_table_leaves_every_other_items_ids_as_they_were():
    ds = generate_dataset(40, seed=2, now=NOW)
    full = Estate(ds, SURFACE)
    fewer = Estate(ds, Surface({p: a for p, a in SURFACE.areas.items() if not p.startswith("cloud/")},
                               SURFACE.singles, SURFACE.listings, SURFACE.services))
    for path, items in fewer.items.items():
        assert list(items) == list(full.items[path])


async def test_a_create_adds_an_item_and_its_delete_removes_it(session):
    point = member_hrefs(xml(await session.get("/api/vmRestorePoints")))[0]
    before = member_hrefs(xml(await session.get(f"{point}/mounts")))
    created = await session.post(f"{point}/mounts")
    assert created.status_code == 202 and etree.QName(etree.fromstring(created.content)).localname == "Task"
    after = member_hrefs(xml(await session.get(f"{point}/mounts")))
    (new,) = set(after) - set(before)
    assert (await session.delete(new)).status_code == 204
    assert member_hrefs(xml(await session.get(f"{point}/mounts"))) == before
    assert (await session.get(new)).status_code == 404


async def test_a_write_without_its_documented_body_is_refused_with_an_error(session):
    answer = await session.post("/api/cloud/tenants", content=b"<Nothing/>", headers={"Content-Type": "application/xml"})
    assert answer.status_code == 400 and b"CreateCloudTenantSpec" in answer.content
    plain = await session.post("/api/cloud/tenants", content=b"x", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 400


async def test_toggling_a_schedule_switches_it_and_a_second_toggle_switches_it_back(session):
    job = member_hrefs(xml(await session.get("/api/nas/jobs")))[0]

    async def enabled() -> str:
        return xml(await session.get(f"{job}?format=Entity")).findtext("v:ScheduleEnabled", namespaces=NS)

    first = await enabled()
    assert (await session.post(f"{job}/toggleScheduleEnabled")).status_code == 202
    assert await enabled() != first
    await session.post(f"{job}/toggleScheduleEnabled")
    assert await enabled() == first


async def test_an_older_session_does_not_see_the_areas_of_resources_its_version_lacks(connect):
    app = create_app(generate_dataset(12, seed=7))
    async with connect(app, logged_on=False) as client:
        logon = await client.post("/api/sessionMngr/?v=v1_5", auth=("admin", "mock-password"))
        client.headers["X-RestSvcSessionId"] = logon.headers["X-RestSvcSessionId"]
        assert (await client.get("/api/cdpPolicies")).status_code == 404  # continuous data protection: v1_6 on
        assert (await client.get("/api/cdpReplicas")).status_code == 404
        assert (await client.get("/api/query?type=CdpPolicy")).status_code == 400
        ready_made = xml(await client.get("/api/querySvc"))
        assert not [l for l in ready_made.iterfind(".//v:Link", NS) if "Cdp" in (l.get("Href") or "")]
        assert (await client.get("/api/agents/backupFiles")).status_code == 200  # documented since v10


async def test_a_file_listing_pages_as_a_query_result_does_with_links_without_a_type(session, schema):
    point = member_hrefs(xml(await session.get("/api/vmRestorePoints")))[0]
    await session.post(f"{point}/mounts")
    mount = member_hrefs(xml(await session.get(f"{point}/mounts")))[0]
    listing = xml(await session.get(f"{mount}/C:"))
    assert etree.QName(listing).localname == "FileSystemEntries" and schema.validate(listing), schema.error_log
    info = listing.find("v:PagingInfo", NS)
    assert (info.get("PageNum"), info.get("PageSize"), info.get("PagesCount")) == ("1", "100", "1")
    found = {link.get("Rel"): link for link in info.iterfind("v:Links/v:Link", NS)}
    assert list(found) == ["First", "Last"] and all(link.get("Type") is None for link in found.values())
    first = xml(await session.get(found["First"].get("Href")))
    assert first.get("Href") == found["First"].get("Href") and first.find("v:PagingInfo", NS).get("PageNum") == "1"
    second = xml(await session.get(f"{mount}/C:?pageSize=10&page=2")).find("v:PagingInfo", NS)
    assert (second.get("PageNum"), second.get("PageSize")) == ("2", "10")
    assert [link.get("Rel") for link in second.iterfind("v:Links/v:Link", NS)] == ["First", "Previous", "Last"]
