"""Runs spread over pytest-xdist workers: one crawl, the same verdict as a serial run, one set of reports.

Three real processes judge the same server (a fresh, identical mock on the same port each time, with
a recorder in front that notes every request): a serial `conformance run`, the same run with
`-- -n 2`, and plain `pytest -n 2` with the plugin's options. The server carries faults and the
run a baseline, so findings, notes and waivers (one entry matched, one stale) all cross from the
workers to the reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance.mock import DEFAULT_PASSWORD, create_app, generate_dataset
from conformance.mock.server import MockServer
from end_to_end import Recording

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
FAULTS = ("dangling_link", "down_link_without_type")
"""REL001 on a Replica (with "not checked" notes in the rules that needed its target) and LNK004 on Job."""
RULES = "LNK001,LNK004,REL001,REL002"
"""Enough to carry a finding, a waived one, a stale waiver (LNK001 runs and finds nothing) and notes
(REL002 could not check the dangling Up link); few items keep the runs short."""
BASELINE = """\
[[waiver]]
rule = "LNK004"
kind = "Job"
reason = "known: the jobs' Down links"

[[waiver]]
rule = "LNK001"
kind = "Job"
reason = "fixed long ago"
"""


def _serve(port: int = 0) -> tuple[MockServer, Recording]:
    """A fresh mock with the same data, faults and sessions to come, so every run sees the same bytes."""
    app = create_app(generate_dataset(10, 0, NOW), faults=FAULTS, password=DEFAULT_PASSWORD, surface="key")
    recorder = Recording(app)
    return MockServer(recorder, port=port).start(), recorder


def _run(argv: list[str], cwd: Path, port: int) -> dict[str, Any]:
    server, recorder = _serve(port)
    try:
        env = {**os.environ, "CONFORMANCE_PASSWORD": DEFAULT_PASSWORD}
        env.pop("PYTEST_ADDOPTS", None)
        done = subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    finally:
        server.stop()
    return {"code": done.returncode, "out": done.stdout + done.stderr, "requests": recorder.requests, "dir": cwd}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    probe, _ = _serve()  # a free port, then the same port for every run: URLs and scripts compare as they are
    port = probe.port
    probe.stop()
    url = f"http://127.0.0.1:{port}/api/"
    out: dict[str, dict[str, Any]] = {}
    # Every member of every collection (`--per-template 0`): a sampling crawl takes the members that
    # answer first, so two crawls of one server may judge different ones.
    run = ["-m", "conformance", "run", "--target", url, "--rules", RULES, "--baseline", "baseline.toml",
           "--per-template", "0", "--json", "results.json"]
    for name, argv in {
        "serial": run,
        "run -n 2": [*run, "--html", "report.html", "--junit", "junit.xml", "--", "-n", "2"],
        "pytest -n 2": ["-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "--conformance-target", url,
                        "--conformance-rules", RULES, "--conformance-baseline", "baseline.toml",
                        "--conformance-per-template", "0", "--conformance-json", "results.json",
                        "--junitxml", "junit.xml"],
    }.items():
        cwd = tmp_path_factory.mktemp(name.replace(" ", "_"))
        (cwd / "baseline.toml").write_text(BASELINE)
        out[name] = _run(argv, cwd, port)
    return out


def _results(run: dict[str, Any]) -> dict[str, Any]:
    """The results JSON less what differs between any two runs: clock times and durations."""
    data = json.loads((run["dir"] / "results.json").read_text())
    for key in ("started", "crawl_finished", "finished"):
        data.pop(key)
    for resource in data["resources"]:
        resource.pop("elapsed_ms")
    return data


@pytest.mark.parametrize("distributed", ["run -n 2", "pytest -n 2"])
def test_workers_judge_the_same_items_with_the_same_outcomes_findings_and_waivers_as_a_serial_run(runs, distributed):
    serial, spread = runs["serial"], runs[distributed]
    assert serial["code"] == spread["code"] == 1, spread["out"][-3000:]
    assert "2 workers [" in spread["out"]
    expected = _results(serial)
    assert expected["counts"]["items"]["failed"] > 0 and expected["counts"]["items"]["waived"] > 0
    assert expected["counts"]["items"]["skipped"] > 0
    assert [w["rule"] for w in expected["stale_waivers"]] == ["LNK001"]
    assert _results(spread) == expected


def test_the_target_is_crawled_once_by_the_controller_and_workers_send_it_nothing(runs):
    serial = Counter(runs["serial"]["requests"])
    # one logon, with ?v=latest: the version the server speaks picks the profile
    assert [request for request in serial.elements() if request[0] == "POST"] == [("POST", "/api/sessionmngr/", "v=latest")]
    for name in ("run -n 2", "pytest -n 2"):
        assert Counter(runs[name]["requests"]) == serial, name


def test_the_controller_writes_each_report_once_and_complete(runs):
    run = runs["run -n 2"]
    results = _results(run)
    failing = sorted(f"conformance::{rule['id']}[{kind}]" for rule in results["rules"]
                     for kind, outcome in rule["outcomes"].items() if outcome == "failed")
    counts = results["counts"]["items"]
    items = sum(counts.values()) - counts["skipped"]  # the pairs with nothing to judge are no test
    for name in ("run -n 2", "pytest -n 2"):
        suite = ET.parse(runs[name]["dir"] / "junit.xml").getroot().find("testsuite")
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests")) == items, name
        failed = sorted(f"{case.get('classname')}::{case.get('name')}" for case in cases
                        if case.find("failure") is not None)
        assert failed == failing, name
    html = (run["dir"] / "report.html").read_text()
    assert "Verdict: violations found" in html and "fixed long ago" in html  # the stale waiver
    assert all(item.split("::")[1] in html for item in failing)
    assert "its target failed" in html  # a note REL002 recorded on a worker
    for line in ("HTML report written to report.html", "JUnit XML written to junit.xml",
                 "results JSON written to results.json"):
        assert run["out"].count(line) == 1, line
