"""`conformance run` against a hostile server, as a user runs it: a process of its own, measured.

The time is the wall clock of the whole command; the memory is the process's peak resident set,
so an allocation anywhere in the run counts, not only Python's. It is read as the kernel's high
water mark of the process (`VmHWM`), polled while it runs: `ru_maxrss` would count the test
process too, whose image a forked child has until it executes the command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
MEASURED: dict[str, Outcome] = {}
"""Each scenario's outcome, by name, for the summary at the end of the run."""


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float
    rss_mb: float
    folder: Path
    cpu_seconds: float = 0.0

    @property
    def results(self) -> dict[str, Any]:
        return json.loads((self.folder / "results.json").read_text())

    @property
    def html(self) -> str:
        return (self.folder / "report.html").read_text()

    @property
    def snapshot(self) -> dict[str, Any]:
        """The saved snapshot's header (its first line of JSON): format, root URL, meta."""
        with open(self.folder / "snapshot.json", encoding="utf-8") as lines:
            return json.loads(lines.readline())

    @property
    def said(self) -> str:
        """Everything the run told its user: terminal output and the results JSON."""
        results = (self.folder / "results.json").read_text() if (self.folder / "results.json").exists() else ""
        return self.stdout + self.stderr + results

    def errors(self) -> list[str]:
        return [r["error"] for r in self.results["resources"] if r["error"]]


def start(url: str, folder: Path, *args: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start `conformance run` on `url`, its reports and output in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CONFORMANCE_PASSWORD": "pw", "PYTHONPATH": str(PROJECT), "COLUMNS": "200"}
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "conformance", "run", "--target", url, "--html", "report.html",
               "--json", "results.json", "--snapshot", "snapshot.json", "--junit", "junit.xml", *args]
    with open(folder / "stdout.txt", "wb") as out, open(folder / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=err)
    return proc, time.monotonic()


def finish(proc: subprocess.Popen[bytes], started: float, folder: Path, limit: float) -> Outcome:
    """Wait for the run (killing it past `limit` seconds), and measure it."""
    deadline = started + limit
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _high_water_kb(proc.pid))
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if not Path("/proc/self/status").exists():
        peak_kb = usage.ru_maxrss  # no procfs: an upper bound (it counts the parent's image)
    return Outcome(proc.returncode, (folder / "stdout.txt").read_text(errors="replace"),
                   (folder / "stderr.txt").read_text(errors="replace"), seconds, peak_kb / 1024, folder,
                   usage.ru_utime + usage.ru_stime)


def _high_water_kb(pid: int) -> int:
    """The process's peak resident set so far, in kB (0 once it is gone or without procfs)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((l for l in status.splitlines() if l.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def conformance_run(url: str, folder: Path, *args: str, limit: float = 60.0) -> Outcome:
    proc, started = start(url, folder, *args)
    return finish(proc, started, folder, limit)
