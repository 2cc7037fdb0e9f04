"""Hooks shared by the project's own tests."""

from __future__ import annotations

import os

# httpcore is loaded once, here: an in-process pytester run forgets the modules first imported in
# it, while httpx, once loaded, maps only the exceptions of the httpcore it met first; a later run
# would then see a raw httpcore error (an unreachable target crashing instead of exiting 3).
import httpcore  # noqa: F401

from nested_runs import pytest_runtest_makereport  # noqa: F401  (a hook: a failure shows a nested run's tail)

# What the vendor-example, capture and surface tests judged is printed at the end of the run, so a run
# shows coverage, not only a pass (run_summary: the lines travel in reports, so xdist workers' too).
pytest_plugins = ["run_summary"]

# The plugin and command runs of these tests start the mock with the key resources alone: they test
# the machinery (reports, options, selection), not the breadth of the contract, and the full mock has
# five times the resource types. The tests of the breadth (the surface test, the clean mock's run, the
# mock's areas) build the full mock themselves.
os.environ.setdefault("CONFORMANCE_MOCK_SURFACE", "key")
# Likewise their runs leave out the action phase unless a test asks for it (`--actions all`): the
# action rules are proven by the tests under tests/actions and the fault matrix, in-process.
os.environ.setdefault("CONFORMANCE_ACTIONS", "none")
