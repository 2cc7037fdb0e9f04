"""The reports: every output tells the same story, baselines gate, secrets never leak, and an
interrupted run still leaves its results."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from conformance.report.text import verdict
from conformance.run.runner import ItemResult

pytest_plugins = ["pytester"]

FAULTS = ["down_link_without_type", "relative_href", "undeclared_element"]


def conformance(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def faults_args(faults=FAULTS) -> list[str]:
    return [arg for fault in faults for arg in ("--fault", fault)]


READ_ONLY = ("--actions", "none")
"""For runs whose point is the gate, not the action phase: the same verdicts, a third of the time."""


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("faulty")
    result = conformance("run", *faults_args(), "--junit", "reports/junit.xml", cwd=cwd)
    return cwd, result


def test_html_json_and_junit_agree_on_every_count(faulty_run):
    cwd, result = faulty_run
    assert result.returncode == 1
    data = json.loads((cwd / "reports" / "results.json").read_text())
    suite = ElementTree.parse(cwd / "reports" / "junit.xml").getroot().find("testsuite")
    html = (cwd / "reports" / "conformance.html").read_text()
    items = data["counts"]["items"]
    run_items = sum(items.values()) - items["skipped"]  # the pairs with nothing to judge are no test
    assert int(suite.get("tests")) == run_items
    assert int(suite.get("failures")) == items["failed"] == 3
    match = re.search(r"(\d+) resources of (\d+) types crawled, (\d+) items run, (\d+) failed, (\d+) rule × type "
                      r"pairs not applicable; (\d+) new findings", html)
    resources, kinds, run, failed, not_applicable, findings = map(int, match.groups())
    assert not_applicable == items["skipped"]
    assert (resources, kinds) == (data["counts"]["resources"], data["counts"]["kinds"])
    assert run == run_items and failed == items["failed"]
    assert findings == sum(data["counts"]["new_findings"].values()) == len(data["findings"])
    assert f"{run} items run, {failed} failed" in result.stdout


def test_results_json_follows_its_documented_schema(faulty_run):
    cwd, _ = faulty_run
    data = json.loads((cwd / "reports" / "results.json").read_text())
    assert data["schema"] == "conformance-results/1" and data["complete"] is True
    assert {"target", "profile", "api_version", "started", "crawl_finished", "finished", "counts", "rules",
            "findings", "resources"} <= set(data)
    assert data["started"] < data["crawl_finished"] < data["finished"]  # the crawl's own time, apart from judging
    finding = next(f for f in data["findings"] if f["rule"] == "LNK004")
    assert finding["link"]["rel"] == "Down" and finding["link"]["type"] is None
    assert {"rule", "severity", "url", "link", "expected", "actual", "message", "reproduction"} <= set(finding)
    assert all({"url", "status", "root", "type", "links"} <= set(r) for r in data["resources"])
    documented = Path(__file__).resolve().parents[2] / "docs" / "results.md"
    text = documented.read_text()
    for key in data:
        assert f"`{key}`" in text, f"results field {key!r} is not documented in docs/results.md"


def test_a_baseline_from_a_run_turns_the_same_run_green_and_a_new_fault_red(faulty_run, tmp_path):
    cwd, _ = faulty_run
    made = conformance("baseline", "reports/results.json", "-o", "baseline.toml", cwd=cwd)
    assert made.returncode == 0 and "3 waiver(s)" in made.stdout
    again = conformance("run", *faults_args(), *READ_ONLY, "--baseline", "baseline.toml", cwd=cwd)
    assert again.returncode == 0, again.stdout[-2000:]
    assert "3 xfailed" in again.stdout
    worse = conformance("run", *faults_args(FAULTS + ["dangling_link"]), *READ_ONLY, "--baseline", "baseline.toml",
                        cwd=cwd)
    assert worse.returncode == 1 and "REL001" in worse.stdout
    fixed = conformance("run", *faults_args(FAULTS[:2]), *READ_ONLY, "--baseline", "baseline.toml", cwd=cwd)
    assert fixed.returncode == 0 and "stale waiver: SCH001 Job" in fixed.stdout
    stale = json.loads((cwd / "reports" / "results.json").read_text())["stale_waivers"]
    assert [(w["rule"], w["kind"]) for w in stale] == [("SCH001", "Job")]


def test_a_new_finding_below_fail_on_is_counted_apart_from_what_the_baseline_waived(tmp_path):
    conformance("run", *faults_args(), *READ_ONLY, "--json", "known.json", cwd=tmp_path)
    conformance("baseline", "known.json", "-o", "baseline.toml", cwd=tmp_path)
    result = conformance("run", *faults_args(FAULTS + ["href_with_fragment"]), *READ_ONLY, "--baseline",
                         "baseline.toml", "--fail-on", "error", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    data = json.loads((tmp_path / "reports" / "results.json").read_text())
    known = sum(1 for f in data["findings"] if (f["waiver"] or "").startswith("baseline:"))
    assert known >= 3 and data["counts"]["baseline_findings"] == known
    assert data["counts"]["below_gate_findings"] == {"error": 0, "warning": 1, "info": 0}
    said = (f"1 new warning below --fail-on error; {known} known violations waived by the baseline")
    line = next(line for line in result.stdout.splitlines() if line.startswith("verdict:"))
    assert line.startswith("verdict: conformant, with violations waived (0 new findings") and said in line
    html = (tmp_path / "reports" / "conformance.html").read_text()
    assert "Verdict: conformant, with violations waived" in html and said in html
    assert "New findings below --fail-on error (1)" in html and f"Waived by the baseline ({known})" in html


def test_a_run_that_waived_nothing_is_plainly_conformant(tmp_path):
    result = conformance("run", *READ_ONLY, "--surface", "key", "--size", "1", cwd=tmp_path)
    assert result.returncode == 0
    assert "verdict: conformant (0 new findings: 0 error, 0 warning, 0 info)" in result.stdout


def test_fail_on_error_lets_warnings_through_but_not_errors(tmp_path):
    def run(*args: str) -> int:
        return conformance("run", *READ_ONLY, *args, cwd=tmp_path).returncode

    assert run("--fault", "duplicate_link", "--fail-on", "error") == 0
    assert run("--fault", "duplicate_link") == 1
    assert run("--fault", "relative_href", "--fail-on", "error") == 1


def test_a_broken_baseline_is_a_usage_error_naming_the_entry(tmp_path):
    (tmp_path / "b.toml").write_text('[[waiver]]\nrule = "LNK004"\nreason = "x"\n')
    result = conformance("run", "--baseline", "b.toml", cwd=tmp_path)
    assert result.returncode == 4 and "waiver #1" in result.stderr and "'kind'" in result.stderr


def test_credentials_and_session_ids_appear_in_no_output(pytester, monkeypatch):
    from conformance.mock import auth

    password, token = "pw-Sentinel-7c1e", "tok-Sentinel-91ab"
    monkeypatch.setenv("CONFORMANCE_MOCK_PASSWORD", password)
    monkeypatch.setattr(auth, "token_of", lambda session_id: token)
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider",
                                "--conformance-mock-fault", "relative_href", "--conformance-json", "out/r.json",
                                "--conformance-snapshot", "out/s.json", "--html", "out/r.html",
                                "--junitxml", "out/j.xml", "-rA")
    assert result.ret == 1
    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    outputs.update({p.name: p.read_text() for p in (pytester.path / "out").rglob("*") if p.is_file()})
    assert set(outputs) >= {"r.json", "s.json", "r.html", "j.xml"}
    for name, text in outputs.items():
        assert password not in text, name
        assert token not in text, name


def test_an_interrupted_run_still_writes_results_marked_incomplete(pytester):
    pytester.makeconftest("""
        count = 0
        def pytest_runtest_logstart(nodeid, location):
            global count
            count += 1
            if count == 40:
                raise KeyboardInterrupt
    """)
    # In a subprocess: the interruption must end that session, not this one.
    result = pytester.runpytest_subprocess("--conformance-target", "mock", "--conformance-only",
                                           "-p", "no:cacheprovider", "--conformance-json", "r.json", "--html", "r.html")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*verdict: incomplete*", "INCOMPLETE: interrupted; *"])
    assert "verdict: conformant" not in result.stdout.str()
    data = json.loads((pytester.path / "r.json").read_text())
    assert data["complete"] is False and data["interrupted"] == "interrupted" and data["verdict"] == "incomplete"
    items = data["counts"]["items"]
    assert 0 < sum(items.values()) - items["skipped"] < 100
    assert (pytester.path / "r.html").exists()


def test_the_html_matrix_marks_an_item_with_nothing_to_judge_apart_from_a_pass(faulty_run):
    cwd, _ = faulty_run
    data = json.loads((cwd / "reports" / "results.json").read_text())
    html = (cwd / "reports" / "conformance.html").read_text()
    items = data["counts"]["items"]
    assert items["skipped"] > 0
    assert html.count("<td>✓") == items["passed"]
    assert html.count("<td class=n") >= items["skipped"]  # and the cells of no item at all
    # Why a rule's cells were not run is said once, on its row.
    assert "(–: nothing to judge: PRF003 judges only the logon session" in html
    assert "– not run or not applicable" in html


def _run_with(*outcomes: str, crawled: bool = True, stopped: str | None = None) -> SimpleNamespace:
    results = {(f"R{i}", "Job"): ItemResult(f"R{i}", "Job", outcome, (), 1) for i, outcome in enumerate(outcomes)}
    return SimpleNamespace(results=results, snapshot=SimpleNamespace(meta={"complete": crawled}), stopped=stopped)


@pytest.mark.parametrize("run, expected", [
    (_run_with("passed", "skipped"), "conformant"),
    (_run_with("waived", "skipped"), "conformant"),
    (_run_with(), "nothing judged"),  # --collect-only, or a -k that selects nothing
    (_run_with("skipped", "skipped"), "nothing judged"),
    (_run_with("passed", stopped="interrupted"), "incomplete"),
    (_run_with("passed", crawled=False), "incomplete"),
    (_run_with("passed", "failed", stopped="interrupted"), "violations found"),
    (_run_with("passed", "error"), "violations found"),
])
def test_conformant_needs_something_judged_in_a_run_that_completed(run, expected):
    assert verdict(run) == expected


@pytest.mark.parametrize("args, code", [(["--collect-only"], pytest.ExitCode.OK),
                                        (["-k", "no_such_item"], pytest.ExitCode.NO_TESTS_COLLECTED)])
def test_a_run_that_judged_nothing_is_not_called_conformant(pytester, args, code):
    result = pytester.runpytest("--conformance-target", "mock", "--conformance-only", "-p", "no:cacheprovider",
                                "--conformance-actions", "none", "--conformance-mock-size", "10",
                                "--conformance-json", "r.json", *args)
    assert result.ret == code
    result.stdout.fnmatch_lines(["*verdict: nothing judged*"])
    assert "verdict: conformant" not in result.stdout.str()
    assert json.loads((pytester.path / "r.json").read_text())["verdict"] == "nothing judged"
