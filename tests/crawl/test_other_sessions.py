"""A run judges its own session: the logon sessions other clients hold on the same server (listed
at `/logonSessions`, each in the API version its client chose) are left out and counted, never
judged as defects of the run's session."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.mock.server import MockServer

from nested_runs import told


def _run(url: str, cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--target", url, "--user", DEFAULT_USER,
                           "--actions", "none", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CONFORMANCE_PASSWORD": DEFAULT_PASSWORD})


def test_a_newer_session_of_another_client_is_left_out_and_said_not_judged_as_the_runs_own(tmp_path):
    app = create_app(generate_dataset(1), password=DEFAULT_PASSWORD, surface="key")  # a v1_7 server
    with MockServer(app) as server:
        other = httpx.post(f"{server.url}sessionMngr/?v=v1_7", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
        assert other.status_code == 201  # another client's session, open for the whole run
        result = _run(server.url, tmp_path, "--profile", "11")
    assert result.returncode == 0, told(result.stdout, result.stderr, saved=(tmp_path / "reports" / "results.json",))
    assert "not judged: 1 logon session(s) of other clients" in result.stdout
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["coverage"]["other_sessions"] == 1
    assert not any("backupFiles" in f["actual"] for f in results["findings"])
    assert "1 logon session(s) of other clients not judged" in (tmp_path / "reports" / "conformance.html").read_text()


def test_a_run_alone_on_its_server_says_nothing_of_other_sessions(tmp_path):
    with MockServer(create_app(generate_dataset(1), password=DEFAULT_PASSWORD, surface="key")) as server:
        result = _run(server.url, tmp_path)
    assert result.returncode == 0 and "other clients" not in result.stdout
    assert json.loads((tmp_path / "reports" / "results.json").read_text())["coverage"]["other_sessions"] == 0
