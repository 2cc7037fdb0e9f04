"""What a failing test shows of a run it started itself: the tail of that run's output and the files
it saved, not the thousands of lines of a whole run.

A command run in a process is shown with `told(...)`; an in-process run (pytester) writes into the
outer test's captured output, which `pytest_runtest_makereport` cuts to its tail on failure.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

TAIL = 40
"""Lines of a nested run's output a failure shows: its end, where the summary and the error are."""


def tail(text: str, lines: int = TAIL) -> str:
    """The last `lines` lines of `text`, saying how many were left out before them."""
    every = text.splitlines()
    if len(every) <= lines:
        return text
    return "\n".join([f"[... {len(every) - lines} earlier line(s) left out ...]", *every[-lines:]])


def told(*outputs: str, saved: tuple[Path | str, ...] = (), lines: int = TAIL) -> str:
    """An assertion message for a nested run: the tail of each output, then the files it saved."""
    parts = [tail(output, lines) for output in outputs if output]
    parts += [f"saved: {path}" for path in saved if Path(path).exists()]
    return "\n".join(parts)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """A failing test's captured output cut to its tail: a nested run printed all of its own."""
    report = yield
    if report.failed:
        report.sections = [(title, tail(content) if title.startswith("Captured") else content)
                           for title, content in report.sections]
    return report
