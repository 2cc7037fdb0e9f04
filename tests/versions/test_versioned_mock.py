"""The versioned mock: each API version serves its own contract, and a session keeps the version it
was opened with, on a server of that version or a newer one."""

from __future__ import annotations

import pytest

from conformance.mock import create_app, generate_dataset
from conformance.mock.auth import API_VERSIONS
from conformance.mock.versions import contract_of

from version_steps import NS, down_types, rels, xml

pytestmark = pytest.mark.anyio

FILES = {"BackupFileReferenceList", "BackupFileList"}


async def _job(client) -> str:
    refs = xml(await client.get("/api/jobs"))
    return refs.find("v:Ref", NS).get("Href").split("/api/", 1)[1]


async def test_a_session_opened_with_an_older_version_gets_that_versions_view_on_a_newer_server(server, logged_on):
    async with logged_on(server, "v1_7") as new, logged_on(server, "v1_6") as old:
        assert FILES <= down_types(xml(await new.get("/api/sessionMngr/?v=latest")))
        assert not FILES & down_types(xml(await old.get("/api/sessionMngr/?v=latest")))
        job = await _job(new)
        for client in (new, old):  # servers of 9.5 Update 4 already toggle a job's schedule
            assert "ToggleScheduleEnabled" in rels(xml(await client.get(f"/api/{job}?format=Entity")))
            assert (await client.post(f"/api/{job}?action=toggleScheduleEnabled")).status_code == 202
        assert (await new.get("/api/backupFiles")).status_code == 200
        assert (await old.get("/api/backupFiles")).status_code == 404
        assert (await old.get("/api/query?type=BackupFile")).status_code == 400
        assert (await old.post(f"/api/{job}?action=start")).status_code == 202


async def test_query_results_of_every_version_link_their_pages_without_a_type(server, logged_on):
    for version in ("v1_5", "v1_6", "v1_7"):
        async with logged_on(server, version) as client:
            result = xml(await client.get("/api/query?type=Job&pageSize=1&page=1"))
            info = result.find("v:PagingInfo", NS)
            assert info.get("PagesCount") != "1"
            assert rels(info) == ["First", "Next", "Last"], version
            assert [link.get("Type") for link in info.iterfind("v:Links/v:Link", NS)] == [None] * 3


async def test_an_older_server_offers_only_its_versions_and_latest_means_its_own(logged_on):
    app = create_app(generate_dataset(8), api_version="v1_6")
    async with logged_on(app, "latest") as client:
        root = xml(await client.get("/api/"))
        assert [v.get("Name") for v in root.iterfind("v:SupportedVersions/v:SupportedVersion", NS)] == ["v1_5", "v1_6"]
        assert not FILES & down_types(xml(await client.get("/api/sessionMngr/?v=latest")))
        refused = await client.post("/api/sessionMngr/?v=v1_7", auth=("admin", "mock-password"))
        assert refused.status_code == 400 and "v1_6, v1_5" in refused.text


def test_an_unknown_api_version_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'v2_0'.*v1_5, v1_6, v1_7"):
        create_app(generate_dataset(3), api_version="v2_0")


def test_each_version_serves_the_latest_contract_less_what_later_versions_added():
    latest, middle, oldest = (contract_of(v) for v in reversed(API_VERSIONS))
    assert (latest.missing_kinds, latest.missing_actions) == (frozenset(), frozenset())
    assert middle.missing_kinds == {"backupFiles"} and middle.missing_actions == frozenset()
    assert oldest.missing_kinds == middle.missing_kinds and oldest.missing_actions == middle.missing_actions
