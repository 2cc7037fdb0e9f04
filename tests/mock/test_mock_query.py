"""Specification of the mock's query service: `/query` filtering, sorting and paging, and `/querySvc`."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import httpx
import pytest

from conformance.mock.surface import load_surface
from lxml import etree

from conformance.mock import create_app, generate_dataset

NS = {"v": "http://www.veeam.com/ent/v1.0"}

pytestmark = pytest.mark.anyio


@pytest.fixture
def app():
    return create_app(generate_dataset(120, seed=3))


def xml(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def names(result: etree._Element) -> list[str]:
    return [r.get("Name") for r in result.iterfind("v:Refs/v:Ref", NS)]


def paging(result: etree._Element) -> tuple[dict[str, str], dict[str, str]]:
    info = result.find("v:PagingInfo", NS)
    return dict(info.attrib), {l.get("Rel"): l.get("Href") for l in info.iterfind("v:Links/v:Link", NS)}


QUERY_TYPES = ["Job", "BackupServer", "BackupJobSession", "BackupTaskSession", "Repository", "Backup",
               "RestorePoint", "VmRestorePoint", "Replica", "BackupFile", "Task"]


@pytest.mark.parametrize("type_", QUERY_TYPES)
async def test_every_documented_type_can_be_queried_and_returns_all_items_on_one_page_by_default(app, session, type_):
    result = xml(await session.get(f"/api/query?type={type_}"))
    assert result.tag.endswith("}QueryResult")
    items = result.findall("v:Refs/v:Ref", NS) or result.findall("v:Resources/v:Tasks/v:Task", NS)
    attrs, _ = paging(result)
    assert attrs == {"PageNum": "1", "PageSize": str(len(items)), "PagesCount": "1"}
    assert items


async def test_names_and_values_of_parameters_are_case_insensitive(session):
    a = xml(await session.get("/api/query?type=job&format=entities&sortasc=name"))
    b = xml(await session.get("/api/query?TYPE=Job&Format=Entities&sortAsc=Name"))
    jobs_a, jobs_b = a.findall("v:Entities/v:Jobs/v:Job", NS), b.findall("v:Entities/v:Jobs/v:Job", NS)
    names_a = [j.get("Name") for j in jobs_a]
    assert names_a == [j.get("Name") for j in jobs_b] == sorted(names_a, key=str.casefold)
    assert jobs_a


async def test_a_filter_keeps_only_matching_items(app, session):
    ds = app.state.dataset
    result = xml(await session.get("/api/query?type=BackupJobSession&filter=Result==Failed"))
    failed = {s.id for s in ds.sessions.values() if s.result == "Failed"}
    assert failed and {r.get("UID").rsplit(":", 1)[1] for r in result.iterfind("v:Refs/v:Ref", NS)} == failed


async def test_filters_combine_with_and_or_and_compare_enums_by_their_declared_order(app, session):
    ds = app.state.dataset
    query = "/api/query?type=BackupJobSession&filter=(Result>Success;IsRetry==false),State==Working"
    got = {r.get("UID").rsplit(":", 1)[1] for r in xml(await session.get(query)).iterfind("v:Refs/v:Ref", NS)}
    expected = {s.id for s in ds.sessions.values()
                if (s.result in ("Warning", "Failed") and not s.is_retry) or s.state == "Working"}
    assert got == expected


async def test_a_percent_encoded_filter_with_a_quoted_value_is_decoded(app, session):
    job = next(iter(app.state.dataset.jobs.values()))
    encoded = "type=Job&filter=" + quote(f'Name=="{job.name}"')
    assert "%22" in encoded and "%20" in encoded
    assert names(xml(await session.get(f"/api/query?{encoded}"))) == [job.name]


async def test_sorting_orders_by_a_field_in_either_direction(session):
    up = xml(await session.get("/api/query?type=BackupJobSession&format=Entities&sortAsc=CreationTime"))
    down = xml(await session.get("/api/query?type=BackupJobSession&format=Entities&sortDesc=creationtime"))
    times = [datetime.fromisoformat(t.text) for t in up.iterfind(".//v:CreationTimeUTC", NS)]
    assert times == sorted(times) and len(times) > 2
    assert [t.text for t in down.iterfind(".//v:CreationTimeUTC", NS)] == [t.text for t in
                                                                          up.iterfind(".//v:CreationTimeUTC", NS)][::-1]


async def test_paging_cuts_pages_and_its_links_keep_the_query(session):
    base = "/api/query?type=Job&sortAsc=Name&filter=ScheduleConfigured==true&pageSize=3"
    everything = names(xml(await session.get("/api/query?type=Job&sortAsc=Name&filter=ScheduleConfigured==true")))
    first = xml(await session.get(base))
    attrs, rels = paging(first)
    pages = -(-len(everything) // 3)
    assert attrs == {"PageNum": "1", "PageSize": "3", "PagesCount": str(pages)} and pages > 2
    assert set(rels) == {"First", "Next", "Last"}
    collected, href = names(first), rels["Next"]
    while href:
        page = xml(await session.get(href))
        assert "filter=ScheduleConfigured%3D%3Dtrue" in href and "sortAsc=Name" in href and "pageSize=3" in href
        collected += names(page)
        _, rels = paging(page)
        assert "Previous" in rels
        href = rels.get("Next")
    assert collected == everything
    assert paging(xml(await session.get(rels["Last"])))[0]["PageNum"] == str(pages)


async def test_a_page_past_the_end_is_empty_not_an_error(session):
    result = xml(await session.get("/api/query?type=Repository&pageSize=2&page=999"))
    assert names(result) == [] and paging(result)[0]["PageNum"] == "999"


async def test_tasks_are_queried_as_resources(session):
    result = xml(await session.get("/api/query?type=task&filter=State==Finished&sortDesc=TaskId"))
    assert result.find("v:Resources/v:Tasks", NS) is not None
    assert (await session.get("/api/query?type=Task&format=Refs")).status_code == 400


@pytest.mark.parametrize("query, names_part", [
    ("type=Nothing", "type"), ("", "type"), ("type=Job&filter=Name==", "filter"),
    ("type=Job&filter=Bogus==1", "Bogus"), ("type=Job&sortAsc=Bogus", "Bogus"), ("type=Job&pageSize=0", "pageSize"),
    ("type=Job&pageSize=ten", "pageSize"), ("type=Job&format=Everything", "format"),
    ("type=Job&sortAsc=Name&sortDesc=Name", "sort"), ("type=Job&type=Backup", "type"),
])
async def test_a_bad_query_is_a_400_error_naming_the_offending_part(session, query, names_part):
    response = await session.get(f"/api/query?{query}")
    assert response.status_code == 400
    error = etree.fromstring(response.content)
    assert error.get("Status") == "BadRequest" and names_part in error.get("Message")


async def test_the_query_service_links_to_ready_made_queries_that_all_answer(app, session):
    svc = xml(await session.get("/api/querySvc"))
    assert svc.tag.endswith("}QuerySvc") and svc.get("Type") == "QueryService"
    downs = [l for l in svc.iterfind("v:Links/v:Link", NS) if l.get("Rel") == "Down"]
    assert len(downs) == len(QUERY_TYPES) + len(load_surface().by_query())  # one per query type
    for link in downs:
        assert link.get("Type") == "QueryResult"
        xml(await session.get(link.get("Href")))


async def test_query_results_render_as_json_too(session):
    result = (await session.get("/api/query?type=Repository&pageSize=1", headers={"Accept": "application/json"})).json()
    assert len(result["Refs"]["Refs"]) == 1 and result["PagingInfo"]["PageNum"] == 1
    assert [l["Rel"] for l in result["PagingInfo"]["Links"]][0] == "First"


async def test_a_query_finds_what_writes_made_after_it_was_asked_once(app, session):
    server = next(iter(app.state.dataset.backup_servers))
    query = "/api/query?type=Credentials&format=Refs&pageSize=1000"
    before = names(xml(await session.get(query)))
    body = f'<CredentialsInfoSpec xmlns="{NS["v"]}"><Username>queried-after</Username></CredentialsInfoSpec>'
    made = await session.post(f"/api/backupServers/{server}/credentials", content=body,
                              headers={"Content-Type": "application/xml"})
    assert made.status_code == 201, made.text
    after = names(xml(await session.get(query)))
    assert len(after) == len(before) + 1 and set(before) < set(after)
