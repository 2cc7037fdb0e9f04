"""The versioned mock: each API version serves its own contract, and a session keeps the version it
was opened with, on a server of that version or a newer one."""

from __future__ import annotations

import pytest

from conformance.mock import create_app, generate_dataset
from conformance.mock.auth import API_VERSIONS
from conformance.mock.versions import contract_of

from version_steps import NS, down_types, rels, xml

pytestmark = pytest.mark.anyio

CDP = {"CdpPolicyReferenceList", "CdpPolicyList"}


async def _job(client) -> str:
    refs = xml(await client.get("/api/jobs"))
    return refs.find("v:Ref", NS).get("Href").split("/api/", 1)[1]


async def _down_types_of(client, path: str) -> set[str]:
    return down_types(xml(await client.get(f"/api/{path}")))


async def test_a_session_opened_with_an_older_version_gets_that_versions_view_on_a_newer_server(server, logged_on):
    async with logged_on(server, "v1_7") as new, logged_on(server, "v1_6") as old, logged_on(server, "v1_5") as oldest:
        assert (await new.get("/api/cdpReplica/vApps")).status_code == 200
        assert (await old.get("/api/cdpReplica/vApps")).status_code == 404
        assert (await old.get("/api/cdpPolicies")).status_code == 200
        assert (await oldest.get("/api/cdpPolicies")).status_code == 404
        assert (await oldest.get("/api/query?type=CdpPolicy")).status_code == 400
        assert (await old.get("/api/query?type=CdpPolicy")).status_code == 200
        job = await _job(new)
        assert "Create" in rels(xml(await new.get(f"/api/{job}?format=Entity")))
        assert "LinkedJobObjectList" in await _down_types_of(new, f"{job}?format=Entity")
        assert "LinkedJobObjectList" not in await _down_types_of(old, f"{job}?format=Entity")
        assert (await old.get(f"/api/{job}/linkedJobs")).status_code == 404
        for client in (new, old, oldest):  # documented since v10: not a difference
            assert "ToggleScheduleEnabled" in rels(xml(await client.get(f"/api/{job}?format=Entity")))
            assert (await client.get("/api/backupFiles")).status_code == 200
            assert {"BackupFileReferenceList", "BackupFileList"} <= down_types(xml(await client.get("/api/sessionMngr/?v=latest")))
        assert (await oldest.post(f"/api/{job}?action=toggleScheduleEnabled")).status_code == 202


async def test_query_results_link_their_pages_in_every_version(server, logged_on):
    for version in ("v1_5", "v1_6", "v1_7"):
        async with logged_on(server, version) as client:
            result = xml(await client.get("/api/query?type=Job&pageSize=1&page=1"))
            info = result.find("v:PagingInfo", NS)
            assert info.get("PagesCount") != "1"
            assert rels(info) == ["First", "Next", "Last"], version


async def test_an_older_server_offers_only_its_versions_and_latest_means_its_own(logged_on):
    app = create_app(generate_dataset(8), api_version="v1_6")
    async with logged_on(app, "latest") as client:
        root = xml(await client.get("/api/"))
        assert [v.get("Name") for v in root.iterfind("v:SupportedVersions/v:SupportedVersion", NS)] == ["v1_5", "v1_6"]
        assert (await client.get("/api/cdpReplica/vApps")).status_code == 404
        refused = await client.post("/api/sessionMngr/?v=v1_7", auth=("admin", "mock-password"))
        assert refused.status_code == 400 and "v1_6, v1_5" in refused.text


def test_an_unknown_api_version_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'v2_0'.*v1_5, v1_6, v1_7"):
        create_app(generate_dataset(3), api_version="v2_0")


def test_each_version_serves_the_latest_contract_less_what_later_versions_added():
    latest, middle, oldest = (contract_of(v) for v in reversed(API_VERSIONS))
    assert (latest.missing_kinds, latest.missing_actions, latest.missing_areas) == (frozenset(), frozenset(), frozenset())
    added_in_v1_7 = {"cdpReplica/vApps", "jobs/{id}/linkedJobs", "jobs/{id}/linkedBackupRepositories"}
    assert middle.missing_areas == added_in_v1_7
    assert oldest.missing_areas == added_in_v1_7 | {"cdpPolicies", "cdpReplicas", "cdpReplicaSessions", "cdpReplicaTaskSessions"}
    assert not middle.serves_area("cdpReplica/vApps/{id}/vms", "VAppCdpReplicaVm")
    assert middle.serves_area("cdpReplicas/{id}/vms", "CdpReplicaVm") and not oldest.serves_area("cdpReplicas/{id}/vms", "")
    assert all(not c.missing_kinds and not c.missing_actions for c in (middle, oldest))
