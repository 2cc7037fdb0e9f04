"""A reproduction from a run against the mock, pasted into bash once a mock is started as its first
line says, shows the problem again: the same answer, from a server that is not the run's."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="replaying a reproduction needs curl and bash")

FAULTS = ("dangling_link", "open_resource", "start_task_never_finishes")
START_LINE = "# the run's mock is gone; start one like it first: "


def _env() -> dict[str, str]:
    """The environment of a person who pastes the script: no setting of the run's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, dict[str, dict]]:
    cwd = tmp_path_factory.mktemp("replay")
    args = [arg for fault in FAULTS for arg in ("--fault", fault)]
    result = subprocess.run([sys.executable, "-m", "conformance", "run", *args, "--json", "r.json"], cwd=cwd,
                            capture_output=True, text=True, timeout=300, env=_env())
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    findings: dict[str, dict] = {}
    for finding in json.loads((cwd / "r.json").read_text())["findings"]:
        findings.setdefault(finding["rule"], finding)
    assert {"REL001", "PRT004", "ACT005"} <= set(findings), sorted(findings)
    return result, cwd, findings


@pytest.fixture(scope="module")
def mock_as_the_script_says(run):
    """The mock started by the command the script names: same port, data and faults as the run's."""
    _, cwd, findings = run
    (line,) = [l for l in findings["REL001"]["reproduction"].splitlines() if l.startswith(START_LINE)]
    command = shlex.split(line[len(START_LINE):])
    assert command[:2] == ["conformance", "mock"] and all(f in command for f in FAULTS)
    assert "--now" in command  # the run's clock: the same data, times included
    port = int(command[command.index("--port") + 1])
    server = subprocess.Popen([sys.executable, "-m", "conformance", *command[1:]], cwd=cwd, env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the mock did not start: {server.stderr.read().decode()[-2000:] if server.stderr else ''}")
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def replay(finding: dict) -> str:
    done = subprocess.run(["bash", "-c", finding["reproduction"]], capture_output=True, text=True, timeout=60,
                          env=_env())
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_dangling_link_replays_as_the_404_of_its_target(run, mock_as_the_script_says):
    _, _, findings = run
    dangling = findings["REL001"]
    answer = replay(dangling)
    assert answer.startswith("HTTP/1.1 404") and "<Error" in answer
    target = dangling["actual"].split(": ")[0]
    assert target.split("/api/", 1)[1] in dangling["reproduction"]


def test_a_resource_open_without_session_replays_as_200_to_a_request_without_one(run, mock_as_the_script_says):
    _, _, findings = run
    open_resource = findings["PRT004"]
    assert "X-RestSvcSessionId" not in open_resource["reproduction"]
    assert replay(open_resource).startswith("HTTP/1.1 200")


def test_a_task_that_never_finishes_replays_as_the_start_and_the_polls_of_the_replays_own_task(
        run, mock_as_the_script_says):
    _, _, findings = run
    answer = replay(findings["ACT005"])
    assert answer.startswith("HTTP/1.1 202")
    assert answer.count("HTTP/1.1 200") >= 2 and answer.count("<State>Running</State>") == answer.count("HTTP/1.1")


def test_the_terminal_shows_the_script_under_the_finding(run):
    result, _, findings = run
    script = findings["REL001"]["reproduction"].splitlines()
    assert "\n".join(["    reproduce:", *(f"      {line}" for line in script)]) in result.stdout
