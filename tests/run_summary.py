"""Coverage lines a test module reports at the end of the run, whether it ran here or on an xdist
worker: a worker's configuration is not the controller's, so the lines travel in a test report.

A module calls `summarise(config, title, lines)`; the next report made on that process carries them
(`user_properties`, which xdist sends back), and the terminal summary prints every title once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from typing import Any

import pytest

__all__ = ["summarise"]

_PENDING = pytest.StashKey[dict[str, list[str]]]()
_SHOWN = pytest.StashKey[dict[str, list[str]]]()
_PROPERTY = "run-summary"


def summarise(config: pytest.Config, title: str, lines: list[str]) -> None:
    """Say `lines` under `title` at the end of the run."""
    config.stash.setdefault(_PENDING, {})[title] = list(lines)


def found_lines(verdicts: Mapping[str, Any], listed: Collection[tuple[str, str]], whose: str, file: str) -> list[str]:
    """One line per rule that found something in saved files (`FileVerdict`s by name): how many
    findings, and how many of them are defects listed in `file` (`listed`: (name, rule) pairs)."""
    found: Counter[str] = Counter()
    known: Counter[str] = Counter()
    for name, verdict in verdicts.items():
        for rule_id, _, findings in verdict.results:
            found[rule_id] += len(findings)
            known[rule_id] += len(findings) if (name, rule_id) in listed else 0
    return [f"  found:   {found[rule_id]:4}  {rule_id}, {known[rule_id]} of them listed defects of {whose} ({file})"
            for rule_id in sorted(found) if found[rule_id]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    pending = item.config.stash.get(_PENDING, None)
    if pending:
        report.user_properties.append((_PROPERTY, dict(pending)))
        pending.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == _PROPERTY:
            _shown.update(value)


_shown: dict[str, list[str]] = {}
"""What the reports carried, by title: read by the terminal summary of the process that prints it."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, lines in _shown.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
