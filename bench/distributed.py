"""A serial run beside the same run on pytest-xdist workers: wall time, CPU time, and the verdicts.

    python bench/distributed.py [--workers 2] [--size 40] [-- RUN_ARGS...]

Both are `conformance run` subprocesses against the embedded mock, pinned to one moment so the two
see the same data, and crawling every member of every collection (`--per-template 0`: a sampling
crawl takes the members that answer first, so two crawls may judge different ones); CPU time counts
the workers too (they are the run's children). Prints each figure, the ratios (xdist over serial)
from this one run, and whether items, outcomes and findings agree (they must: the workers judge the
controller's one crawl).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_NOW = "2026-01-01T00:00:00Z"


def _run(args: list[str], folder: Path) -> tuple[float, float, dict[str, Any]]:
    """(wall seconds, CPU seconds of the run and its workers, the results JSON with the port masked)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "--json", "results.json", *args],
                          cwd=folder, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"conformance run {' '.join(args)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    text = (folder / "results.json").read_text()
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)  # each run's mock has its own port
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(text)


def _verdict(results: dict[str, Any]) -> tuple[Any, ...]:
    return (results["counts"], results["rules"], results["findings"], results["verdict"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2", help="pytest-xdist's -n (a number or auto)")
    parser.add_argument("--size", type=int, default=40, help="the mock's size")
    parser.add_argument("run_args", nargs="*", help="more `conformance run` options, after --")
    ns = parser.parse_args()
    args = ["--size", str(ns.size), "--now", _NOW, "--per-template", "0", *ns.run_args]
    with tempfile.TemporaryDirectory() as tmp:
        serial_dir, spread_dir = Path(tmp, "serial"), Path(tmp, "xdist")
        serial_dir.mkdir()
        spread_dir.mkdir()
        s_wall, s_cpu, serial = _run(args, serial_dir)
        x_wall, x_cpu, spread = _run([*args, "--", "-n", ns.workers], spread_dir)
    items = sum(serial["counts"]["items"].values())
    print(f"mock size {ns.size}: {serial['counts']['resources']} resources, {items} items")
    print(f"serial:         wall {s_wall:6.1f} s   cpu {s_cpu:6.1f} s")
    print(f"-n {ns.workers:<11} wall {x_wall:6.1f} s   cpu {x_cpu:6.1f} s")
    print(f"xdist / serial: wall {x_wall / s_wall:6.2f}     cpu {x_cpu / s_cpu:6.2f}")
    print(f"same items, outcomes and findings: {'yes' if _verdict(serial) == _verdict(spread) else 'NO'}")


if __name__ == "__main__":
    main()
