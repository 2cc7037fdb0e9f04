"""Shared steps of the recording tests: the command in a process or in this one, a replay crawled."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from conformance.cli import main
from conformance.contract.profiles import load_profile
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import crawl
from conformance.crawl.probes import PROBES
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER
from conformance.mock.replay import create_replay_app
from conformance.model.snapshot import Snapshot

from end_to_end import schemas_of

NOW = "2026-01-01T00:00:00Z"
"""The moment every recorded mock is generated for, so two recordings of it hold the same bodies."""
MOCK = ("--size", "1", "--surface", "key", "--now", NOW)
REPLAY_ROOT = "http://replay.test/api/"


def conformance(*args: str, cwd: Path) -> subprocess.Popen:
    """The command as a user runs it, in its own process (started, not waited for)."""
    return subprocess.Popen([sys.executable, "-m", "conformance", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def finished(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def record(out: Path, *args: str) -> int:
    """`conformance record` in this process: the crawl of a mock on a real socket, stored in `out`."""
    return main(["record", "--out", str(out), *MOCK, *args])


def crawl_replay(folder: Path, faults=(), probes=PROBES) -> Snapshot:
    """The crawl of a replay, in process (every probe, PATCH included): what `run` sees of it."""
    profile = load_profile("v1_7")
    app = create_replay_app(folder, faults=faults, user=DEFAULT_USER, password=DEFAULT_PASSWORD)
    target = Target(REPLAY_ROOT, DEFAULT_USER, DEFAULT_PASSWORD)

    async def go() -> Snapshot:
        async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
            return await crawl(client, target, schemas=schemas_of(profile.schemas), probes=probes,
                               operation_rels=profile.action_rels)

    return asyncio.run(go())


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a recording by its path in the folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class HeldAfter:
    """An ASGI layer that answers the first `free` GETs of resources and holds every later one until
    `release()`: a client interrupted once `holding` is set is interrupted mid-work, however busy
    the machine is (no sleep to guess). The logon, the API root and the logoff are never held."""

    def __init__(self, app, free: int) -> None:
        self.app, self.free = app, free
        self.holding, self.released = threading.Event(), threading.Event()

    def release(self) -> None:
        self.released.set()

    async def __call__(self, scope, receive, send) -> None:
        held = (scope["type"] == "http" and scope["method"] == "GET"
                and scope["path"].rstrip("/").lower() not in ("/api", "/api/sessionmngr"))
        if held:
            self.free -= 1
            if self.free < 0:
                self.holding.set()
                while not self.released.is_set():
                    await asyncio.sleep(0.02)
        await self.app(scope, receive, send)
