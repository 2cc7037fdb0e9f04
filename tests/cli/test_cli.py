"""The `conformance` command as a user runs it: a real process, a real socket, real files."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from nested_runs import told

from conformance.mock import FAULTS
from conformance.rules import RULES


def conformance(*args: str, cwd=None, env=None, unset=(), timeout: float = 120) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in {**os.environ, **(env or {})}.items() if key not in unset}
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=environment)


UNREACHABLE = "http://127.0.0.1:9/api/"
"""The discard port: nothing listens there, so a run that tries this target exits 3 at once."""


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
    failing = conformance("run", "--fault", "foreign_href", "--", "-k", "LNK003 or LNK001", cwd=tmp_path)
    assert failing.returncode == 1
    rerun = conformance("run", "--fault", "foreign_href", "--", "--lf", cwd=tmp_path)  # the last failures only
    assert rerun.returncode == 1 and "rerun previous 1 failure" in rerun.stdout
    assert "1 failed, " in rerun.stdout and " passed" not in rerun.stdout.splitlines()[-1]


def test_run_against_an_unreachable_server_exits_3_with_one_clear_line(tmp_path):
    result = conformance("run", "--target", "http://127.0.0.1:9", "--timeout", "2", cwd=tmp_path,
                         env={"CONFORMANCE_PASSWORD": "x"})
    assert result.returncode == 3
    assert "conformance: error: cannot reach http://127.0.0.1:9/api/" in result.stderr
    out = result.stdout + result.stderr
    assert "Exit" not in out and not any(line.startswith("!") for line in out.splitlines())


def test_run_loads_no_plugin_that_has_nothing_to_do_with_its_items(tmp_path):
    pytest.importorskip("pytest_benchmark")
    result = conformance("run", "--surface", "key", "--size", "1", "--actions", "none", cwd=tmp_path)
    assert result.returncode == 0
    assert "benchmark" not in result.stdout  # neither its banner nor its name among the plugins


def test_a_failure_names_its_vendor_page_by_title_and_public_address(tmp_path):
    result = conformance("run", "--surface", "key", "--size", "1", "--actions", "none", "--fault", "dangling_link",
                         "--rules", "REL001", cwd=tmp_path)
    assert result.returncode == 1
    assert "vendor page: Links (https://helpcenter.veeam.com/docs/vbr/em_rest/links.html)" in result.stdout
    assert "links.md" not in result.stdout
    html = (tmp_path / "reports" / "conformance.html").read_text()
    assert 'vendor page: <a href="https://helpcenter.veeam.com/docs/vbr/em_rest/links.html">Links</a>' in html


# Where the settings come from: option, then environment, then the project's pytest configuration.

@pytest.mark.parametrize("source", ["environment", "pyproject.toml"])
def test_run_checks_the_target_the_environment_or_the_project_names_not_the_mock(tmp_path, source):
    if source == "pyproject.toml":
        (tmp_path / "pyproject.toml").write_text(f'[tool.pytest.ini_options]\nconformance_target = "{UNREACHABLE}"\n')
    env = {"CONFORMANCE_PASSWORD": "x", "CONFORMANCE_TIMEOUT": "2"}
    if source == "environment":
        env["CONFORMANCE_TARGET"] = UNREACHABLE
    result = conformance("run", cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"conformance: error: cannot reach {UNREACHABLE}" in result.stderr


def test_run_resolves_option_then_environment_then_the_projects_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nconformance_profile = "v1_5"\nconformance_max_resources = "30"\n')
    result = conformance("run", "--max-resources", "20", "--actions", "none", "--rules", "LNK004", cwd=tmp_path,
                         env={"CONFORMANCE_PROFILE": "v1_6", "CONFORMANCE_MAX_RESOURCES": "25"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    # --max-resources 20 beats the environment's 25 and the file's 30; the environment's v1_6 beats the file's v1_5.
    assert "crawled 20 resources of mock (profile v1_6," in result.stdout
    assert "configfile: pyproject.toml" in result.stdout


def test_run_per_template_samples_each_collection_and_says_what_it_judged_of_what_was_listed(tmp_path):
    result = conformance("run", "--per-template", "1", "--actions", "none", "--rules", "REL,PRF", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert re.search(r"left out: \d+ by sampling \(--per-template 1\)", result.stdout)
    assert re.search(r"sampled: \d+ URL template\(s\) judged in part \(--per-template 1,", result.stdout)
    sampling = json.loads((tmp_path / "reports" / "results.json").read_text())["coverage"]["sampling"]
    assert sampling["per_template"] == 1 and sampling["kinds_not_met"] == []
    assert all(row["fetched"] == 1 < row["listed"] for row in sampling["templates"])


# pytest 8 checks a project's `minversion` before any plugin or `-o` can set it aside; pytest 9 obeys `-o`.
MINVERSION_SET_ASIDE = pytest.version_tuple >= (9,)


def test_the_projects_own_pytest_settings_do_not_turn_the_run_into_a_run_of_its_tests(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'addopts = "-p no:html --doctest-modules -x --strict-config"\n'
        'testpaths = ["tests", "no-such-folder*"]\n'
        'usefixtures = ["project_fixture"]\n'
        'filterwarnings = ["error"]\n'
        'required_plugins = ["pytest-not-installed>=1"]\n'
        + ('minversion = "99"\n' if MINVERSION_SET_ASIDE else "") +
        'project_key = "declared by the conftest"\n'
        'conformance_profile = "v1_6"\n')
    (tmp_path / "conftest.py").write_text(
        "def pytest_addoption(parser):\n    parser.addini('project_key', 'x')\n\n"
        "raise RuntimeError('the project conftest was loaded')\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_project.py").write_text("def test_project():\n    assert False\n")
    result = conformance("run", "--actions", "none", "--rules", "LNK004", cwd=tmp_path,
                         env={"PYTEST_ADDOPTS": "--maxfail=0 -p no:conformance"})
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "profile v1_6" in out and "test_project" not in out and "Warning" not in out
    assert "HTML report written to reports/conformance.html" in out



@pytest.mark.skipif(MINVERSION_SET_ASIDE, reason="pytest 9 and newer let the run set a project's minversion aside")
def test_under_pytest_8_a_projects_minversion_above_it_stops_the_run_as_a_usage_error_that_says_why(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nminversion = "99"\n')
    result = conformance("run", "--actions", "none", "--rules", "LNK004", cwd=tmp_path)
    assert result.returncode == 4
    assert "'minversion' requires pytest-99" in result.stderr + result.stdout

# Exit codes: what the user typed wrong is 4, whatever it is.

@pytest.mark.parametrize("args, message", [
    (["run", "--target", "em.example.com"], "target URL 'em.example.com' is not an absolute http(s) URL"),
    (["run", "--target", UNREACHABLE, "--ca-bundle", "not-a-certificate.pem"], "--ca-bundle"),
    (["run", "--fault", "no_such_fault"], "unknown fault 'no_such_fault'"),
    (["run", "--target", UNREACHABLE], "set the environment variable CONFORMANCE_PASSWORD"),
    (["run", "--size", "10000000"], "argument --size: 10000000 is out of range (1 to 100000)"),
    (["run", "--actions", "maybe"], "argument --actions: invalid choice: 'maybe'"),
    (["run", "--now", "yesterday"], "argument --now: 'yesterday' is not an ISO 8601 date-time"),
    (["run", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["no-such-command"], "invalid choice: 'no-such-command'"),
])
def test_a_usage_error_exits_4_with_one_clear_message(tmp_path, args, message):
    (tmp_path / "not-a-certificate.pem").write_text("not a certificate")
    result = conformance(*args, cwd=tmp_path, unset=("CONFORMANCE_PASSWORD",))
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stderr.count(message) == 1 and message not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_run_that_stops_before_checking_leaves_no_report_of_an_earlier_run(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("conformance.html", "results.json"):
        (reports / name).write_text("from an earlier run")
    result = conformance("run", "--schema", "/no/such/schema.xsd", cwd=tmp_path)
    assert result.returncode == 4
    assert "written to" not in result.stdout + result.stderr
    assert "conformance: no report written: the run stopped before checking (exit 4)" in result.stderr
    assert not (reports / "conformance.html").exists() and not (reports / "results.json").exists()


def test_rules_prints_one_rule_per_line_beginning_with_its_id():
    lines = conformance("rules").stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert all(re.fullmatch(r"[A-Z]{3}\d{3}", line.split()[0]) for line in lines)


def test_mock_lists_its_faults_with_the_rule_each_breaks():
    out = conformance("mock", "--list-faults").stdout
    for name, fault in FAULTS.items():
        assert re.search(rf"^{name}\s+{fault.rule}\s", out, re.MULTILINE)


@pytest.mark.parametrize("args, message", [(["--size", "0"], "--size: 0"), (["--size", "100001"], "--size: 100001"),
                                           (["--latency", "-1"], "--latency -1"), (["--fault", "nope"], "nope"),
                                           (["--port", "99999"], "--port: 99999"),
                                           (["--now", "2026-13-01"], "--now: '2026-13-01' is not an ISO 8601"),
                                           (["--session-idle", "0"], "--session-idle: 0 must be a positive")])
def test_mock_refuses_bad_arguments_naming_them(args, message):
    result = conformance("mock", *args)
    assert result.returncode == 4 and message in result.stderr


def test_mock_that_cannot_listen_says_so_in_one_line_and_exits_4():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for args in (["--port", port], ["--host", "192.0.2.1", "--port", "0"]):  # in use; not this machine's
            result = conformance("mock", *args, timeout=30)
            assert result.returncode == 4, result.stderr
            assert result.stderr.startswith("conformance mock: error: cannot listen on ")
            assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_mock_serves_on_a_real_socket_until_stopped():
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "mock", "--port", "0", "--size", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://\S+/api/", line).group(0)
        assert re.search(r"data as of \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line)
        response = httpx.get(url, timeout=5)
        assert response.status_code == 200 and "EnterpriseManager" in response.text
        assert httpx.post(url + "sessionMngr/?v=latest", auth=("admin", "wrong")).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_no_command_prints_help_and_exits_4():
    result = conformance()
    assert result.returncode == 4 and "run" in result.stdout and "mock" in result.stdout


def test_version_is_the_installed_package_version():
    result = conformance("--version")
    assert result.returncode == 0 and result.stdout == f"conformance {version('conformance')}\n"


def _installed_like_a_wheel(site: Path) -> dict[str, str]:
    """An environment where the package's metadata lists its modules, as a wheel's does (an editable
    install lists none): pytest then marks `conformance` for assert rewriting, as on a user's machine."""
    info = site / "conformance-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: conformance\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nconformance = conformance.plugin\n")
    (info / "RECORD").write_text("conformance/__init__.py,,\nconformance/plugin/__init__.py,,\n")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


def test_a_clean_run_prints_no_warning_no_line_twice_and_no_traceback(tmp_path):
    result = conformance("run", cwd=tmp_path, env=_installed_like_a_wheel(tmp_path / "site"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout + result.stderr
    assert "Warning" not in out and "Traceback" not in out and "configfile" not in out
    twice = [line for line, count in Counter(out.splitlines()).items() if count > 1 and line.strip()]
    assert twice == []


def test_check_judges_saved_files_one_by_one_and_says_how_many(tmp_path):
    ns = "http://www.veeam.com/ent/v1.0"
    for name, origin in (("one.xml", "https://em-one.example.com:9398"), ("two.xml", "http://em-two.example.com")):
        href = f"{origin}/api/tasks/task-1"
        (tmp_path / name).write_text(
            f'<Task xmlns="{ns}" Href="{href}" Type="Task"><Links><Link Rel="Delete" Href="{href}"/></Links>'
            "<TaskId>task-1</TaskId><State>Finished</State><Operation>StartJob</Operation></Task>")
    (tmp_path / "cut.xml").write_text(f'<Tasks xmlns="{ns}">')
    result = conformance("check", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, told(result.stdout, result.stderr)
    assert result.stdout.splitlines()[-2:] == [
        "conformance check: 3 file(s): 2 judged, 1 skipped as fragments; 0 finding(s) in 0 file(s), 0 unreadable",
        f"conformance: results JSON written to {Path('reports') / 'results.json'}"]
    assert f"{tmp_path / 'cut.xml'}: truncated" in result.stdout
    assert conformance("check", str(tmp_path / "nothing-here")).returncode == 4


def test_the_command_ends_its_process_at_once_with_everything_it_printed_flushed():
    """The console entry ends the process without the interpreter's teardown: what it wrote must
    still all arrive, through a pipe as to a terminal, and its exit status stay the command's."""
    listed = subprocess.run([sys.executable, "-m", "conformance", "rules"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == len(RULES)
    assert listed.stdout.endswith("\n")
    # A reader that goes away early is no error of the command's.
    piped = subprocess.run(f"{shlex.quote(sys.executable)} -m conformance rules | head -1", shell=True,
                           capture_output=True, text=True, timeout=60)
    assert piped.stdout.count("\n") == 1 and "Traceback" not in piped.stderr
    refused = subprocess.run([sys.executable, "-m", "conformance"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 4 and refused.stdout.startswith("usage:")
