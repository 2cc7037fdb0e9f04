"""Lifecycles read from links: every type a client can create and delete explored as sequences.

One state machine, told the links of one type at a time, makes members, edits them, acts on them
and deletes them in any order; what only a sequence shows (a deleted member back in its list, an
edit lost after a later creation) is reported as the shortest sequence of requests that shows it.
"""

from __future__ import annotations

import pytest
from action_helpers import NS, XML, links, spec, text, xml
from end_to_end import crawl_mock, judge
from lxml import etree

from conformance.actions.discovery import discover
from conformance.actions.lifecycle import lifecycles
from conformance.actions.lifecycle_machine import EDITS, MEMBERS
from conformance.contract.profiles import load_profile
from conformance.report.html_coverage import actions_html
from conformance.report.text import action_lines

LIFECYCLE_RULES = {"ACT011", "ACT012"}


@pytest.fixture(scope="module")
def crawled():
    return crawl_mock(actions="none")


@pytest.fixture(scope="module")
def clean():
    return crawl_mock()


def _found(snapshot) -> set[tuple[str, str]]:
    return {key for key, found in judge(snapshot).items() if found}


def test_a_lifecycle_is_every_collection_a_create_link_posts_to_whose_members_offer_delete(crawled):
    ops, _ = discover(crawled, load_profile("v1_7"))
    found = {lc.type: lc for lc in lifecycles(crawled, ops, "all")}
    assert found["Credentials"].steps == ("Create", "Edit", "Delete") and found["Credentials"].edit_whole
    assert found["PasswordKey"].steps == ("Create", "Edit", "Delete") and not found["PasswordKey"].edit_whole
    assert found["BackupServer"].steps == ("Create", "Edit", "Start", "Delete")
    assert found["EnterpriseAccount"].steps == ("Create", "ToggleRestoreScopesEnabled", "Delete")
    assert {"CloudSubtenant", "ObjectInJob", "VmRestorePointMount", "LinkedJobObject"} <= set(found)
    # Edit and Delete without a Create link to the list make no lifecycle: nothing to start one from.
    assert not {"CloudFailoverPlan", "VlanConfiguration", "Job", "Task"} & set(found)
    assert all(lc.collection.split("?")[0] == lc.collection and lc.owner for lc in found.values())


def test_a_mode_that_does_not_allow_delete_explores_no_lifecycle(crawled):
    ops, _ = discover(crawled, load_profile("v1_7"))
    assert lifecycles(crawled, ops, "safe") == [] and lifecycles(crawled, ops, "none") == []


def test_on_the_clean_mock_every_lifecycle_holds_and_the_summary_lists_each_with_its_sequences(clean):
    summary = clean.meta["actions"]
    explored = {lc["type"]: lc for lc in summary["lifecycles"]}
    assert len(summary["lifecycles"]) >= 15 and summary["errors"] == []
    assert not any(lc["diverged"] for lc in summary["lifecycles"])
    budget = 2  # conformance-ci
    assert all(lc["sequences"] >= budget and lc["steps_run"] >= budget for lc in summary["lifecycles"])
    assert explored["Credentials"]["steps"] == ["Create", "Edit", "Delete"]
    assert not LIFECYCLE_RULES & {rule for rule, _ in _found(clean)}
    checks = {(ev.check, ev.url) for ev in clean.actions if ev.check in (MEMBERS, EDITS)}
    assert len({url for check, url in checks if check == MEMBERS}) >= 10 and any(c == EDITS for c, _ in checks)
    terminal = "\n".join(action_lines(summary))
    assert f"{len(summary['lifecycles'])} lifecycles explored from links" in terminal
    assert "  Credentials (backupservers/{id}/credentials/{id}): Create Edit Delete; " in terminal
    html = actions_html(summary)
    assert "Lifecycles explored from links" in html and "<td>Credentials</td>" in html


def _replayed(finding) -> list[str]:
    return [line for line in finding.reproduction.splitlines() if "curl" in line and "sessionMngr" not in line]


def test_a_deleted_member_back_in_its_list_after_a_later_create_is_the_shortest_sequence_that_shows_it():
    found = judge(crawl_mock(["deleted_member_reappears"]))
    assert {rule for (rule, _), items in found.items() if items} == {"ACT011"}
    finding = min((f for (rule, _), items in found.items() if rule == "ACT011" for f in items),
                  key=lambda f: len(_replayed(f)))
    steps = _replayed(finding)
    assert "to stay gone from" in finding.expected and finding.actual == "it is listed again"
    assert len(steps) == 4, steps  # create, delete it, create another, the list
    assert "-X POST" in steps[0] and "-X DELETE" in steps[1] and "-X POST" in steps[2] and " -X " not in steps[3]


def test_an_edit_lost_after_a_later_create_is_the_shortest_sequence_that_shows_it():
    found = judge(crawl_mock(["edit_lost_after_create"]))
    assert {rule for (rule, _), items in found.items() if items} == {"ACT012"}
    (finding, *_) = sorted(found[("ACT012", "BackupServer")], key=lambda f: len(_replayed(f)))
    steps = _replayed(finding)
    assert "as the sequence's last edit left it" in finding.expected
    assert len(steps) == 4, steps  # create, edit it, create another, the member
    assert "-X POST" in steps[0] and "-X PUT" in steps[1] and "-X POST" in steps[2] and " -X " not in steps[3]
    assert "<Password>***</Password>" in steps[1] or "Password" not in steps[1]



@pytest.mark.anyio
async def test_an_edit_of_an_area_item_reads_back_and_a_deleted_items_id_is_never_given_again(client):
    server = xml(await client.get("/api/backupServers")).find("v:Ref", NS).get("Href")
    made = await client.post(f"{server}/credentials", content=spec("CredentialsInfoSpec", ("Username", "u1")),
                             headers=XML)
    assert made.status_code == 201
    url = made.headers["Location"]
    entity = xml(await client.get(url))
    entity.find("v:Description", NS).text = "changed by a client"
    edited = await client.put(links(entity, "Edit")[0], content=etree.tostring(entity), headers=XML)
    assert edited.status_code == 204
    assert text(xml(await client.get(url)), "Description") == "changed by a client"
    assert (await client.delete(url)).status_code == 204
    again = await client.post(f"{server}/credentials", content=spec("CredentialsInfoSpec"), headers=XML)
    assert again.status_code == 201 and again.headers["Location"] != url
    assert (await client.get(url)).status_code == 404


def test_a_dry_run_under_actions_all_says_what_the_lifecycles_would_send():
    from conformance.actions.budget import BUDGETS
    from conformance.actions.plan import plan

    budget = BUDGETS["conformance-ci"]
    lines = plan([], [], load_profile("v1_7"), budget, "all", "https://em/api/sessionMngr/?v=latest", False)
    (line,) = [line for line in lines if "per lifecycle" in line]
    assert f"up to {budget.lifecycles} sequences of up to {budget.steps} steps per lifecycle" in line
    assert not any("per lifecycle" in line for line in plan([], [], load_profile("v1_7"), budget, "safe", "", False))
