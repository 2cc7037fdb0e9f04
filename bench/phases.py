"""Benchmark of a whole run at two sizes: the time per resource of judging and reporting, and memory.

    python bench/phases.py [--small 200] [--large 20000] [--surface documented|key]

Each size is one `conformance run` against the embedded mock (`--actions none`, HTML, JSON and
JUnit reports), in a process of its own so that its peak memory is its own. The run is timed in two
parts: the crawl (up to the items being collected) and everything after it (every item judged, the
reports written). Printed: resources, both times, the time per resource after the crawl, the peak
RSS of the whole run, and the ratios large / small of the time per resource (near 1: the rule and
report phases grow linearly) and of the memory per resource.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class _Clock:
    """pytest hooks that note when the items are collected (the crawl is done), when the last item
    has run and when the session ends (every report written); a thread notes the largest resident
    memory of each of those phases."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.collected = self.judged = self.ended = 0.0
        self.phase = "crawl"
        self.peaks: dict[str, float] = {}
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), _rss_mb())
            time.sleep(0.05)

    def pytest_collection_finish(self, session: Any) -> None:
        self.collected, self.phase = time.perf_counter(), "judging"

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: Any) -> None:
        self.judged, self.phase = time.perf_counter(), "reports"

    def pytest_unconfigure(self, config: Any) -> None:
        self.ended = time.perf_counter()


def one(size: int, folder: Path, surface: str = "documented") -> dict[str, Any]:
    """One run in this process; its figures as plain data."""
    from conformance.cli import build_parser
    from conformance.cli.run_command import pytest_args

    results = folder / "results.json"
    ns = build_parser().parse_args(["run", "--size", str(size), "--surface", surface, "--max-resources", "1000000",
                                    "--per-template", "0", "--actions", "none",
                                    "--json", str(results), "--html", str(folder / "report.html"),
                                    "--junit", str(folder / "junit.xml"), "--", "-q", "-p", "no:cacheprovider"])
    clock = _Clock()
    code = int(pytest.main(pytest_args(ns), plugins=[clock]))
    data = json.loads(results.read_text(encoding="utf-8"))
    return {"size": size, "exit": code, "resources": data["counts"]["resources"], "kinds": data["counts"]["kinds"],
            "items": sum(data["counts"]["items"].values()),
            "failed": sorted(f"{rule['id']}[{kind}]" for rule in data["rules"]
                             for kind, outcome in rule["outcomes"].items() if outcome in ("failed", "error")),
            "crawl_s": clock.collected - clock.started, "judge_s": clock.ended - clock.collected,
            "reports_s": clock.ended - clock.judged, "peaks_mb": clock.peaks,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _measure(size: int, surface: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="conformance-bench-") as folder:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--folder", folder, "--surface", surface],
                             cwd=folder,
                             capture_output=True, text=True, check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if not lines:
            sys.exit(f"the run of size {size} printed no figures:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=200, help="mock size of the small run (about 5 resources each)")
    parser.add_argument("--large", type=int, default=20000, help="mock size of the large run")
    parser.add_argument("--surface", default="documented", choices=("documented", "key"),
                        help="what the mock serves: every documented area, or the key resources alone")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.folder, args.surface)), flush=True)
        return
    runs = [_measure(size, args.surface) for size in (args.small, args.large)]
    for r in runs:
        per = r["judge_s"] / r["resources"] * 1e3
        peaks = ", ".join(f"{phase} {mb:.0f}" for phase, mb in r["peaks_mb"].items())
        print(f"size {r['size']:6d}: {r['resources']:7d} resources of {r['kinds']} types, {r['items']} items, "
              f"exit {r['exit']}; crawl {r['crawl_s']:7.1f} s, judging and reports {r['judge_s']:6.1f} s "
              f"(reports {r['reports_s']:.1f} s) = {per:.3f} ms/resource; peak RSS {r['peak_rss_mb']:.0f} MB "
              f"(by phase: {peaks})")
        if r["failed"]:
            print(f"  failed: {', '.join(r['failed'][:20])}" + (" ..." if len(r["failed"]) > 20 else ""))
    small, large = runs
    per = [r["judge_s"] / r["resources"] for r in runs]
    print(f"time per resource after the crawl, large / small = {per[1] / per[0]:.2f} (goal: at most 1.2)")
    print(f"peak RSS of the large run = {large['peak_rss_mb']:.0f} MB for {large['resources']} resources "
          f"(goal at 100,000 resources: under 300 MB)")


if __name__ == "__main__":
    main()
