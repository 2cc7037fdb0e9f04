"""Hooks shared by the project's own tests."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """What the vendor-example test judged, so a run shows its coverage, not only a pass."""
    from test_vendor_examples import vendor_examples_key

    lines = config.stash.get(vendor_examples_key, None)
    if lines:
        terminalreporter.section("vendor examples")
        for line in lines:
            terminalreporter.write_line(line)
