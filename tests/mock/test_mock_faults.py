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


async def fetch_clean(connect, path: str) -> httpx.Response:
    """GET a path from a clean app, when a test's faulty client is busy following links."""
    async with connect(create_app(DATA)) as client:
        return await client.get(path)


def item_id(table: str, index: int = 0) -> str:
    return list(getattr(DATA, table))[index]


def reference_path(kind: str, table: str, index: int = 0) -> str:
    return f"/api/{kind}/{item_id(table, index)}"


def xml_links(response: httpx.Response) -> list[dict[str, str]]:
    return [dict(l.attrib) for l in etree.fromstring(response.content).iterfind("v:Links/v:Link", NS)]


def rel(response: httpx.Response, rel_: str, type_: str | None = None) -> list[dict[str, str]]:
    """The document's own links with this Rel (and Type)."""
    return [l for l in xml_links(response) if l.get("Rel") == rel_ and (type_ is None or l.get("Type") == type_)]


def root(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def test_the_registry_names_each_fault_with_the_rule_it_breaks_and_a_description():
    expected = {"link_without_rel": "LNK001", "relative_href": "LNK002", "foreign_href": "LNK003",
                "down_link_without_type": "LNK004", "logon_link_without_type": "LNK004", "lowercase_rel": "LNK005", "href_with_fragment": "LNK006",
                "typed_action_link": "LNK007", "duplicate_link": "LNK008", "stale_link_name": "LNK009",
                "xml_as_text": "PRT001", "json_drops_link": "PRT002", "json_ignored": "PRT003",
                "open_resource": "PRT004", "not_found_without_error": "PRT005", "method_not_allowed_as_500": "PRT006",
                "session_survives_logout": "PRT007", "error_status_mismatch": "PRT008",
                "paging_drops_filter": "PRT009", "paging_past_the_last_page": "PRT009", "dangling_link": "REL001", "up_sideways": "REL002",
                "foreign_member": "REL003", "alternate_other_uid": "REL004", "alternate_one_way": "REL005",
                "edit_elsewhere": "REL006", "create_on_self": "REL007", "action_on_parent": "REL008",
                "action_without_query": "REL009", "undeclared_element": "SCH001", "json_member_misspelt": "SCH001",
                "type_mismatch": "TYP001",
                "entity_format_ignored": "TYP002", "reference_is_entity": "TYP003", "stale_self_href": "TYP004",
                "root_type_mismatch": "TYP005", "uid_of_another_type": "TYP006", "job_without_clone": "PRF001",
                "repository_related_link": "PRF002", "tasks_hidden": "PRF003", "wrong_namespace": "SCH001",
                "member_uid_malformed": "TYP006", "reference_of_another_type": "TYP007",
                "alternate_type_other_resource": "TYP008", "alternate_same_form": "REL010"}
    expected |= {"clone_crashes_on_bytes": "ACT001", "vm_spec_unchecked": "ACT002", "start_answers_200": "ACT003",
                 "clone_task_related_nowhere": "ACT004", "start_task_never_finishes": "ACT005",
                 "task_delete_ignored": "ACT006", "created_server_unlisted": "ACT007", "deleted_vm_lingers": "ACT008",
                 "edit_appends_to_description": "ACT009", "clone_shares_vms": "ACT010",
                 "deleted_member_reappears": "ACT011", "edit_lost_after_create": "ACT012"}
    assert {name: f.rule for name, f in FAULTS.items()} == expected
    assert all(isinstance(f, Fault) and f.name == name and f.description for name, f in FAULTS.items())
    with pytest.raises(TypeError):
        FAULTS["new"] = FAULTS["relative_href"]  # type: ignore[index]


def test_a_fault_that_cannot_help_breaking_other_rules_declares_them_and_lists_them():
    also = {name: f.also for name, f in FAULTS.items() if f.also}
    assert also == {"entity_format_ignored": ("TYP001", "REL004"), "reference_is_entity": ("TYP001", "REL004"),
                    "alternate_other_uid": ("REL010",), "alternate_same_form": ("REL004", "TYP001"),
                    "alternate_type_other_resource": ("TYP001",)}
    assert all(f.description.endswith(f"(also breaks {', '.join(f.also)})") for f in FAULTS.values() if f.also)


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


async def test_foreign_href_points_the_server_up_link_of_backups_at_another_origin(fetch):
    path = entity_path("backups", "backups")
    links = xml_links(await fetch(("foreign_href",), path))
    (up,) = [l for l in links if l.get("Type") == "BackupServerReference"]
    assert up["Href"].startswith("https://elsewhere.invalid:9398/api/backupServers/")
    assert all(l["Href"].startswith("http://mock.test/api/") for l in links if l is not up)


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


# -- attributes --------------------------------------------------------------------------------------

async def test_lowercase_rel_lowercases_the_first_up_link_of_replicas(fetch):
    path = entity_path("replicas", "replicas")
    clean, broken = xml_links(await fetch((), path)), xml_links(await fetch(("lowercase_rel",), path))
    changed = [(a, b) for a, b in zip(clean, broken) if a != b]
    assert len(changed) == 1 and changed[0][0]["Rel"] == "Up" and changed[0][1] == {**changed[0][0], "Rel": "up"}
    assert [l["Rel"] for l in (await fetch(("lowercase_rel",), path, JSON)).json()["Links"]].count("up") == 1


async def test_href_with_fragment_appends_a_fragment_to_the_jobs_link_of_backup_servers(fetch):
    path = entity_path("backupServers", "backup_servers")
    (clean,) = rel(await fetch((), path), "Down", "JobReferenceList")
    (broken,) = rel(await fetch(("href_with_fragment",), path), "Down", "JobReferenceList")
    assert "#" not in clean["Href"] and broken["Href"] == clean["Href"] + "#jobs"


async def test_typed_action_link_gives_the_start_link_of_jobs_a_type(fetch):
    path = entity_path("jobs", "jobs")
    assert [l.get("Type") for l in rel(await fetch((), path), "Start")] == [None]
    assert [l.get("Type") for l in rel(await fetch(("typed_action_link",), path), "Start")] == ["Task"]


async def test_duplicate_link_lists_the_alternate_of_repositories_twice(fetch):
    path = entity_path("repositories", "repositories")
    (alternate,) = rel(await fetch((), path), "Alternate")
    assert rel(await fetch(("duplicate_link",), path), "Alternate") == [alternate, alternate]


async def test_stale_link_name_renames_the_server_in_the_up_link_of_jobs(fetch):
    path = entity_path("jobs", "jobs")
    server = DATA.backup_servers[DATA.jobs[item_id("jobs")].server_id]
    (clean,) = rel(await fetch((), path), "Up")
    (broken,) = rel(await fetch(("stale_link_name",), path), "Up")
    assert clean["Name"] == server.name and broken["Name"] != server.name
    assert {**broken, "Name": server.name} == clean


# -- relations ---------------------------------------------------------------------------------------

async def test_up_sideways_points_task_sessions_up_to_another_job_session_named_as_it_is(connect):
    task = DATA.task_sessions[item_id("task_sessions")]
    async with connect(create_app(DATA, faults=["up_sideways"])) as client:
        (up,) = rel(await client.get(entity_path("backupTaskSessions", "task_sessions")), "Up",
                    "BackupJobSessionReference")
        target = root(await client.get(up["Href"]))
    assert not up["Href"].endswith(task.session_id) and target.get("Name") == up["Name"]
    (clean,) = rel(await fetch_clean(connect, entity_path("backupTaskSessions", "task_sessions")), "Up",
                   "BackupJobSessionReference")
    assert clean["Href"].endswith(task.session_id)


async def test_foreign_member_adds_a_session_of_another_job_to_a_jobs_session_list(fetch):
    job_id = next(j for j in DATA.jobs if all(s.job_id != j for s in DATA.sessions.values()))
    path = f"/api/jobs/{job_id}/backupSessions"
    clean = [r.get("Href") for r in root(await fetch((), path)).iterfind("v:Ref", NS)]
    broken = [r.get("Href") for r in root(await fetch(("foreign_member",), path)).iterfind("v:Ref", NS)]
    assert clean == [] and len(broken) == 1
    assert DATA.sessions[broken[0].rsplit("/", 1)[1]].job_id != job_id
    assert (await fetch(("foreign_member",), path + "?format=Entity")).content == \
        (await fetch((), path + "?format=Entity")).content


async def test_alternate_other_uid_crosses_the_alternates_of_task_sessions_in_pairs(connect):
    first, second = item_id("task_sessions", 0), item_id("task_sessions", 1)
    async with connect(create_app(DATA, faults=["alternate_other_uid"])) as client:
        (out,) = rel(await client.get(f"/api/backupTaskSessions/{first}"), "Alternate")
        (back,) = rel(await client.get(out["Href"]), "Alternate")
    assert out["Href"].endswith(f"/backupTaskSessions/{second}?format=Entity")
    assert back["Href"].endswith(f"/backupTaskSessions/{first}")
    (clean,) = rel(await fetch_clean(connect, f"/api/backupTaskSessions/{first}"), "Alternate")
    assert clean["Href"].endswith(f"/backupTaskSessions/{first}?format=Entity")


async def test_alternate_one_way_sends_replicas_to_a_reference_spelling_that_names_itself(connect):
    path = entity_path("replicas", "replicas")
    async with connect(create_app(DATA, faults=["alternate_one_way"])) as client:
        (out,) = rel(await client.get(path), "Alternate")
        spelled = await client.get(out["Href"])
        plain = root(await client.get(reference_path("replicas", "replicas")))
    assert out["Href"] == f"http://mock.test{reference_path('replicas', 'replicas')}?format=Reference"
    assert root(spelled).get("Href") == out["Href"] and rel(spelled, "Alternate")[0]["Href"].endswith(path)
    assert plain.get("Href").endswith(reference_path("replicas", "replicas"))
    (clean,) = rel(await fetch_clean(connect, path), "Alternate")
    assert clean["Href"].endswith(reference_path("replicas", "replicas"))


async def test_edit_elsewhere_points_the_edit_link_of_a_job_at_the_other_job(fetch):
    other = DATA.jobs[item_id("jobs", 1)]
    (edit,) = rel(await fetch(("edit_elsewhere",), entity_path("jobs", "jobs")), "Edit")
    assert edit == {"Rel": "Edit", "Href": f"http://mock.test/api/jobs/{other.id}", "Name": other.name,
                    "Type": "JobReference"}
    (clean,) = rel(await fetch((), entity_path("jobs", "jobs")), "Edit")
    assert clean["Href"].endswith(reference_path("jobs", "jobs"))


async def test_create_on_self_points_the_create_link_of_a_job_at_the_job(fetch):
    path = entity_path("jobs", "jobs")
    faulty = rel(await fetch(("create_on_self",), path), "Create")
    clean = rel(await fetch((), path), "Create")
    assert {c["Href"] for c in faulty} == {"http://mock.test" + reference_path("jobs", "jobs")}
    assert "http://mock.test" + reference_path("jobs", "jobs") + "/includes" in {c["Href"] for c in clean}


async def test_action_on_parent_sends_the_start_of_a_job_to_its_backup_server(fetch):
    path = entity_path("jobs", "jobs")
    server_id = DATA.jobs[item_id("jobs")].server_id
    (start,) = rel(await fetch(("action_on_parent",), path), "Start")
    assert start["Href"] == f"http://mock.test/api/backupServers/{server_id}?action=start"
    assert rel(await fetch((), path), "Start")[0]["Href"].endswith(f"{reference_path('jobs', 'jobs')}?action=start")


async def test_action_without_query_leaves_the_action_out_of_the_stop_link_of_a_job(fetch):
    path = entity_path("jobs", "jobs")
    (stop,) = rel(await fetch(("action_without_query",), path), "Stop")
    (clean,) = rel(await fetch((), path), "Stop")
    assert stop["Href"] == "http://mock.test" + reference_path("jobs", "jobs")
    assert clean["Href"] == stop["Href"] + "?action=stop"


# -- types -------------------------------------------------------------------------------------------

async def test_type_mismatch_types_the_alternate_of_a_repository_entity_as_a_backup(fetch):
    path = entity_path("repositories", "repositories")
    assert [l["Type"] for l in rel(await fetch(("type_mismatch",), path), "Alternate")] == ["Backup"]
    assert [l["Type"] for l in rel(await fetch((), path), "Alternate")] == ["RepositoryReference"]
    reference = reference_path("repositories", "repositories")
    assert [l["Type"] for l in rel(await fetch(("type_mismatch",), reference), "Alternate")] == ["Repository"]


async def test_entity_format_ignored_answers_the_reference_form_of_replicas_named_as_asked(fetch):
    path = entity_path("replicas", "replicas")
    broken, clean = await fetch(("entity_format_ignored",), path), await fetch((), path)
    assert root(clean).tag.endswith("}Replica")
    assert root(broken).tag.endswith("}EntityRef") and root(broken).get("Type") == "ReplicaReference"
    assert root(broken).get("Href") == f"http://mock.test{path}"
    assert rel(broken, "Alternate")[0]["Href"] == "http://mock.test" + reference_path("replicas", "replicas")
    assert root(await fetch(("entity_format_ignored",), entity_path("jobs", "jobs"))).tag.endswith("}Job")


async def test_reference_is_entity_answers_the_entity_form_at_the_plain_url_of_replicas(fetch):
    path = reference_path("replicas", "replicas")
    broken, clean = await fetch(("reference_is_entity",), path), await fetch((), path)
    assert root(clean).tag.endswith("}EntityRef")
    assert root(broken).tag.endswith("}Replica") and root(broken).get("Href") == f"http://mock.test{path}"
    assert rel(broken, "Alternate")[0]["Href"] == f"http://mock.test{path}?format=Entity"
    listed = await fetch(("reference_is_entity",), "/api/replicas")
    assert listed.content == (await fetch((), "/api/replicas")).content


async def test_stale_self_href_drops_the_format_from_the_own_href_of_jobs(fetch):
    path = entity_path("jobs", "jobs")
    assert root(await fetch((), path)).get("Href") == f"http://mock.test{path}"
    broken = root(await fetch(("stale_self_href",), path))
    assert broken.get("Href") == "http://mock.test" + reference_path("jobs", "jobs")


async def test_root_type_mismatch_types_a_repository_entity_as_a_reference(fetch):
    path = entity_path("repositories", "repositories")
    broken = root(await fetch(("root_type_mismatch",), path))
    assert broken.tag.endswith("}Repository") and broken.get("Type") == "RepositoryReference"
    assert root(await fetch((), path)).get("Type") == "Repository"


async def test_uid_of_another_type_names_every_backup_a_job_by_the_same_id(fetch):
    id_ = item_id("backups")
    for path in (entity_path("backups", "backups"), reference_path("backups", "backups")):
        assert root(await fetch((), path)).get("UID") == f"urn:veeam:Backup:{id_}"
        assert root(await fetch(("uid_of_another_type",), path)).get("UID") == f"urn:veeam:Job:{id_}"
    listed = root(await fetch(("uid_of_another_type",), "/api/backups"))
    assert {ref.get("UID") for ref in listed.iterfind("v:Ref", NS)} == {f"urn:veeam:Job:{i}" for i in DATA.backups}
    job = root(await fetch(("uid_of_another_type",), entity_path("jobs", "jobs")))
    assert job.get("UID") == f"urn:veeam:Job:{item_id('jobs')}"


async def test_member_uid_malformed_breaks_the_uids_of_the_backup_server_entity_list_alone(fetch):
    listed = root(await fetch(("member_uid_malformed",), "/api/backupServers?format=Entity"))
    servers = listed.findall("v:BackupServer", NS)
    assert servers and {s.get("UID") for s in servers} == {"urn:veeam:BackupServer:not-a-guid"}
    clean = root(await fetch((), "/api/backupServers?format=Entity"))
    assert {s.get("UID") for s in clean.findall("v:BackupServer", NS)} == {f"urn:veeam:BackupServer:{i}"
                                                                           for i in DATA.backup_servers}
    own = root(await fetch(("member_uid_malformed",), entity_path("backupServers", "backup_servers")))
    assert own.get("UID") == f"urn:veeam:BackupServer:{item_id('backup_servers')}"


async def test_reference_of_another_type_lists_repositories_as_backups_without_alternates(fetch):
    listed = root(await fetch(("reference_of_another_type",), "/api/repositories"))
    refs = listed.findall("v:Ref", NS)
    assert refs and {r.get("Type") for r in refs} == {"BackupReference"}
    assert all(r.get("Href").endswith(r.get("UID").rsplit(":", 1)[-1]) and "/repositories/" in r.get("Href")
               and r.get("UID").startswith("urn:veeam:Backup:") for r in refs)
    assert not listed.findall("v:Ref/v:Links/v:Link[@Rel='Alternate']", NS)
    clean = root(await fetch((), "/api/repositories"))
    assert {r.get("Type") for r in clean.findall("v:Ref", NS)} == {"RepositoryReference"}
    assert root(await fetch(("reference_of_another_type",), reference_path("repositories", "repositories"))).get(
        "Type") == "RepositoryReference"


async def test_alternate_type_other_resource_types_a_backup_references_alternate_as_a_job(fetch):
    path = reference_path("backups", "backups")
    assert [l["Type"] for l in rel(await fetch(("alternate_type_other_resource",), path), "Alternate")] == ["Job"]
    assert [l["Type"] for l in rel(await fetch((), path), "Alternate")] == ["Backup"]


async def test_alternate_same_form_points_each_repository_at_itself(fetch):
    for path in (entity_path("repositories", "repositories"), reference_path("repositories", "repositories")):
        broken = await fetch(("alternate_same_form",), path)
        assert [l["Href"] for l in rel(broken, "Alternate")] == [f"http://mock.test{path}"]
        assert [l["Href"] for l in rel(await fetch((), path), "Alternate")] != [f"http://mock.test{path}"]


async def test_wrong_namespace_serves_a_repository_entity_in_no_namespace(fetch):
    path = entity_path("repositories", "repositories")
    broken, clean = root(await fetch(("wrong_namespace",), path)), root(await fetch((), path))
    assert clean.tag == "{http://www.veeam.com/ent/v1.0}Repository"
    assert broken.tag == "Repository" and [c.tag for c in broken] == [etree.QName(c).localname for c in clean]
    other = root(await fetch(("wrong_namespace",), reference_path("repositories", "repositories")))
    assert other.tag == "{http://www.veeam.com/ent/v1.0}EntityRef"


# -- protocol ----------------------------------------------------------------------------------------

async def test_xml_as_text_serves_backup_entities_as_text_with_the_same_body(fetch):
    path = entity_path("backups", "backups")
    broken, clean = await fetch(("xml_as_text",), path), await fetch((), path)
    assert broken.headers["content-type"].startswith("text/plain") and broken.content == clean.content
    assert clean.headers["content-type"].startswith("application/xml")
    assert (await fetch(("xml_as_text",), path, JSON)).headers["content-type"].startswith("application/json")


async def test_json_drops_link_leaves_the_edit_link_out_of_job_entities_in_json_only(fetch):
    path = entity_path("jobs", "jobs")
    rels = [l["Rel"] for l in (await fetch(("json_drops_link",), path, JSON)).json()["Links"]]
    assert "Edit" not in rels and "Edit" in [l["Rel"] for l in (await fetch((), path, JSON)).json()["Links"]]
    assert (await fetch(("json_drops_link",), path)).content == (await fetch((), path)).content


async def test_json_ignored_answers_xml_to_a_json_request_for_a_repository_entity(fetch):
    path = entity_path("repositories", "repositories")
    broken = await fetch(("json_ignored",), path, JSON)
    assert broken.headers["content-type"].startswith("application/xml")
    assert broken.content == (await fetch((), path)).content
    assert (await fetch((), path, JSON)).headers["content-type"].startswith("application/json")
    assert (await fetch(("json_ignored",), entity_path("jobs", "jobs"), JSON)).json()["Type"] == "Job"


async def test_open_resource_serves_repository_entities_without_a_session_and_leaves_none_open(connect):
    path = entity_path("repositories", "repositories")
    app = create_app(DATA, faults=["open_resource"])
    async with connect(app, logged_on=False) as client:
        opened = await client.get(path)
        assert opened.status_code == 200 and root(opened).get("Type") == "Repository"
        assert (await client.get(entity_path("jobs", "jobs"))).status_code == 401
    assert app.state.sessions.all() == []
    async with connect(create_app(DATA), logged_on=False) as client:
        assert (await client.get(path)).status_code == 401


async def test_not_found_without_error_answers_an_empty_404_for_unknown_backups(fetch):
    path = f"/api/backups/{MISSING_SERVER_ID}?format=Entity"
    broken, clean = await fetch(("not_found_without_error",), path), await fetch((), path)
    assert (broken.status_code, broken.content) == (404, b"")
    assert clean.status_code == 404 and root(clean).get("StatusCode") == "404"
    other = await fetch(("not_found_without_error",), f"/api/jobs/{MISSING_SERVER_ID}?format=Entity")
    assert root(other).get("StatusCode") == "404"


async def test_method_not_allowed_as_500_answers_patch_on_a_job_entity_with_a_matching_500(connect):
    async with connect(create_app(DATA, faults=["method_not_allowed_as_500"])) as client:
        broken = await client.patch(entity_path("jobs", "jobs"))
        other = await client.patch(entity_path("backups", "backups"))
    assert broken.status_code == 500 and root(broken).get("StatusCode") == "500"
    assert root(broken).get("Status") == "InternalServerError" and other.status_code == 405
    async with connect(create_app(DATA)) as client:
        assert (await client.patch(entity_path("jobs", "jobs"))).status_code == 405


@pytest.mark.parametrize("faults, after", [(("session_survives_logout",), 200), ((), 401)])
async def test_session_survives_logout_keeps_a_deleted_session_working(connect, faults, after):
    async with connect(create_app(DATA, faults=faults)) as client:
        own = root(await client.get("/api/sessionMngr/?v=latest")).get("Href")
        assert (await client.delete(own)).status_code == 204
        assert (await client.get(own)).status_code == after


@pytest.mark.parametrize("faults, said", [(("error_status_mismatch",), "400"), ((), "401")])
async def test_error_status_mismatch_says_400_in_the_401_body_of_backup_server_entities(connect, faults, said):
    async with connect(create_app(DATA, faults=faults), logged_on=False) as client:
        server = await client.get(entity_path("backupServers", "backup_servers"))
        other = await client.get(entity_path("jobs", "jobs"))
    assert server.status_code == other.status_code == 401
    assert root(server).get("StatusCode") == said and root(other).get("StatusCode") == "401"


async def test_paging_drops_filter_leaves_the_sort_out_of_the_paging_links(fetch):
    path = "/api/query?type=Job&sortAsc=Name&pageSize=1"

    def paging(response: httpx.Response) -> list[str]:
        return [l.get("Href") for l in root(response).iterfind("v:PagingInfo/v:Links/v:Link", NS)]

    broken, clean = paging(await fetch(("paging_drops_filter",), path)), paging(await fetch((), path))
    assert len(broken) == len(clean) >= 2
    assert all("sortAsc=Name" in h for h in clean) and not any("sort" in h.lower() for h in broken)


async def test_paging_past_the_last_page_names_the_page_after_pages_count_as_the_last(fetch):
    path = "/api/query?type=Job&pageSize=1"

    def last(response: httpx.Response) -> tuple[str, str]:
        info = root(response).find("v:PagingInfo", NS)
        (href,) = [l.get("Href") for l in info.iterfind("v:Links/v:Link", NS) if l.get("Rel") == "Last"]
        return info.get("PagesCount"), href

    (count, broken), (_, clean) = last(await fetch(("paging_past_the_last_page",), path)), last(await fetch((), path))
    assert clean.endswith(f"page={count}") and broken.endswith(f"page={int(count) + 1}")
