"""The conformance summary at the top of the pytest-html report."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from .text import summary_counts

__all__ = ["HtmlSummary"]


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
        if run is None:
            return
        c = summary_counts(run)
        colour = "#2e7d32" if c["verdict"] == "conformant" else "#c62828"
        severities = ", ".join(f"{n} {escape(s)}" for s, n in c["by_severity"].items())
        prefix.append(
            f'<h2 style="color:{colour}">Verdict: {escape(c["verdict"])}</h2>'
            f"<p>Target <code>{escape(str(c['target']))}</code>, profile <code>{escape(c['profile'])}</code>: "
            f"{c['resources']} resources of {c['kinds']} types crawled, {c['items_run']} items run, "
            f"{c['items_failed']} failed; {c['findings']} findings ({severities}).</p>"
        )
