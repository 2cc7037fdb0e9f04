"""`conformance diff`: two runs of two versions, compared; every change classed breaking or not."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nested_runs import told
from version_steps import implied_changes

from conformance.cli import main
from conformance.contract.profiles import load_profile
from conformance.report.diff import diff_html, diff_results, diff_text, load_results


def _conformance(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "conformance", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """`conformance run --profile v1_6` and `--profile v1_7`, side by side, each on its own mock.

    Read-only (`--actions none`): the contract is what the links say; invoking the actions is action
    testing's business, with tests of its own.
    """
    cwd = tmp_path_factory.mktemp("versions")
    procs = {v: _conformance("run", "--profile", v, "--size", "10", "--surface", "documented", "--actions", "none", "--json", f"{v}.json",
                             "--html", f"{v}.html", cwd=cwd) for v in ("v1_6", "v1_7")}
    for version, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, (version, out[-2000:], err[-2000:])
    return cwd


def _met(runs: Path) -> set[str]:
    """The resource types either run met: the only ones a diff of the two can speak of."""
    return {kind for v in ("v1_6", "v1_7") for kind in load_results(runs / f"{v}.json")["contract"]}


def _keys(diff) -> set[tuple[str, str, str, str]]:
    return {(c.area, c.kind, c.subject, c.change) for c in diff.changes}


def _linked_from_jobs(change: str) -> set[tuple[str, str, str, str]]:
    """A job's Down and Create links to its linked jobs and repositories (new in v1_7) bring Types a v1_6
    job never links with; the profiles do not pin the Types of a job's Down and Create links, so these
    two changes are the runs' alone."""
    return {("link Type", "Job", "Down", change), ("link Type", "Job", "Create", change)}


def test_the_diff_of_v1_6_and_v1_7_lists_exactly_what_the_profiles_define_and_none_of_it_breaks(runs):
    result = subprocess.run([sys.executable, "-m", "conformance", "diff", "v1_6.json", "v1_7.json", "--html", "d.html"],
                            cwd=runs, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, told(result.stdout, result.stderr)
    diff = diff_results(load_results(runs / "v1_6.json"), load_results(runs / "v1_7.json"))
    implied = implied_changes(load_profile("v1_6"), load_profile("v1_7"), _met(runs))
    assert _keys(diff) == implied | _linked_from_jobs("added")
    assert implied >= {("resource type", "LinkedJobResourceObjects", "", "added"),
                       ("resource type", "LinkedBackupRepositoryObject", "", "added")}
    assert not {c for c in implied if c[1] in ("BackupFile", "QueryResult") or c[2] == "ToggleScheduleEnabled"}
    assert diff.breaking == () and diff.unchanged == ()
    for change in diff.changes:
        assert change.describe() in result.stdout
    assert "verdict: compatible" in result.stdout
    assert "Verdict: compatible" in (runs / "d.html").read_text()


def test_going_back_from_v1_7_to_v1_6_breaks_clients_of_v1_7(runs):
    result = subprocess.run([sys.executable, "-m", "conformance", "diff", "v1_7.json", "v1_6.json"],
                            cwd=runs, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "verdict: BREAKING" in result.stdout
    diff = diff_results(load_results(runs / "v1_7.json"), load_results(runs / "v1_6.json"))
    assert _keys(diff) == implied_changes(load_profile("v1_7"), load_profile("v1_6"), _met(runs)) | _linked_from_jobs("removed")
    assert diff.compatible == ()


# -- classification, on hand-made results ----------------------------------------------------------------

BASE = {
    "schema": "conformance-results/1", "profile": "v1_7", "api_version": "v1_7", "products": ["12", "13"],
    "target": "mock", "complete": True, "counts": {"resources": 3, "kinds": 3},
    "contract": {
        "Job": {"Up": ["BackupServerReference"], "Alternate": ["JobReference"], "Start": ["-"],
                "Edit": ["JobReference"]},
        "JobReference": {"Up": ["BackupServerReference"], "Alternate": ["Job"]},
        "Jobs": {},
    },
    "operations": {"Job": {"Start": "POST", "Edit": "PUT"}},
    "schemas": {"name": "v1_7", "files": {"api.xsd": "sha256:aa", "jobs.xsd": "sha256:bb"}},
    "findings": [{"rule": "LNK004", "kind": "Job"}, {"rule": "LNK004", "kind": "Job"}],
}


def _changed(edit) -> dict:
    new = copy.deepcopy(BASE)
    edit(new)
    return new


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["contract"].pop("Jobs"), {("resource type", "Jobs", "", "removed", True)}),
    (lambda d: d["contract"].update(Replica={}), {("resource type", "Replica", "", "added", False)}),
    (lambda d: d["contract"]["JobReference"].pop("Up"), {("Rel", "JobReference", "Up", "removed", True)}),
    (lambda d: d["contract"]["JobReference"].update(Down=["X"]), {("Rel", "JobReference", "Down", "added", False)}),
    (lambda d: d["contract"]["Job"].update(Alternate=["Job"]), {("link Type", "Job", "Alternate", "changed", True)}),
    (lambda d: d["contract"]["Job"].update(Alternate=["-"]), {("link Type", "Job", "Alternate", "removed", True)}),
    (lambda d: d["contract"]["Job"].update(Alternate=["JobReference", "X"]),
     {("link Type", "Job", "Alternate", "added", False)}),
    (lambda d: d["contract"]["Job"].update(Start=["Task"]), {("link Type", "Job", "Start", "added", False)}),
    (lambda d: (d["contract"]["Job"].pop("Start"), d["operations"]["Job"].pop("Start")),
     {("action", "Job", "Start", "removed", True)}),
    (lambda d: (d["contract"]["Job"].update(Stop=["-"]), d["operations"]["Job"].update(Stop="POST")),
     {("action", "Job", "Stop", "added", False)}),
    (lambda d: d["operations"]["Job"].update(Edit="PATCH"), {("action", "Job", "Edit", "changed", True)}),
    (lambda d: d["schemas"]["files"].update({"jobs.xsd": "sha256:cc", "new.xsd": "sha256:dd"}),
     {("schema", "", "jobs.xsd", "changed", False), ("schema", "", "new.xsd", "added", False)}),
    (lambda d: d["findings"].append({"rule": "REL001", "kind": "Jobs"}),
     {("violation", "Jobs", "REL001", "new", True)}),
    (lambda d: d["findings"].clear(), {("violation", "Job", "LNK004", "fixed", False)}),
])
def test_each_change_is_classed_breaking_when_a_client_of_the_old_contract_would_fail(edit, expected):
    diff = diff_results(BASE, _changed(edit))
    assert {(c.area, c.kind, c.subject, c.change, c.breaking) for c in diff.changes} == expected
    assert diff.exit_status == (1 if any(b for *_, b in expected) else 0)


def test_a_violation_in_both_runs_is_unchanged_and_the_same_run_diffs_to_nothing():
    diff = diff_results(BASE, copy.deepcopy(BASE))
    assert diff.changes == () and diff.exit_status == 0
    (same,) = diff.unchanged
    assert (same.kind, same.subject, same.old, same.new) == ("Job", "LNK004", "2", "2")
    assert "violations: 0 new, 0 fixed, 1 unchanged" in diff_text(diff)


def test_breaking_changes_come_first_and_an_incomplete_run_is_pointed_out():
    new = _changed(lambda d: (d["contract"].update(Replica={}), d["contract"].pop("Jobs"), d.update(complete=False)))
    diff = diff_results(BASE, new)
    text = diff_text(diff, "old.json", "new.json")
    assert [c.breaking for c in diff.changes] == [True, False]
    assert text.index("breaking changes (1)") < text.index("other changes (1)")
    assert "note: the new run is incomplete" in text
    page = diff_html(diff, "<old>", "new.json")
    assert "&lt;old&gt;" in page and "<old>" not in page and "BREAKING" in page


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("{not json", "is not JSON"),
    (json.dumps({"schema": "conformance-snapshot/1"}), "is not a conformance-results/1 file"),
    (json.dumps({"schema": "conformance-results/1", "findings": []}), "has no 'contract', 'operations', 'schemas'"),
])
def test_a_file_that_cannot_be_compared_is_a_clear_error_with_exit_4(tmp_path, capsys, content, message):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(BASE))
    if content is not None:
        bad.write_text(content)
    assert main(["diff", str(good), str(bad)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("conformance diff: error: ") and message in err and "bad.json" in err


def test_the_cli_writes_the_html_page_and_exits_1_on_a_breaking_change(tmp_path, capsys):
    (tmp_path / "old.json").write_text(json.dumps(BASE))
    (tmp_path / "new.json").write_text(json.dumps(_changed(lambda d: d["contract"].pop("Jobs"))))
    page = tmp_path / "out" / "diff.html"
    assert main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--html", str(page)]) == 1
    assert "- resource type removed: Jobs" in capsys.readouterr().out
    assert "Breaking changes (1)" in page.read_text()
