"""`[actions.<Rel>]` and `[operations]` in the profile: what following each Rel promises and where its links
point, checked with clear errors."""

from __future__ import annotations

import pytest

from conformance.actions.discovery import discover
from conformance.contract.profiles import data_dir, load_profile, path_template
from conformance.errors import ProfileError
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot

BASE = (data_dir("profiles") / "v1_7.toml").read_text(encoding="utf-8")


def test_the_v1_7_profile_describes_the_operations_the_vendor_documents():
    profile = load_profile("v1_7")
    clone = profile.actions["Clone"]
    assert (clone.method, clone.body, clone.status, clone.returns, clone.safety) == (
        "POST", "JobCloneSpec", 202, "Task", "destructive")
    assert clone.choice == "JobType" and clone.choices["Replica"] == "ReplicaJobCloneInfo"
    toggle = profile.actions["ToggleScheduleEnabled"]
    assert (toggle.safety, toggle.undo, toggle.observe) == ("reversible", "repeat", ("ScheduleEnabled",))
    root = "https://em:9398/api/"
    create = profile.actions["Create"]
    assert create.for_href(root + "jobs/6c8a-1/includes", root).status == 202
    servers = create.for_href(root + "backupServers?action=create", root)
    assert (servers.body, servers.status, servers.returns, servers.safety) == (
        "BackupServerSpec", 201, "Location", "destructive")
    delete = profile.actions["Delete"]
    assert delete.for_href(root + "tasks/task-3", root).status == 204
    assert delete.for_href(root + "logonSessions/0b1c-2", root).safety == "safe"
    assert delete.for_href(root + "jobs/1/includes/2", root).returns == "Task"
    edit = profile.actions["Edit"]
    assert (edit.method, edit.body, edit.undo) == ("PUT", "Job", "same-body")
    assert edit.for_href(root + "backupServers/0b1c-2", root).undo is None
    assert profile.task_final_states == frozenset({"Finished"})


def test_path_templates_blank_ids_and_drop_the_query():
    root = "https://em:9398/api/"
    assert path_template(root + "jobs/6c8a-1?action=clone", root) == "jobs/{id}"
    assert path_template(root + "Jobs/6c8a-1/Includes/9f-2", root) == "jobs/{id}/includes/{id}"
    assert path_template("backupServers", "/") == "backupservers"


def profile_with(tmp_path, extra: str, *, replace: tuple[str, str] | None = None):
    text = BASE if replace is None else BASE.replace(*replace)
    path = tmp_path / "custom.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return load_profile(str(path))


@pytest.mark.parametrize("table, message", [
    ('[actions.Intervals]\nstatus = 202\nreturns = "Task"', "[actions.Intervals]: missing field 'safety'"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "harmless"\nreturns = "Task"',
     "[actions.Intervals]: field 'safety' must be one of safe, reversible, destructive, got 'harmless'"),
    ('[actions.Intervals]\nstatus = 404\nsafety = "safe"\nreturns = "Task"',
     "[actions.Intervals]: field 'status' must be a success status (200-299), got 404"),
    ('[actions.Intervals]\nstatus = "202"\nsafety = "safe"\nreturns = "Task"',
     "[actions.Intervals]: field 'status' must be a int, got '202'"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "safe"\nreturns = "a body"',
     "[actions.Intervals]: field 'returns' must be one of Task, Location, nothing"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "safe"\nreturns = "Task"\nundo = "later"',
     "[actions.Intervals]: field 'undo' must be one of repeat, same-body, Delete, none"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "safe"\nreturns = "Task"\nbodies = "X"',
     "[actions.Intervals]: unknown field 'bodies'"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "safe"\nreturns = "Task"\nchoice = "JobType"',
     "[actions.Intervals]: fields 'choice' and 'choices' go together"),
    ('[actions.Intervals]\nstatus = 202\nsafety = "safe"\nreturns = "Task"\n[actions.Intervals.on."x/{id}"]\nstatus = 99',
     "[actions.Intervals.on.'x/{id}']: field 'status' must be a success status"),
    ('[actions.Launch]\nstatus = 202\nsafety = "safe"\nreturns = "Task"',
     "[actions.Launch]: Rel 'Launch' is missing from [rels] 'vocabulary'"),
])
def test_a_bad_action_table_is_refused_naming_the_table_and_the_field(tmp_path, table, message):
    with pytest.raises(ProfileError) as caught:
        profile_with(tmp_path, table)
    assert message in str(caught.value)


def test_a_variant_inherits_what_it_does_not_override(tmp_path):
    profile = profile_with(tmp_path, '[actions.Intervals]\nbody = "JobCloneSpec"\nstatus = 202\nsafety = "safe"\n'
                                     'returns = "Task"\n[actions.Intervals.on."items/{id}"]\nstatus = 200')
    variant = profile.actions["Intervals"].for_href("https://em/api/items/1?action=intervals", "https://em/api/")
    assert (variant.status, variant.body, variant.safety, variant.template) == (200, "JobCloneSpec", "safe", "items/{id}")


def test_a_table_with_only_a_method_is_no_action_description(tmp_path):
    profile = profile_with(tmp_path, '[actions.Intervals]\nmethod = "PUT"')
    assert "Intervals" not in profile.actions


def test_a_profile_without_action_tables_loads_with_none(tmp_path):
    start = BASE.index("\n[tasks]")
    profile = profile_with(tmp_path, "", replace=(BASE[start:], ""))
    assert profile.actions == {} and profile.task_final_states == frozenset({"Finished"})


@pytest.mark.parametrize("table, message", [
    ('[operations."things/{id}"]\nUp = "{resource}/up"', "[operations.'things/{id}']: Rel 'Up' is missing from [rels] 'actions'"),
    ('[operations."things/{id}"]\nStart = "start"', "field 'Start' must start with {resource} or '/'"),
    ('[operations."things/{id}"]\nStart = "{resource}/{resource}"', "field 'Start' must start with {resource} or '/'"),
])
def test_a_bad_operations_table_is_refused_naming_the_table_and_the_field(tmp_path, table, message):
    with pytest.raises(ProfileError) as caught:
        profile_with(tmp_path, table)
    assert message in str(caught.value)


def test_discovery_follows_operation_links_in_the_forms_the_profile_documents():
    root = "https://em:9398/api/"
    nas, security, account = root + "nas/jobs/93df-1?format=Entity", root + "security", root + "security/accounts/129c-2"
    snapshot = Snapshot(root)
    for url, kind, links in (
        (nas, "NasJob", [Link("Start", root + "nas/jobs/93df-1/start"), Link("Stop", root + "nas/jobs/93df-1?action=stop")]),
        (security, "EnterpriseSecuritySettings", [Link("Start", root + "security/accounts?action=rebuildScope")]),
        (account, "EnterpriseAccountReference", [Link("ToggleRestoreScopesEnabled", account)]),
    ):
        snapshot.add(Resource(url, 200, "application/xml", kind, kind, url, links=tuple(links)))
    ops, notes = discover(snapshot, load_profile("v1_7"))
    by_key = {op.key: op for op in ops}
    assert set(by_key) == {"Start nas/jobs/{id}/start", "Start security/accounts?action=rebuildscope",
                           "ToggleRestoreScopesEnabled security/accounts/{id}"}
    assert by_key["Start nas/jobs/{id}/start"].spec.status == 202
    rebuild = by_key["Start security/accounts?action=rebuildscope"].spec
    assert (rebuild.method, rebuild.body, rebuild.status, rebuild.returns) == ("POST", "RebuildScopeJobSpec", 201, "Task")
    assert by_key["ToggleRestoreScopesEnabled security/accounts/{id}"].spec.status == 204
    assert any("Rel='Stop'" in note and "an action on another resource" in note for note in notes)

