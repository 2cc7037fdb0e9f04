"""Each rule on a hand-built snapshot: it fires on exactly the violation it names, and only then."""

from dataclasses import replace

import pytest

from conformance.links import Link
from conformance.profiles import ExpectedLinks, load_profile
from conformance.rules import RULES, RuleContext, run_rule
from conformance.snapshot import Resource, Snapshot

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
    ctx = RuleContext(snap, load_profile("v1_7"), reproduce=lambda url: f"curl {url}")
    (f,) = run_rule(RULES["LNK001"], ctx, [res])
    assert f.reproduction == f"curl {JOB}" and f.excerpt == "<Job ..."


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
