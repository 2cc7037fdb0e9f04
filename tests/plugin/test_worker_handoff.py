"""How an xdist controller hands its crawl to workers that are already waiting for it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.errors import ConformanceError
from conformance.model.links import Link
from conformance.model.snapshot import Resource, Snapshot
from conformance.plugin.workers import Handoff, shared_run
from conformance.run.runner import Inputs, Run, resume_run
from conformance.run.settings import OPTIONS, Settings

ROOT = "http://127.0.0.1:9399/api/"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    profile = load_profile("v1_7")
    return Inputs(profile, load_schemas(profile.schemas), [], None)


def _settings(**changes) -> Settings:
    values = {opt.name: opt.default for opt in OPTIONS}
    values.update(target="mock", **changes)
    return Settings(**values)


def _crawled(settings: Settings, inputs: Inputs) -> Run:
    snapshot = Snapshot(ROOT, meta={"complete": True, "session_url": f"{ROOT}logonSessions/1"})
    snapshot.add(Resource(f"{ROOT}jobs/1", 200, root="Job", type="Job", href=f"{ROOT}jobs/1",
                          links=(Link("Up", ROOT, "EnterpriseManager", owner=f"{ROOT}jobs/1"),)))
    return resume_run(settings, inputs, snapshot, NOW)


def test_a_worker_waits_for_the_crawl_and_judges_the_snapshot_the_controller_saved(inputs):
    settings = _settings()
    handoff = Handoff()
    try:
        controller = _crawled(settings, inputs)
        later = threading.Timer(0.2, handoff.publish, [controller])  # the worker asks before the crawl ends
        later.start()
        run = shared_run(settings, inputs, handoff.workerinput())
        later.join()
        assert list(run.snapshot) == list(controller.snapshot) and run.snapshot.meta == controller.snapshot.meta
        assert run.mock is None and run.mock_now == NOW  # nothing started; reproductions name the mock's moment
        assert run.replay() == controller.replay()
    finally:
        handoff.release()
    assert not handoff.folder.exists()


def test_workers_left_waiting_by_a_crawl_that_stopped_judge_nothing(inputs):
    handoff = Handoff()
    try:
        handoff.stop("interrupted")
        assert shared_run(_settings(), inputs, handoff.workerinput()) is None
    finally:
        handoff.release()


def test_a_published_crawl_is_not_taken_back_by_a_later_stop(inputs, tmp_path):
    settings = _settings(snapshot=tmp_path / "mine.json")
    controller = _crawled(settings, inputs)
    controller.snapshot.save(settings.snapshot)  # as the crawl writes it
    handoff = Handoff()
    try:
        handoff.publish(controller)
        handoff.stop("interrupted")  # a Ctrl-C while the workers judge
        run = shared_run(settings, inputs, handoff.workerinput())
        assert run is not None and list(run.snapshot) == list(controller.snapshot)
        assert list(handoff.folder.iterdir()) == [handoff.path]  # the user's own snapshot shared, not copied
    finally:
        handoff.release()
    assert settings.snapshot.exists()


def test_a_worker_without_a_controller_crawl_says_so(inputs):
    with pytest.raises(ConformanceError, match="handed no crawl"):
        shared_run(_settings(), inputs, {"workerid": "gw0"})
