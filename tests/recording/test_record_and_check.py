"""From a fresh clone: record the mock, judge the recording offline, and get what the mock itself gets.

The commands run as a user runs them, each in its own process, side by side: `record` of the v1_7
and the v1_6 mock, `run` against each mock, `record --anonymize` of a copy of the v1_7 recording,
and then `check` of each recording. Items and outcomes must be those of the live runs, and the recordings of
two versions must diff as the live runs of them do.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conformance.report.diff import diff_results, load_results

from recording_steps import MOCK, conformance, files_of, finished

LIVE = ("run", *MOCK, "--actions", "none")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("record-and-check")
    first = [conformance("record", "--out", "rec-v1_7", *MOCK, cwd=cwd),
             conformance("record", "--out", "rec-v1_6", "--profile", "v1_6", *MOCK, cwd=cwd),
             conformance(*LIVE, "--json", "live-v1_7.json", "--html", "live-v1_7.html", cwd=cwd),
             conformance(*LIVE, "--profile", "v1_6", "--json", "live-v1_6.json", "--html", "live-v1_6.html", cwd=cwd)]
    for proc in first:
        code, out, err = finished(proc)
        assert code == 0, (proc.args, out[-2000:], err[-2000:])
    shutil.copytree(cwd / "rec-v1_7", cwd / "anonymized")
    code, out, err = finished(conformance("record", "--out", "anonymized", "--anonymize", cwd=cwd))
    assert code == 0 and "original values replaced by stand-ins" in out, err
    checks = [conformance("check", folder, "--json", f"{folder}.json", "--html", f"{folder}.html", cwd=cwd)
              for folder in ("rec-v1_7", "rec-v1_6", "anonymized")]
    for proc in checks:
        code, out, err = finished(proc)
        assert code == 0, (proc.args, out[-2000:], err[-2000:])
        assert "verdict: conformant" in out
    return cwd


def _items(results: dict) -> dict[tuple[str, str], str]:
    """Every item (rule, resource type) of a run and its outcome."""
    return {(rule["id"], kind): outcome for rule in results["rules"] for kind, outcome in rule["outcomes"].items()}


def _same_judgement(live: dict, replayed: dict) -> None:
    assert _items(replayed) == _items(live)
    assert replayed["counts"] == live["counts"]
    for part in ("contract", "operations", "link_types"):
        assert replayed[part] == live[part], part


def test_a_recording_is_judged_item_for_item_as_the_mock_it_recorded(runs):
    live, replayed = load_results(runs / "live-v1_7.json"), load_results(runs / "rec-v1_7.json")
    assert len(_items(live)) > 1000 and set(_items(live).values()) == {"passed", "skipped"}
    _same_judgement(live, replayed)
    assert replayed["target"] == "recording rec-v1_7" and replayed["complete"]


def test_an_anonymized_recording_is_judged_as_the_original_and_holds_no_original_name_host_or_user(runs):
    _same_judgement(load_results(runs / "live-v1_7.json"), load_results(runs / "anonymized.json"))
    originals = _sensitive_values(runs / "rec-v1_7")
    assert {"admin", "vbr01.corp.example", "SQL Backup 1"} <= originals and len(originals) >= 10
    files = files_of(runs / "anonymized")
    for value in sorted(originals):
        holders = [name for name, data in files.items() if value in name or _occurs(value, data.decode("utf-8"))]
        assert not holders, f"{value!r} survives in {holders[:3]}"
    assert not any(re.search(rb"127\.0\.0\.1|:\d{4,5}/api", data) for data in files.values())


def test_the_recordings_of_two_versions_diff_as_the_live_runs_of_them_do(runs):
    live = diff_results(load_results(runs / "live-v1_6.json"), load_results(runs / "live-v1_7.json"))
    replayed = diff_results(load_results(runs / "rec-v1_6.json"), load_results(runs / "rec-v1_7.json"))
    assert [c.describe() for c in replayed.changes] == [c.describe() for c in live.changes]
    # The key resources are the same in both versions (they differ in areas the key surface leaves out),
    # so the link contracts of the two recordings are the same too, schemas and findings alike.
    assert replayed.changes == live.changes == () and replayed.unchanged == live.unchanged
    assert (load_results(runs / "rec-v1_6.json")["profile"], load_results(runs / "rec-v1_7.json")["profile"]) == ("v1_6", "v1_7")
    assert (replayed.breaking, replayed.exit_status) == (live.breaking, live.exit_status) == ((), 0)
    code, out, err = finished(conformance("diff", "rec-v1_6.json", "rec-v1_7.json", cwd=runs))
    assert code == 0 and "verdict: compatible" in out, err


SENSITIVE_FIELDS = ("Name", "DisplayName", "VmDisplayName", "JobName", "Description", "FilePath", "UserName")
"""The fields whose values must not survive anonymization (the test's own list, not the code's)."""


def _sensitive_values(folder: Path) -> set[str]:
    """The user the recording logged on as, and every value of a sensitive field of the installation's
    objects (the elements with a UID, and what they hold) in its XML bodies."""
    from lxml import etree

    values = {json.loads((folder / "recording.json").read_text())["user"]}
    for path in folder.rglob("*.xml"):
        for owner in etree.parse(str(path)).iter():
            if isinstance(owner.tag, str) and owner.get("UID"):
                values |= {v for k, v in owner.attrib.items() if k in SENSITIVE_FIELDS}
                values |= {el.text for el in owner.iter() if isinstance(el.tag, str) and el.text
                           and etree.QName(el).localname in SENSITIVE_FIELDS}
    return {v for v in values if v.strip()}


def _occurs(value: str, text: str) -> bool:
    """As a part of any text when distinctive, as a whole word when a plain word (`admin`)."""
    if len(value) >= 4 and not value.isalpha():
        return value in text
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None
