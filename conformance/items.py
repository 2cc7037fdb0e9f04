"""The pytest items: one per rule and resource type, failing with every offending URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .rules import Finding, Rule, run_rule
from .rules.selection import select_rules
from .runner import ItemResult, Run
from .snapshot import Resource

__all__ = ["ConformanceCollector", "ConformanceItem", "RuleViolated", "format_findings"]

_DETAILED = 25
_EXCERPT = 160


class RuleViolated(Exception):
    """Raised by an item whose rule found violations; carries them for the report."""

    def __init__(self, rule: Rule, kind: str, findings: list[Finding]):
        super().__init__(f"{rule.id}: {len(findings)} finding(s)")
        self.rule, self.kind, self.findings = rule, kind, findings


def format_findings(rule: Rule, kind: str, findings: list[Finding]) -> str:
    """Readable failure text: the rule, then every offending URL with its findings under it.

    Full detail (link, expected, actual, the script that reproduces it) for the first URLs; past
    that, one line per URL, so a failure on a large server stays readable yet still names every
    offender. A script is shown once per URL unless a finding there needs another one.
    """
    by_url: dict[str, list[Finding]] = {}
    for finding in findings:
        by_url.setdefault(finding.url, []).append(finding)
    lines = [f"{rule.id} ({rule.severity}) {rule.statement}",
             f"{len(findings)} finding(s) in {len(by_url)} {kind} resource(s); vendor page: {rule.source}", ""]
    for index, (url, found) in enumerate(by_url.items()):
        if index >= _DETAILED:
            lines.append(f"- {url} ({len(found)} finding(s))")
            continue
        lines.append(f"- {url}")
        shown: set[str] = set()
        for finding in found:
            if finding.waiver:
                lines.append(f"    waived:    {finding.waiver}")
            if finding.message:
                lines.append(f"    request:   {finding.message}")
            if finding.link is not None:
                lines.append(f"    link:      {finding.link.describe()}")
            lines.append(f"    expected:  {finding.expected}")
            lines.append(f"    actual:    {finding.actual}")
            if finding.reproduction and finding.reproduction not in shown:
                shown.add(finding.reproduction)
                lines.append("    reproduce:")
                lines += [f"      {line}" for line in finding.reproduction.splitlines()]
        excerpt = " ".join(found[0].excerpt.split())[:_EXCERPT]
        if excerpt:
            lines.append(f"    answered:  {excerpt}")
    return "\n".join(lines)


class ConformanceItem(pytest.Item):
    """Rule x resource type: node ids carry no server-specific ids, so runs compare."""

    def __init__(self, *, rule: Rule, kind: str, resources: list[Resource], run: Run, **kwargs: Any):
        super().__init__(**kwargs)
        self.rule, self.kind, self.resources, self.run = rule, kind, resources, run
        self.add_marker(pytest.mark.conformance_rule(rule.id, family=rule.family, severity=str(rule.severity)))
        self.keywords[rule.family] = True
        self.user_properties += [("rule", rule.id), ("severity", str(rule.severity)), ("kind", kind),
                                 ("resources", len(resources))]

    def runtest(self) -> None:
        ctx = self.run.context()
        try:
            findings = self.run.judge(self.rule, self.kind, list(run_rule(self.rule, ctx, self.resources)))
            if ctx.notes:  # what could not be checked is said, not silently skipped
                self.add_report_section("call", "not checked", "\n".join(ctx.notes))
        except Exception:
            self.run.record(ItemResult(self.rule.id, self.kind, "error", (), len(self.resources)))
            raise
        new = [f for f in findings if not f.waiver]
        outcome = "failed" if new else "waived" if findings else "passed"
        self.run.record(ItemResult(self.rule.id, self.kind, outcome, tuple(findings), len(self.resources)))
        if new:
            raise RuleViolated(self.rule, self.kind, findings)
        if findings:
            self.add_report_section("call", "waived findings", format_findings(self.rule, self.kind, findings))
            pytest.xfail(f"{len(findings)} known finding(s): {findings[0].waiver}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleViolated):
            err = excinfo.value
            return format_findings(err.rule, err.kind, err.findings)
        return super().repr_failure(excinfo)  # a crash inside a rule keeps its traceback

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.rule.id}[{self.kind}] {self.rule.statement}"


class ConformanceCollector(pytest.Collector):
    """Groups the items under one node, `conformance`, independent of any test file."""

    def __init__(self, *, run: Run, **kwargs: Any):
        super().__init__(**kwargs)
        self.run = run

    def collect(self) -> Iterator[ConformanceItem]:
        groups = {kind: [r for r in resources if r.error is None]
                  for kind, resources in self.run.snapshot.kinds().items()}
        settings = self.run.settings
        for rule in select_rules(settings.rules, settings.skip_rules):
            for kind, resources in groups.items():
                if resources:  # a kind made only of failed fetches has nothing to judge (REL001 reports it)
                    yield ConformanceItem.from_parent(self, name=f"{rule.id}[{kind}]", rule=rule, kind=kind,
                                                      resources=resources, run=self.run)
