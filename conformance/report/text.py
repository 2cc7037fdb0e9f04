"""The conformance summary for the terminal: counts a person reads at a glance."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .gate import by_severity, split, waived_phrases

__all__ = ["action_lines", "other_sessions_lines", "stop_reason", "summary_counts", "summary_lines", "undeclared_lines", "undeclared_roots",
           "verdict", "verdict_phrase"]


def stop_reason(run: Any) -> str | None:
    """Why the run covers less than it set out to (the session stopped early, the crawl did not
    finish), or None when it ran to the end."""
    stopped = getattr(run, "stopped", None)
    if stopped:
        return stopped
    meta = run.snapshot.meta
    if meta.get("incomplete"):
        return "; ".join(meta["incomplete"])
    return None if meta.get("complete") else "the crawl did not finish"


def verdict(run: Any) -> str:
    """The one verdict every output shows. "conformant" is earned, not the default: it needs a run
    that completed and judged something (an item that passed), and no new finding.

    "violations found" as soon as one item failed or crashed, complete or not; otherwise
    "incomplete" when the crawl or the session stopped early (Ctrl-C, `-x`), and "nothing judged"
    when no item ran (`--collect-only`, a `-k` that selects nothing) or every item was skipped.
    """
    outcomes = Counter(result.outcome for result in run.results.values())
    if outcomes["failed"] or outcomes["error"]:
        return "violations found"
    if stop_reason(run):
        return "incomplete"
    if not outcomes["passed"] and not outcomes["waived"]:
        return "nothing judged"
    return "conformant"


def profile_reason(run: Any) -> str:
    """Why the run is judged with its profile: the version the server speaks, or the profile asked for."""
    choice = getattr(run, "choice", None)
    if choice is not None:
        return choice.reason
    chosen = run.snapshot.meta.get("profile_choice")
    return str(chosen.get("reason", "")) if isinstance(chosen, dict) else ""


def summary_counts(run: Any) -> dict[str, Any]:
    """Figures shared by every output, so the terminal and HTML never disagree."""
    findings = run.findings
    parts = split(findings)
    new = parts["new"]
    settings = getattr(run, "settings", None)
    outcomes = Counter(result.outcome for result in run.results.values())
    stopped = stop_reason(run)
    return {
        "target": run.snapshot.meta.get("target"),
        "profile": run.profile.name,
        "profile_reason": profile_reason(run),
        "resources": len(run.snapshot),
        "kinds": len(run.snapshot.kinds()),
        "items_run": len(run.results) - outcomes["skipped"],
        "items_passed": outcomes["passed"],
        "items_failed": outcomes["failed"] + outcomes["error"],
        "items_skipped": outcomes["skipped"],
        "not_applicable": outcomes["skipped"],
        "findings": len(new),
        "waived": len(findings) - len(new),
        "below_gate": by_severity(parts["below_gate"]),
        "baselined": len(parts["baseline"]),
        "fail_on": str(getattr(settings, "fail_on", "warning")),
        "stale": len(run.stale_waivers),
        "by_severity": by_severity(new),
        "complete": stopped is None,
        "stopped": stopped,
        "verdict": verdict(run),
    }


def undeclared_roots(snapshot: Any) -> list[dict[str, Any]]:
    """Root elements no loaded schema declares, each with how many documents had it and the first
    of them: what the schema rule could not check. Every output lists the same gap."""
    urls: dict[str, list[str]] = {}
    for res in snapshot:
        if res.undeclared_root and res.error is None:
            urls.setdefault(res.undeclared_root, []).append(res.url)
    return [{"root": root, "resources": len(found), "example": min(found)} for root, found in sorted(urls.items())]


def undeclared_lines(snapshot: Any) -> list[str]:
    """The gap in words: a run that validated less than it seems to must say so."""
    return [f"not validated: no loaded schema declares the root element {gap['root']} "
            f"({gap['resources']} resource(s), e.g. {gap['example']})" for gap in undeclared_roots(snapshot)]


def verdict_phrase(c: dict[str, Any]) -> str:
    """The verdict as a reader sees it: a run whose only violations were waived is conformant
    *with violations waived*, never plainly conformant."""
    waived = c["waived"] and c["verdict"] == "conformant"
    return f"{c['verdict']}, with violations waived" if waived else c["verdict"]


def findings_phrase(c: dict[str, Any]) -> str:
    """`0 new findings: 0 error, 0 warning, 0 info; 1 new warning below --fail-on error; ...`."""
    severities = ", ".join(f"{n} {s}" for s, n in c["by_severity"].items())
    return "; ".join([f"{c['findings']} new findings: {severities}",
                      *waived_phrases(c["below_gate"], c["baselined"], c["fail_on"])])


def other_sessions_lines(snapshot: Any) -> list[str]:
    """Other clients' logon sessions the crawl met and left out: not the run's to judge."""
    count = snapshot.meta.get("other_sessions") or 0
    return [f"not judged: {count} logon session(s) of other clients (each speaks the API version its client "
            "logged on with; its links are that session's, not this run's)"] if count else []


def summary_lines(run: Any) -> list[str]:
    c = summary_counts(run)
    lines = [
        f"target {c['target']}  profile {c['profile']}" + (f" ({c['profile_reason']})" if c["profile_reason"] else ""),
        f"{c['resources']} resources of {c['kinds']} types crawled; {c['items_run']} items run, "
        f"{c['items_failed']} failed, {c['items_passed']} passed; {c['not_applicable']} rule x type pairs not "
        "applicable (nothing to judge: no item made)",
        f"verdict: {verdict_phrase(c)} ({findings_phrase(c)})",
    ]
    if not c["complete"]:
        lines.append(f"INCOMPLETE: {c['stopped']}; results cover what was checked so far")
    from .sampling import sampling_lines

    lines += sampling_lines(run)
    lines += other_sessions_lines(run.snapshot)
    lines += undeclared_lines(run.snapshot)
    for waiver in run.stale_waivers:
        lines.append(f"stale waiver: {waiver.rule} {waiver.kind or ''} {waiver.url or ''} matched nothing "
                     f"({waiver.reason})")
    return lines + action_lines(run.snapshot.meta.get("actions"))


def action_lines(actions: dict[str, Any] | None) -> list[str]:
    """What the action phase did (or, in a dry run, would do): mode, requests, what it could not do."""
    if not actions:
        return ["actions: none sent beyond the crawl's GETs (--actions none)"]
    if actions.get("dry_run") or actions.get("plan"):
        return ["dry run: the action phase would send the following, and sent none of it "
                f"(--actions {actions['mode']}, {actions['hypothesis_profile']}):",
                *(f"  {line}" for line in actions.get("plan", []))]
    sent = ", ".join(f"{n} {method}" for method, n in sorted(actions.get("requests", {}).items()))
    lines = [f"actions: --actions {actions['mode']} ({actions['hypothesis_profile']}): "
             f"{len(actions.get('operations', []))} operations followed, {sent or 'no requests'} "
             f"in {actions.get('elapsed_s', 0)} s; {len(actions.get('held_back', []))} held back"]
    lines += lifecycle_lines(actions.get("lifecycles", []))
    lines += [f"actions: not checked: {note}" for note in actions.get("notes", [])]
    lines += [f"actions: ERROR in the action phase: {error}" for error in actions.get("errors", [])]
    return lines


def lifecycle_lines(lifecycles: list[dict[str, Any]]) -> list[str]:
    """The lifecycles explored: per type, its steps and how many sequences and steps were tried."""
    if not lifecycles:
        return []
    sequences = sum(lc["sequences"] for lc in lifecycles)
    lines = [f"actions: {len(lifecycles)} lifecycles explored from links, {sequences} sequences:"]
    for lc in lifecycles:
        lines.append(f"  {lc['type']} ({lc['template']}): {' '.join(lc['steps'])}; {lc['sequences']} sequences, "
                     f"{lc['steps_run']} steps" + ("; diverged (ACT011/ACT012)" if lc.get("diverged") else ""))
    return lines
