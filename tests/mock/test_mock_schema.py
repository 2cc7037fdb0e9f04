"""Specification of the project's schema: it loads everywhere, and every representation the mock serves is valid."""

from __future__ import annotations

import pytest
import xmlschema
from lxml import etree

from conformance.mock import create_app, generate_dataset
from conformance.mock.app import ROUTES

pytestmark = pytest.mark.anyio


def test_the_schema_loads_with_lxml_and_with_xmlschema(schema_file):
    etree.XMLSchema(etree.parse(str(schema_file)))
    loaded = xmlschema.XMLSchema(str(schema_file))
    assert loaded.target_namespace == "http://www.veeam.com/ent/v1.0"
    assert {"EnterpriseManager", "EntityRef", "Job", "QueryResult", "Error"} <= set(loaded.elements)


def test_link_attributes_are_declared_optional_so_only_the_link_rules_judge_them(schema):
    doc = etree.fromstring(b'<EntityRef xmlns="http://www.veeam.com/ent/v1.0" Type="JobReference" Href="x" '
                           b'Name="n" UID="urn:veeam:Job:1"><Links><Link/><Link Href="/relative"/></Links></EntityRef>')
    assert schema.validate(doc), schema.error_log


@pytest.mark.parametrize("size", [5, 12])
async def test_every_link_reachable_from_the_root_answers_200_and_every_body_validates(schema, schema_file, walk,
                                                                                      connect, size):
    app = create_app(generate_dataset(size, seed=size))
    async with connect(app) as client:
        fetched = await walk(client)
    failures = [(url, r.status_code) for url, r in fetched.items() if r.status_code != 200]
    assert failures == []
    invalid = {}
    roots = set()
    for url, response in fetched.items():
        doc = etree.fromstring(response.content)
        roots.add(etree.QName(doc).localname)
        if not schema.validate(doc):
            invalid[url] = str(schema.error_log.last_error)
    assert invalid == {}
    if size == 5:  # the second validator agrees (slower, so on the small walk only)
        second = xmlschema.XMLSchema(str(schema_file))
        assert [url for url, r in fetched.items() if not second.is_valid(r.content.decode())] == []
    served = {"EnterpriseManager", "LogonSession", "LogonSessions", "EntityRef", "EntityReferences", "BackupServer",
              "BackupServers", "Job", "Jobs", "ObjectInJob", "ObjectsInJob", "BackupJobSession", "BackupJobSessions",
              "BackupTaskSession", "BackupTaskSessions", "Repository", "Repositories", "Backup", "Backups",
              "RestorePoint", "RestorePoints", "VmRestorePoint", "VmRestorePoints", "Replica", "Replicas", "BackupFile",
              "BackupFiles", "Task",
              "Tasks", "QuerySvc", "QueryResult", "SummaryReport", "OverviewReportFrame", "VmsOverviewReportFrame",
              "JobStatisticsReportFrame", "RepositoryReportFrame", "ProcessedVmsReportFrame"}
    assert served <= roots  # and the documented areas beyond them (surface.toml)


async def test_the_walk_reaches_every_route_of_the_app(walk, app, connect):
    async with connect(app) as client:
        fetched = await walk(client)
    templates = {r.path for r in ROUTES}
    reached = set()
    for url in fetched:
        path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0].lower()
        for route in ROUTES:
            if route.path_regex.match("/" + path):
                reached.add(route.path)
                break
    assert templates - reached == {"/api", "/api/sessionmngr"}  # the slash-less spellings are aliases


async def test_error_bodies_and_action_results_validate_too(schema, session, app):
    job_id = next(iter(app.state.dataset.jobs))
    for response in (await session.get("/api/nothing"), await session.get("/api/query?type=x"),
                     await session.put("/api/jobs"), await session.post(f"/api/jobs/{job_id}?action=clone"),
                     await session.post("/api/backupServers?action=create")):
        assert response.status_code >= 202
        assert schema.validate(etree.fromstring(response.content)), schema.error_log


def test_an_undeclared_element_fails_validation(schema):
    doc = etree.fromstring(b'<Repository xmlns="http://www.veeam.com/ent/v1.0" Href="h" Name="n" '
                           b'UID="urn:veeam:Repository:1"><Capacity>1</Capacity><FreeSpace>1</FreeSpace>'
                           b'<Kind>Nfs</Kind><Extra/></Repository>')
    assert not schema.validate(doc)
