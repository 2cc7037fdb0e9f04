"""The action phase end to end on the mock: what it checks, what it records, how it reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from end_to_end import crawl_mock, failing, judge
from hypothesis import settings

from conformance.actions.budget import BUDGETS, PROFILES, profile_settings
from conformance.actions.discovery import allowed, discover, select
from conformance.actions.evidence import ActionEvidence, Exchange, problems
from conformance.cli import build_parser
from conformance.cli.run_command import pytest_args
from conformance.contract.profiles import load_profile
from conformance.model.snapshot import Snapshot
from conformance.rules import RULES

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def clean():
    started = time.perf_counter()
    snapshot = crawl_mock(size=40, surface="key")
    return snapshot, time.perf_counter() - started


def test_the_clean_mock_keeps_every_promise_within_a_few_seconds(clean):
    snapshot, elapsed = clean
    summary = snapshot.meta["actions"]
    assert summary["errors"] == [] and summary["mode"] == "all" and summary["hypothesis_profile"] == "conformance-ci"
    assert {key for key, found in judge(snapshot).items() if found} == set()
    assert summary["elapsed_s"] < 10 and elapsed < 20, (summary["elapsed_s"], elapsed)
    checks = Counter(ev.check for ev in snapshot.actions)
    assert set(checks) == {"valid", "invalid", "task", "task_delete", "create", "delete", "reversible", "sequence",
                           "lifecycle_members", "lifecycle_edits"}
    for operation in ("Clone jobs/{id}?action=clone", "Create jobs/{id}/includes", "Create backupservers?action=create",
                      "ToggleScheduleEnabled jobs/{id}?action=togglescheduleenabled", "Edit jobs/{id}",
                      "Start jobs/{id}?action=start", "Delete tasks/{id}"):
        assert operation in summary["operations"]
    # Every body the profile names is declared by the schemas, so no operation is left without one.
    assert not any("declare no" in note for note in summary["notes"]), summary["notes"]


@pytest.fixture(scope="module")
def clones_sharing_vms() -> Snapshot:
    """One run of the action phase on a mock whose clones share their VMs (ACT010), for the tests below."""
    return crawl_mock(["clone_shares_vms"], surface="key")


def test_action_evidence_survives_a_snapshot_file_and_is_judged_the_same(tmp_path, clones_sharing_vms):
    snapshot = clones_sharing_vms
    snapshot.save(tmp_path / "s.json")
    loaded = Snapshot.load(tmp_path / "s.json")
    assert loaded.actions == snapshot.actions
    before, after = judge(snapshot), judge(loaded)
    assert {k for k, f in before.items() if f} == {k for k, f in after.items() if f} == {("ACT010", "Job")}
    assert [(f.expected, f.actual, f.reproduction) for f in before[("ACT010", "Job")]] == \
           [(f.expected, f.actual, f.reproduction) for f in after[("ACT010", "Job")]]


def test_a_broken_sequence_is_reported_as_the_shortest_requests_that_replay_it_in_its_own_session(clones_sharing_vms):
    snapshot = clones_sharing_vms
    (finding,) = judge(snapshot)[("ACT010", "Job")]
    lines = finding.reproduction.splitlines()
    (logon,) = [line for line in lines if "sessionMngr" in line]
    assert logon.startswith("SESSION=$(curl") and '"$CONFORMANCE_USER:$CONFORMANCE_PASSWORD"' in logon
    steps = [line for line in lines if line.startswith("curl")]
    assert len(steps) == 3, lines  # clone, add a VM to the clone, the original's VMs
    assert "action=clone" in steps[0] and "/includes" in steps[1] and " -X " not in steps[2]
    assert all('-H "X-RestSvcSessionId: $SESSION"' in step for step in steps)
    assert "1 more" in finding.actual and "the sequence left it" in finding.expected


def test_the_hypothesis_profiles_are_registered_with_the_documented_settings():
    ci, dev, deep = (settings.get_profile(name) for name in ("conformance-ci", "conformance-dev", "conformance-deep"))
    assert ci.derandomize and ci.database is None and ci.deadline is None
    assert not dev.derandomize and dev.database is not None and dev.deadline is None
    assert deep.database is not None and BUDGETS["conformance-deep"].sequences > BUDGETS["conformance-ci"].sequences
    assert set(PROFILES) == {"conformance-ci", "conformance-dev", "conformance-deep"}
    # Registering them loads none of them (hypothesis itself may load its own "ci" profile on CI).
    assert getattr(settings, "_current_profile", "default") not in PROFILES
    with pytest.raises(ValueError, match="known: conformance-ci"):
        profile_settings("ci")


def _exchange(status: int | None, root: str | None = None, purpose: str = "action", **more) -> Exchange:
    return Exchange(purpose, "POST", "https://em/api/jobs/1?action=start", status=status, root=root, **more)


@pytest.mark.parametrize("evidence, rules", [
    (ActionEvidence("invalid", "Clone", "u", "h", exchanges=(_exchange(500, "Error"),)), {"ACT001"}),
    (ActionEvidence("invalid", "Clone", "u", "h", exchanges=(_exchange(202, "Task"),)), {"ACT002"}),
    (ActionEvidence("invalid", "Clone", "u", "h", exchanges=(_exchange(400),)), {"ACT002"}),
    (ActionEvidence("invalid", "Clone", "u", "h", exchanges=(_exchange(404, "Error"),)), set()),
    (ActionEvidence("valid", "Start", "u", "h", exchanges=(_exchange(200, "Task"),), expected_status=202,
                    returns="Task"), {"ACT003"}),
    (ActionEvidence("valid", "Start", "u", "h", exchanges=(_exchange(503, "Error"),), expected_status=202,
                    returns="Task"), {"ACT001"}),
    (ActionEvidence("valid", "Create", "u", "h", exchanges=(_exchange(201),), expected_status=201,
                    returns="Location"), {"ACT003"}),
    (ActionEvidence("task", "Start", "u", "h", exchanges=(_exchange(202, "Task", task_state="Running"),),
                    final_states=("Finished",), polls=8), {"ACT005"}),
    (ActionEvidence("task", "Start", "u", "h", exchanges=(
        _exchange(202, "Task", task_state="Finished", schema_errors=("line 1: bad",)),
        _exchange(404, "Error", purpose="link")), final_states=("Finished",)), {"ACT004"}),
    (ActionEvidence("reversible", "ToggleScheduleEnabled", "u", "h", before=(("ScheduleEnabled", "true"),),
                    middle=(("ScheduleEnabled", "true"),), after=(("ScheduleEnabled", "true"),),
                    observe=("ScheduleEnabled",)), {"ACT009"}),
    (ActionEvidence("create", "Create", "u", "h", collection="c", listed=True, owner_down=True,
                    up=("https://em/api/jobs/2",), subject="s"), {"ACT007"}),
    (ActionEvidence("sequence", "sequence", "u", "h", steps=(_exchange(200),), divergence="x; actually y"), {"ACT010"}),
])
def test_each_property_judges_its_own_evidence_and_a_5xx_only_once(evidence, rules):
    assert {rule for rule, _ in problems(evidence)} == rules


def test_discovery_takes_the_links_the_crawl_saw_and_the_mode_decides_what_is_sent():
    snapshot = crawl_mock(actions="none", surface="key")
    assert snapshot.actions == [] and "actions" not in snapshot.meta
    ops, notes = discover(snapshot, load_profile("v1_7"))
    keys = {op.key for op in ops}
    assert {"Stop backupsessions/{id}?action=stop", "Restore vmrestorepoints/{id}?action=restore"} <= keys
    assert not any("sessionmngr" in key for key in keys)  # logon is the crawl's, never an action
    safe, held = select(ops, "safe")
    assert {op.rel for op in safe} <= {"ToggleScheduleEnabled", "ToggleRestoreScopesEnabled", "Create", "Delete", "Edit"}
    assert all(allowed(op.spec, "safe") for op in safe) and all(op.spec.safety == "destructive" for op in held)
    assert select(ops, "none") == ([], ops)


def test_a_link_that_does_not_point_where_its_rel_says_is_not_followed():
    snapshot = crawl_mock(["action_on_parent"], actions="none", surface="key")
    ops, notes = discover(snapshot, load_profile("v1_7"))
    assert any("Rel='Start'" in note and "an action on another resource" in note for note in notes)
    assert all(t.href.split("?")[0].rsplit("/", 2)[-2] == "jobs" for op in ops if op.key.startswith("Start jobs")
               for t in op.targets)


def test_every_action_rule_names_a_fault_of_its_own():
    actions = [r for r in RULES.values() if r.family == "actions"]
    assert [r.id for r in actions] == [f"ACT{n:03d}" for n in range(1, 13)]
    assert len({r.fault for r in actions}) == 12


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a run forks its parts on Linux only")
def test_a_run_of_its_own_explores_its_parts_in_copies_of_itself_and_finds_every_action_fault(tmp_path):
    """`conformance run` in a process of its own (no other thread, so it forks): the probes, the job
    sequences and the lifecycles run in copies of the process, each on the mock as the crawl left
    it, and every action fault is still found."""
    faults = [arg for rule in RULES.values() if rule.family == "actions" for arg in ("--fault", rule.fault)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}  # the run's defaults
    done = subprocess.run([sys.executable, "-m", "conformance", "run", *faults, "--json", "r.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {f["rule"] for f in results["findings"]} == {f"ACT{n:03d}" for n in range(1, 13)}
    assert len(results["lifecycles"]) == 17


def test_through_pytest_a_dry_run_on_the_mock_lists_the_plan_in_the_summary(pytester):
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider",
                                "--conformance-dry-run", "--conformance-actions", "all", "--conformance-mock-size", "12")
    assert result.ret == 0, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines(["*verdict: conformant*",
                                 "*dry run: the action phase would send the following, and sent none of it*",
                                 "*Clone jobs/{id}?action=clone (destructive*"])


def test_an_unknown_hypothesis_profile_is_a_usage_error(pytester, monkeypatch):
    monkeypatch.setenv("CONFORMANCE_HYPOTHESIS_PROFILE", "fast")
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*CONFORMANCE_HYPOTHESIS_PROFILE*invalid value 'fast'*conformance-ci*"])


def test_conformance_run_passes_dry_run_and_the_hypothesis_profile_to_the_plugin():
    ns = build_parser().parse_args(["run", "--dry-run", "--hypothesis-profile", "conformance-dev", "--actions", "safe"])
    args = pytest_args(ns)
    assert "--conformance-dry-run" in args
    assert args[args.index("--conformance-hypothesis-profile") + 1] == "conformance-dev"
    assert args[args.index("--conformance-actions") + 1] == "safe"


def test_with_actions_none_the_mock_gets_no_action_and_every_action_rule_passes():
    snapshot = crawl_mock(actions="none", surface="key")
    assert not {rule for rule, _ in failing(snapshot)}


def test_under_the_dev_profile_a_failure_is_kept_and_replayed_first_on_the_next_run():
    from hypothesis import strategies as st
    from hypothesis.database import InMemoryExampleDatabase

    from conformance.actions.engine import Engine

    database = InMemoryExampleDatabase()
    seen: list[int] = []

    def run(case: int) -> list[ActionEvidence]:
        seen.append(case)
        status = 500 if case >= 1000 else 404
        return [ActionEvidence("invalid", "Clone", "u", "h", case=str(case), exchanges=(_exchange(status, "Error"),))]

    def engine() -> Engine:
        return Engine(None, Snapshot("https://em/api/"), load_profile("v1_7"), BUDGETS["conformance-dev"],
                      settings(profile_settings("conformance-dev"), database=database), "all")

    first = engine()
    first.explore("invalid bytes Clone jobs/{id}?action=clone", st.integers(0, 10**6), run, 200)
    (failure,) = [ev for ev in first.evidence if problems(ev)]
    assert failure.case == "1000"  # shrunk to the smallest failing example
    assert database.fetch(b"conformance:invalid bytes Clone jobs/{id}?action=clone")
    seen.clear()
    engine().explore("invalid bytes Clone jobs/{id}?action=clone", st.integers(0, 10**6), run, 200)
    assert seen[0] == 1000  # the next run starts with it
