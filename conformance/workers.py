"""One crawl shared with pytest-xdist workers.

The controller crawls (logon, walk, probes, action phase) before any worker starts, saves the
snapshot once and names it in every worker's input; each worker rebuilds the run from it and judges
the same items a serial run would, sending nothing to the target. Item results come back in the
workers' reports (`items.attach_result`), so the controller alone writes the reports.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .errors import ConformanceError
from .runner import Inputs, Run, resume_run
from .settings import Settings
from .snapshot import Snapshot

__all__ = ["Shared", "distributing", "is_worker", "share", "shared_run"]

_SNAPSHOT = "conformance_snapshot"
_MOCK_NOW = "conformance_mock_now"


def distributing(config: pytest.Config) -> bool:
    """Whether this process is an xdist controller: it runs no item, its workers do."""
    return config.pluginmanager.has_plugin("dsession")


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@dataclass(frozen=True)
class Shared:
    """The controller's crawl as the workers receive it."""

    path: Path
    """The saved snapshot, absolute: workers may run in another folder."""
    owned: bool
    """A temporary file, removed at the end (else the user's own `--conformance-snapshot`)."""
    mock_now: datetime | None

    def workerinput(self) -> dict[str, Any]:
        """Entries for `node.workerinput`: plain strings, as execnet sends them."""
        return {_SNAPSHOT: str(self.path), _MOCK_NOW: self.mock_now.isoformat() if self.mock_now else None}

    def release(self) -> None:
        if self.owned:
            shutil.rmtree(self.path.parent, ignore_errors=True)


def share(run: Run) -> Shared:
    """Save the crawled snapshot for the workers, reusing the one the run already wrote."""
    written = run.settings.snapshot
    if written and Path(written).is_file():
        return Shared(Path(written).resolve(), False, run.mock_now)
    path = Path(tempfile.mkdtemp(prefix="conformance-shared-")) / "snapshot.json"
    run.snapshot.save(path)
    return Shared(path, True, run.mock_now)


def shared_run(settings: Settings, inputs: Inputs, workerinput: dict[str, Any]) -> Run:
    """A worker's run: the controller's snapshot, judged here; nothing is sent anywhere."""
    path = workerinput.get(_SNAPSHOT)
    if not path:
        raise ConformanceError("this xdist worker was handed no snapshot: the controller crawled nothing "
                               "(is the conformance plugin disabled there?)")
    try:
        snapshot = Snapshot.load(path)
    except (OSError, ValueError) as exc:
        raise ConformanceError(f"cannot read the snapshot the controller shared: {exc}") from exc
    now = workerinput.get(_MOCK_NOW)
    return resume_run(settings, inputs, snapshot, datetime.fromisoformat(now) if now else None)
