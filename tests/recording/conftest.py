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


@pytest.fixture(scope="session")
def documented_recordings(tmp_path_factory) -> tuple[Path, Path]:
    """A recording of the documented mock (every area it serves, size 1) and an anonymized copy."""
    base = tmp_path_factory.mktemp("documented")
    recorded, anonymized = base / "rec", base / "anonymized"
    assert record(recorded, "--surface", "documented") == 0
    shutil.copytree(recorded, anonymized)
    assert main(["record", "--out", str(anonymized), "--anonymize"]) == 0
    return recorded, anonymized
