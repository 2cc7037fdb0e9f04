"""End to end: the clean mock passes every item; each fault fails exactly the rule it names."""

from __future__ import annotations

import pytest

from conformance.mock import FAULTS
from conformance.rules import RULES

from end_to_end import MOCK_ROOT, crawl_mock, failing, judge

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def clean_snapshot():
    return crawl_mock()


def test_the_clean_mock_passes_every_rule_on_every_resource_type(clean_snapshot):
    problems = {key: found[:3] for key, found in judge(clean_snapshot).items() if found}
    assert problems == {}


def test_the_crawl_of_the_clean_mock_reaches_the_documented_resource_types(clean_snapshot):
    kinds = set(clean_snapshot.kinds())
    for expected in ("EnterpriseManager", "LogonSession", "EntityReferences", "Job", "JobReference",
                     "BackupServer", "BackupJobSession", "BackupTaskSession", "Repository", "Backup",
                     "RestorePoint", "VmRestorePoint", "Replica", "Task"):
        assert expected in kinds, f"{expected} not reached; kinds: {sorted(kinds)}"
    assert {(res.method, res.status) for res in clean_snapshot} == {("GET", 200), ("POST", 201)}
    assert all(res.validated for res in clean_snapshot if res.content_type and "xml" in res.content_type)


def test_a_crawl_that_samples_every_collection_reaches_every_type_and_the_clean_mock_stays_clean():
    whole = crawl_mock(surface="key", actions="none", per_template=0)
    sampled = crawl_mock(surface="key", actions="none", per_template=1)
    assert whole.meta["sampled"] == [] and sampled.meta["skipped_sampling"] > 0 and len(sampled) < len(whole)
    assert set(sampled.kinds()) == set(whole.kinds())
    assert failing(sampled) == set()


def test_the_logon_answer_is_in_the_snapshot_as_the_201_of_a_post_standing_for_the_session(clean_snapshot):
    (answer,) = [res for res in clean_snapshot if res.method == "POST"]
    session = clean_snapshot.meta["session_url"]
    assert answer.url == MOCK_ROOT + "sessionMngr/?v=v1_7" and answer.status == 201
    assert (answer.root, answer.kind, answer.location) == ("LogonSession", "LogonSession", session)
    assert answer.validated and answer.links == clean_snapshot.get(session).links


def test_a_defect_of_the_logon_answer_alone_fails_its_rule_on_the_logon_session():
    found = judge(crawl_mock(["logon_link_without_type"], surface="key"))
    assert {key for key, items in found.items() if items} == {("LNK004", "LogonSession")}
    logon = MOCK_ROOT + "sessionMngr/?v=v1_7"
    assert {f.url for f in found[("LNK004", "LogonSession")]} == {logon}
    for f in found[("LNK004", "LogonSession")]:  # reproduced by logging on, the password never shown
        assert "-X POST" in f.reproduction and "sessionMngr/?v=v1_7" in f.reproduction
        assert "CONFORMANCE_PASSWORD" in f.reproduction and "mock-password\"" not in f.reproduction


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_breaks_exactly_its_rule(fault):
    """The action phase runs for the faults of the action rules; a fault of a document or a probe is
    judged by every other rule (the clean mock's own run, actions included, shows those pass). Every
    fault acts on the key resources, so the matrix runs on those alone (the faster mock)."""
    expected = {FAULTS[fault].rule, *FAULTS[fault].also}
    actions = "all" if any(rule.startswith("ACT") for rule in expected) else "none"
    broken = {rule for rule, _kind in failing(crawl_mock([fault], actions=actions, surface="key"))}
    assert broken == expected


@pytest.mark.parametrize("fault", ["dangling_link", "undeclared_element", "uid_of_another_type", "lowercase_rel"])
def test_a_fault_stays_exact_among_the_documented_areas(fault):
    """The areas link to, list and embed the key resources (agent backups are Backups too): a fault of
    those still breaks exactly its rule when every documented area is served."""
    expected = {FAULTS[fault].rule, *FAULTS[fault].also}
    assert {rule for rule, _kind in failing(crawl_mock([fault], actions="none"))} == expected


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_a_fault_in_the_mock_that_proves_it(rule_id):
    assert RULES[rule_id].fault in FAULTS
    assert FAULTS[RULES[rule_id].fault].rule == rule_id


def test_down_link_without_type_fails_exactly_the_job_item():
    assert failing(crawl_mock(["down_link_without_type"], surface="key")) == {("LNK004", "Job")}


def test_through_pytest_over_a_socket_the_clean_mock_passes_every_item(pytester):
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert outcomes.get("passed", 0) >= len(RULES) * 10 and "failed" not in outcomes
    result.stdout.fnmatch_lines(["*conformance summary*", "*verdict: conformant*"])


def test_through_pytest_one_fault_fails_one_item_listing_every_offending_url(pytester):
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider",
                                "--conformance-mock-fault", "down_link_without_type", "-rf")
    assert result.ret == 1
    outcomes = result.parseoutcomes()
    result.assert_outcomes(failed=1, passed=outcomes["passed"], skipped=outcomes.get("skipped", 0))
    result.stdout.fnmatch_lines(["*expected:  a Type on a Down link*", "*reproduce:",
                                 '*curl -sS -i -H "X-RestSvcSessionId: $SESSION" *',
                                 "FAILED conformance::LNK004[[]Job[]]*"])


def test_k_selects_items_by_rule_id(pytester):
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider",
                                "-k", "LNK004")
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes["deselected"] > 0
    result.stdout.no_fnmatch_line("*SCH001*")
