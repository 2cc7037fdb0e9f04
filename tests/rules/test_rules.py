"""Each rule on a hand-built snapshot: it fires on exactly the violation it names, and only then."""

from dataclasses import replace

import pytest

from conformance.contract.profiles import ExpectedLinks, load_profile
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, RuleContext, run_rule

ROOT = "https://em.test:9398/api/"
JOB = ROOT + "jobs/1?format=Entity"
PROFILE = replace(load_profile("v1_7"), kinds={"Job": ExpectedLinks(frozenset({"Up", "Start"}))})
"""v1_7, expecting of a Job just the links of the clean job below (tests/versions judge real expectations)."""


def findings(rule_id: str, *resources: Resource):
    snap = Snapshot(ROOT)
    for res in resources:
        snap.add(res)
    ctx = RuleContext(snap, PROFILE)
    return list(run_rule(RULES[rule_id], ctx, [resources[0]]))


def job(*links: Link, **kw) -> Resource:
    return Resource(JOB, 200, "application/xml", "Job", "Job", links=links, **kw)


GOOD = Link("Up", ROOT + "backupServers/9", "BackupServerReference", "bs", JOB)


def test_catalog_ids_are_stable_codes_with_statement_fault_and_source():
    for rule in RULES.values():
        assert rule.id[:3].isupper() and rule.id[3:].isdigit() and len(rule.id) == 6
        assert rule.statement and rule.fault and rule.source.endswith(".md")


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_passes_a_clean_resource(rule_id):
    assert findings(rule_id, job(GOOD, Link("Start", JOB.replace("?format=Entity", "?action=start")))) == []


def test_link_without_rel_violates_lnk001():
    (f,) = findings("LNK001", job(GOOD, Link(None, ROOT + "jobs/1", "JobReference")))
    assert f.rule_id == "LNK001" and f.url == JOB and f.link.rel is None


def test_empty_rel_violates_lnk001():
    assert len(findings("LNK001", job(Link("  ", ROOT + "x", "X")))) == 1


@pytest.mark.parametrize("href", ["/api/backupServers/9", "backupServers/9", None, "ftp://em.test/x"])
def test_relative_missing_or_non_http_href_violates_lnk002(href):
    assert len(findings("LNK002", job(Link("Up", href, "BackupServerReference")))) == 1


def test_other_origin_violates_lnk003_and_the_default_port_is_the_same_origin():
    assert len(findings("LNK003", job(Link("Alternate", "https://elsewhere.test:9398/api/jobs/1", "Job")))) == 1
    assert len(findings("LNK003", job(Link("Alternate", "https://em.test:9399/api/jobs/1", "Job")))) == 1
    snap_root_default = Snapshot("https://em.test/api/")
    snap_root_default.add(job(Link("Up", "https://em.test:443/api/x", "X")))
    ctx = RuleContext(snap_root_default, load_profile("v1_7"))
    assert list(run_rule(RULES["LNK003"], ctx, snap_root_default)) == []


def test_relative_href_is_not_also_an_origin_violation():
    assert findings("LNK003", job(Link("Up", "/api/backupServers/9", "BackupServerReference"))) == []


def test_down_link_without_type_violates_lnk004_but_an_action_link_needs_none():
    (f,) = findings("LNK004", job(Link("Down", ROOT + "jobs/1/includes"), Link("Start", JOB + "&action=start")))
    assert f.link.rel == "Down" and "Type" in f.expected


def test_schema_errors_recorded_by_the_crawl_are_sch001_findings_one_each():
    res = job(schema_errors=("line 3: /Job/Extra: not expected", "line 4: /Job/Other: not expected"))
    assert [f.actual for f in findings("SCH001", res)] == list(res.schema_errors)


def test_a_link_to_a_resource_that_failed_is_one_rel001_finding_on_the_holder():
    broken = Resource(ROOT + "backupServers/404", 404, "application/xml", error="HTTP 404")
    (f,) = findings("REL001", job(Link("Up", ROOT + "backupServers/404", "BackupServerReference")), broken)
    assert f.url == JOB and "HTTP 404" in f.actual


def test_a_link_the_crawl_never_followed_is_not_judged_by_rel001():
    assert findings("REL001", job(Link("Up", ROOT + "never/fetched", "X"))) == []


def test_findings_carry_a_reproduction_and_the_response_excerpt():
    snap = Snapshot(ROOT)
    res = job(Link(None, ROOT + "x", "X"), excerpt="<Job ...")
    snap.add(res)
    (f,) = run_rule(RULES["LNK001"], RuleContext(snap, load_profile("v1_7")), [res])
    assert f.reproduction.splitlines()[-1].endswith('"${CONFORMANCE_TARGET}jobs/1?format=Entity"')
    assert f.excerpt == "<Job ..."


# Operation links in the forms the profile documents ([operations]) instead of `?action=`.

NAS_JOB = ROOT + "nas/jobs/93df-1?format=Entity"
SECURITY = ROOT + "security"
ACCOUNT = ROOT + "security/accounts/129c-2?format=Entity"


def resource_at(url: str, root: str, *links: Link) -> Resource:
    return Resource(url, 200, "application/xml", root, root, url, links=links)


def action_findings(res: Resource) -> set[str]:
    return {f.rule_id for rule_id in ("REL008", "REL009") for f in findings(rule_id, res)}


@pytest.mark.parametrize("res", [
    resource_at(NAS_JOB, "NASJob", *(Link(rel, ROOT + f"nas/jobs/93df-1/{op}") for rel, op in (
        ("Start", "start"), ("Stop", "stop"), ("Retry", "retry"), ("ToggleScheduleEnabled", "toggleScheduleEnabled")))),
    resource_at(SECURITY, "EnterpriseSecuritySettings", Link("Start", ROOT + "security/accounts?action=rebuildScope")),
    resource_at(ACCOUNT, "EnterpriseAccount", Link("ToggleRestoreScopesEnabled", ROOT + "security/accounts/129c-2")),
], ids=["nas job operations", "security scope rebuild", "account restore scope toggle"])
def test_operation_links_in_their_documented_form_satisfy_rel008_and_rel009(res):
    assert action_findings(res) == set()


@pytest.mark.parametrize("res, broken", [
    (resource_at(NAS_JOB, "NASJob", Link("Start", ROOT + "nas/jobs/93df-1?action=start")), {"REL008", "REL009"}),
    (resource_at(NAS_JOB, "NASJob", Link("Start", ROOT + "nas/jobs/93df-1/stop")), {"REL008"}),
    (resource_at(NAS_JOB, "NASJob", Link("Start", ROOT + "nas/jobs/93df-1/start?action=start")), {"REL009"}),
    (resource_at(SECURITY, "EnterpriseSecuritySettings", Link("Start", ROOT + "security?action=rebuildScope")),
     {"REL008"}),
    (resource_at(SECURITY, "EnterpriseSecuritySettings", Link("Start", ROOT + "security/accounts?action=start")),
     {"REL009"}),
    (resource_at(ACCOUNT, "EnterpriseAccount", Link("ToggleRestoreScopesEnabled", ROOT + "security/accounts")),
     {"REL008"}),
    (resource_at(ACCOUNT, "EnterpriseAccount", Link("Delete", ROOT + "security/accounts/129c-2"),
                 Link("Stop", ROOT + "security/accounts/129c-2")), {"REL009"}),
], ids=["nas start as ?action=", "nas start on stop", "nas start with a query", "scope rebuild on /security",
        "scope rebuild named start", "toggle on the collection", "undocumented action on the account"])
def test_operation_links_in_any_other_form_violate_rel008_or_rel009(res, broken):
    assert action_findings(res) == broken


def test_a_finding_on_a_documented_operation_names_the_documented_form():
    (f,) = findings("REL008", resource_at(NAS_JOB, "NASJob", Link("Retry", ROOT + "nas/jobs/93df-1?action=retry")))
    assert f.expected == "an Href on /api/nas/jobs/93df-1/retry (documented: {resource}/retry)"


# A representation's own Type, and its UID, against what it is.

def test_a_case_only_departure_the_profile_documents_satisfies_typ005_and_typ001():
    nas = resource_at(NAS_JOB, "NASJob")
    assert findings("TYP005", replace(nas, type="NasJob")) == []
    assert len(findings("TYP005", replace(nas, root="NasJob", type="NasJob"))) == 1
    holder = job(Link("Related", NAS_JOB, "NasJob"))
    assert findings("TYP001", holder, replace(nas, type="NasJob")) == []


def test_a_json_representation_has_no_root_element_for_typ005_or_typ001_to_judge():
    reference = Resource(ROOT + "jobs/1", 200, "application/json", "JobReference", "JobReference", ROOT + "jobs/1")
    assert findings("TYP005", reference) == []
    assert findings("TYP001", job(Link("Alternate", ROOT + "jobs/1", "JobReference")), reference) == []


UID = "urn:veeam:Job:2851cb88-37b6-46ea-b2c8-47b55270169d"
JOB_2851 = ROOT + "jobs/2851cb88-37b6-46ea-b2c8-47b55270169d"


@pytest.mark.parametrize("res", [
    Resource(JOB_2851 + "?format=Entity", 200, "application/xml", "Job", "Job", JOB_2851 + "?format=Entity", uid=UID),
    Resource(JOB_2851, 200, "application/xml", "EntityRef", "JobReference", JOB_2851, uid=UID),
    Resource(JOB_2851, 200, "application/xml", "EntityRef", "JobReference", JOB_2851,
             uid="urn:veeam:Job:2851CB88-37B6-46EA-B2C8-47B55270169D"),
    Resource(ROOT + "cloud/vlans/78c6", 200, "application/xml", "VlanConfiguration", uid="78c6"),
    Resource(JOB_2851, 200, "application/xml", "EntityRef", "JobReference", JOB_2851),
], ids=["entity", "reference", "id in upper case", "documented bare id", "no UID"])
def test_a_uid_naming_the_type_and_the_href_id_satisfies_typ006(res):
    assert findings("TYP006", res) == []


@pytest.mark.parametrize("uid", [
    "urn:veeam:Repository:2851cb88-37b6-46ea-b2c8-47b55270169d",
    "urn:veeam:JobReference:2851cb88-37b6-46ea-b2c8-47b55270169d",
    "urn:veeam:job:2851cb88-37b6-46ea-b2c8-47b55270169d",
    "urn:veeam:Job:d1b85018-2769-45be-89bc-03f66b60e6cb",
    "2851cb88-37b6-46ea-b2c8-47b55270169d",
], ids=["another type", "the reference Type", "type in another case", "another id", "bare id"])
def test_a_uid_naming_another_type_or_id_violates_typ006(uid):
    (f,) = findings("TYP006", Resource(JOB_2851, 200, "application/xml", "EntityRef", "JobReference", JOB_2851, uid=uid))
    assert f.expected == f"UID {UID}" and uid in f.actual


SERVERS = ROOT + "backupServers?format=Entity"
SERVER_ID = "d1444f74-27e6-4399-81a9-d28ba98913f0"


def server_list(*members: Link) -> Resource:
    return Resource(SERVERS, 200, "application/xml", "BackupServers", members=members)


def server_member(uid: str | None, type_: str | None = "BackupServer") -> Link:
    return Link(None, ROOT + f"backupServers/{SERVER_ID}?format=Entity", type_, "srv", uid=uid)


def test_the_uid_of_every_typed_member_is_judged_by_typ006():
    good = server_member(f"urn:veeam:BackupServer:{SERVER_ID}")
    assert findings("TYP006", server_list(good)) == []
    (f,) = findings("TYP006", server_list(good, server_member("urn:veeam:Job:not-a-guid")))
    assert f.url == SERVERS and f.link.uid == "urn:veeam:Job:not-a-guid"
    assert f.expected == f"UID urn:veeam:BackupServer:{SERVER_ID}" and "not-a-guid" in f.actual


def test_a_member_without_a_type_or_a_uid_is_not_judged_by_typ006():
    # Without a Type its documented departure from the form (a bare id) cannot be told.
    assert findings("TYP006", server_list(server_member("not-a-guid", None), server_member(None))) == []
    ctx = RuleContext(Snapshot(ROOT), PROFILE)
    list(run_rule(RULES["TYP006"], ctx, [server_list(server_member("not-a-guid", None))]))
    assert ctx.subjects == set()


# The logon answer: the 201 of a POST, judged as the session it opened.

LOGON = ROOT + "sessionMngr/?v=v1_7"
SESSION = ROOT + "logonSessions/5"


def logon_answer(*links: Link, **kw) -> Resource:
    return Resource(LOGON, 201, "application/xml", "LogonSession", "LogonSession", SESSION, links=links,
                    method="POST", location=SESSION, **kw)


def test_the_logon_answer_is_judged_as_the_session_it_opened():
    good = logon_answer(Link("Delete", SESSION, owner=SESSION), Link("Up", ROOT, "EnterpriseManager", owner=SESSION))
    for rule_id in ("REL006", "TYP004", "PRT001"):
        assert findings(rule_id, good) == []
    assert len(findings("REL006", logon_answer(Link("Delete", ROOT + "logonSessions/6", owner=SESSION)))) == 1
    assert len(findings("TYP004", replace(good, href=ROOT + "logonSessions/6"))) == 1
    assert len(findings("PRT001", replace(good, content_type="text/plain"))) == 1


def test_a_finding_on_the_logon_answer_is_reproduced_by_logging_on():
    (f,) = findings("LNK004", logon_answer(Link("Down", ROOT + "jobs", owner=SESSION)))
    assert f.url == LOGON
    assert "-X POST" in f.reproduction and "sessionMngr/?v=v1_7" in f.reproduction
    assert "$CONFORMANCE_PASSWORD" in f.reproduction or "CONFORMANCE_PASSWORD" in f.reproduction


def judged(rule_id: str, *resources: Resource) -> tuple[list, bool]:
    """(findings, whether the rule had something to judge) of one rule on the first resource."""
    snap = Snapshot(ROOT)
    for res in resources:
        snap.add(res)
    ctx = RuleContext(snap, PROFILE)
    found = list(run_rule(RULES[rule_id], ctx, [resources[0]]))
    return found, RULES[rule_id].applied(ctx)


def test_every_rule_says_what_it_judges_so_that_nothing_to_judge_is_no_pass():
    for rule in RULES.values():
        assert rule.subject, rule.id
        assert rule.nothing_to_judge() == f"nothing to judge: {rule.id} judges {rule.subject}"


def test_a_rule_finding_nothing_it_judges_did_not_apply_and_one_finding_it_clean_did():
    assert judged("LNK007", job(GOOD)) == ([], False)  # no action link to judge
    assert judged("LNK007", job(GOOD, Link("Start", ROOT + "jobs/1?action=start"))) == ([], True)
    assert judged("PRT009", job(GOOD)) == ([], False)  # not a query result
    found, applied = judged("LNK004", job(Link("Down", ROOT + "jobs/1/includes")))
    assert len(found) == 1 and applied  # a finding is a judgement too


def test_a_rule_that_declares_no_subject_judges_every_resource_it_is_given():
    rule = replace(RULES["LNK001"], subject=None)
    assert rule.applied(RuleContext(Snapshot(ROOT), PROFILE))


def test_a_rule_keeps_its_memo_while_its_items_run_and_drops_it_when_another_rule_runs():
    from conformance.rules import Rule, Severity

    built: list[str] = []

    def index_once(ctx, res):
        if "index" not in ctx.memo():
            built.append(ctx.rule.id)
            ctx.memo()["index"] = res.url
        return iter(())

    first, second = (Rule(i, Severity.INFO, "test", "statement", "", "fault", "x.md", index_once)
                     for i in ("TST001", "TST002"))
    ctx = RuleContext(Snapshot(ROOT), PROFILE)
    for rule in (first, first, second, first):  # two items of one rule, then another rule, then the first again
        list(run_rule(rule, ctx, [job()]))
    assert built == ["TST001", "TST002", "TST001"]


# A reference or entity, and its Alternate, name one resource: seen from the body that lists it.

NAS_ID = "93dfbb3e-f420-45cf-addc-4ee9297113f2"
NAS_REF = ROOT + f"nas/jobs/{NAS_ID}"
AGENT_URL = ROOT + f"agents/jobs/{NAS_ID}"
NAS_JOBS = ROOT + "nas/jobs"


def listing(*members: tuple[Link, tuple[Link, ...]]) -> Resource:
    """A reference list holding each member with its own links."""
    return Resource(NAS_JOBS, 200, "application/xml", "EntityReferences", "NasJobReferenceList", NAS_JOBS,
                    members=tuple(m for m, _ in members), links=tuple(l for _, links in members for l in links))


def nas_reference(href: str = NAS_REF, type_: str = "NasJobReference", *alternates: tuple[str, str]):
    member = Link(None, href, type_, "Files", uid=f"urn:veeam:NasJob:{NAS_ID}")
    return member, tuple(Link("Alternate", h, t, "Files", href) for h, t in alternates)


ENTITY_ALTERNATE = (NAS_REF + "?format=Entity", "NasJob")


def test_a_clean_reference_list_passes_typ007_rel010_and_typ008_and_each_judges_it():
    res = listing(nas_reference(NAS_REF, "NasJobReference", ENTITY_ALTERNATE))
    for rule_id in ("TYP007", "REL010", "TYP008"):
        ctx = RuleContext(Snapshot(ROOT), PROFILE)
        assert list(run_rule(RULES[rule_id], ctx, [res])) == [] and ctx.subjects == {NAS_JOBS}, rule_id


def test_a_nas_job_listed_at_an_agent_jobs_url_with_a_job_alternate_breaks_all_three():
    """The reference a v10 server lists: Href on /agents/jobs/{id}, Alternate on /nas/jobs/{id}, typed Job."""
    res = listing(nas_reference(AGENT_URL, "NasJobReference", (NAS_REF + "?format=Entity", "Job")))
    (typ007,) = findings("TYP007", res)
    assert "serves AgentBackupJob" in typ007.expected and AGENT_URL in typ007.actual and typ007.link.href == AGENT_URL
    (rel010,) = findings("REL010", res)
    assert f"agents/jobs/{NAS_ID}?format=Entity" in rel010.expected and rel010.link.rel == "Alternate"
    (typ008,) = findings("TYP008", res)
    assert typ008.expected.startswith("Type NasJob on the Alternate") and typ008.actual == "Type='Job'"


@pytest.mark.parametrize("type_", ["NasJobReference", "NASJobReference", "NasJob", "NASJob"])
def test_a_reference_or_entity_at_a_url_of_its_type_satisfies_typ007_whatever_the_documented_spelling(type_):
    href = NAS_REF + ("" if type_.endswith("Reference") else "?format=Entity")
    assert findings("TYP007", listing(nas_reference(href, type_))) == []


def test_a_document_at_a_url_of_another_type_violates_typ007():
    """A file server's reference served as a repository's."""
    url = ROOT + "repositories/517be4c8-9c43-4e7c-9f59-4e368d3a8f3c"
    (f,) = findings("TYP007", Resource(url, 200, "application/xml", "EntityRef", "FileServerReference", url))
    assert f.link is None and "repositories/{id} serves Repository" in f.expected


def test_typ007_does_not_judge_a_template_the_profile_does_not_list_nor_a_list_type():
    unknown = ROOT + f"nas/somethingNew/{NAS_ID}"
    ctx = RuleContext(Snapshot(ROOT), PROFILE)
    res = listing(nas_reference(unknown, "NasJobReference"), (Link(None, AGENT_URL, "NasJobReferenceList"), ()))
    assert list(run_rule(RULES["TYP007"], ctx, [res])) == [] and ctx.subjects == set()


@pytest.mark.parametrize("alternate", [
    (NAS_REF + "?format=Entity", "NasJob"),
    (ROOT + f"NAS/Jobs/{NAS_ID}?FORMAT=entity", "NasJob"),
], ids=["as served", "in another case"])
def test_an_alternate_on_the_same_path_in_the_other_form_satisfies_rel010(alternate):
    assert findings("REL010", listing(nas_reference(NAS_REF, "NasJobReference", alternate))) == []


@pytest.mark.parametrize("alternate", [
    (ROOT + f"jobs/{NAS_ID}?format=Entity", "NasJob"),
    (NAS_REF, "NasJob"),
    (NAS_REF + "?format=Reference", "NasJob"),
], ids=["another path", "the same form", "another format that is not the entity"])
def test_an_alternate_elsewhere_or_in_the_same_form_violates_rel010(alternate):
    (f,) = findings("REL010", listing(nas_reference(NAS_REF, "NasJobReference", alternate)))
    assert f.expected == f"Href on /api/nas/jobs/{NAS_ID}?format=Entity (the other form of {NAS_REF})"


def test_rel010_judges_a_documents_own_alternate_against_the_url_it_was_fetched_from():
    # The stale own Href is TYP004's; the Alternate is right for the URL asked.
    entity = Resource(NAS_REF + "?format=Entity", 200, "application/xml", "NASJob", "NasJob", NAS_REF,
                      links=(Link("Alternate", NAS_REF, "NasJobReference", "Files", NAS_REF),))
    assert findings("REL010", entity) == []


def test_an_entitys_alternate_is_not_judged_by_its_type_and_an_entity_root_with_a_reference_type_is_typ005s():
    entity = Resource(NAS_REF + "?format=Entity", 200, "application/xml", "NASJob", "NasJob",
                      NAS_REF + "?format=Entity", links=(Link("Alternate", NAS_REF, "JobReference", "Files", NAS_REF + "?format=Entity"),))
    assert findings("TYP008", entity) == []
    lying = replace(entity, type="NasJobReference", links=(Link("Alternate", NAS_REF, "NasJobReference", "Files",
                                                                   NAS_REF + "?format=Entity"),))
    assert findings("TYP008", lying) == []


@pytest.mark.parametrize("type_", ["NasJobReference", "JobReference", "Backup"])
def test_a_references_alternate_typed_as_another_resource_or_form_violates_typ008(type_):
    (f,) = findings("TYP008", listing(nas_reference(NAS_REF, "NasJobReference", (NAS_REF + "?format=Entity", type_))))
    assert f.actual == f"Type={type_!r}"
