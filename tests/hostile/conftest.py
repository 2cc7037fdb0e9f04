"""The battery's marker (which hostile scenario a test reads, so only those selected are played),
and its measurements at the end of the run."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hostile(name): the test reads the run of the named hostile scenario")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Each scenario's exit code, time and peak memory, so a run shows the margins, not only a pass."""
    from hostile_runs import MEASURED

    if not MEASURED:
        return
    terminalreporter.section("hostile servers")
    for name, outcome in sorted(MEASURED.items()):
        terminalreporter.write_line(f"{name:28} exit {outcome.code}  {outcome.seconds:5.1f} s  "
                                    f"({outcome.cpu_seconds:4.1f} s CPU)  {outcome.rss_mb:5.0f} MB")
