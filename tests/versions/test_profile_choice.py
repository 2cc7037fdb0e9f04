"""The server's version picks the profile: a run given none logs on with `?v=latest` and judges with the
profile of the version that session speaks (the newest its root lists), the nearest one when the server
is older or newer than every profile, and says which and why; a profile asked for wins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.contract.profiles import load_profile
from conformance.contract.versioning import choose_profile, supported_versions, version_key
from conformance.mock import DEFAULT_PASSWORD, create_app, generate_dataset
from conformance.mock.server import MockServer
from conformance.model.snapshot import Snapshot
from conformance.run.runner import load_inputs, resume_run
from conformance.run.settings import resolve_args

ROOT_XML = b"""<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0"><SupportedVersions>
<SupportedVersion Name="v1_7"/><SupportedVersion Name="v1_5"/><SupportedVersion Name="v1_6"/>
</SupportedVersions></EnterpriseManager>"""


def test_the_root_lists_the_versions_it_supports_oldest_first_in_xml_and_json():
    assert supported_versions(ROOT_XML, "application/xml") == ("v1_5", "v1_6", "v1_7")
    body = json.dumps({"SupportedVersions": {"SupportedVersions": [{"Name": "v1_4"}, {"Name": "v1_10"}, {"Name": "x"}]}})
    assert supported_versions(body.encode(), "application/json; charset=utf-8") == ("v1_4", "v1_10")
    assert supported_versions(b"<EnterpriseManager/>") == supported_versions(b"not xml") == ()
    assert version_key("v1_10") > version_key("v1_9") > version_key("v1") and version_key("latest") is None


@pytest.mark.parametrize("supported, profile, said, exact", [
    (("v1_5", "v1_6"), "v1_6", "the server speaks v1_6", True),
    (("v1_3", "v1_4"), "v1_5", "the server speaks v1_4, older than the oldest profile: judged with v1_5", False),
    (("v1_7", "v1_9"), "v1_7", "the server speaks v1_9, newer than the newest profile: judged with v1_7", False),
    ((), "v1_7", "the server names no API version", False),
])
def test_the_newest_supported_version_picks_its_profile_or_the_nearest_one_said_so(supported, profile, said, exact):
    choice = choose_profile(supported)
    assert choice.profile == load_profile(profile) and said in choice.reason
    assert (choice.exact, choice.forced, choice.supported) == (exact, False, supported)


def test_a_run_given_no_profile_leaves_the_choice_to_the_server_and_a_worker_keeps_the_crawls(monkeypatch):
    monkeypatch.delenv("CONFORMANCE_PROFILE", raising=False)
    settings = resolve_args(["--conformance-target", "mock"])
    inputs = load_inputs(settings)
    assert settings.profile is None and inputs.choice is None and inputs.profile.name == "v1_7"
    crawled = Snapshot("http://mock.test/api/", meta={"profile_choice": choose_profile(("v1_3", "v1_4")).to_dict()})
    run = resume_run(settings, inputs, crawled)  # an xdist worker judges the controller's crawl
    assert run.profile.name == "v1_5" and run.choice.reason.startswith("the server speaks v1_4, older than")
    assert (run.snapshot.meta["profile"], run.target.api_version) == ("v1_5", "v1_4")


# -- runs against a mock over a real socket ----------------------------------------------------------------


class _SaysVersions:
    """The mock's root, rewritten to list other versions (a server of another product than any mock)."""

    def __init__(self, app, names: tuple[str, ...]) -> None:
        self.app, self.names = app, names

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != "/api":
            return await self.app(scope, receive, send)
        started: dict = {}

        async def rewrite(message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                return
            body = message.get("body", b"")
            for name, new in zip(("v1_5", "v1_6", "v1_7"), self.names, strict=False):
                body = body.replace(f'Name="{name}"'.encode(), f'Name="{new}"'.encode())
            headers = [(k, v) for k, v in started["headers"] if k.lower() != b"content-length"]
            await send({**started, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


@pytest.fixture
def serve():
    servers: list[MockServer] = []

    def start(app) -> str:
        servers.append(MockServer(app).start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def _run(url: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, dict]:
    result = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", url, "--json", "r.json",
                             "--html", "r.html", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CONFORMANCE_PASSWORD": DEFAULT_PASSWORD, **(env or {})})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout, json.loads((tmp_path / "r.json").read_text())


def _mock(version: str):
    return create_app(generate_dataset(2, seed=5), api_version=version, surface="key", password=DEFAULT_PASSWORD)


def _logons(results: dict) -> list[str]:
    return [r["url"] for r in results["resources"] if "/sessionMngr/" in r["url"]]


def test_a_v1_5_server_is_judged_with_v1_5_without_being_told(serve, tmp_path):
    out, results = _run(serve(_mock("v1_5")), tmp_path)
    assert "profile v1_5 (the server speaks v1_5)" in out
    assert (results["profile"], results["api_version"]) == ("v1_5", "v1_5")
    assert results["profile_choice"] == {"profile": "v1_5", "reason": "the server speaks v1_5", "server_version": "v1_5",
                                         "supported_versions": ["v1_5"], "forced": False, "exact": True}
    assert [url.rsplit("/", 1)[1] for url in _logons(results)] == ["?v=latest"]
    assert "(the server speaks v1_5)" in (tmp_path / "r.html").read_text()
    assert results["verdict"] == "conformant"


def test_a_profile_asked_for_wins_over_the_servers_version(serve, tmp_path):
    out, results = _run(serve(_mock("v1_7")), tmp_path, env={"CONFORMANCE_PROFILE": "11"})
    assert "profile v1_6 (profile v1_6 was asked for (as 11))" in out
    assert results["profile"] == "v1_6" and results["profile_choice"]["forced"] is True
    assert [url.rsplit("/", 1)[1] for url in _logons(results)] == ["?v=v1_6"]


def test_a_server_older_than_the_oldest_profile_is_judged_with_it_and_the_reports_say_so(serve, tmp_path):
    out, results = _run(serve(_SaysVersions(_mock("v1_5"), ("v1_4",))), tmp_path)
    said = "the server speaks v1_4, older than the oldest profile: judged with v1_5, the nearest"
    assert f"profile v1_5 ({said})" in out
    assert results["profile"] == "v1_5" and results["profile_choice"]["exact"] is False
    assert results["profile_choice"]["server_version"] == "v1_4" and results["api_version"] == "v1_5"
    assert said in (tmp_path / "r.html").read_text()
