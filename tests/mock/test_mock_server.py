"""Specification of serving the mock on a real socket, in a thread for tests and in the foreground for the CLI."""

from __future__ import annotations

import signal
import subprocess
import sys

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
