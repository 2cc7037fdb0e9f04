"""The findings, grouped by rule: what a reader of the report came for.

Each rule with findings gets one block: severity, statement, the resource types and URLs it hit,
and per finding the link, what was expected, what was found and the request that reproduces it.
A large server can yield thousands of findings of one rule, so only the first few are shown in
full and the next ones as a line each; the rest are counted (the results JSON has every one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from ..rules import RULES, Finding
from ..rules.pages import page_title_and_url
from .gate import split

__all__ = ["IN_FULL", "AS_LINES", "anchor", "findings_html"]

IN_FULL = 10
"""Findings per rule shown with link, expected, actual, reproduction and excerpt."""
AS_LINES = 100
"""Findings per rule shown after those as one line each (URL, actual)."""
_EXCERPT = 300


def anchor(rule_id: str) -> str:
    """The id of a rule's block, so the matrix and the link map can point at it."""
    return f"finding-{rule_id}"


def _row(label: str, value: str, pre: bool = False) -> str:
    body = f"<pre>{escape(value)}</pre>" if pre else escape(value)
    return f"<tr><th>{label}</th><td>{body}</td></tr>"


def _in_full(finding: Finding, kind: str) -> str:
    rows = []
    if finding.waiver:
        rows.append(_row("waived", finding.waiver))
    if finding.message:
        rows.append(_row("request", finding.message))
    if finding.link is not None:
        rows.append(_row("link", finding.link.describe()))
    rows += [_row("expected", finding.expected), _row("actual", finding.actual)]
    excerpt = " ".join(finding.excerpt.split())[:_EXCERPT]
    if excerpt:
        rows.append(_row("answered", excerpt))
    repro = (f'<div class="repro">reproduce:<pre>{escape(finding.reproduction)}</pre></div>'
             if finding.reproduction else "")
    return (f'<div class="finding"><div class="url">{escape(finding.url)} <small>({escape(kind)})</small></div>'
            f"<table>{''.join(rows)}</table>{repro}</div>")


def _page_link(source: str) -> str:
    title, url = page_title_and_url(source)
    return f'<a href="{escape(url)}">{escape(title)}</a>' if url else escape(title)


def _rule_block(rule_id: str, found: Sequence[tuple[Finding, str]], waived: str = "") -> str:
    rule = RULES.get(rule_id)
    severity = str(found[0][0].severity)
    statement = rule.statement if rule else ""
    kinds = sorted({kind for _, kind in found})
    urls = {f.url for f, _ in found}
    source = f"; vendor page: {_page_link(rule.source)}" if rule and rule.source else ""
    parts = [f'<div class="rule-findings {"waived" if waived else escape(severity)}" id="{anchor(rule_id)}'
             f'{"-" + waived if waived else ""}">'
             f'<h3><span class="sev {escape(severity)}">{escape(severity)}</span> {escape(rule_id)} '
             f"{escape(statement)}</h3>"
             f'<p class="meta">{len(found)} finding(s) on {len(urls)} resource(s) of type(s) '
             f"{', '.join(f'<code>{escape(k)}</code>' for k in kinds)}{source}</p>"]
    parts += [_in_full(f, kind) for f, kind in found[:IN_FULL]]
    lines = found[IN_FULL:IN_FULL + AS_LINES]
    if lines:
        parts.append('<ul class="more">' + "".join(
            f"<li>{escape(f.url)} <small>({escape(kind)})</small>: {escape(f.actual)}</li>" for f, kind in lines)
            + "</ul>")
    rest = len(found) - IN_FULL - len(lines)
    if rest > 0:
        parts.append(f'<p class="more">... and {rest} more finding(s) of {escape(rule_id)}: the results JSON '
                     "lists every one, and the item's failure text below every URL.</p>")
    parts.append("</div>")
    return "".join(parts)


def _by_rule(findings: Iterable[tuple[Finding, str]]) -> list[tuple[str, list[tuple[Finding, str]]]]:
    """Rules by severity (errors first), then in catalog order; findings by URL within a rule."""
    groups: dict[str, list[tuple[Finding, str]]] = {}
    for finding, kind in findings:
        groups.setdefault(finding.rule_id, []).append((finding, kind))
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    def rank(group: tuple[str, list[tuple[Finding, str]]]) -> tuple[int, int, str]:
        rule_id, found = group
        return -max(int(f.severity) for f, _ in found), order.get(rule_id, len(order)), rule_id

    ranked = sorted(groups.items(), key=rank)
    return [(rule_id, sorted(found, key=lambda fk: (fk[0].url, fk[1]))) for rule_id, found in ranked]


def findings_html(results: Iterable[Any], fail_on: str = "warning") -> str:
    """The findings section of the report, from the run's item results: the new findings that fail
    the gate, then, each folded apart, the new ones below --fail-on and the baseline's known ones."""
    everything = [(f, r.kind) for r in results for f in r.findings]
    kinds = {id(f): kind for f, kind in everything}
    parts = {name: [(f, kinds[id(f)]) for f in found] for name, found in split(f for f, _ in everything).items()}
    new, below, known = parts["new"], parts["below_gate"], parts["baseline"]
    head = (f'<h2 id="conformance-findings">Findings: {len(new)} new'
            f'{f", {len(below)} new below --fail-on {escape(fail_on)}" if below else ""}'
            f'{f", {len(known)} waived by the baseline" if known else ""}</h2>')
    if not new:
        body = "<p>No rule found anything new at or above --fail-on on this target.</p>"
    else:
        body = "".join(_rule_block(rule_id, found) for rule_id, found in _by_rule(new))
    if below:
        body += (f"<details><summary>New findings below --fail-on {escape(fail_on)} ({len(below)}): "
                 "new on this target, tolerated by the gate</summary>"
                 + "".join(_rule_block(rule_id, found, "below-gate") for rule_id, found in _by_rule(below))
                 + "</details>")
    if known:
        body += (f"<details><summary>Waived by the baseline ({len(known)}): known violations</summary>"
                 + "".join(_rule_block(rule_id, found, "waived") for rule_id, found in _by_rule(known))
                 + "</details>")
    return head + body
