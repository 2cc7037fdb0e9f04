"""The conformance report in the pytest-html page, leading with what is wrong.

In reading order: the verdict, the findings grouped by rule, the rules x resource types matrix,
the coverage (open), the action phase, the link map; then pytest-html's own summary and results
table, which lists the failing items but not the passing or skipped ones (the matrix shows each,
and two thousand passing rows made the page megabytes long), and last the Environment, folded.
The figures come from the same counts as the terminal and the results JSON. Every string a server
supplied (Types, Hrefs, Names, bodies) is escaped: a hostile server must not script the report.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from datetime import datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from ..rules import RULES
from .html_coverage import actions_html, coverage, coverage_html
from .html_findings import anchor, findings_html
from .html_matrix import cell_outcomes, matrix_html
from .html_page import BEGIN, END, relayout_file
from .item_log import ItemLog
from .linkmap import link_map_svg
from .gate import waived_phrases
from .text import summary_counts, verdict_phrase

__all__ = ["HtmlSummary", "coverage", "summary_html"]


def _failing_kinds(run: Any, log: ItemLog | None) -> dict[str, list[str]]:
    """kind -> the rules failing on it, in catalog order."""
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    out: dict[str, list[str]] = defaultdict(list)
    for (rule_id, kind), (outcome, _) in cell_outcomes(run.results, log).items():
        if outcome in ("failed", "error"):
            out[kind].append(rule_id)
    return {kind: sorted(rules, key=lambda r: (order.get(r, len(order)), r)) for kind, rules in out.items()}


def _when(iso: Any) -> str:
    """A timestamp to the second: the microseconds of an ISO time are noise to a reader."""
    try:
        return datetime.fromisoformat(str(iso)).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return str(iso or "")


def _section(ident: str, title: str, body: str) -> str:
    return f'<details open id="{ident}"><summary>{title}</summary>{body}</details>'


def summary_html(run: Any, log: ItemLog | None = None) -> str:
    """The whole conformance part of the page, between markers that let the page be rearranged."""
    if log is not None:  # what the pairs with nothing to judge could not check: they made no item to say it
        for key, result in run.results.items():
            if result.outcome == "skipped" and result.notes:
                log.notes.setdefault(key, list(result.notes))
    c = summary_counts(run)
    ok = c["verdict"] == "conformant"
    severities = ", ".join(f"{n} {escape(s)}" for s, n in c["by_severity"].items())
    incomplete = "" if c["complete"] else f'<p class="gap"><b>INCOMPLETE</b>: {escape(str(c["stopped"]))}.</p>'
    stale = "".join(f"<li>{escape(w.rule)} {escape(w.kind or '')} {escape(w.url or '')}: {escape(w.reason)}</li>"
                    for w in run.stale_waivers)
    started = _when(run.snapshot.meta.get("started"))
    nav = ('<nav><a href="#conformance-findings">Findings</a><a href="#conformance-matrix">Matrix</a>'
           '<a href="#conformance-coverage">Coverage</a><a href="#conformance-actions">Action phase</a>'
           '<a href="#conformance-linkmap">Link map</a><a href="#results-table">Test results</a>'
           '<a href="#conformance-environment">Environment</a></nav>')
    css = files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    link_map = link_map_svg(run.snapshot, _failing_kinds(run, log), href=lambda rule_id: "#" + anchor(rule_id))
    why = f" ({escape(c['profile_reason'])})" if c["profile_reason"] else ""
    return (
        f'{BEGIN}<style>{css}</style><section id="conformance">'
        f'<h2 class="verdict {"ok" if ok else "bad"}">{"✓" if ok else "✗"} Verdict: {escape(verdict_phrase(c))}</h2>'
        f"{incomplete}"
        f"<p>Target <code>{escape(str(c['target']))}</code>, profile <code>{escape(c['profile'])}</code>{why}: "
        f"{c['resources']} resources of {c['kinds']} types crawled, {c['items_run']} items run, "
        f"{c['items_failed']} failed, {c['not_applicable']} rule × type pairs not applicable; "
        f"{c['findings']} new findings ({severities})"
        f"{''.join('; ' + escape(p) for p in waived_phrases(c['below_gate'], c['baselined'], c['fail_on']))}."
        f"{f' Run started {escape(str(started))}.' if started else ''}</p>"
        + (f"<p>Stale waivers (matched nothing; remove them):</p><ul>{stale}</ul>" if stale else "")
        + nav
        + findings_html(run.results.values(), c["fail_on"])
        + _section("conformance-matrix", "Rules × resource types", matrix_html(run.results, log))
        + _section("conformance-coverage", "Coverage: what was checked, and what could not be", coverage_html(run, log))
        + _section("conformance-actions", "Action phase", actions_html(run.snapshot.meta.get("actions")))
        + _section("conformance-linkmap", "Link map: resource types from the logon session down",
                   f'<div class="linkmap">{link_map}</div>')
        + f"</section>{END}"
    )


class HtmlSummary:
    """pytest-html hooks; registered only when pytest-html is active, so they are never unknown.

    The plugin hands it the key its run is stashed under: the report reads the run, it does not
    know the plugin."""

    def __init__(self, config: pytest.Config, run_key: pytest.StashKey[Any]):
        self.config, self.run_key = config, run_key
        self.log = ItemLog()
        self.unlisted: Counter[str] = Counter()
        self._report_data: Any = None
        html = config.getoption("htmlpath", None)
        # resolved as pytest-html resolves it, at configure time (never on an xdist worker: its
        # controller writes the page)
        self.path = Path.cwd() / Path(os.path.expandvars(html)).expanduser() if html else None

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "Link-contract conformance report"
        self._report_data = report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.log.record(report)

    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        """Failing items keep their row (with the node id escaped: it holds a server's Type); passing
        and skipped ones are left out of the table but still counted in pytest-html's filters."""
        if ItemLog.key(report) is None:
            return
        if report.outcome in ("passed", "skipped") and not hasattr(report, "wasxfail"):
            # Most rows: dropped before any work on their cells.
            if report.when == "call" or report.outcome == "skipped":  # what pytest-html itself would count
                self.unlisted[report.outcome] += 1
                try:
                    self._report_data.outcomes = report.outcome
                except (AttributeError, KeyError, TypeError):
                    pass
            cells.clear()
            return
        test_id = report.nodeid + ("" if report.when == "call" else f"::{report.when}")
        for index, cell in enumerate(cells):
            if str(cell).startswith('<td class="col-testId">'):
                cells[index] = f'<td class="col-testId">{escape(test_id)}</td>'


    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        run = self.config.stash.get(self.run_key, None)
        if run is not None:
            prefix.append(summary_html(run, self.log))
        if self.unlisted:
            counts = " and ".join(f"{n} {'passing' if outcome == 'passed' else 'skipped'}"
                                  for outcome, n in sorted(self.unlisted.items()))
            summary.append(f"<p>{counts} conformance items are counted here but not listed in the table below: "
                           '<a href="#conformance-matrix">the matrix</a> shows each of them.</p>')

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        result = yield  # pytest-html writes the page in its own (trylast) implementation
        if self.path is not None:
            relayout_file(self.path)
        return result
