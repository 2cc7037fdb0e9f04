"""Specification of the generated data: consistent relations, reproducible from the seed, and cheap at scale."""

from __future__ import annotations

import dataclasses
import re
import tracemalloc
from datetime import datetime, timezone

import pytest

from conformance.mock import create_app, generate_dataset
from conformance.mock.kinds import KINDS

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TABLES = ("backup_servers", "repositories", "jobs", "includes", "sessions", "task_sessions", "backups",
          "restore_points", "vm_restore_points", "replicas", "tasks")


def assert_consistent(ds) -> None:
    """Every reference from a child to its parent names an existing record, and the indexes agree."""
    for r in ds.repositories.values():
        assert r.server_id in ds.backup_servers
    for j in ds.jobs.values():
        assert j.server_id in ds.backup_servers
    for i in ds.includes.values():
        assert i.id in ds.kids("job.includes", i.job_id)
    for s in ds.sessions.values():
        assert ds.jobs[s.job_id].job_type != "Replica" and s.id in ds.kids("job.sessions", s.job_id)
        assert s.restore_point_id is None or ds.restore_points[s.restore_point_id].session_id == s.id
    for t in ds.task_sessions.values():
        assert t.session_id in ds.sessions
        assert t.vm_restore_point_id is None or ds.vm_restore_points[t.vm_restore_point_id].vm_name == t.vm_name
    for b in ds.backups.values():
        assert ds.repositories[b.repository_id].server_id == ds.jobs[b.job_id].server_id
    for p in ds.restore_points.values():
        assert ds.backups[p.backup_id].job_id == ds.sessions[p.session_id].job_id
    for p in ds.vm_restore_points.values():
        assert p.id in ds.kids("restore_point.vm_restore_points", p.restore_point_id)
    for r in ds.replicas.values():
        assert ds.jobs[r.job_id].job_type == "Replica"
        assert ds.repositories[r.repository_id].server_id == ds.jobs[r.job_id].server_id
    for t in ds.tasks.values():
        assert re.fullmatch(r"task-\d+", t.id) and t.target_id in KINDS[t.target_kind].items(ds)


@pytest.mark.parametrize("size", [1, 5, 40, 1000])
def test_relations_hold_and_every_kind_is_present_at_any_size(size):
    ds = generate_dataset(size)
    assert_consistent(ds)
    assert all(len(getattr(ds, table)) >= 1 for table in TABLES)


def test_ids_are_guids_and_uids_name_the_kind():
    ds = generate_dataset(40, seed=1)
    assert all(GUID.fullmatch(id_) for table in TABLES[:-1] for id_ in getattr(ds, table))
    job_id = next(iter(ds.jobs))
    assert KINDS["jobs"].uid(job_id) == f"urn:veeam:Job:{job_id}"


def test_the_same_seed_and_moment_give_the_same_data_and_another_seed_other_data():
    assert generate_dataset(60, seed=9, now=NOW) == generate_dataset(60, seed=9, now=NOW)
    assert next(iter(generate_dataset(60, seed=9).jobs)) != next(iter(generate_dataset(60, seed=10).jobs))


def test_records_are_frozen():
    job = next(iter(generate_dataset(5).jobs.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.name = "renamed"  # type: ignore[misc]


@pytest.mark.anyio
async def test_the_same_seed_and_moment_give_byte_identical_responses(connect):
    paths = ["/api/", "/api/jobs?format=Entity", "/api/backupSessions",
             "/api/query?type=VmRestorePoint&format=Entities",
             "/api/reports/summary/job_statistics", "/api/tasks", "/api/querySvc"]
    bodies = []
    for _ in range(2):
        async with connect(create_app(generate_dataset(30, seed=4, now=NOW))) as client:
            bodies.append([(await client.get(p)).content for p in paths])
    assert bodies[0] == bodies[1]


def test_size_is_roughly_the_number_of_key_resources():
    for size in (40, 1000):
        total = generate_dataset(size).count()
        assert 0.8 * size <= total <= 1.2 * size
    assert generate_dataset(5).count() < 20  # a handful: one or two of each kind


def test_a_hundred_thousand_resources_are_generated_with_modest_memory():
    tracemalloc.start()
    try:
        ds = generate_dataset(10_000, seed=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / ds.count() < 2_000  # bytes per record, documents are not pre-rendered
    big = generate_dataset(100_000)
    assert 90_000 <= big.count() <= 120_000
    assert len(big.backup_servers) == 2_000 and len(big.jobs) == 10_000


def test_a_size_below_one_is_refused():
    with pytest.raises(ValueError):
        generate_dataset(0)
