"""The items through pytest: a pass means judged and found fine, items are selected by family and
exact type, and a failure's node id runs it again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from xml.etree import ElementTree

import pytest

from conformance.rules import RULES

pytest_plugins = ["pytester"]

READ_ONLY = ("--conformance-target", "mock", "--conformance-only", "--conformance-actions", "none",
             "--conformance-mock-size", "10")


def node_ids(result: pytest.RunResult) -> list[str]:
    """The node ids `--collect-only -q` listed."""
    return [line for line in result.stdout.lines if line.startswith("conformance::")]


def test_a_pair_with_nothing_to_judge_is_no_item_yet_is_counted_as_not_applicable_with_the_reason(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "-v", "-rs", "--conformance-json", "r.json")
    assert result.ret == 0
    out = result.stdout.str()
    # --actions none followed no operation link: the ACT rules judged nothing anywhere, and made no item.
    assert not re.search(r"::ACT\d+\[\w+\] ", out)
    assert "SKIPPED" not in out and "skipped" not in result.parseoutcomes()
    # PRF003 judges the logon session alone; on any other type it has no subject.
    result.stdout.fnmatch_lines(["conformance::PRF003[[]LogonSession[]] PASSED*"])
    assert "conformance::PRF003[Job]" not in out
    passed = result.parseoutcomes()["passed"]
    data = json.loads((pytester.path / "r.json").read_text())
    not_applicable = data["counts"]["items"]["skipped"]
    assert not_applicable > 0 and data["counts"]["items"]["passed"] == passed
    result.stdout.fnmatch_lines([f"*{passed} items run, 0 failed, {passed} passed; {not_applicable} rule x type pairs "
                                 "not applicable (nothing to judge: no item made)"])
    act001 = next(rule for rule in data["rules"] if rule["id"] == "ACT001")
    assert set(act001["outcomes"].values()) == {"skipped"}
    assert "--actions none" in act001["skipped"]["Job"]
    prf003 = next(rule for rule in data["rules"] if rule["id"] == "PRF003")
    assert prf003["outcomes"]["LogonSession"] == "passed" and "LogonSession" not in prf003["skipped"]
    assert prf003["skipped"]["Job"] == "nothing to judge: PRF003 judges only the logon session the crawl started from"
    assert data["verdict"] == "conformant"


def test_a_node_id_naming_a_pair_with_nothing_to_judge_is_answered_with_why(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--conformance-json", "r.json",
                                "conformance::PRF003[Job]", "conformance::PRF003[LogonSession]")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["conformance::PRF003[[]Job[]]: not applicable, no item run (nothing to judge: "
                                 "PRF003 judges only the logon session*", "*1 passed*"])
    data = json.loads((pytester.path / "r.json").read_text())
    assert data["rules"][0]["outcomes"] == {"Job": "skipped", "LogonSession": "passed"}


def test_only_pairs_with_nothing_to_judge_selected_judge_nothing(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--conformance-json", "r.json",
                                "conformance::PRF003[Job]")
    result.stdout.fnmatch_lines(["conformance::PRF003[[]Job[]]: not applicable*", "verdict: nothing judged*"])
    assert json.loads((pytester.path / "r.json").read_text())["verdict"] == "nothing judged"


def test_k_and_m_select_among_the_pairs_with_nothing_to_judge_as_among_items(pytester):
    pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--conformance-json", "k.json", "-k", "PRF003 and [Job]")
    pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--conformance-json", "m.json", "--strict-markers",
                       "-m", "type_Job and not attributes")
    by_k = json.loads((pytester.path / "k.json").read_text())["rules"]
    assert [(rule["id"], rule["outcomes"]) for rule in by_k] == [("PRF003", {"Job": "skipped"})]
    by_m = json.loads((pytester.path / "m.json").read_text())["rules"]
    assert {kind for rule in by_m for kind in rule["outcomes"]} == {"Job"}
    assert "attributes" not in {rule["family"] for rule in by_m}
    assert any("skipped" in rule["outcomes"].values() for rule in by_m)


def test_k_selects_a_family_and_m_its_marker_even_with_strict_markers(pytester):
    by_k = node_ids(pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q", "-k", "attributes"))
    by_m = node_ids(pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q", "--strict-markers",
                                       "-m", "attributes"))
    attribute_rules = {r.id for r in RULES.values() if r.family == "attributes"}
    assert by_k and by_k == by_m
    assert {node_id.split("::")[1].split("[")[0] for node_id in by_k} == attribute_rules


def test_a_type_marker_selects_exactly_that_type_where_k_matches_every_name_containing_it(pytester):
    exact = node_ids(pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q", "--strict-markers",
                                        "-m", "type_Job"))
    bracketed = node_ids(pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q", "-k", "[Job]"))
    substring = node_ids(pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q", "-k", "Job"))
    assert exact and all(node_id.endswith("[Job]") for node_id in exact)
    assert bracketed == exact
    assert "conformance::LNK004[BackupJobSession]" in substring  # -k matches substrings of names


def test_node_ids_given_as_arguments_select_those_items(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--co", "-q",
                                "conformance::LNK004[Job]", "conformance::SCH001")
    chosen = node_ids(result)
    assert chosen[0] == "conformance::LNK004[Job]"
    assert len(chosen) > 2 and all(node_id.startswith("conformance::SCH001[") for node_id in chosen[1:])


def test_a_node_id_that_names_no_item_is_a_usage_error_naming_it(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "conformance::LNK999[Job]")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*not found: conformance::LNK999[[]Job[]]*"])


def test_last_failed_reruns_the_failed_item_alone_and_failed_first_runs_it_first(pytester):
    first = pytester.runpytest(*READ_ONLY, "--conformance-mock-fault", "down_link_without_type")
    assert first.ret == 1
    first.stdout.fnmatch_lines(["FAILED conformance::LNK004[[]Job[]]*"])
    again = pytester.runpytest(*READ_ONLY, "--conformance-mock-fault", "down_link_without_type", "--lf", "-v")
    assert again.ret == 1
    again.stdout.fnmatch_lines(["*rerun previous 1 failure*", "conformance::LNK004[[]Job[]] FAILED*"])
    outcomes = again.parseoutcomes()
    assert outcomes["failed"] == 1 and outcomes["deselected"] > 1 and "passed" not in outcomes
    fixed = pytester.runpytest(*READ_ONLY, "--ff", "-v")
    ran = [line.split()[0] for line in fixed.stdout.lines if re.match(r"conformance::\S+ PASSED", line)]
    assert ran[0] == "conformance::LNK004[Job]" and len(ran) > 1


def test_conformance_run_passes_node_ids_on_to_pytest(tmp_path):
    result = subprocess.run([sys.executable, "-m", "conformance", "run", "--actions", "none", "--size", "10",
                             "--", "conformance::LNK004[Job]"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"\b1 passed\b", result.stdout) and "deselected" not in result.stdout


def test_items_run_lean_yet_stop_at_the_first_failure_and_keep_their_junit_properties(pytester):
    result = pytester.runpytest(*READ_ONLY, "-p", "no:cacheprovider", "--conformance-mock-fault",
                                "down_link_without_type", "-x", "--junitxml", "j.xml")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])
    assert result.parseoutcomes()["failed"] == 1
    suite = ElementTree.parse(pytester.path / "j.xml").getroot().find("testsuite")
    (failed,) = [case for case in suite.findall("testcase") if case.find("failure") is not None]
    properties = {p.get("name"): p.get("value") for p in failed.iter("property")}
    assert failed.get("name") == "LNK004[Job]" and properties["rule"] == "LNK004" and properties["kind"] == "Job"
    assert "link:" in failed.find("failure").text  # the findings, as the terminal shows them
