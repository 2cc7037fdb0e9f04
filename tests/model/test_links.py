"""Reading links: what a client sees in XML and JSON is what the rules judge."""

import json

from conformance.model.links import Link, json_links, xml_links
from conformance.model.parsing import parse_xml

NS = "http://www.veeam.com/ent/v1.0"

JOB = f"""<Job xmlns="{NS}" Href="https://em:9398/api/jobs/1?format=Entity" Type="Job" Name="J" UID="urn:veeam:Job:1">
  <Links>
    <Link Rel="Up" Href="https://em:9398/api/backupServers/9" Type="BackupServerReference" Name="bs"/>
    <Link Rel="Start" Href="https://em:9398/api/jobs/1?action=start"/>
    <Link Href="https://em:9398/api/jobs/1/includes" Type="ObjectInJobList"/>
  </Links>
  <JobType>Backup</JobType>
</Job>"""

REFS = f"""<EntityReferences xmlns="{NS}">
  <Ref Href="https://em:9398/api/jobs/1" Type="JobReference" Name="J" UID="urn:veeam:Job:1">
    <Links><Link Rel="Alternate" Href="https://em:9398/api/jobs/1?format=Entity" Type="Job"/></Links>
  </Ref>
</EntityReferences>"""


def test_xml_links_keep_every_attribute_as_served():
    links, _ = xml_links(parse_xml(JOB.encode()))
    assert links[0] == Link("Up", "https://em:9398/api/backupServers/9", "BackupServerReference", "bs",
                            owner="https://em:9398/api/jobs/1?format=Entity")


def test_xml_links_report_missing_attributes_as_none():
    links, _ = xml_links(parse_xml(JOB.encode()))
    assert links[1].type is None and links[1].name is None
    assert links[2].rel is None


def test_xml_members_are_embedded_elements_with_an_href_and_their_links_belong_to_them():
    links, members = xml_links(parse_xml(REFS.encode()))
    assert members == (Link(None, "https://em:9398/api/jobs/1", "JobReference", "J", uid="urn:veeam:Job:1"),)
    assert links[0].owner == "https://em:9398/api/jobs/1"


def test_json_links_mirror_xml_links():
    doc = {"Refs": [{"Links": [{"Rel": "Alternate", "Href": "https://em:9398/api/jobs/1?format=Entity", "Type": "Job"}],
                     "UID": "urn:veeam:Job:1", "Name": "J", "Href": "https://em:9398/api/jobs/1", "Type": "JobReference"}]}
    links, members = json_links(json.loads(json.dumps(doc)))
    xlinks, xmembers = xml_links(parse_xml(REFS.encode()))
    assert links == xlinks
    assert members == xmembers


def test_json_null_links_and_blank_hrefs_are_not_resources():
    doc = {"Type": "CloudTenant", "Href": "https://em/api/t/1", "Links": None,
           "Resources": {"CloudTenantResources": [{"Links": None, "Href": "", "Type": "X"}]}}
    links, members = json_links(doc)
    assert links == () and members == ()


def test_describe_shows_only_present_attributes():
    assert Link("Down", "https://x/api/a").describe() == "<Link Rel='Down' Href='https://x/api/a'>"
