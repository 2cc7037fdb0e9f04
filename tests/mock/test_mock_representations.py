"""Specification of what the mock serves: absolute Hrefs, both forms of each resource, XML and JSON, errors."""

from __future__ import annotations

import json

import httpx
import pytest
from lxml import etree

from conformance.mock import create_app, generate_dataset
from conformance.mock.kinds import KINDS

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}
NS = {"v": "http://www.veeam.com/ent/v1.0"}


def xml(response: httpx.Response) -> etree._Element:
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return etree.fromstring(response.content)


def links(element: etree._Element) -> list[etree._Element]:
    return element.findall("v:Links/v:Link", NS)


def first_id(app, table: str) -> str:
    return next(iter(getattr(app.state.dataset, table)))


async def test_hrefs_are_absolute_and_built_from_the_host_the_client_used(app, connect):
    seen = []
    for base in ("http://mock.test", "http://other.example:8080"):
        async with connect(app, base) as c:
            root = xml(await c.get("/api/jobs?format=Entity"))
            hrefs = [e.get("Href") for e in root.iter() if e.get("Href")]
            assert hrefs and all(h.startswith(f"{base}/api/") for h in hrefs)
            seen.append(hrefs[0])
    assert seen[0] != seen[1]


async def test_forwarded_proto_and_host_win_over_the_request_origin(session):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "em.example:9398, proxy.internal"}
    root = xml(await session.get("/api/", headers=headers))
    assert root.get("Href") == "https://em.example:9398/api/"
    assert all(l.get("Href").startswith("https://em.example:9398/api/") for l in root.iter("{*}Link"))


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda k: k.path)
async def test_each_key_resource_has_a_reference_form_and_an_entity_form_linked_by_alternate(app, session, kind):
    id_ = next(iter(kind.items(app.state.dataset)))
    ref = xml(await session.get(f"/api/{kind.path}/{id_}"))
    ent = xml(await session.get(f"/api/{kind.path}/{id_}?format=Entity"))
    assert ref.tag.endswith("}EntityRef") and ref.get("Type") == f"{kind.entity}Reference"
    assert ent.tag.endswith(f"}}{kind.entity}") and ent.get("Type") == kind.entity
    assert ent.get("Href") == ref.get("Href") + "?format=Entity"
    assert ref.get("UID") == ent.get("UID") == f"urn:veeam:{kind.entity}:{id_}"
    (to_entity,) = [l for l in links(ref) if l.get("Rel") == "Alternate"]
    (to_reference,) = [l for l in links(ent) if l.get("Rel") == "Alternate"]
    assert (to_entity.get("Href"), to_entity.get("Type")) == (ent.get("Href"), kind.entity)
    assert (to_reference.get("Href"), to_reference.get("Type")) == (ref.get("Href"), f"{kind.entity}Reference")


async def test_action_links_carry_no_type_and_other_job_links_do(app, session):
    job = xml(await session.get(f"/api/jobs/{first_id(app, 'jobs')}?format=Entity"))
    by_rel = {}
    for l in links(job):
        by_rel.setdefault(l.get("Rel"), []).append(l)
    for rel in ("Start", "Stop", "Retry", "Clone", "ToggleScheduleEnabled"):
        (action,) = by_rel[rel]
        assert "?action=" in action.get("Href") and action.get("Type") is None
    assert [l.get("Type") for l in by_rel["Up"]] == ["BackupServerReference"]
    assert sorted(l.get("Type") for l in by_rel["Down"]) == [
        "BackupJobSessionReferenceList", "LinkedBackupRepositoryObjectList", "LinkedJobObjectList", "ObjectInJobList",
        "ReplicaJobSessionReferenceList"]


async def test_collections_come_as_entity_references_or_as_the_plural_entity_list(app, session):
    refs = xml(await session.get("/api/repositories"))
    ents = xml(await session.get("/api/repositories?format=entity"))
    assert refs.tag.endswith("}EntityReferences") and ents.tag.endswith("}Repositories")
    count = len(app.state.dataset.repositories)
    assert len(refs.findall("v:Ref", NS)) == len(ents.findall("v:Repository", NS)) == count


async def test_child_collections_hold_exactly_the_children_of_their_parent(app, session):
    ds = app.state.dataset
    job_id = next(j for j in ds.jobs if ds.kids("job.sessions", j))
    refs = xml(await session.get(f"/api/jobs/{job_id}/backupSessions"))
    assert {r.get("UID").rsplit(":", 1)[1] for r in refs.findall("v:Ref", NS)} == set(ds.kids("job.sessions", job_id))
    includes = xml(await session.get(f"/api/jobs/{job_id}/includes"))
    assert includes.tag.endswith("}ObjectsInJob")
    assert len(includes.findall("v:ObjectInJob", NS)) == len(ds.kids("job.includes", job_id))


async def test_paths_match_case_insensitively_as_on_the_real_server(app, session):
    id_ = first_id(app, "backup_servers")
    response = await session.get(f"/API/BackupServers/{id_.upper()}?FORMAT=ENTITY")
    assert response.status_code == 200 and xml(response).tag.endswith("}BackupServer")


async def test_json_has_no_root_element_types_values_and_orders_link_keys_rel_href_name_type(app, session):
    body = (await session.get(f"/api/jobs/{first_id(app, 'jobs')}?format=Entity", headers=JSON))
    assert body.headers["content-type"] == "application/json; charset=utf-8"
    job = body.json()
    assert job["Type"] == "Job" and "Job" not in job
    assert isinstance(job["ScheduleEnabled"], bool)
    for link in job["Links"]:
        order = ["Rel", "Href", "Name", "Type"]
        assert list(link) == [k for k in order if k in link]
        assert None not in link.values()
    start = next(l for l in job["Links"] if l["Rel"] == "Start")
    assert "Type" not in start and "Name" not in start
    assert isinstance(job["JobInfo"]["BackupJobInfo"]["Includes"]["ObjectInJobs"], list) or job["JobType"] != "Backup"


async def test_json_collections_are_refs_arrays_and_plural_arrays(app, session):
    refs = (await session.get("/api/jobs", headers=JSON)).json()
    ents = (await session.get("/api/jobs?format=Entity", headers=JSON)).json()
    assert list(refs) == ["Refs"] and list(ents) == ["Jobs"]
    assert len(refs["Refs"]) == len(ents["Jobs"]) == len(app.state.dataset.jobs)
    assert refs["Refs"][0]["Type"] == "JobReference"


async def test_json_and_xml_say_the_same_things(app, session):
    path = f"/api/backupSessions/{first_id(app, 'sessions')}?format=Entity"
    as_xml = xml(await session.get(path))
    as_json = (await session.get(path, headers=JSON)).json()
    assert as_json["Href"] == as_xml.get("Href") and as_json["Name"] == as_xml.get("Name")
    assert [(l["Rel"], l["Href"]) for l in as_json["Links"]] == [(l.get("Rel"), l.get("Href")) for l in links(as_xml)]
    assert as_json["Progress"] == int(as_xml.findtext("v:Progress", namespaces=NS))


async def test_an_optional_value_that_is_not_set_is_absent_in_xml_and_null_in_json(session):
    ds_job = (await session.get("/api/query?type=Job&filter=ScheduleEnabled==false", headers=JSON)).json()
    assert ds_job["Refs"]["Refs"]
    for ref in ds_job["Refs"]["Refs"]:
        entity_href = next(l["Href"] for l in ref["Links"] if l["Rel"] == "Alternate")
        assert (await session.get(entity_href, headers=JSON)).json()["NextRun"] is None
        assert b"<NextRun" not in (await session.get(entity_href)).content


@pytest.mark.parametrize("path, status", [
    ("/api/nothing/here", 404), ("/api/jobs/00000000-0000-0000-0000-000000000001", 404),
    ("/api/tasks/task-999999", 404),
    ("/api/reports/summary/nothing", 404), ("/api/jobs?format=Bogus", 400),
    ("/api/jobs/12345?format=Entity", 400), ("/api/backups/not-a-guid", 400),
])
async def test_unknown_resources_and_bad_parameters_answer_an_error_body(session, path, status):
    response = await session.get(path)
    assert response.status_code == status
    error = xml(response)
    assert error.tag == "{http://www.veeam.com/ent/v1.0}Error"
    assert error.get("StatusCode") == str(status) and error.get("Message")
    as_json = (await session.get(path, headers=JSON)).json()
    assert as_json["StatusCode"] == status and as_json["Status"] == error.get("Status")


@pytest.mark.parametrize("method, path", [("PUT", "/api/jobs"), ("DELETE", "/api/querySvc"), ("PATCH", "/api/")])
async def test_an_unsupported_method_answers_405_with_an_error_body(session, method, path):
    response = await session.request(method, path)
    assert response.status_code == 405
    assert xml(response).get("Status") == "MethodNotAllowed" and "allow" in response.headers


UNKNOWN_ID = "00005eed-0000-0000-4000-800000000000"


def with_unknown_id(url: str) -> str | None:
    """The URL with its last id-like segment (one holding a digit) replaced by an id nobody has."""
    u = httpx.URL(url)
    head, _, last = u.path.rstrip("/").rpartition("/")
    return str(u.copy_with(path=f"{head}/{UNKNOWN_ID}")) if any(c.isdigit() for c in last) else None


async def test_every_served_resource_answers_patch_with_405_and_unknown_ids_with_404_error_bodies(session, walk):
    served = [url for url, response in (await walk(session)).items() if response.status_code == 200]
    assert len(served) > 40
    for url in served:
        patched = await session.patch(url)
        assert (patched.status_code, xml(patched).get("StatusCode")) == (405, "405"), url
        missing = with_unknown_id(url)
        if missing is not None:
            answer = await session.get(missing)
            assert (answer.status_code, xml(answer).get("StatusCode")) == (404, "404"), missing


async def test_a_crash_inside_an_endpoint_becomes_a_500_error_body(app, session, caplog):
    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("boom")

    app.state.dataset = Broken()
    response = await session.get("/api/jobs")
    assert response.status_code == 500
    error = xml(response)
    assert error.get("StatusCode") == "500" and error.get("Status") == "InternalServerError"
    assert "boom" not in error.get("Message")  # internals stay in the log
    assert "boom" in caplog.text


async def test_an_action_answers_202_with_a_task_that_the_task_list_then_holds(app, session):
    job_id = first_id(app, "jobs")
    response = await session.post(f"/api/jobs/{job_id}?action=start")
    assert response.status_code == 202
    task = xml(response)
    assert task.tag.endswith("}Task") and task.findtext("v:Operation", namespaces=NS) == "StartJob"
    assert response.headers["location"] == task.get("Href")
    related = next(l for l in links(task) if l.get("Rel") == "Related")
    assert related.get("Href").endswith(f"/jobs/{job_id}?format=Entity")
    listed = [t.get("Href") for t in xml(await session.get("/api/tasks")).findall("v:Task", NS)]
    assert task.get("Href") in listed
    assert (await session.delete(task.get("Href"))).status_code == 204
    assert (await session.get(task.get("Href"))).status_code == 404


async def test_an_action_the_resource_does_not_offer_is_a_400_and_a_bare_post_a_405(app, session):
    job_id = first_id(app, "jobs")
    assert (await session.post(f"/api/jobs/{job_id}?action=explode")).status_code == 400
    assert (await session.post(f"/api/jobs/{job_id}")).status_code == 405


async def test_latency_delays_every_response(connect):
    import time

    app = create_app(generate_dataset(5), latency_ms=60)
    async with connect(app, logged_on=False) as c:
        started = time.perf_counter()
        await c.get("/api/")
        assert time.perf_counter() - started >= 0.05


def test_create_app_rejects_a_negative_latency():
    with pytest.raises(ValueError, match="latency"):
        create_app(generate_dataset(5), latency_ms=-1)


async def test_the_summary_report_links_down_to_five_frames_that_link_back_up(session):
    report = xml(await session.get("/api/reports/summary"))
    assert report.tag.endswith("}SummaryReport") and report.get("Type") == "Report"
    frames = [l.get("Href") for l in links(report) if l.get("Rel") == "Down"]
    assert len(frames) == 5
    for href in frames:
        frame = xml(await session.get(href))
        assert frame.get("Type") == "ReportFrame" and frame.get("Href") == href
        assert [l.get("Href") for l in links(frame) if l.get("Rel") == "Up"] == [report.get("Href")]
    assert json.loads((await session.get(frames[0], headers=JSON)).content)["Type"] == "ReportFrame"
