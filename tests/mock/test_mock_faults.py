"""Specification of the fault switches: each named fault changes one thing, in XML and JSON, and only when on."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from conformance.mock import FAULTS, Fault, create_app, generate_dataset
from conformance.mock.faults import MISSING_SERVER_ID, Reply, apply_reply

pytestmark = pytest.mark.anyio
DATA = generate_dataset(12, seed=5)
JSON = {"Accept": "application/json"}
NS = {"v": "http://www.veeam.com/ent/v1.0"}


@pytest.fixture
def fetch(connect):
    """GET a path, logged on, from a fresh app with these faults switched on."""

    async def get(faults: tuple[str, ...], path: str, headers: dict | None = None) -> httpx.Response:
        async with connect(create_app(DATA, faults=faults)) as client:
            return await client.get(path, headers=headers)

    return get


def entity_path(kind: str, table: str) -> str:
    return f"/api/{kind}/{next(iter(getattr(DATA, table)))}?format=Entity"


def xml_links(response: httpx.Response) -> list[dict[str, str]]:
    return [dict(l.attrib) for l in etree.fromstring(response.content).iterfind("v:Links/v:Link", NS)]


def test_the_registry_names_each_fault_with_the_rule_it_breaks_and_a_description():
    expected = {"link_without_rel": "LNK001", "relative_href": "LNK002", "foreign_href": "LNK003",
                "down_link_without_type": "LNK004", "undeclared_element": "SCH001", "dangling_link": "REL001"}
    assert {name: f.rule for name, f in FAULTS.items()} == expected
    assert all(isinstance(f, Fault) and f.name == name and f.description for name, f in FAULTS.items())
    with pytest.raises(TypeError):
        FAULTS["new"] = FAULTS["relative_href"]  # type: ignore[index]


def test_an_unknown_fault_is_a_value_error_naming_it_and_listing_the_known_ones():
    with pytest.raises(ValueError, match="no_such_fault") as raised:
        create_app(DATA, faults=["relative_href", "no_such_fault"])
    assert all(name in str(raised.value) for name in FAULTS)


async def test_link_without_rel_removes_the_rel_of_one_backup_server_link(fetch):
    path = entity_path("backupServers", "backup_servers")
    clean, broken = xml_links(await fetch((), path)), xml_links(await fetch(("link_without_rel",), path))
    assert all(l.get("Rel") for l in clean)
    assert [l for l in broken if "Rel" not in l] == [{k: v for k, v in clean[1].items() if k != "Rel"}]
    as_json = (await fetch(("link_without_rel",), path, JSON)).json()
    assert sum("Rel" not in l for l in as_json["Links"]) == 1


async def test_relative_href_makes_the_up_link_of_repositories_path_only(fetch):
    path = entity_path("repositories", "repositories")
    (up,) = [l for l in xml_links(await fetch(("relative_href",), path)) if l["Rel"] == "Up"]
    (clean_up,) = [l for l in xml_links(await fetch((), path)) if l["Rel"] == "Up"]
    assert up["Href"].startswith("/api/backupServers/") and clean_up["Href"] == "http://mock.test" + up["Href"]


async def test_relative_href_still_resolves_against_the_server(connect):
    async with connect(create_app(DATA, faults=["relative_href"])) as client:
        response = await client.get(entity_path("repositories", "repositories"))
        (up,) = [l for l in xml_links(response) if l["Rel"] == "Up"]
        assert (await client.get(str(response.url.join(up["Href"])))).status_code == 200


async def test_foreign_href_points_the_alternate_of_backups_at_another_origin(fetch):
    path = entity_path("backups", "backups")
    (alternate,) = [l for l in xml_links(await fetch(("foreign_href",), path)) if l["Rel"] == "Alternate"]
    assert alternate["Href"].startswith("https://elsewhere.invalid:9398/api/backups/")
    others = [l for l in xml_links(await fetch(("foreign_href",), path)) if l["Rel"] != "Alternate"]
    assert all(l["Href"].startswith("http://mock.test/api/") for l in others)


async def test_down_link_without_type_strips_the_type_of_job_down_links_only_when_on(fetch):
    path = entity_path("jobs", "jobs")
    clean = [l for l in xml_links(await fetch((), path)) if l["Rel"] == "Down"]
    broken = [l for l in xml_links(await fetch(("down_link_without_type",), path)) if l["Rel"] == "Down"]
    assert clean and all("Type" in l for l in clean)
    assert len(broken) == len(clean) and not any("Type" in l for l in broken)
    as_json = (await fetch(("down_link_without_type",), path, JSON)).json()
    assert all("Type" not in l for l in as_json["Links"] if l["Rel"] == "Down")


@pytest.mark.parametrize("path", ["/api/jobs?format=Entity", "/api/query?type=Job&format=Entities"])
async def test_a_fault_touches_the_entity_served_alone_not_its_copies_in_lists(fetch, path):
    assert (await fetch(("down_link_without_type",), path)).content == (await fetch((), path)).content


async def test_undeclared_element_makes_job_entities_invalid_and_nothing_else(fetch, schema):
    job = await fetch(("undeclared_element",), entity_path("jobs", "jobs"))
    assert not schema.validate(etree.fromstring(job.content))
    assert schema.validate(etree.fromstring((await fetch((), entity_path("jobs", "jobs"))).content))
    server = await fetch(("undeclared_element",), entity_path("backupServers", "backup_servers"))
    assert schema.validate(etree.fromstring(server.content))


async def test_dangling_link_points_the_server_up_link_of_replicas_at_a_missing_server(connect):
    async with connect(create_app(DATA, faults=["dangling_link"])) as client:
        links = xml_links(await client.get(entity_path("replicas", "replicas")))
        (up,) = [l for l in links if l.get("Type") == "BackupServerReference"]
        assert up["Href"] == f"http://mock.test/api/backupServers/{MISSING_SERVER_ID}"
        assert (await client.get(up["Href"])).status_code == 404
        (repository,) = [l for l in links if l.get("Type") == "RepositoryReference"]
        assert (await client.get(repository["Href"])).status_code == 200


async def test_faults_can_be_combined_and_leave_every_other_resource_alone(fetch):
    everything = tuple(FAULTS)
    for path in ("/api/", "/api/querySvc", entity_path("backupSessions", "sessions")):
        assert (await fetch(everything, path)).content == (await fetch((), path)).content


def test_a_reply_fault_rewrites_the_finished_reply():
    slow = Fault("demo", "XXX000", "answers 503", reply=lambda r: Reply(503, r.body, r.media_type, r.headers))
    out = apply_reply([slow], Reply(200, b"<x/>", "application/xml"))
    assert (out.status, out.body) == (503, b"<x/>")
