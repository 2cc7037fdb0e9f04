"""Specification of the generated estate: the facts of a real one (conformance.mock.invariants) hold
in every area, at every size and seed, and the check finds an estate that breaks one."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from conformance.mock import generate_dataset
from conformance.mock.estate import Estate
from conformance.mock.invariants import AREA_INVARIANTS, INVARIANTS, violations
from conformance.mock.surface import load_surface

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("size", [1, 5, 40, 300, 2000])
def test_a_generated_estate_keeps_every_fact_of_a_real_one(size, seed):
    ds = generate_dataset(size, seed=seed, now=NOW)
    assert violations(ds, Estate(ds, load_surface())) == []


def test_the_facts_are_listed_in_one_table_each_with_its_check():
    assert len(INVARIANTS) >= 10 and len(AREA_INVARIANTS) >= 3
    assert len({inv.fact for inv in (*INVARIANTS, *AREA_INVARIANTS)}) == len(INVARIANTS) + len(AREA_INVARIANTS)


def _with(ds, table: str, record) -> object:
    return dataclasses.replace(ds, **{table: {**getattr(ds, table), record.id: record}})


def test_the_check_finds_a_successful_session_without_task_sessions():
    ds = generate_dataset(40, seed=1, now=NOW)
    session = next(s for s in ds.sessions.values() if s.result == "Success")
    children = {**ds.children, "session.task_sessions": {k: v for k, v in ds.children["session.task_sessions"].items()
                                                         if k != session.id}}
    broken = dataclasses.replace(ds, children=children)
    assert any(session.id in line and "task sessions" in line for line in violations(broken))


def test_the_check_finds_a_task_session_outliving_its_session_and_a_point_of_a_job_that_did_not_run():
    ds = generate_dataset(40, seed=1, now=NOW)
    task = next(t for t in ds.task_sessions.values() if t.ended is not None)
    late = dataclasses.replace(task, ended=ds.sessions[task.session_id].ended + timedelta(hours=1))
    assert any(task.id in line for line in violations(_with(ds, "task_sessions", late)))
    point = next(iter(ds.restore_points.values()))
    other = next(b for b in ds.backups.values() if b.id != point.backup_id)
    moved = dataclasses.replace(point, backup_id=other.id)
    assert any(point.id in line and "job that ran" in line for line in violations(_with(ds, "restore_points", moved)))
