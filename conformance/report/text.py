"""The conformance summary for the terminal: counts a person reads at a glance."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..rules import Severity

__all__ = ["summary_counts", "summary_lines"]


def summary_counts(run: Any) -> dict[str, Any]:
    """Figures shared by every output, so the terminal and HTML never disagree."""
    findings = run.findings
    new = [f for f in findings if not f.waiver]
    by_severity = Counter(str(f.severity) for f in new)
    failed_items = sum(1 for result in run.results.values() if result.outcome in ("failed", "error"))
    return {
        "target": run.snapshot.meta.get("target"),
        "profile": run.profile.name,
        "resources": len(run.snapshot),
        "kinds": len(run.snapshot.kinds()),
        "items_run": len(run.results),
        "items_failed": failed_items,
        "findings": len(new),
        "waived": len(findings) - len(new),
        "stale": len(run.stale_waivers),
        "by_severity": {str(s): by_severity.get(str(s), 0) for s in sorted(Severity, reverse=True)},
        "complete": bool(run.snapshot.meta.get("complete")),
        "verdict": "conformant" if not new and failed_items == 0 else "violations found",
    }


def summary_lines(run: Any) -> list[str]:
    c = summary_counts(run)
    severities = ", ".join(f"{n} {s}" for s, n in c["by_severity"].items())
    lines = [
        f"target {c['target']}  profile {c['profile']}",
        f"{c['resources']} resources of {c['kinds']} types crawled; {c['items_run']} items run, "
        f"{c['items_failed']} failed",
        f"verdict: {c['verdict']} ({c['findings']} new findings: {severities}; {c['waived']} waived)",
    ]
    if not c["complete"]:
        lines.append("INCOMPLETE: the crawl did not finish; results cover what was checked so far")
    for waiver in run.stale_waivers:
        lines.append(f"stale waiver: {waiver.rule} {waiver.kind or ''} {waiver.url or ''} matched nothing "
                     f"({waiver.reason})")
    return lines
