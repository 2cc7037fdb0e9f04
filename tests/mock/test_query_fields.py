"""Specification of the query fields: every type filters and sorts on the fields its page documents, no others."""

from __future__ import annotations

import importlib.util
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from lxml import etree

from conformance.mock import create_app, generate_dataset
from conformance.mock.query_fields import fields_of
from vendor_pages import pages_folder

NS = {"v": "http://www.veeam.com/ent/v1.0"}
_ROOT = Path(__file__).resolve().parents[2]
TABLE = tomllib.loads((_ROOT / "conformance" / "mock" / "query_fields.toml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def app():
    return create_app(generate_dataset(300, seed=1, now=datetime(2026, 12, 5, 12, 0, 0, tzinfo=timezone.utc)))


def _tool():
    path = _ROOT / "tools" / "query_fields_from_pages.py"
    spec = importlib.util.spec_from_file_location("query_fields_from_pages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_is_what_the_documented_query_pages_list():
    folder = pages_folder()
    if folder is None:
        pytest.skip("the vendor's pages are not on this machine")
    assert _tool().collect(folder) == TABLE


def test_a_documented_enumeration_keeps_the_order_its_page_lists_its_values_in():
    assert fields_of("backupjobsession")["result"].values == ("Success", "Warning", "Failed")
    assert fields_of("ReplicaJobSession")["creationtime"].kind == "datetime"


@pytest.mark.parametrize("type_", sorted(TABLE))
async def test_every_documented_field_of_every_type_filters_and_sorts(app, session, type_):
    for name, spec in TABLE[type_].items():
        probe = {"datetime": "2026-01-01T00:00:00Z", "number": "0", "boolean": "true",
                 "enum": (spec.get("values") or ["x"])[0]}.get(spec["kind"], "x")
        for params in ({"filter": f"{name}!={probe}"}, {"filter": f"{name.lower()}=={probe}"}, {"sortDesc": name}):
            response = await session.get("/api/query", params={"type": type_, **params})
            assert response.status_code == 200, (type_, params, response.text)


def _uids(response: httpx.Response, element: str) -> set[str]:
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    return {e.get("UID") or e.findtext("v:UID", namespaces=NS)
            for e in root.iterfind(f"v:Entities//v:{element}", NS)}


async def _created(session, type_: str, element: str) -> dict[str, datetime]:
    root = etree.fromstring((await session.get(f"/api/query?type={type_}&format=Entities")).content)
    out = {}
    for item in root.iterfind(f"v:Entities//v:{element}", NS):
        text = item.findtext("v:CreationTimeUTC", namespaces=NS)
        out[item.get("UID") or item.findtext("v:UID", namespaces=NS)] = datetime.fromisoformat(text)
    return out


async def test_a_replica_job_session_filters_on_its_documented_creation_time(session):
    created = await _created(session, "ReplicaJobSession", "ReplicaJobSession")
    assert created
    cut = sorted(created.values())[len(created) // 2]
    literal = cut.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    got = _uids(await session.get(f"/api/query?type=ReplicaJobSession&format=Entities&filter=CreationTime>={literal}"),
                "ReplicaJobSession")
    assert got == {uid for uid, when in created.items() if when >= cut}


async def test_field_names_take_any_case_and_a_quoted_date_is_midnight_utc(session):
    created = await _created(session, "ReplicaJobSession", "ReplicaJobSession")
    day = sorted(created.values())[len(created) // 2].date()
    cut = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    got = _uids(await session.get(f'/api/query?type=replicajobsession&format=entities'
                                  f'&filter=creationtime>"{day.isoformat()}";jobtype!="nothing"'), "ReplicaJobSession")
    assert got == {uid for uid, when in created.items() if when > cut}
    assert 0 < len(got) < len(created) or len({d.date() for d in created.values()}) == 1


@pytest.mark.parametrize("params", [{"filter": "CreationTimeUTC>=2026-01-01"}, {"sortAsc": "Colour"}])
async def test_a_field_the_page_does_not_list_is_refused_with_an_error_naming_it(session, params):
    response = await session.get("/api/query", params={"type": "ReplicaJobSession", **params})
    assert response.status_code == 400
    error = etree.fromstring(response.content)
    assert error.tag == f"{{{NS['v']}}}Error"
    named = params.get("filter", "").split(">")[0] or params["sortAsc"]
    assert f"unknown field '{named}'" in error.get("Message")
    assert "CreationTime" in error.get("Message")  # and the fields the type does take
