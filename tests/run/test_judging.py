"""Every pair judged once at collection: which pairs become items, and what each of them reports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.rules import RULES, Finding
from conformance.run.judging import judge_pair, judgements
from conformance.run.runner import Inputs, Run, resume_run
from conformance.run.settings import OPTIONS, Settings

ROOT = "http://127.0.0.1:9399/api/"


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    profile = load_profile("v1_7")
    return Inputs(profile, load_schemas(profile.schemas), [], None)


def _run(inputs: Inputs, **changes) -> Run:
    values = {opt.name: opt.default for opt in OPTIONS}
    values.update(target="mock", **changes)
    snapshot = Snapshot(ROOT, meta={"complete": True, "session_url": f"{ROOT}logonSessions/1"})
    snapshot.add(Resource(f"{ROOT}jobs/1", 200, root="Job", type="Job", href=f"{ROOT}jobs/1",
                          links=(Link("Up", ROOT, "EnterpriseManager", owner=f"{ROOT}jobs/1"),)))
    return resume_run(Settings(**values), inputs, snapshot)


def _jobs(run: Run) -> list[Resource]:
    return [res for res in run.snapshot if res.kind == "Job"]


def test_a_rule_with_nothing_to_judge_on_a_type_is_not_applicable_with_the_reason(inputs):
    run = _run(inputs)
    judged = judge_pair(run, RULES["PRF003"], "Job", _jobs(run))
    assert not judged.applicable and judged.error is None
    assert judged.result.outcome == "skipped" and judged.result.findings == ()
    assert judged.result.reason == "nothing to judge: PRF003 judges only the logon session the crawl started from"


def test_a_rule_that_judged_and_found_nothing_wrong_is_an_item_that_passes(inputs):
    run = _run(inputs)
    judged = judge_pair(run, RULES["LNK004"], "Job", _jobs(run))
    assert judged.applicable and judged.result.outcome == "passed" and judged.result.resources == 1


def test_a_finding_makes_a_failing_item_and_a_crash_an_item_that_raises_it_again(inputs):
    run = _run(inputs)
    lnk004 = RULES["LNK004"]
    wrong = replace(lnk004, check=lambda ctx, res: [Finding(lnk004.id, lnk004.severity, res.url, "a Type", "none")])
    failed = judge_pair(run, wrong, "Job", _jobs(run))
    assert failed.applicable and failed.result.outcome == "failed" and len(failed.result.findings) == 1

    def crash(ctx, res):
        raise KeyError("a fault of the rule itself")

    crashed = judge_pair(run, replace(lnk004, check=crash), "Job", _jobs(run))
    assert crashed.applicable and crashed.result.outcome == "error" and isinstance(crashed.error, KeyError)


def test_every_selected_pair_is_judged_once_per_run_in_rule_order(inputs):
    run = _run(inputs, rules=("LNK004", "PRF003"))
    first = judgements(run)
    assert list(first) == [("LNK004", "Job"), ("PRF003", "Job")]
    assert judgements(run) is first  # read back, not judged again
    assert [j.applicable for j in first.values()] == [True, False]


def _mixed_run(inputs: Inputs, **changes) -> Run:
    """Three resource types, some of their links wrong: findings for several rules on several types."""
    run = _run(inputs, **changes)
    for n in range(3):
        run.snapshot.add(Resource(f"{ROOT}repositories/{n}", 200, root="Repository", type="Repository",
                                  href=f"{ROOT}repositories/{n}",
                                  links=(Link(None, f"{ROOT}repositories", "RepositoryReferenceList",
                                              owner=f"{ROOT}repositories/{n}"),
                                         Link("Up", f"{ROOT}repositories", None, owner=f"{ROOT}repositories/{n}"))))
    run.snapshot.add(Resource(f"{ROOT}backups", 200, root="EntityReferences", type="BackupReferenceList",
                              href=f"{ROOT}backups",
                              links=(Link("Down", "backups/1", "Backup", owner=f"{ROOT}backups"),)))
    return run


def _plain(judged: dict) -> dict:
    return {pair: (j.result, j.notes, type(j.error)) for pair, j in judged.items()}


def _in_a_fresh_process(body: str) -> str:
    """`body` run in an interpreter of its own, with this module as `cases`: a test process of
    pytest-xdist has threads, and work is only forked from a process without them."""
    code = textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("cases", {__file__!r})
        cases = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cases)
        import conformance.process.forked as forked
        copies = []
        fork_part = forked.fork_part
        forked.fork_part = lambda part: (lambda child: copies.append(child) or child)(fork_part(part))
        forked.cores = lambda: 2
        profile = cases.load_profile("v1_7")
        inputs = cases.Inputs(profile, cases.load_schemas(profile.schemas), [], None)
    """) + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="work is forked on Linux only")


@linux_only
def test_rules_judged_on_two_cores_come_out_as_judged_on_one():
    assert _in_a_fresh_process("""
        apart = cases.judgements(cases._mixed_run(inputs))
        forked.cores = lambda: 1
        here = cases.judgements(cases._mixed_run(inputs))
        print(copies[0] is not None, len(copies),  # one copy made, and only for the run on two cores
              list(apart) == list(here),  # collection order, whichever process judged a pair
              cases._plain(apart) == cases._plain(here),
              any(j.result.outcome == "failed" for j in apart.values()))
    """) == "True 1 True True True"


@linux_only
def test_a_rule_that_crashed_in_the_copy_is_judged_again_here_so_its_traceback_is_reported():
    assert _in_a_fresh_process("""
        from dataclasses import replace
        def crash(ctx, res):
            raise KeyError("a fault of the rule itself")
        cases.RULES["LNK004"] = replace(cases.RULES["LNK004"], check=crash)
        judged = cases.judgements(cases._mixed_run(inputs, rules=("LNK001", "LNK004")))  # LNK004: the copy's
        crashed = judged["LNK004", "Job"]
        print(copies[0] is not None, crashed.result.outcome, type(crashed.error).__name__,
              crashed.error.__traceback__ is not None)
    """) == "True error KeyError True"
