"""Nothing beyond the crawl's GETs, one logon and one logoff reaches a server nobody asked to change.

The target here is the mock behind a recording layer, served on a socket and addressed by URL:
to the suite it is a real server (`--actions` defaults to `none`), and it offers every action
link a hostile server could, so anything sent beyond the crawl would show in the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from end_to_end import Recording

from conformance.actions import run_actions
from conformance.contract.profiles import load_profile
from conformance.crawl.client import Target
from conformance.mock import DEFAULT_PASSWORD, create_app, generate_dataset
from conformance.mock.server import MockServer
from conformance.model.snapshot import Snapshot
from conformance.rules import RuleContext, evaluate
from conformance.run.runner import close_run, start_run
from conformance.run.settings import OPTIONS, PASSWORD_ENV, Settings


@pytest.fixture
def server(monkeypatch) -> Iterator[tuple[MockServer, Recording]]:
    monkeypatch.setenv(PASSWORD_ENV, DEFAULT_PASSWORD)
    app = create_app(generate_dataset(12, seed=3), password=DEFAULT_PASSWORD, surface="key")
    recording = Recording(app)
    running = MockServer(recording).start()
    try:
        yield running, recording
    finally:
        running.stop()


def settings_for(url: str, **changes) -> Settings:
    values = {opt.name: opt.default for opt in OPTIONS}
    values.update(target=url, mock_size=12, **changes)
    return Settings(**values)


def run(settings: Settings):
    result = start_run(settings)
    close_run(result)
    return result


def only_logon_and_logoff(recording: Recording, session_url: str) -> None:
    beyond = recording.beyond_get()
    session_path = httpx.URL(session_url).path.lower()
    assert [(m, p) for m, p, _ in beyond] == [("POST", "/api/sessionmngr/"), ("DELETE", session_path)], beyond


def test_by_default_a_real_target_gets_only_gets_one_logon_and_one_logoff(server):
    running, recording = server
    result = run(settings_for(running.url))
    assert result.settings.effective_actions == "none"
    assert len(result.snapshot) > 50 and result.snapshot.actions == []
    only_logon_and_logoff(recording, result.snapshot.meta["session_url"])


def test_a_dry_run_lists_every_action_and_sends_none_not_even_the_patch_probe(server):
    running, recording = server
    result = run(settings_for(running.url, actions="all", dry_run=True))
    only_logon_and_logoff(recording, result.snapshot.meta["session_url"])
    plan = "\n".join(result.snapshot.meta["actions"]["plan"])
    for expected in ("?action=clone", "?action=start", "PATCH of one resource per type", "DELETE of a Task",
                     "sequences of up to", "broken one way: missing, order, type"):
        assert expected in plan
    assert result.snapshot.actions == []


def test_safe_sends_only_what_the_profile_marks_safe_or_reversible_and_leaves_the_jobs_as_they_were(server):
    running, recording = server
    app = recording.app
    jobs, includes = dict(app.state.dataset.jobs), set(app.state.dataset.includes)
    result = run(settings_for(running.url, actions="safe"))
    beyond = [r for r in recording.beyond_get() if r[0] != "PATCH"]  # the protocol probe's refused verb
    destructive = re.compile(r"action=(start|stop|retry|clone|sync|collect|quickbackup|veeamzip|restore)\b")
    assert not [r for r in beyond if destructive.search(r[2])], "a destructive action was sent"
    servers = re.compile(r"/api/backupservers(/[^/]+)?$")  # a server itself, not the credentials it keeps
    assert not [r for r in beyond if servers.match(r[1])], "a backup server was changed"
    assert {m for m, _, _ in beyond} == {"POST", "PUT", "DELETE"}
    assert any("togglescheduleenabled" in q for _, _, q in beyond)
    assert app.state.dataset.jobs == jobs  # toggled twice, edited with itself: as they were
    assert includes <= set(app.state.dataset.includes)  # only what the suite added was removed
    problems = {key: found for key, found in evaluate(RuleContext(result.snapshot, result.profile)).items()
                if found and key[0].startswith("ACT")}
    assert problems == {}


class _Refuse(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.method} {request.url}")


@pytest.mark.parametrize("mode, dry_run", [("all", True), ("safe", True), ("none", False)])
def test_the_action_phase_sends_nothing_in_a_dry_run_or_with_actions_none(mode, dry_run):
    import asyncio

    from end_to_end import crawl_mock

    crawled = crawl_mock(actions="none", surface="key")
    snapshot = Snapshot(crawled.root_url, crawled.resources, dict(crawled.meta))
    target = Target(crawled.root_url, "admin", DEFAULT_PASSWORD)

    async def go() -> dict:
        async with httpx.AsyncClient(transport=_Refuse()) as client:
            return await run_actions(client, snapshot, target=target, profile=load_profile("v1_7"), schemas=None,
                                     mode=mode, dry_run=dry_run, on_mock=True)

    summary = asyncio.run(go())
    assert snapshot.actions == [] and summary["requests"] == {}
    assert summary["plan"] and (mode != "safe" or any("not sent (destructive" in line for line in summary["plan"]))


def test_settings_default_to_read_only_away_from_the_mock():
    base = settings_for("https://em.example:9398/api/")
    assert base.effective_actions == "none" and base.dry_run is False and base.hypothesis_profile == "conformance-ci"
    assert replace(base, target="mock").effective_actions == "all"
    assert replace(base, actions="safe").effective_actions == "safe"
