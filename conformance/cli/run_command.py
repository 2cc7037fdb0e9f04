"""What `conformance run` does around pytest: the plugin's options, the project's own test settings
set aside, and the report files, removed before the run and named after it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import EXIT_USAGE

__all__ = ["ISOLATION", "UNUSED_PLUGINS", "outputs", "plugin_args", "pytest_args", "run"]

# What `conformance run` sets aside of the project's pytest configuration. The file pytest finds
# from the current folder is read, so its conformance_* keys (and report settings of other plugins)
# apply, but nothing in it may turn the run into a run of the project's own tests: no addopts
# (nor PYTEST_ADDOPTS), no conftest.py, no testpaths, fixtures, warning filters, required plugins,
# minimum version or import paths. Keys a skipped conftest.py would have declared are not unknown
# to the project, so only an unknown conformance_* key (a typo) warns, and none fails the run.
# pytest's cache stays on, so `-- --lf` and `-- --ff` rerun the failed items of the last run.
# Assertions are not rewritten: the session runs conformance items alone, which hold no assert, and
# rewriting the plugin's own modules cost about a second at each start where bytecode is not cached.
ISOLATION = ("--noconftest", "--assert=plain",
             "-o", "addopts=", "-o", "testpaths=", "-o", "usefixtures=", "-o", "required_plugins=",
             "-o", "minversion=", "-o", "pythonpath=", "-o", "strict_config=false",
             "-o", "filterwarnings=ignore:Unknown config option. (?!conformance_):pytest.PytestConfigWarning")


def plugin_args(ns: argparse.Namespace) -> list[str]:
    """The command's options as the plugin's; an option not given is left to the environment and ini."""
    args: list[str] = []
    pairs = {"--conformance-target": ns.target, "--conformance-user": ns.user, "--conformance-format": ns.format, "--conformance-profile": ns.profile,
             "--conformance-schema": ns.schema, "--conformance-ca-bundle": ns.ca_bundle,
             "--conformance-max-resources": ns.max_resources, "--conformance-per-template": ns.per_template,
             "--conformance-timeout": ns.timeout, "--conformance-concurrency": ns.concurrency,
             "--conformance-max-body": ns.max_body, "--conformance-deadline": ns.deadline,
             "--conformance-mock-size": ns.size, "--conformance-mock-now": ns.now,
             "--conformance-mock-surface": ns.surface, "--conformance-mock-replay": ns.replay,
             "--conformance-snapshot": ns.snapshot,
             "--conformance-rules": ns.rules, "--conformance-skip-rules": ns.skip_rules,
             "--conformance-actions": ns.actions, "--conformance-json": ns.json,
             "--conformance-baseline": ns.baseline, "--conformance-fail-on": ns.fail_on,
             "--conformance-hypothesis-profile": ns.hypothesis_profile}
    for flag, value in pairs.items():
        if value is not None:
            args += [flag, str(value)]
    if ns.insecure:
        args.append("--conformance-insecure")
    if ns.dry_run:
        args.append("--conformance-dry-run")
    for fault in ns.fault:
        args += ["--conformance-mock-fault", fault]
    return args


UNUSED_PLUGINS = {"hypothesispytest": "--hypothesis", "benchmark": "--benchmark", "anyio": "--anyio"}
"""Installed pytest plugins the run has no use for (its items are neither hypothesis tests nor
benchmarks nor async tests), by the prefix of their options: each is left out unless one of its
options is given. hypothesis's would only import hypothesis at the end of every run (about two
seconds; the action phase uses hypothesis itself, not through the plugin); pytest-benchmark's prints
its banner; anyio's imports trio, when installed, to list the backends it could test on (a quarter
of a second at every start)."""


def pytest_args(ns: argparse.Namespace) -> list[str]:
    """The pytest session of the command: the project's own test settings set aside, the plugin's options."""
    args = [*ISOLATION, "--rootdir", str(Path.cwd()), "--conformance-only", *plugin_args(ns)]
    if ns.html:
        args += ["--html", ns.html, "--self-contained-html"]
    if ns.junit:
        args += ["--junitxml", ns.junit]
    extra = list(ns.pytest_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    for plugin, its_options in UNUSED_PLUGINS.items():
        if not any(arg.startswith(its_options) for arg in extra):
            args += ["-p", f"no:{plugin}"]
    return args + extra


def outputs(ns: argparse.Namespace) -> dict[str, Path]:
    """The files this run writes, by what they are."""
    named = {"HTML report": ns.html, "JUnit XML": ns.junit, "results JSON": ns.json, "snapshot": ns.snapshot}
    return {what: Path(path) for what, path in named.items() if path}


def run(ns: argparse.Namespace) -> int:
    """The session, with the project's own test settings set aside; the report files named afterwards."""
    import pytest

    files = outputs(ns)
    for what, path in files.items():
        if path.is_dir():
            print(f"conformance run: error: the {what} path {path} is a folder", file=sys.stderr)
            return EXIT_USAGE
    # A file left by an earlier run must not pass for this run's: whatever exists afterwards, this run wrote.
    for path in files.values():
        path.unlink(missing_ok=True)
    addopts = os.environ.pop("PYTEST_ADDOPTS", None)  # the project's pytest options, not the run's
    try:
        code = int(pytest.main(pytest_args(ns)))
    finally:
        if addopts is not None:
            os.environ["PYTEST_ADDOPTS"] = addopts
    written = {what: path for what, path in files.items() if path.exists()}
    for what, path in written.items():
        print(f"conformance: {what} written to {path}")
    if not written:
        print(f"conformance: no report written: the run stopped before checking (exit {code})", file=sys.stderr)
    return code
