"""Specification of serving the mock on a real socket, in a thread for tests and in the foreground for the CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.mock.server import MockServer


def test_the_server_picks_a_free_port_reports_its_url_and_serves_the_api():
    with MockServer(create_app(generate_dataset(8))) as server:
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}/api/"
        with httpx.Client(base_url=server.url) as client:
            root = client.get(server.url)
            assert root.status_code == 200 and f'Href="{server.url}"'.encode() in root.content
            logon = client.post("sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
            assert logon.status_code == 201
            jobs = client.get("jobs", headers={"X-RestSvcSessionId": logon.headers["X-RestSvcSessionId"]})
            assert jobs.status_code == 200 and f"http://127.0.0.1:{server.port}/api/jobs/".encode() in jobs.content
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


def test_two_servers_run_side_by_side_and_start_returns_the_server():
    first = MockServer(create_app(generate_dataset(5))).start()
    try:
        with MockServer(create_app(generate_dataset(5))) as second:
            assert first.port != second.port
            assert httpx.get(second.url).status_code == httpx.get(first.url).status_code == 200
    finally:
        first.stop()


def test_serve_prints_the_url_and_stops_cleanly_on_ctrl_c():
    code = ("from conformance.mock import create_app, generate_dataset\n"
            "from conformance.mock.server import serve\n"
            "serve(create_app(generate_dataset(5)), '127.0.0.1', 0)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/")
        assert httpx.get(url, timeout=5).status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        proc.kill()


_FORKED = ("import sys\n"
           "from conformance.mock import create_app, generate_dataset\n"
           "from conformance.mock.server import MockProcess\n"
           "server = MockProcess(create_app(generate_dataset(5))).start()\n"
           "print(server.url, server.pid, flush=True)\n"
           "sys.stdin.readline()\n"
           "{end}\n")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the mock is forked on Linux only")
@pytest.mark.parametrize("end", ["server.stop()", "import os; os._exit(0)"])
def test_a_forked_server_serves_and_ends_with_its_run_however_the_run_ends(end):
    """`stop` ends the child; a run that dies without stopping it takes it along (its lifeline closes)."""
    proc = subprocess.Popen([sys.executable, "-c", _FORKED.format(end=end)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        url, pid = proc.stdout.readline().split()
        assert httpx.get(url, timeout=5).status_code == 200
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
        deadline = time.monotonic() + 10
        while _alive(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(int(pid))
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
    finally:
        proc.kill()


def test_a_forked_server_is_only_forked_from_a_process_without_other_threads():
    from conformance.mock.server import can_fork

    started = threading.Event()
    done = threading.Event()
    helper = threading.Thread(target=lambda: (started.set(), done.wait()), daemon=True)
    helper.start()
    started.wait()
    try:
        assert not can_fork()
    finally:
        done.set()
        helper.join()
