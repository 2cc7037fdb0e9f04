"""The `conformance` command as a user runs it: a real process, a real socket, real files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from conformance.mock import FAULTS
from conformance.rules import RULES


def conformance(*args: str, cwd=None, env=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_run_against_the_mock_writes_the_html_report_and_exits_0(tmp_path):
    result = conformance("run", "--junit", "reports/junit.xml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    html = (tmp_path / "reports" / "conformance.html").read_text()
    assert "Verdict: conformant" in html
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert 'failures="0"' in junit and "LNK004[Job]" in junit
    assert "HTML report written to reports/conformance.html" in result.stdout


def test_run_with_a_fault_exits_1_and_the_report_shows_the_violation(tmp_path):
    result = conformance("run", "--fault", "foreign_href", "--html", "out/r.html", cwd=tmp_path)
    assert result.returncode == 1
    html = (tmp_path / "out" / "r.html").read_text()
    assert "Verdict: violations found" in html and "elsewhere.invalid" in html


def test_run_passes_arguments_after_the_double_dash_to_pytest(tmp_path):
    result = conformance("run", "--fault", "foreign_href", "--", "-k", "not LNK003", cwd=tmp_path)
    assert result.returncode == 0 and "deselected" in result.stdout


def test_run_against_an_unreachable_server_exits_3_with_one_clear_line(tmp_path):
    result = conformance("run", "--target", "http://127.0.0.1:9", "--timeout", "2", cwd=tmp_path,
                         env={"CONFORMANCE_PASSWORD": "x"})
    assert result.returncode == 3
    assert "conformance: error: cannot reach http://127.0.0.1:9/api/" in result.stderr


def test_an_unknown_fault_is_a_clear_error(tmp_path):
    result = conformance("run", "--fault", "no_such_fault", cwd=tmp_path)
    assert result.returncode == 3 and "no_such_fault" in result.stderr


def test_rules_prints_one_rule_per_line_beginning_with_its_id():
    lines = conformance("rules").stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert all(re.fullmatch(r"[A-Z]{3}\d{3}", line.split()[0]) for line in lines)


def test_mock_lists_its_faults_with_the_rule_each_breaks():
    out = conformance("mock", "--list-faults").stdout
    for name, fault in FAULTS.items():
        assert re.search(rf"^{name}\s+{fault.rule}\s", out, re.MULTILINE)


@pytest.mark.parametrize("args, message", [(["--size", "0"], "--size 0"), (["--latency", "-1"], "--latency -1"),
                                           (["--fault", "nope"], "nope")])
def test_mock_refuses_bad_arguments_naming_them(args, message):
    result = conformance("mock", *args)
    assert result.returncode == 2 and message in result.stderr


def test_mock_serves_on_a_real_socket_until_stopped():
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "mock", "--port", "0", "--size", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://\S+/api/", line).group(0)
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200 and "EnterpriseManager" in response.text
        assert httpx.post(url + "sessionMngr/?v=latest", auth=("admin", "wrong")).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_no_command_prints_help_and_exits_2():
    result = conformance()
    assert result.returncode == 2 and "run" in result.stdout and "mock" in result.stdout


def test_check_judges_saved_files_one_by_one_and_says_how_many(tmp_path):
    ns = "http://www.veeam.com/ent/v1.0"
    for name, origin in (("one.xml", "https://em-one.example.com:9398"), ("two.xml", "http://em-two.example.com")):
        href = f"{origin}/api/tasks/task-1"
        (tmp_path / name).write_text(
            f'<Task xmlns="{ns}" Href="{href}" Type="Task"><Links><Link Rel="Delete" Href="{href}"/></Links>'
            "<TaskId>task-1</TaskId><State>Finished</State><Operation>StartJob</Operation></Task>")
    (tmp_path / "cut.xml").write_text(f'<Tasks xmlns="{ns}">')
    result = conformance("check", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == ("conformance check: 3 file(s): 2 judged, 1 skipped as fragments; "
                                              "0 finding(s) in 0 file(s), 0 unreadable")
    assert f"{tmp_path / 'cut.xml'}: truncated" in result.stdout
    assert conformance("check", str(tmp_path / "nothing-here")).returncode == 4
