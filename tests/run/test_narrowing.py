"""Rerunning one failure costs what it needs: items named by node id (or the last failures, --lf)
select their rules, and no action phase is run when none of those rules needs one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from nested_runs import told

from conformance.rules import RULES
from conformance.run.narrowing import narrowed
from conformance.run.settings import resolve_args


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    """`conformance run` with the action phase left to the run (the project's tests switch it off)."""
    env = {k: v for k, v in os.environ.items() if k != "CONFORMANCE_ACTIONS"}
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--size", "1", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def _settings(*args: str):
    env = os.environ.pop("CONFORMANCE_ACTIONS", None)
    try:
        return resolve_args(["--conformance-target", "mock", *args])
    finally:
        if env is not None:
            os.environ["CONFORMANCE_ACTIONS"] = env


def test_a_node_id_of_a_rule_that_needs_no_writes_selects_its_rule_and_no_action_phase():
    settings, said = narrowed(_settings(), ["conformance::REL001[Replica]", "conformance::LNK004"])
    assert settings.rules == ("LNK004", "REL001") and settings.actions == "none"
    assert said is not None and "no action phase" in said


@pytest.mark.parametrize("node_id", ["conformance::ACT003[Job]", "conformance::PRT006[Jobs]"])
def test_a_node_id_of_a_rule_whose_evidence_needs_writes_keeps_the_action_phase(node_id):
    assert RULES[node_id.split("::")[1].split("[")[0]].writes
    settings, _ = narrowed(_settings(), [node_id])
    assert settings.actions is None  # left to the run: `all` on the mock


@pytest.mark.parametrize("node_ids, args", [(["conformance"], ()), (["conformance::REL001"], ("--conformance-actions", "all")),
                                            ([], ())])
def test_what_the_user_chose_or_a_node_naming_every_rule_is_not_narrowed(node_ids, args):
    settings = _settings(*args)
    narrower, _ = narrowed(settings, node_ids)
    assert narrower.actions == settings.actions


def test_rerunning_one_failure_by_its_node_id_sends_no_action_phase(tmp_path):
    result = _run("--fault", "dangling_link", "--", "conformance::REL001[Replica]", cwd=tmp_path)
    assert result.returncode == 1, told(result.stdout, result.stderr)
    assert "the items named: only REL001 judged; no action phase" in result.stdout
    assert "actions: none sent beyond the crawl's GETs" in result.stdout and "1 failed" in result.stdout


def test_rerunning_the_last_failures_sends_no_action_phase_when_they_need_none(tmp_path):
    first = _run("--fault", "dangling_link", "--rules", "REL001", "--actions", "none", cwd=tmp_path)
    assert first.returncode == 1, told(first.stdout, first.stderr)
    again = _run("--fault", "dangling_link", "--", "--lf", cwd=tmp_path)
    assert again.returncode == 1, told(again.stdout, again.stderr)
    assert "no action phase" in again.stdout and "actions: none sent beyond the crawl's GETs" in again.stdout
