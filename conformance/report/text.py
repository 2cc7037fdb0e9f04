"""The conformance summary for the terminal: counts a person reads at a glance."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..rules import Severity

__all__ = ["summary_counts", "summary_lines"]


def summary_counts(run: Any) -> dict[str, Any]:
    """Figures shared by every output, so the terminal and HTML never disagree."""
    findings = run.findings
    by_severity = Counter(str(f.severity) for f in findings)
    failed_items = sum(1 for result in run.results.values() if result.outcome != "passed")
    return {
        "target": run.snapshot.meta.get("target"),
        "profile": run.profile.name,
        "resources": len(run.snapshot),
        "kinds": len(run.snapshot.kinds()),
        "items_run": len(run.results),
        "items_failed": failed_items,
        "findings": len(findings),
        "by_severity": {str(s): by_severity.get(str(s), 0) for s in sorted(Severity, reverse=True)},
        "verdict": "conformant" if not findings else "violations found",
    }


def summary_lines(run: Any) -> list[str]:
    c = summary_counts(run)
    severities = ", ".join(f"{n} {s}" for s, n in c["by_severity"].items())
    return [
        f"target {c['target']}  profile {c['profile']}",
        f"{c['resources']} resources of {c['kinds']} types crawled; {c['items_run']} items run, "
        f"{c['items_failed']} failed",
        f"verdict: {c['verdict']} ({c['findings']} findings: {severities})",
    ]
