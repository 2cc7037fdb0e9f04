"""The embedded mock under load: its memory before and after N clients working for a while.

Each client logs on (and never logs off), lists the jobs, clones one, starts one, polls the Task,
and creates and deletes a mount of a restore point, over and over; the mock keeps per session, task,
clone and created item only what its caps allow, so its memory must level off.

    python bench/mock_load.py --clients 64 --seconds 600
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER

_CLONE = ('<JobCloneSpec xmlns="http://www.veeam.com/ent/v1.0"><{info}><JobName>{name}</JobName>'
          '<FolderName>clones</FolderName><RepositoryUid>{repository}</RepositoryUid></{info}></JobCloneSpec>')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _client(n: int, base: str, until: float, counts: Counter[str]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        while time.monotonic() < until:
            try:
                logon = await c.post("sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
                c.headers["X-RestSvcSessionId"] = logon.headers["X-RestSvcSessionId"]
                jobs = re.findall(r'Href="([^"]*/jobs/[^"?/]*)"', (await c.get("jobs")).text)
                repository = re.search(r'UID="([^"]*Repository:[^"]*)"', (await c.get("repositories")).text)
                job = jobs[n % len(jobs)]
                entity = (await c.get(job + "?format=Entity")).text
                kind = re.search(r"<JobType>(\w+)</JobType>", entity)
                info = {"Backup": "BackupJobCloneInfo", "Replica": "ReplicaJobCloneInfo",
                        "BackupCopy": "BackupCopyJobCloneInfo"}[kind.group(1) if kind else "Backup"]
                answers = [await c.post(job + "?action=clone", headers={"Content-Type": "application/xml"},
                                        content=_CLONE.format(info=info, name=f"clone {n} {counts['ok']}",
                                                              repository=repository.group(1) if repository else ""))]
                started = await c.post(job + "?action=start")
                answers.append(started)
                task = re.search(r'Href="([^"]*/tasks/[^"]*)"', started.text)
                if task:
                    answers += [await c.get(task.group(1)), await c.get(task.group(1))]
                points = re.findall(r'Href="([^"]*/vmRestorePoints/[^"?/]*)"', (await c.get("vmRestorePoints")).text)
                if points:
                    await c.post(points[n % len(points)] + "/mounts")
                for answer in answers:
                    counts["5xx" if answer.status_code >= 500 else "ok"] += 1
            except (httpx.HTTPError, KeyError, AttributeError):
                counts["client errors"] += 1


async def _load(base: str, clients: int, seconds: float) -> Counter[str]:
    counts: Counter[str] = Counter()
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(n, base, until, counts) for n in range(clients)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    port = _free_port()
    mock = subprocess.Popen([sys.executable, "-m", "conformance", "mock", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/"
    try:
        for _ in range(200):
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        before = _rss_mb(mock.pid)
        started = time.monotonic()
        counts = asyncio.run(_load(base, args.clients, args.seconds))
        after = _rss_mb(mock.pid)
        print(f"mock RSS: {before:.0f} MB before, {after:.0f} MB after {time.monotonic() - started:.0f} s of "
              f"{args.clients} clients (ratio {after / before:.2f}); answers: {dict(counts)}")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
