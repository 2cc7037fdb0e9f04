"""Profiles per API version: they load by version and by product, each version's mock keeps its own
contract, a crawl of another version is told apart, and a broken `[kinds]` table names its field."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest
from end_to_end import crawl_mock, failing, judge

from conformance.cli import main
from conformance.contract.profiles import ExpectedLinks, available_profiles, data_dir, load_profile
from conformance.errors import ProfileError
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, RuleContext, run_rule

VERSIONS = ("v1_5", "v1_6", "v1_7")


@cache
def _crawl(profile_name: str, server_version: str | None = None):
    """One small in-process crawl per (session version, server version), shared by the tests; read-only,
    since the link contract is what these tests are about (action testing has tests of its own)."""
    return crawl_mock(size=8, profile_name=profile_name, server_version=server_version, actions="none")


def test_each_version_loads_by_its_name_and_by_each_product_version(capsys):
    assert set(VERSIONS) <= set(available_profiles())
    for product, version in (("10", "v1_5"), ("11", "v1_6"), ("12", "v1_7"), ("13", "v1_7")):
        assert load_profile(product) == load_profile(version)
        assert load_profile(version).api_version == version
    assert main(["profiles"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed[:3] == list(VERSIONS)


def test_older_profiles_name_the_page_of_each_difference_and_list_what_stays_assumed():
    for version in ("v1_5", "v1_6"):
        text = (data_dir("profiles") / f"{version}.toml").read_text()
        header = text[:text.index("\nname = ")]
        assert "https://helpcenter.veeam.com/archive/backup/" in header
        assert "# Assumptions (no page at hand settles them):" in header


@pytest.mark.parametrize("version", VERSIONS)
def test_the_mock_of_each_version_passes_every_rule_of_its_profile(version):
    assert failing(_crawl(version), version) == set()


@pytest.mark.parametrize("version", ["v1_5", "v1_6"])
def test_an_older_session_on_the_newest_server_keeps_its_versions_contract(version):
    assert failing(_crawl(version, "v1_7"), version) == set()


def test_a_newer_server_judged_by_an_older_profile_shows_what_leaked_from_the_newer_version():
    found = judge(_crawl("v1_7"), "v1_6")
    broken = {key for key, f in found.items() if f}
    # The linked jobs and repositories of v1_7: Types v1_6 does not map, on the jobs that link them.
    assert {("TYP001", "Job"), ("TYP005", "LinkedBackupRepositoryObject")} <= broken
    assert {rule for rule, _ in broken} == {"TYP001", "TYP005"}
    for finding in (f for key in broken for f in found[key]):
        assert "Linked" in finding.actual or "Linked" in (finding.link.type if finding.link else "")


def test_an_older_server_judged_by_a_newer_profile_passes_and_says_which_types_no_link_offers():
    snapshot = _crawl("v1_5")
    assert failing(snapshot, "v1_7") == set()
    # No link of the older server offers CDP or the v1_7 additions: absent, not missed, and said so.
    ctx = RuleContext(snapshot, load_profile("v1_7"))
    session = next(r for r in snapshot if r.kind == "LogonSession" and r.method == "GET")
    assert list(run_rule(RULES["PRF003"], ctx, [session])) == []
    (note,) = [n for n in ctx.notes if "not offered by any link" in n]
    assert all(kind in note for kind in ("CdpPolicy", "VAppCdpReplica", "LinkedJobObject"))


# -- the rules on hand-built resources -----------------------------------------------------------------

ROOT = "https://em.test/api/"
JOB = ROOT + "jobs/1?format=Entity"
PROFILE = replace(load_profile("v1_7"), kinds={
    "Job": ExpectedLinks(frozenset({"Up", "Start"}), frozenset({"Sync"})),
    "LogonSession": ExpectedLinks(frozenset({"Down"}), types={"Down": frozenset({"JobReferenceList"})}),
    "Task": ExpectedLinks(),
    "Replica": ExpectedLinks(),
})


def _findings(rule_id: str, res: Resource, *others: Resource, meta=None) -> tuple[list, list[str]]:
    snap = Snapshot(ROOT, meta=dict(meta or {}))
    for r in (res, *others):
        snap.add(r)
    ctx = RuleContext(snap, PROFILE)
    return list(run_rule(RULES[rule_id], ctx, [res])), ctx.notes


def _job(*links: Link, type_: str = "Job") -> Resource:
    return Resource(JOB, 200, "application/xml", "Job", type_, JOB, "job", links=links)


UP = Link("Up", ROOT + "backupServers/9", "BackupServerReference", None, JOB)
START = Link("Start", ROOT + "jobs/1?action=start", None, None, JOB)


def test_prf001_names_each_required_rel_a_resource_lacks():
    assert _findings("PRF001", _job(UP, START))[0] == []
    (finding,), _ = _findings("PRF001", _job(UP))
    assert "Rel=Start" in finding.expected and "carries Up" in finding.actual and finding.url == JOB


def test_prf001_leaves_a_resource_with_a_link_without_rel_to_lnk001():
    found, notes = _findings("PRF001", _job(UP, Link(None, ROOT + "jobs/1?action=start", None, None, JOB)))
    assert found == [] and "LNK001" in notes[0]


def test_prf002_flags_a_rel_the_type_does_not_expect_but_not_one_outside_the_vocabulary():
    stop = Link("Stop", ROOT + "jobs/1?action=stop", None, None, JOB)
    sync = Link("Sync", ROOT + "jobs/1?action=sync", None, None, JOB)
    (finding,), _ = _findings("PRF002", _job(UP, START, stop, sync, Link("start", ROOT + "x", None, None, JOB)))
    assert finding.link == stop
    embedded = Link("Stop", ROOT + "jobs/2?action=stop", None, None, ROOT + "jobs/2")
    assert _findings("PRF002", _job(UP, START, embedded))[0] == []  # an embedded item's link is its own business


def test_prf002_flags_a_type_outside_the_ones_the_profile_pins():
    url = ROOT + "logonSessions/1"
    session = Resource(url, 200, "application/xml", "LogonSession", "LogonSession", url, links=(
        Link("Down", ROOT + "jobs", "JobReferenceList", None, url),
        Link("Down", ROOT + "files", "BackupFileList", None, url)))
    (finding,), _ = _findings("PRF002", session)
    assert finding.link.type == "BackupFileList"


def test_profile_rules_skip_a_type_the_profile_does_not_list_or_a_root_its_type_does_not_name():
    other = Resource(ROOT + "x", 200, "application/xml", "Widget", "Widget", ROOT + "x", links=(UP,))
    for rule_id in ("PRF001", "PRF002"):
        found, notes = _findings(rule_id, other)
        assert found == [] and "not listed" in notes[0]
        found, notes = _findings(rule_id, replace(_job(UP), root="EntityRef"))
        assert found == [] and "TYP005" in notes[0]


def test_prf003_reports_types_never_met_once_on_the_session_the_crawl_started_from():
    url = ROOT + "logonSessions/1"
    session = Resource(url, 200, "application/xml", "LogonSession", "LogonSession", url)
    session = replace(session, links=(Link("Down", ROOT + "replicas", "ReplicaReferenceList"),))
    tasks = Resource(ROOT + "tasks", 200, "application/xml", "Tasks", members=(Link(None, ROOT + "tasks/1", "Task"),))
    (finding,), _ = _findings("PRF003", session, _job(UP, START), tasks, meta={"session_url": url})
    assert finding.url == url and "Replica" in finding.expected  # the Task is met, embedded in the list
    unoffered = replace(session, links=())
    found, notes = _findings("PRF003", unoffered, _job(UP, START), tasks, meta={"session_url": url})
    assert found == [] and any("not offered by any link, so not checked: Replica" in n for n in notes)
    assert _findings("PRF003", session, meta={})[0] == []  # saved files: no crawl, no coverage claim
    assert _findings("PRF003", _job(UP, START), session, meta={"session_url": url})[0] == []


def test_prf003_leaves_a_type_only_links_the_crawl_left_out_led_to_to_the_coverage_and_fails_the_rest():
    url = ROOT + "logonSessions/1"
    session = Resource(url, 200, "application/xml", "LogonSession", "LogonSession", url, links=(
        Link("Down", ROOT + "replicas", "ReplicaReferenceList"), Link("Down", ROOT + "tasks", "TaskList")))
    budget = {"session_url": url, "per_template": 10, "max_resources": 100, "skipped_budget": 1,
              "left_out_types": {"per_template": {}, "max_resources": {"ReplicaReferenceList": 1}}}
    (finding,), notes = _findings("PRF003", session, _job(UP, START), meta=budget)
    assert "at least one Task" in finding.expected and "none of the 1 URL(s) it left out" in finding.actual
    (gap,) = [n for n in notes if "left out the links to them" in n]
    assert gap.endswith("so not checked: Replica") and "--per-template" in gap and "--max-resources" in gap
    sampled = dict(budget, left_out_types={"per_template": {"TaskList": 1}, "max_resources": {"ReplicaReferenceList": 1}})
    assert _findings("PRF003", session, _job(UP, START), meta=sampled)[0] == []


def test_prf003_leaves_a_type_behind_a_link_whose_target_failed_to_rel001():
    url = ROOT + "logonSessions/1"
    down = Link("Down", ROOT + "tasks", "TaskList")
    session = Resource(url, 200, "application/xml", "LogonSession", "LogonSession", url, links=(down,))
    failed = Resource(ROOT + "tasks", None, error="DeadlineExceeded: no complete answer within 20 s", via=down)
    found, notes = _findings("PRF003", session, _job(UP, START), failed, meta={"session_url": url})
    assert found == [] and any(n.endswith("failed (see REL001), so not checked: Task") for n in notes)
    assert len(_findings("PRF003", session, _job(UP, START), meta={"session_url": url})[0]) == 1


@pytest.mark.parametrize("table, message", [
    ('kinds = 3', "field 'kinds' must be a table"),
    ('[kinds]\nJob = 3', r"\[kinds.Job\]: must be a table"),
    ('[kinds.Job]\nrequierd = ["Up"]', r"\[kinds.Job\]: unknown field 'requierd'"),
    ('[kinds.Job]\nrequired = "Up"', r"\[kinds.Job\]: field 'required' must be a list"),
    ('[kinds.Job]\nrequired = ["Upp"]', r"\[kinds.Job\]: field 'required' names Rels missing .*'Upp'"),
    ('[kinds.Job]\nrequired = ["Up"]\noptional = ["Up"]', r"\[kinds.Job\]: Rels both 'required' and 'optional'"),
    ('[kinds.Job]\nrequired = ["Up"]\ntypes = { Down = ["X"] }', r"\[kinds.Job\]: field 'types' names Rel 'Down'"),
    ('[kinds.Job]\nrequired = ["Up"]\ntypes = { Up = [] }', r"\[kinds.Job\]: field 'types' entry 'Up' must be"),
])
def test_a_broken_kinds_table_names_the_file_and_the_field(tmp_path, table, message):
    path = tmp_path / "broken.toml"
    top, tables = ("", table) if table.startswith("[") else (table + "\n", "")
    path.write_text('name = "x"\napi_version = "v1_7"\nproducts = []\nnamespace = "n"\nschemas = "v1_7"\n' + top +
                    '[rels]\nvocabulary = ["Up", "Down"]\ntyped = []\nactions = []\n' + tables + "\n")
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(str(path))
    assert str(path) in str(info.value)
