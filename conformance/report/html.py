"""The conformance summary at the top of the pytest-html report: verdict, counts, matrix,
coverage and the link map, drawn from the same figures as the terminal and the results JSON."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from ..rules import RULES
from .linkmap import link_map_svg
from .text import summary_counts, undeclared_roots

__all__ = ["HtmlSummary", "coverage", "summary_html"]

_CELL = {"passed": ("✓", "#2e7d32", "#e8f5e9"), "failed": ("✗", "#c62828", "#ffebee"),
         "waived": ("~", "#ef6c00", "#fff3e0"), "error": ("!", "#6a1b9a", "#f3e5f5"),
         "skipped": ("–", "#757575", "#fafafa")}


def coverage(run: Any) -> dict[str, Any]:
    """What the crawl found against what the profile knows about."""
    snapshot, profile = run.snapshot, run.profile
    rels = {l.rel for r in snapshot for l in r.links if l.rel}
    return {
        "kinds": sorted(snapshot.kinds()),
        "rels_found": sorted(rels & profile.rel_vocabulary),
        "rels_unseen": sorted(profile.rel_vocabulary - rels),
        "rels_unknown": sorted(rels - profile.rel_vocabulary),
        "actions_found": sorted(rels & profile.action_rels),
        "actions_unseen": sorted(profile.action_rels - rels),
        "undeclared_roots": undeclared_roots(snapshot),
    }


def _matrix(run: Any) -> str:
    kinds = sorted({kind for _, kind in run.results})
    rule_ids = [r for r in RULES if any(key[0] == r for key in run.results)]
    head = "".join(f'<th style="writing-mode:vertical-rl;font-weight:normal">{escape(k)}</th>' for k in kinds)
    rows = []
    for rule_id in rule_ids:
        cells = []
        for kind in kinds:
            result = run.results.get((rule_id, kind))
            if result is None:
                cells.append('<td title="not selected"></td>')
                continue
            mark, colour, back = _CELL[result.outcome]
            tip = f"{rule_id} on {kind}: " + (f"not judged: {result.reason}" if result.outcome == "skipped" else
                                              f"{result.outcome}, {len(result.findings)} finding(s)")
            cells.append(f'<td style="text-align:center;color:{colour};background:{back}" title="{escape(tip)}">'
                         f"{mark}</td>")
        rule = RULES[rule_id]
        rows.append(f'<tr><th style="text-align:left;font-weight:normal" title="{escape(rule.statement)}">'
                    f"{rule_id} <small>{rule.severity}</small></th>{''.join(cells)}</tr>")
    return (f'<table style="border-collapse:collapse;font-size:11px"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
            '<p><small>✓ pass (judged, found fine) · ✗ fail · ~ waived (baseline or below --fail-on) · ! rule error · '
            '– not judged: nothing to judge, or could not run (the reason on hover) · blank: not selected</small></p>')


def _undeclared(gaps: list[dict[str, Any]]) -> str:
    return "; ".join(f"<code>{escape(g['root'])}</code> ({g['resources']} resource(s), e.g. "
                     f"<code>{escape(g['example'])}</code>)" for g in gaps) or "none"


def summary_html(run: Any) -> str:
    c = summary_counts(run)
    cov = coverage(run)
    colour = "#2e7d32" if c["verdict"] == "conformant" else "#c62828"
    severities = ", ".join(f"{n} {escape(s)}" for s, n in c["by_severity"].items())
    failing = {kind for (_, kind), r in run.results.items() if r.outcome in ("failed", "error")}
    incomplete = "" if c["complete"] else '<p style="color:#c62828"><b>INCOMPLETE</b>: the crawl did not finish.</p>'
    stale = "".join(f"<li>{escape(w.rule)} {escape(w.kind or '')} {escape(w.url or '')}: {escape(w.reason)}</li>"
                    for w in run.stale_waivers)
    return (
        f'<h2 style="color:{colour}">Verdict: {escape(c["verdict"])}</h2>{incomplete}'
        f"<p>Target <code>{escape(str(c['target']))}</code>, profile <code>{escape(c['profile'])}</code>: "
        f"{c['resources']} resources of {c['kinds']} types crawled, {c['items_run']} items run, "
        f"{c['items_failed']} failed; {c['findings']} new findings ({severities}); {c['waived']} waived.</p>"
        + (f"<p>Stale waivers (matched nothing; remove them):</p><ul>{stale}</ul>" if stale else "")
        + "<details open><summary><b>Rules × resource types</b></summary>" + _matrix(run) + "</details>"
        "<details><summary><b>Coverage</b></summary>"
        f"<p>{len(cov['kinds'])} resource types: {escape(', '.join(cov['kinds']))}</p>"
        f"<p>Rels found: {escape(', '.join(cov['rels_found']))}<br>Rels of the profile never seen: "
        f"{escape(', '.join(cov['rels_unseen']) or 'none')}<br>Rels outside the profile: "
        f"{escape(', '.join(cov['rels_unknown']) or 'none')}</p>"
        f"<p>Actions found: {escape(', '.join(cov['actions_found']) or 'none')}; never seen: "
        f"{escape(', '.join(cov['actions_unseen']) or 'none')}</p>"
        f"<p>Root elements no loaded schema declares (their documents were not validated): "
        f"{_undeclared(cov['undeclared_roots'])}</p></details>"
        "<details open><summary><b>Link map</b> (resource types; red: a failing item)</summary>"
        f'<div style="overflow-x:auto">{link_map_svg(run.snapshot, failing)}</div></details>'
    )


class HtmlSummary:
    """Registered only when pytest-html is active, so its hooks are never unknown to pytest."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "Link-contract conformance report"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        from ..plugin import run_key

        run = self.config.stash.get(run_key, None)
        if run is not None:
            prefix.append(summary_html(run))
