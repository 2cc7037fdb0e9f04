"""Specification of the mock's JSON: the shapes real servers send, where every element that
holds a list of items stays an object around its plural array, a list of plain values is a flat
array of them, and a list without items is an empty array."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from conformance.model.parsing import parse_body

pytestmark = pytest.mark.anyio
JSON = {"Accept": "application/json"}


async def get_json(session: httpx.AsyncClient, path: str) -> dict:
    response = await session.get(path, headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_collection_document_is_its_plural_array_alone(app, session):
    assert list(await get_json(session, "/api/jobs")) == ["Refs"]
    assert list(await get_json(session, "/api/repositories?format=Entity")) == ["Repositories"]
    assert isinstance((await get_json(session, "/api/tasks"))["Tasks"], list)


async def test_a_query_result_keeps_its_list_inside_the_wrapper_of_its_format(session):
    refs = await get_json(session, "/api/query?type=Repository")
    entities = await get_json(session, "/api/query?type=Repository&format=Entities")
    resources = await get_json(session, "/api/query?type=Task&format=Resources")
    assert list(refs["Refs"]) == ["Refs"] and refs["Refs"]["Refs"][0]["Type"] == "RepositoryReference"
    assert list(entities["Entities"]) == ["Repositories"]
    assert list(entities["Entities"]["Repositories"]) == ["Repositories"]
    assert entities["Entities"]["Repositories"]["Repositories"][0]["Type"] == "Repository"
    assert resources["Resources"]["Tasks"]["Tasks"][0]["Type"] == "Task"
    for result in (refs, entities, resources):
        assert result["PagingInfo"]["PageNum"] == 1


async def test_nested_lists_are_objects_around_their_plural_array(app, session):
    root = await get_json(session, "/api/")
    assert [v["Name"] for v in root["SupportedVersions"]["SupportedVersions"]] == ["v1_5", "v1_6", "v1_7"]
    job = next(j for j in app.state.dataset.jobs.values() if j.job_type == "Backup")
    entity = await get_json(session, f"/api/jobs/{job.id}?format=Entity")
    vms = entity["JobInfo"]["BackupJobInfo"]["Includes"]["ObjectInJobs"]
    assert len(vms) == len(app.state.dataset.kids("job.includes", job.id))


async def test_a_list_without_items_is_an_empty_array_at_any_depth(app, session):
    nothing = quote("Name==\"no such repository\"")
    for fmt in ("Refs", "Entities"):
        result = await get_json(session, f"/api/query?type=Repository&format={fmt}&filter={nothing}")
        wrapper = result[fmt] if fmt == "Refs" else result[fmt]["Repositories"]
        assert wrapper == {"Refs" if fmt == "Refs" else "Repositories": []}
    ds = app.state.dataset
    replica_job = next(j for j in ds.jobs.values() if j.job_type == "Replica")
    assert await get_json(session, f"/api/jobs/{replica_job.id}/backupSessions") == {"Refs": []}


async def test_a_backup_copy_job_shows_its_empty_linked_lists_as_empty_arrays(connect):
    from conformance.mock import create_app, generate_dataset

    ds = generate_dataset(200, seed=1)
    job = next(j for j in ds.jobs.values() if j.job_type == "BackupCopy")
    async with connect(create_app(ds)) as session:
        info = (await get_json(session, f"/api/jobs/{job.id}?format=Entity"))["JobInfo"]["BackupCopyJobInfo"]
    assert info["LinkedJobIncludes"] == {"LinkedJobObjects": []}
    assert info["LinkedBackupRepositoryIncludes"] == {"LinkedBackupRepositories": []}


async def test_an_embedded_item_without_links_of_its_own_carries_null_links(app, session):
    job = next(j for j in app.state.dataset.jobs.values() if j.job_type == "Backup")
    entity = await get_json(session, f"/api/jobs/{job.id}?format=Entity")
    vm = entity["JobInfo"]["BackupJobInfo"]["Includes"]["ObjectInJobs"][0]
    assert vm["Links"] is None and vm["Href"].endswith(f"/jobs/{job.id}/includes/{vm['ObjectInJobId']}")
    assert list(vm)[-3:] == ["Links", "Href", "Type"]


@pytest.mark.parametrize("path", [
    "/api/", "/api/jobs", "/api/jobs?format=Entity", "/api/logonSessions", "/api/tasks",
    "/api/query?type=Job", "/api/query?type=BackupJobSession&format=Entities", "/api/query?type=Task",
    "/api/query?type=Repository&filter=" + quote("Name==\"no such repository\""),
    "/api/reports/summary/repository", "/api/reports/summary/processed_vms",
])
async def test_the_suites_reader_finds_the_same_root_links_and_items_in_json_as_in_xml(session, path):
    as_xml = await session.get(path)
    as_json = await session.get(path, headers=JSON)
    from_xml, _ = parse_body(as_xml.content, as_xml.headers["content-type"])
    from_json, _ = parse_body(as_json.content, as_json.headers["content-type"])
    assert from_json.root == from_xml.root or from_json.type == from_xml.type
    assert {(l.rel, l.href, l.type, l.name) for l in from_json.links} == \
        {(l.rel, l.href, l.type, l.name) for l in from_xml.links}
    assert sorted(m.href for m in from_json.members) == sorted(m.href for m in from_xml.members)


_PLAIN = frozenset({"string", "boolean", "long", "int", "double", "dateTime"})


def _lists_of_plain_values() -> frozenset[str]:
    """Members the facts declare as lists of plain values: a plain child its documented sequence
    repeats (`Days`), and an element whose type holds nothing but one (`Tags`, `ExcludedIndexingFolders`)."""
    from conformance.mock.instances import facts

    types = facts().types
    repeated = {(name, c.name) for name, t in types.items() if not t.any_order
                for c in t.children or () if c.type in _PLAIN and c.occurs in ("*", "+")}
    holders = {name for name, t in types.items() if t.children and len(t.children) == 1
               and (name, t.children[0].name) in repeated}
    return frozenset({child for name, child in repeated if name not in holders}
                     | {c.name for t in types.values() for c in t.children or () if c.type in holders})


def _members(value: Any, path: str = "$") -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for key, member in value.items():
            yield f"{path}.{key}", key, member
            yield from _members(member, f"{path}.{key}")
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            yield from _members(entry, f"{path}[{index}]")


async def test_every_list_of_plain_values_is_an_array_of_the_values_the_xml_holds(app, session, walk):
    """`"Days": ["Sunday"]`, `"Tags": ["..."]`: an array a client iterates, never a value or an object
    (a name may also be a list of items elsewhere, `"Days": [{...}]` in a report: an array too)."""
    names = _lists_of_plain_values()
    seen: set[str] = set()
    for url, as_xml in (await walk(session)).items():
        if as_xml.status_code != 200 or not as_xml.headers["content-type"].startswith("application/xml"):
            continue
        body = await get_json(session, url)
        for path, key, member in _members(body):
            if key in names:
                assert isinstance(member, list), f"{url} {path}: {member!r}"
                seen.add(key)
        from_xml = etree.fromstring(as_xml.content)
        texts = sorted(e.text or "" for e in from_xml.iter() if etree.QName(e).localname in ("Days", "Tag") and not len(e))
        found = sorted(str(v) for path, key, member in _members(body) if key in ("Days", "Tags")
                       and isinstance(member, list) for v in member if not isinstance(v, dict))
        assert found == texts, url
    assert {"Days", "Tags", "ExcludedIndexingFolders"} <= seen


def _lists_of_items() -> dict[str, str]:
    """Element name -> the plural array of its items, for names the facts declare only as a list
    of documented items (`Schedule` of `Day`s)."""
    from conformance.mock.instances import facts
    from conformance.model.names import plural

    types = facts().types
    declared: dict[str, set[str]] = {}
    for spec in types.values():
        for c in spec.children or ():
            declared.setdefault(c.name, set()).add(c.type)
    out = {}
    for name, of in declared.items():
        items = {types[t].children[0].name for t in of if t in types and types[t].children
                 and len(types[t].children) == 1 and types[t].children[0].occurs in ("*", "+")
                 and types[t].children[0].type in types}
        if len(items) == 1 and all(t in types for t in of) and len(of) == 1:
            out[name] = plural(items.pop())
    return out


async def test_every_list_of_items_the_facts_fill_is_an_object_around_its_plural_array(session, walk):
    """`"Schedule": {"Days": [{"Name": ..., "Value": ...}]}`, even with one item, as real servers send it."""
    names = _lists_of_items()
    seen: set[str] = set()
    for url, as_xml in (await walk(session)).items():
        if as_xml.status_code != 200 or not as_xml.headers["content-type"].startswith("application/xml"):
            continue
        for path, key, member in _members(await get_json(session, url)):
            if key in names and isinstance(member, dict):
                assert list(member) == [names[key]] and isinstance(member[names[key]], list), f"{url} {path}"
                seen.add(key)
    assert {"Schedule", "TimePeriods"} <= seen
