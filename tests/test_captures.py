"""Bodies captured from live servers are conformant: the suite raises nothing on them but their real defects.

People captured whole response bodies from real Enterprise Managers (EM 9.5 Update 4, v11, v12)
as test fixtures of open-source clients; they show what servers in the field send, which the
vendor's pages do not always show. They are read at test time where they lie (the folder named by
`CONFORMANCE_CAPTURES`, else `shared/reference/captures` beside the checkout), never copied into
the project, and each is judged alone, as `conformance check` judges a saved file, in the profile
of its server's API version. What the suite finds must be exactly the defects listed, with the
reason each is one, in `capture_defects.toml`; a false alarm is fixed in the suite, never listed.
"""

from __future__ import annotations

import os
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from run_summary import summarise

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.rules import RULES, RuleContext, run_rule
from conformance.run.offline import FileVerdict, check_file, snapshot_of_file

_PROJECT = Path(__file__).resolve().parents[1]
DEFECTS_FILE = Path(__file__).with_name("capture_defects.toml")

SERVER_OF = {
    "15_surfer_jobs_refs.json": "9.5 U4",
    "16_surfer_job_entity.json": "9.5 U4",
    "17_surfer_error404_job_not_found.json": "9.5 U4",
    "18_surfer_error400_invalid_id.json": "9.5 U4",
    "19_surfer_job_backupsessions_entities.json": "9.5 U4",
    "20_surfer_backups_refs.json": "9.5 U4",
    "21_surfer_backup_entity.json": "9.5 U4",
    "22_surfer_backup_restorepoints_refs.json": "9.5 U4",
    "23_surfer_restorepoint_vmrestorepoints_refs.json": "9.5 U4",
    "24_surfer_query_backupjobsession_failed.json": "9.5 U4",
    "25_surfer_query_backupjobsession_success.json": "9.5 U4",
    "26_surfer_query_backupjobsession_empty.json": "9.5 U4",
    "27_surfer_query_backupjobsession_since.json": "9.5 U4",
    "28_surfer_report_repository.json": "9.5 U4",
    "29_surfer_report_processed_vms.json": "9.5 U4",
    "30_surfer_report_job_statistics.json": "9.5 U4",
    "31_surfer_report_vms_overview.json": "9.5 U4",
    "32_surfer_report_overview.json": "9.5 U4",
    "34_cloudstack_jobs_refs.xml": "9.5 U4",
    "35_cloudstack_backupfiles_v11.xml": "11",
    "36_cloudstack_backupfiles_v12.xml": "12",
    "37_cloudstack_vmrestorepoints_v12.xml": "12",
}
"""Each capture's server, as the captures' README gives it."""

PROFILE_OF = {"9.5 U4": "v1_5", "11": "v1_6", "12": "v1_7"}
"""The profile a server is judged in: its API version's, or the oldest the suite has (9.5 Update 4
speaks v1_4, which the vendor no longer supports; v1_5 is the nearest)."""


def captures_folder() -> Path | None:
    """Where the captured bodies are, or None when this machine has no copy of them."""
    named = os.environ.get("CONFORMANCE_CAPTURES")
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" / "reference" / "captures" for parent in _PROJECT.parents]
    return next((path for path in candidates if (path / "README.md").is_file()), None)


FOLDER = captures_folder()
pytestmark = pytest.mark.skipif(FOLDER is None, reason="the bodies captured from live servers are not on this "
                                "machine (set CONFORMANCE_CAPTURES to their folder)")


def _bodies() -> list[Path]:
    return sorted(p for p in FOLDER.iterdir() if p.suffix in (".xml", ".json")) if FOLDER else []


@cache
def defects() -> dict[tuple[str, str], str]:
    """The defects of the captures the suite is right to find: (file, rule) -> why it is one."""
    data = tomllib.loads(DEFECTS_FILE.read_text(encoding="utf-8"))
    return {(d["capture"], d["rule"]): d["why"] for d in data.get("defect", [])}


@pytest.fixture(scope="module")
def judged(request: pytest.FixtureRequest) -> dict[str, FileVerdict]:
    """Each capture's verdict, by file name, in its server's profile."""
    verdicts = {}
    for path in _bodies():
        if path.name in SERVER_OF:
            profile = load_profile(PROFILE_OF[SERVER_OF[path.name]])
            verdicts[path.name] = check_file(path, profile, load_schemas(profile.schemas))
    by_rule = Counter(rule_id for v in verdicts.values() for rule_id, _, found in v.results for _ in found)
    per_profile = Counter(PROFILE_OF[SERVER_OF[name]] for name in verdicts)
    lines = [f"captures: {len(verdicts)} bodies from live servers judged "
             f"({', '.join(f'{n} in {p}' for p, n in sorted(per_profile.items()))}), "
             f"{sum(v.findings for v in verdicts.values())} finding(s)"]
    lines += [f"  not validated: {name} (root {v.undeclared_root})" for name, v in verdicts.items() if v.undeclared_root]
    for rule_id, count in sorted(by_rule.items()):
        known = sum(len(found) for name, v in verdicts.items() for r, _, found in v.results
                    if r == rule_id and (name, r) in defects())
        lines.append(f"  found: {count:4}  {rule_id}, {known} of them listed defects of the servers ({DEFECTS_FILE.name})")
    summarise(request.config, "bodies captured from live servers", lines)
    return verdicts


def _found(judged: dict[str, FileVerdict]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for name, verdict in judged.items():
        for rule_id, kind, findings in verdict.results:
            found.setdefault((name, rule_id), []).extend(
                f"{kind}: {f.link.describe() if f.link else ''} expected {f.expected}; {f.actual}" for f in findings)
    return found


def test_every_capture_has_its_server_named_here():
    assert [path.name for path in _bodies() if path.name not in SERVER_OF] == []
    assert set(SERVER_OF.values()) <= set(PROFILE_OF)


def test_every_capture_is_read_whole_and_judged(judged):
    assert {name: v.error or v.fragment for name, v in judged.items() if v.error or v.fragment} == {}
    assert len(judged) == len(SERVER_OF)


def test_the_suite_finds_nothing_on_the_captures_but_their_listed_defects(judged):
    unexpected = {key: lines for key, lines in _found(judged).items() if key not in defects()}
    assert unexpected == {}, "\n".join(f"{name} {rule}: {'; '.join(lines)}" for (name, rule), lines in unexpected.items())


def test_every_listed_defect_is_still_found_and_says_why(judged):
    assert sorted(set(defects()) - set(_found(judged))) == []
    for (capture, rule), why in defects().items():
        assert capture in SERVER_OF and rule[:3] in ("SCH", "LNK", "REL", "TYP", "PRF", "PRT") and len(why) > 20


def test_the_paging_links_live_servers_send_are_judged_and_pass(judged):
    """Every query result of the captures carries First and Last without a Type; PRT009 judges them."""
    queries = [name for name in judged if "_query_" in name]
    assert queries, "the captures hold query results"
    for name in queries:
        profile = load_profile(PROFILE_OF[SERVER_OF[name]])
        snapshot = snapshot_of_file(FOLDER / name, None)
        (res,) = snapshot
        assert res.paging is not None and {link.rel for link in res.links} >= {"First", "Last"}, name
        assert all(link.type is None for link in res.links if link.rel in profile.paging_rels), name
        ctx = RuleContext(snapshot, profile)
        assert list(run_rule(RULES["PRT009"], ctx, [res])) == [] and RULES["PRT009"].applied(ctx), name
