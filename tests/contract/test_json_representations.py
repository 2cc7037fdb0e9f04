"""JSON representations in the shapes the vendor documents: no root element, lists named by their
items' plural, wrappers kept around nested lists, nulls for what is absent. Each is read into the
same facts as its XML form, and PRT002 compares the two forms' links without false alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from vendor_pages import examples, pages_folder

from conformance.contract.profiles import load_profile
from conformance.crawl.probes import Probe
from conformance.model.links import Link
from conformance.model.parsing import json_root, parse_body
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, RuleContext, run_rule

API = "https://em.test:9398/api/"
SERVER = API + "backupServers/b1"
JOB, JOB_E = API + "jobs/j7", API + "jobs/j7?format=Entity"
TENANT, TENANT_E = API + "cloud/tenants/t1", API + "cloud/tenants/t1?format=Entity"
QUOTA = TENANT + "/resources/q1"
REPO_E = API + "repositories/r3?format=Entity"
PAGE = API + "query?type=Repository&format=Entities&pageSize=10&page=1"


def link(rel: str, href: str, type_: str | None = None, name: str | None = None) -> dict[str, Any]:
    """A JSON link: keys in the served order, absent attributes omitted."""
    return {"Rel": rel, "Href": href} | ({"Name": name} if name else {}) | ({"Type": type_} if type_ else {})


def job_reference() -> dict[str, Any]:
    return {"Links": [link("Up", SERVER, "BackupServerReference", "vbr-east"),
                      link("Alternate", JOB_E, "Job", "Nightly files")],
            "UID": "urn:veeam:Job:j7", "Name": "Nightly files", "Href": JOB, "Type": "JobReference"}


def tenant(quotas: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A tenant entity: a nested list kept in its plural wrapper, a non-resource object, nulls."""
    return {"Description": None, "Enabled": True,
            "Resources": {"CloudTenantResources": quotas},
            "ComputeResources": {"CloudTenantComputeResources": None},
            "LeaseOptions": {"Enabled": False, "Links": None, "Href": ""},
            "Name": "Harbour Ltd", "UID": "urn:veeam:CloudTenant:t1",
            "Links": [link("Up", SERVER, "BackupServerReference", "vbr-east"),
                      link("Alternate", TENANT, "CloudTenantReference", "Harbour Ltd"),
                      link("Down", TENANT + "/resources", "CloudTenantResourceList")],
            "Href": TENANT_E, "Type": "CloudTenant"}


QUOTA_ITEM = {"Id": "q1", "RepositoryQuota": {"Quota": 2048, "UsedQuota": None}, "Links": None, "Href": QUOTA,
              "Type": "CloudTenantResource"}

REPOSITORY = {"Capacity": 4096, "Name": "Store A", "UID": "urn:veeam:Repository:r3",
              "Links": [link("Up", SERVER, "BackupServerReference", "vbr-east")], "Href": REPO_E, "Type": "Repository"}

PAGING = {"PageNum": 1, "PageSize": 10, "PagesCount": 1, "Links": [link("First", PAGE, "QueryResult")]}


def read(doc: Any):
    parsed, element = parse_body(json.dumps(doc).encode(), "application/json")
    assert element is None
    return parsed


def test_a_reference_reads_as_the_entityref_root_its_xml_form_has():
    doc = read(job_reference())
    assert (doc.root, doc.type, doc.href, doc.name, doc.uid) == (
        "EntityRef", "JobReference", JOB, "Nightly files", "urn:veeam:Job:j7")
    assert doc.links == (Link("Up", SERVER, "BackupServerReference", "vbr-east", JOB),
                         Link("Alternate", JOB_E, "Job", "Nightly files", JOB))
    assert doc.members == ()


def test_an_entity_takes_its_root_from_its_type_and_nulls_are_absent_values():
    doc = read({"Description": None, "Name": None, "UID": None, "Links": None, "Href": JOB_E, "Type": "Job"})
    assert (doc.root, doc.type, doc.href, doc.name, doc.uid, doc.links, doc.members) == (
        "Job", "Job", JOB_E, None, None, (), ())


def test_the_reference_list_is_entityreferences_and_its_refs_are_members_owning_their_links():
    other = job_reference() | {"Href": API + "jobs/j8", "Name": "Weekly", "Links": []}
    doc = read({"Refs": [job_reference(), other]})
    assert (doc.root, doc.type, doc.href) == ("EntityReferences", None, None)
    assert doc.members == (Link(None, JOB, "JobReference", "Nightly files", uid="urn:veeam:Job:j7"),
                           Link(None, API + "jobs/j8", "JobReference", "Weekly", uid="urn:veeam:Job:j7"))
    assert {l.owner for l in doc.links} == {JOB}


def test_an_empty_reference_list_may_be_null():
    assert read({"Refs": None}).root == "EntityReferences"
    assert read({"Refs": []}).members == ()


def test_a_list_of_entities_is_named_by_its_plural_and_finds_items_inside_nested_wrappers():
    doc = read({"CloudTenants": [tenant([QUOTA_ITEM])]})
    assert (doc.root, doc.type, doc.href) == ("CloudTenants", None, None)
    assert doc.members == (Link(None, TENANT_E, "CloudTenant", "Harbour Ltd", uid="urn:veeam:CloudTenant:t1"),
                           Link(None, QUOTA, "CloudTenantResource"))
    assert [l.rel for l in doc.links] == ["Up", "Alternate", "Down"]
    assert {l.owner for l in doc.links} == {TENANT_E}


def test_blank_hrefs_and_null_links_mark_non_resources():
    doc = read(tenant(None))
    assert doc.members == ()
    assert len(doc.links) == 3


def test_a_query_result_with_its_wrappers_kept_reads_as_queryresult():
    doc = read({"Refs": None, "Entities": {"Repositories": {"Repositories": [REPOSITORY]}}, "Resources": None,
                "PagingInfo": PAGING, "Links": None})
    assert (doc.root, doc.type, doc.href) == ("QueryResult", None, None)
    assert doc.members == (Link(None, REPO_E, "Repository", "Store A", uid="urn:veeam:Repository:r3"),)
    assert doc.links == (Link("Up", SERVER, "BackupServerReference", "vbr-east", REPO_E),
                         Link("First", PAGE, "QueryResult", None, None))


@pytest.mark.parametrize("doc", [
    {"Refs": {"Refs": [job_reference()]}},
    {"Refs": [job_reference()], "PagingInfo": PAGING},
    {"Entities": {"Repositories": [REPOSITORY]}, "PagingInfo": None},
], ids=["wrapped refs", "flat refs beside paging", "flat entities"])
def test_a_query_result_reads_alike_with_or_without_the_wrapper_around_its_list(doc):
    parsed = read(doc)
    assert parsed.root == "QueryResult"
    assert len(parsed.members) == 1


def test_an_escaped_equals_sign_in_an_href_reads_as_the_same_href():
    body = b'{"Links": [{"Rel": "Alternate", "Href": "https://em.test:9398/api/jobs/j7?format\\u003dEntity"}],' \
           b' "Href": "https://em.test:9398/api/jobs/j7", "Type": "JobReference"}'
    doc, _ = parse_body(body, "application/json")
    assert doc.links[0].href == JOB_E


@pytest.mark.parametrize("doc, root", [
    ([None, "Refs", 3], "list"),
    ({"Links": 5, "Type": None, "Href": None}, "object"),
    ({"Links": {"Rel": "Up"}, "Refs": "none", "Name": 3}, "object"),
    ({"Links": [None, 7, {"Rel": None, "Href": 9}]}, "Links"),
    ({}, "object"),
])
def test_values_of_an_unexpected_kind_are_tolerated(doc, root):
    parsed = read(doc)
    assert parsed.root == root and parsed.members == ()
    assert all(l.rel is None and l.href is None for l in parsed.links)


def test_json_root_stands_for_the_xml_root_and_calls_an_unknown_shape_object():
    assert json_root({"Type": "BackupServerReference"}) == "EntityRef"
    assert json_root({"Type": "Repository", "Href": ""}) == "Repository"
    assert json_root({"Jobs": []}) == "Jobs"
    assert json_root({"StatusCode": 404, "Message": "gone"}) == "object"


# PRT002 on XML documents and their JSON twins.

NS = "http://www.veeam.com/ent/v1.0"
TENANTS = API + "cloud/tenants?format=Entity"
TENANTS_XML = f"""<CloudTenants xmlns="{NS}">
  <CloudTenant Href="{TENANT_E}" Type="CloudTenant" UID="urn:veeam:CloudTenant:t1" Name="Harbour Ltd">
    <Links>
      <Link Href="{SERVER}" Rel="Up" Name="vbr-east" Type="BackupServerReference"/>
      <Link Type="CloudTenantReference" Name="Harbour Ltd" Rel="Alternate" Href="{TENANT}"/>
      <Link Rel="Down" Type="CloudTenantResourceList" Href="{TENANT}/resources"/>
    </Links>
    <Enabled>true</Enabled>
    <Resources>
      <CloudTenantResource Type="CloudTenantResource" Href="{QUOTA}" Id="q1"/>
    </Resources>
  </CloudTenant>
</CloudTenants>""".encode()


def prt002(xml: bytes, json_doc: Any, url: str = TENANTS) -> list:
    doc, _ = parse_body(xml, "application/xml")
    res = Resource(url, 200, "application/xml", doc.root, doc.type, doc.href, doc.name, doc.uid, doc.links,
                   doc.members)
    served, _ = parse_body(json.dumps(json_doc).encode(), "application/json")
    snap = Snapshot(API)
    snap.add(res)
    snap.probes.append(Probe("json", url, "GET", url, (("Accept", "application/json"),), 200, "application/json",
                             served.root, links=served.links))
    return list(run_rule(RULES["PRT002"], RuleContext(snap, load_profile("v1_7")), [res]))


def test_prt002_holds_for_the_documented_json_with_wrapped_lists_and_other_attribute_orders():
    assert prt002(TENANTS_XML, {"CloudTenants": [tenant([QUOTA_ITEM])]}) == []


def test_prt002_holds_for_json_that_flattens_the_wrapper_and_reorders_the_links():
    flat = tenant(None)
    flat.pop("Resources")
    flat["CloudTenantResources"] = [QUOTA_ITEM]
    flat["Links"] = flat["Links"][::-1]
    assert prt002(TENANTS_XML, {"CloudTenants": [flat]}) == []


def test_prt002_names_the_item_whose_json_lost_a_link():
    lost = tenant([QUOTA_ITEM])
    lost["Links"] = lost["Links"][:2]
    [finding] = prt002(TENANTS_XML, {"CloudTenants": [lost]})
    assert finding.link == Link("Down", TENANT + "/resources", "CloudTenantResourceList", None, TENANT_E)
    assert finding.actual == "missing from JSON" and TENANT_E in finding.expected


def test_prt002_compares_names_and_owners_too():
    renamed = tenant([QUOTA_ITEM])
    renamed["Links"][0] = link("Up", SERVER, "BackupServerReference", "vbr-west")
    moved = tenant([QUOTA_ITEM | {"Links": [renamed["Links"][2]]}])
    moved["Links"] = moved["Links"][:2]
    assert {f.link.name for f in prt002(TENANTS_XML, {"CloudTenants": [renamed]})} == {"vbr-east", "vbr-west"}
    assert {f.link.owner for f in prt002(TENANTS_XML, {"CloudTenants": [moved]})} == {TENANT_E, QUOTA}


def test_prt002_reads_a_documents_own_links_as_its_own_whether_or_not_the_json_names_itself():
    xml = f"""<EntityRef xmlns="{NS}" Type="JobReference" Href="{JOB}" Name="Nightly files">
      <Links><Link Rel="Alternate" Href="{JOB_E}" Type="Job" Name="Nightly files"/></Links></EntityRef>""".encode()
    anonymous = {"Links": [link("Alternate", JOB_E, "Job", "Nightly files")], "Type": "JobReference"}
    assert prt002(xml, anonymous, JOB) == []


# The vendor's own examples, read from its pages at test time.

VENDOR = examples()
NO_PAGES = pytest.mark.skipif(pages_folder() is None, reason="the vendor's pages are not on this machine")


def _objects(node: Any):
    """Every JSON object of a document, outside the `Links` arrays."""
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "Links":
                yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def _twins() -> list[tuple[Any, Any]]:
    """(XML, JSON) pairs: a page's complete XML representation followed by its complete JSON form."""
    return [(x, j) for x, j in zip(VENDOR, VENDOR[1:]) if x.page == j.page and x.role == j.role == "representation"
            and (x.media, j.media) == ("xml", "json") and x.complete and j.complete]


@NO_PAGES
@pytest.mark.parametrize("example", [e for e in VENDOR if e.media == "json" and e.complete], ids=lambda e: e.name)
def test_every_complete_json_example_of_the_vendor_reads_with_a_root_and_all_its_links(example):
    doc, _ = parse_body(example.body.encode(), "application/json")
    served = json.loads(example.body)
    written = [l for obj in _objects(served) if isinstance(obj.get("Links"), list) for l in obj["Links"]]
    assert doc.root
    assert [(l.rel, l.href, l.type, l.name) for l in doc.links] == [
        (l.get("Rel"), l.get("Href"), l.get("Type"), l.get("Name")) for l in written]
    if example.role == "representation":
        assert doc.root != "object"
    if isinstance(served, dict) and isinstance(served.get("Type"), str):
        assert doc.type == served["Type"] and doc.root in (served["Type"], "EntityRef")


@NO_PAGES
@pytest.mark.parametrize("twin", _twins(), ids=lambda t: t[0].page)
def test_the_vendors_xml_and_json_twins_read_alike_and_satisfy_prt002(twin):
    xml, json_form = twin
    as_xml, _ = parse_body(xml.body.encode(), "application/xml")
    as_json, _ = parse_body(json_form.body.encode(), "application/json")
    assert (as_json.root, as_json.type, as_json.href) == (as_xml.root, as_xml.type, as_xml.href)
    assert {m.href for m in as_json.members} == {m.href for m in as_xml.members}
    assert prt002(xml.body.encode(), json.loads(json_form.body), as_xml.href or API) == []


@NO_PAGES
def test_the_vendor_pages_show_json_twins_to_compare():
    assert len(_twins()) >= 2
