"""How a conformance item runs: pytest's three reports, without the per-item work it never needs.

An item reports a result judged at collection: it prints nothing, logs nothing, warns of nothing,
and has no fixtures to set up or tear down. So its protocol leaves out output capture, log
capture, fixture setup and teardown and their hooks, which cost far more than the item itself,
and keeps what users and plugins read: the start and finish of the item and its three reports
(setup, call, teardown), made by `pytest_runtest_makereport` and sent to `pytest_runtest_logreport`
(the terminal, JUnit XML, pytest-html, `--lf`, `-x`, pytest-xdist), and `--pdb` on a crash.
"""

from __future__ import annotations

import pytest

__all__ = ["run_item"]

_WHEN = ("setup", "call", "teardown")


def _nothing() -> None:
    """Setup and teardown of an item without fixtures."""


def run_item(item: pytest.Item, nextitem: pytest.Item | None = None) -> None:
    """Run one item and report it as pytest's own protocol would."""
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reraise: tuple[type[BaseException], ...] = (pytest.exit.Exception,)
    if not item.config.getoption("usepdb", False):
        reraise += (KeyboardInterrupt,)
    for when in _WHEN:
        call = pytest.CallInfo.from_call(item.runtest if when == "call" else _nothing, when=when, reraise=reraise)
        report = ihook.pytest_runtest_makereport(item=item, call=call)
        ihook.pytest_runtest_logreport(report=report)
        if report.failed and call.excinfo is not None:
            ihook.pytest_exception_interact(node=item, call=call, report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
