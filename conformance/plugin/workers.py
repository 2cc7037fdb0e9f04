"""One crawl shared with pytest-xdist workers.

xdist starts its workers when the session starts, and they collect at once, while the controller
collects nothing. So the controller names a handoff file in every worker's input, crawls at its own
collection (logon, walk, probes, action phase: after the session started, so a failed or
interrupted crawl still ends in complete reports, as in a serial run), and then writes the handoff:
where the snapshot is saved, or why there is none. Each worker waits for it, rebuilds the run from
the snapshot and judges the same items a serial run would, sending nothing to the target. Item
results come back in the workers' reports (`items.attach_result`); the controller alone writes the
reports.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ..errors import ConformanceError
from ..model.snapshot import Snapshot
from ..run.runner import Inputs, Run, resume_run
from ..run.settings import Settings

__all__ = ["Handoff", "distributing", "is_worker", "shared_run"]

_HANDOFF = "conformance_handoff"
_POLL = 0.05
"""Seconds between a waiting worker's looks at the handoff: small beside a crawl."""


def distributing(config: pytest.Config) -> bool:
    """Whether this process is an xdist controller: it runs no item, its workers do."""
    return config.pluginmanager.has_plugin("dsession") and not is_worker(config)


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a worker never reads half a handoff."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


class Handoff:
    """The controller's side: a private folder holding the handoff (and the snapshot, unless the
    user asked for one with `--conformance-snapshot`, which is then shared as it is)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="conformance-xdist-"))
        self.path = self.folder / "handoff.json"
        self.written = False

    def workerinput(self) -> dict[str, Any]:
        """The entry for `node.workerinput`: a plain string, as execnet sends it."""
        return {_HANDOFF: str(self.path)}

    def publish(self, run: Run) -> None:
        """Hand the crawled run to the workers."""
        own = run.settings.snapshot
        if own and Path(own).is_file():
            snapshot = Path(own).resolve()  # written by the crawl already, whatever happened
        else:
            snapshot = self.folder / "snapshot.json"
            run.snapshot.save(snapshot)
        _write(self.path, {"snapshot": str(snapshot),
                           "mock_now": run.mock_now.isoformat() if run.mock_now is not None else None})
        self.written = True

    def stop(self, reason: str) -> None:
        """Release workers still waiting when the crawl never finished: they judge nothing."""
        if not self.written:
            _write(self.path, {"stopped": reason})
            self.written = True

    def release(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait(path: Path) -> dict[str, Any]:
    parent = os.getppid()
    while not path.exists():
        if os.getppid() != parent:
            raise ConformanceError("the xdist controller ended before it handed over its crawl")
        time.sleep(_POLL)
    return json.loads(path.read_text(encoding="utf-8"))


def shared_run(settings: Settings, inputs: Inputs, workerinput: dict[str, Any]) -> Run | None:
    """A worker's run: the controller's snapshot, judged here (None when the controller's crawl
    stopped: the controller reports why)."""
    path = workerinput.get(_HANDOFF)
    if not path:
        raise ConformanceError("this xdist worker was handed no crawl: the conformance plugin is not "
                               "active on the controller")
    handoff = _wait(Path(path))
    if "snapshot" not in handoff:
        return None
    try:
        snapshot = Snapshot.load(handoff["snapshot"])
    except (OSError, ValueError) as exc:
        raise ConformanceError(f"cannot read the snapshot the xdist controller shared: {exc}") from exc
    now = handoff.get("mock_now")
    return resume_run(settings, inputs, snapshot, datetime.fromisoformat(now) if now else None)
