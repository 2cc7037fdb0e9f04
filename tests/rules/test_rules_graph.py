"""Rules that relate resources, on a small hand-built graph: a backup server, its jobs collection,
one job in both forms. Each test breaks one fact and names the rule that must notice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.contract.profiles import ExpectedLinks, load_profile
from conformance.crawl.probes import Probe
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, RuleContext, evaluate, run_rule
from conformance.rules.selection import UnknownRuleError, select_rules

R = "https://em.test/api/"
SERVER, SERVER_E = R + "backupServers/1", R + "backupServers/1?format=Entity"
JOBS = R + "backupServers/1/jobs"
JOB, JOB_E, JOB2 = R + "jobs/7", R + "jobs/7?format=Entity", R + "jobs/8"


GRAPH_PROFILE = replace(load_profile("v1_7"), kinds={
    "BackupServerReference": ExpectedLinks(frozenset({"Alternate"})),
    "BackupServer": ExpectedLinks(frozenset({"Alternate", "Down"})),
    "EntityReferences": ExpectedLinks(),
    "JobReference": ExpectedLinks(frozenset({"Up", "Alternate"})),
    "Job": ExpectedLinks(frozenset({"Up", "Alternate", "Edit", "Start"})),
})
"""v1_7, expecting of each type the links the graph gives it (tests/versions judge real expectations)."""


def graph() -> dict[str, Resource]:
    up = Link("Up", SERVER, "BackupServerReference", "srv", None)
    return {
        SERVER: Resource(SERVER, 200, "application/xml", "EntityRef", "BackupServerReference", SERVER, "srv", "urn:veeam:BackupServer:1",
                         links=(Link("Alternate", SERVER_E, "BackupServer", "srv", SERVER),)),
        SERVER_E: Resource(SERVER_E, 200, "application/xml", "BackupServer", "BackupServer", SERVER_E, "srv", "urn:veeam:BackupServer:1",
                           links=(Link("Alternate", SERVER, "BackupServerReference", "srv", SERVER_E),
                                  Link("Down", JOBS, "JobReferenceList", None, SERVER_E))),
        JOBS: Resource(JOBS, 200, "application/xml", "EntityReferences",
                       members=(Link(None, JOB, "JobReference", "job"),)),
        JOB: Resource(JOB, 200, "application/xml", "EntityRef", "JobReference", JOB, "job", "urn:veeam:Job:7",
                      links=(replace(up, owner=JOB), Link("Alternate", JOB_E, "Job", "job", JOB))),
        JOB_E: Resource(JOB_E, 200, "application/xml", "Job", "Job", JOB_E, "job", "urn:veeam:Job:7",
                        links=(replace(up, owner=JOB_E), Link("Alternate", JOB, "JobReference", "job", JOB_E),
                               Link("Edit", JOB, "JobReference", "job", JOB_E),
                               Link("Start", JOB + "?action=start", None, None, JOB_E))),
    }


def failures(resources: dict[str, Resource], probes=()) -> set[tuple[str, str]]:
    snap = Snapshot(R)
    for res in resources.values():
        snap.add(res)
    snap.probes.extend(probes)
    return {key for key, found in evaluate(RuleContext(snap, GRAPH_PROFILE)).items() if found}


def with_links(res: Resource, *links: Link) -> Resource:
    return replace(res, links=links)


def test_the_hand_built_graph_is_conformant():
    assert failures(graph()) == set()


def test_an_up_link_to_a_parent_that_does_not_list_the_child_violates_rel002():
    g = graph()
    g[JOBS] = replace(g[JOBS], members=(Link(None, JOB2, "JobReference", "other"),))
    assert ("REL002", "Job") in failures(g) and ("REL002", "JobReference") in failures(g)


def test_a_collection_member_pointing_up_elsewhere_violates_rel003():
    g = graph()
    g[JOB] = with_links(g[JOB], Link("Up", R + "backupServers/2", "BackupServerReference", None, JOB),
                        Link("Alternate", JOB_E, "Job", "job", JOB))
    assert ("REL003", "BackupServer") in failures(g)


def test_an_alternate_to_another_uid_violates_rel004():
    g = graph()
    g[JOB_E] = replace(g[JOB_E], uid="urn:veeam:Job:8")
    assert ("REL004", "JobReference") in failures(g)


def test_an_alternate_that_does_not_lead_back_violates_rel005():
    g = graph()
    g[JOB_E] = with_links(g[JOB_E], Link("Alternate", JOB2, "JobReference", None, JOB_E))
    assert ("REL005", "JobReference") in failures(g)


def test_edit_elsewhere_violates_rel006_and_action_elsewhere_violates_rel008():
    g = graph()
    g[JOB_E] = with_links(g[JOB_E], Link("Edit", JOB2, "JobReference", None, JOB_E),
                          Link("Start", SERVER + "?action=start", None, None, JOB_E))
    assert {("REL006", "Job"), ("REL008", "Job")} <= failures(g)


def test_action_without_action_parameter_violates_rel009_and_typed_action_lnk007():
    g = graph()
    g[JOB_E] = with_links(g[JOB_E], Link("Stop", JOB, None, None, JOB_E), Link("Start", JOB + "?action=start", "Task"))
    assert {("REL009", "Job"), ("LNK007", "Job")} <= failures(g)


def test_a_type_that_mispredicts_the_root_violates_typ001():
    g = graph()
    g[JOB] = with_links(g[JOB], Link("Alternate", JOB_E, "Repository", "job", JOB), g[JOB].links[0])
    assert ("TYP001", "JobReference") in failures(g)


def test_entity_url_answering_a_reference_violates_typ002_and_own_href_typ004():
    g = graph()
    g[JOB_E] = replace(g[JOB_E], root="EntityRef", type="JobReference", href=JOB)
    fails = failures(g)
    assert ("TYP002", "JobReference") in fails and ("TYP004", "JobReference") in fails


def test_a_root_type_that_names_another_root_violates_typ005():
    g = graph()
    g[JOB_E] = replace(g[JOB_E], type="JobReference")
    assert ("TYP005", "JobReference") in failures(g)


def test_a_probe_without_session_that_gets_200_violates_prt004():
    probe = Probe("anonymous", JOB, "GET", JOB, status=200, content_type="application/xml", root="EntityRef")
    assert failures(graph(), [probe]) == {("PRT004", "JobReference")}


def test_json_with_fewer_links_violates_prt002():
    probe = Probe("json", JOB, "GET", JOB, status=200, content_type="application/json", root="JobReference",
                  links=graph()[JOB].links[:1])
    assert failures(graph(), [probe]) == {("PRT002", "JobReference")}


def test_paging_links_that_lose_the_filter_violate_prt009():
    url = R + "query?filter=Name%3D%3Dx&page=2&pageSize=5&type=Job"
    page = Resource(url, 200, "application/xml", "QueryResult",
                    links=(Link("Next", R + "query?type=Job&pageSize=5&page=3", "QueryResult"),
                           Link("Previous", R + "query?type=Job&filter=Name%3D%3Dx&pageSize=5&page=9", "QueryResult")))
    snap = Snapshot(R)
    snap.add(page)
    found = list(run_rule(RULES["PRT009"], RuleContext(snap, load_profile("v1_7")), [page]))
    assert [f.link.rel for f in found] == ["Next", "Previous"]


@pytest.mark.parametrize("include, exclude, expected", [
    (["LNK001"], [], ["LNK001"]),
    (["lnk001,REL002"], [], ["LNK001", "REL002"]),
    (["protocol"], ["PRT009"], [f"PRT00{i}" for i in range(1, 9)]),
    (["TYP"], [], [f"TYP00{i}" for i in range(1, 9)]),
])
def test_rules_are_selected_by_id_prefix_or_family(include, exclude, expected):
    assert [r.id for r in select_rules(include, exclude)] == expected


def test_a_selector_that_names_no_rule_is_an_error():
    with pytest.raises(UnknownRuleError, match="'LNK999'"):
        select_rules(["LNK999"])
