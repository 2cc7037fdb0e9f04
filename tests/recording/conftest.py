"""Fixtures of the recording tests: one recording of the key mock, made once, read by many tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.cli import main

from recording_steps import record


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def recorded(tmp_path_factory) -> Path:
    """A complete recording of the key mock (size 1, its moment pinned). Read it, never change it."""
    out = tmp_path_factory.mktemp("recorded") / "rec"
    assert record(out) == 0
    return out


@pytest.fixture(scope="session")
def anonymized(recorded, tmp_path_factory) -> Path:
    """The same recording, anonymized by `conformance record --anonymize` on a copy."""
    out = tmp_path_factory.mktemp("anonymized") / "rec"
    shutil.copytree(recorded, out)
    assert main(["record", "--out", str(out), "--anonymize"]) == 0
    return out
