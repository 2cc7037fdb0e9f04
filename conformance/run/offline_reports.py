"""The check of saved files, written as a run's reports: results JSON, HTML page, JUnit XML.

A pipeline that judges saved answers reads what a pipeline that judges a server reads: the same
`conformance-results/1` file (docs/results.md), built by the same code from the same kind of run, with
one row per file among its resources and the file named on each finding. Each file was judged on its
own; its outcomes are gathered into items as a run gathers them (rule x resource type: failed where
any file failed, passed where one was judged fine, skipped where none had anything to judge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

from ..contract.profiles import Profile
from ..model.snapshot import Snapshot
from ..report.results import build_results, finding_row, resource_row, write_results
from ..rules import RULES, Finding
from .offline import FileVerdict
from .runner import ItemResult

__all__ = ["FilesRun", "files_run", "write_files_html", "write_files_junit", "write_files_results"]

_OUTCOME_ORDER = ("failed", "passed", "skipped")


@dataclass
class FilesRun:
    """What the reports read of a run, made from the verdicts of saved files."""

    snapshot: Snapshot
    profile: Profile
    settings: Any
    verdicts: list[FileVerdict]
    results: dict[tuple[str, str], ItemResult] = field(default_factory=dict)
    stale_waivers: list[Any] = field(default_factory=list)
    stopped: str | None = None

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.results.values() for f in result.findings]


def files_run(verdicts: Sequence[FileVerdict], profile: Profile, schema: str | Path | None) -> FilesRun:
    """The files' outcomes gathered into items, and their resources into one snapshot keyed by file
    (saved files share Hrefs; each is a resource of its own here)."""
    started = datetime.now(timezone.utc).isoformat()
    snapshot = Snapshot("files", meta={"target": "files", "complete": True, "started": started,
                                       "files": [str(v.path) for v in verdicts]})
    gathered: dict[tuple[str, str], dict[str, Any]] = {}
    for verdict in verdicts:
        if verdict.resource is not None:
            snapshot.resources[str(verdict.path)] = verdict.resource
        for o in verdict.outcomes:
            item = gathered.setdefault((o.rule_id, o.kind), {"outcomes": set(), "findings": [], "files": 0,
                                                            "reason": o.reason})
            item["outcomes"].add(o.outcome)
            item["findings"] += o.findings
            item["files"] += 1
    order = {rule_id: index for index, rule_id in enumerate(RULES)}
    results = {}
    for key in sorted(gathered, key=lambda k: (order.get(k[0], len(order)), k)):
        item = gathered[key]
        outcome = next(name for name in _OUTCOME_ORDER if name in item["outcomes"])
        results[key] = ItemResult(key[0], key[1], outcome, tuple(item["findings"]), item["files"],
                                  item["reason"] if outcome == "skipped" else "")
    settings = SimpleNamespace(fail_on="info", baseline=None, schema=schema)  # every finding fails a check
    return FilesRun(snapshot, profile, settings, list(verdicts), results)


def _file_row(verdict: FileVerdict) -> dict[str, Any]:
    res = verdict.resource
    row = resource_row(res) if res is not None else {
        "url": verdict.path.resolve().as_uri(), "method": None, "status": None, "root": None, "type": None,
        "kind": None, "links": 0, "members": 0, "elapsed_ms": None, "error": None}
    row["file"] = str(verdict.path)
    row["fragment"] = verdict.fragment
    row["findings"] = verdict.findings
    if verdict.error is not None:
        row["error"] = verdict.error
    return row


def write_files_results(path: str | Path, run: FilesRun, exit_status: int) -> Path:
    """The results JSON of a check of files: a run's, one resource row per file (`file`, `fragment`,
    `findings`), and each finding naming its `file`."""
    data = build_results(run, exit_status=exit_status)
    data["resources"] = [_file_row(v) for v in run.verdicts]
    data["findings"] = [{**finding_row(f, kind), "file": str(v.path)}
                        for v in run.verdicts for _, kind, found in v.results for f in found]
    data["counts"]["resources"] = len(run.verdicts)
    return write_results(path, data)


def _files_table(run: FilesRun) -> str:
    rows = []
    for v in run.verdicts:
        state = (f"skipped: {v.fragment}" if v.fragment else f"unreadable: {v.error}" if v.error
                 else f"{v.findings} finding(s)" if v.findings else "nothing found")
        root = v.resource.root if v.resource is not None and v.resource.error is None else ""
        rows.append(f"<tr><td><code>{escape(str(v.path))}</code></td><td>{escape(root or '')}</td>"
                    f"<td>{escape(state)}</td></tr>")
    return ('<details open id="conformance-files"><summary>Files</summary><table>'
            "<tr><th>file</th><th>root</th><th>verdict</th></tr>" + "".join(rows) + "</table></details>")


def write_files_html(path: str | Path, run: FilesRun) -> Path:
    """The run's HTML report (verdict, findings by rule, matrix, coverage) on a page of its own,
    with the files and what became of each."""
    from ..report.html import summary_html

    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Link-contract conformance report</title>'
            "</head><body><h1>Link-contract conformance report: saved files</h1>"
            f"{summary_html(run)}{_files_table(run)}</body></html>")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def write_files_junit(path: str | Path, run: FilesRun, format_findings: Any) -> Path:
    """JUnit XML with one test case per file: failed with its findings, an error when unreadable,
    skipped as a fragment, passed otherwise."""
    suite = ElementTree.Element("testsuite", name="conformance check")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for v in run.verdicts:
        case = ElementTree.SubElement(suite, "testcase", classname="conformance.check", name=str(v.path))
        counts["tests"] += 1
        if v.fragment is not None:
            ElementTree.SubElement(case, "skipped", message=f"not a whole representation: {v.fragment}")
            counts["skipped"] += 1
        elif v.error is not None:
            ElementTree.SubElement(case, "error", message=f"unreadable: {v.error}")
            counts["errors"] += 1
        elif v.results:
            failure = ElementTree.SubElement(case, "failure", message=f"{v.findings} finding(s)")
            failure.text = "\n\n".join(format_findings(RULES[rule_id], kind, found) for rule_id, kind, found in v.results)
            counts["failures"] += 1
    for name, value in counts.items():
        suite.set(name, str(value))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
    return target
