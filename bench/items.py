"""Benchmark of the cost of one item: the lean protocol of conformance items beside pytest's own.

    python bench/items.py [--size 40] [--surface documented|key] [--repeat 1]

Each run is one `conformance run --actions none` against the embedded mock, with the HTML, JSON and
JUnit reports, in a process of its own. Two variants are measured back to back, on the same crawl
size: `lean` (the items as they run) and `pytest` (the same items run by pytest's own protocol:
setup, call and teardown hooks with output and log capture). Printed for each: the items, the pairs
with nothing to judge (no item), the time from the last item collected to the last item run, and
the time per item; then the ratio pytest / lean of the time per item.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _PytestProtocol:
    """Runs every item with pytest's own protocol (registered last, so its hook is asked first)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> bool:
        from _pytest.runner import pytest_runtest_protocol

        return pytest_runtest_protocol(item, nextitem)


class _Clock:
    """Notes when the items are collected and when the last one has run."""

    def __init__(self, variant: str) -> None:
        self.variant = variant
        self.collected = self.last = 0.0
        self.items = 0

    def pytest_configure(self, config: Any) -> None:
        if self.variant == "pytest":
            config.pluginmanager.register(_PytestProtocol(), "bench-pytest-protocol")

    def pytest_collection_finish(self, session: Any) -> None:
        self.collected = time.perf_counter()
        self.items = len(session.items)

    def pytest_runtest_logfinish(self) -> None:
        self.last = time.perf_counter()


def one(variant: str, size: int, surface: str, folder: Path) -> dict[str, Any]:
    """One run in this process; its figures as plain data."""
    from conformance.cli import build_parser
    from conformance.cli.run_command import pytest_args

    results = folder / "results.json"
    ns = build_parser().parse_args(["run", "--size", str(size), "--surface", surface, "--actions", "none",
                                    "--json", str(results), "--html", str(folder / "report.html"),
                                    "--junit", str(folder / "junit.xml"), "--", "-q", "-p", "no:cacheprovider"])
    clock = _Clock(variant)
    code = int(pytest.main(pytest_args(ns), plugins=[clock]))
    counts = json.loads(results.read_text(encoding="utf-8"))["counts"]["items"]
    return {"variant": variant, "exit": code, "items": clock.items, "not_applicable": counts["skipped"],
            "items_s": max(clock.last - clock.collected, 0.0)}


def _measure(variant: str, size: int, surface: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="conformance-bench-") as folder:
        out = subprocess.run([sys.executable, __file__, "--one", variant, "--size", str(size), "--surface", surface,
                              "--folder", folder], cwd=folder, capture_output=True, text=True, check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if not lines:
            sys.exit(f"the {variant} run printed no figures:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=40, help="mock size (the default run's)")
    parser.add_argument("--surface", default="documented", choices=("documented", "key"),
                        help="what the mock serves: every documented area, or the key resources alone")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant; the fastest is kept")
    parser.add_argument("--one", choices=("lean", "pytest"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.size, args.surface, args.folder)), flush=True)
        return
    best: dict[str, dict[str, Any]] = {}
    for _ in range(max(1, args.repeat)):
        for variant in ("lean", "pytest"):  # alternated: a noisy machine slows both alike
            run = _measure(variant, args.size, args.surface)
            if variant not in best or run["items_s"] < best[variant]["items_s"]:
                best[variant] = run
    per = {}
    for variant, run in best.items():
        per[variant] = run["items_s"] / max(run["items"], 1) * 1e3
        print(f"{variant:6s}: {run['items']} items, {run['not_applicable']} pairs with nothing to judge (no item), "
              f"exit {run['exit']}; items run in {run['items_s']:.2f} s = {per[variant]:.3f} ms/item")
    print(f"time per item, pytest's protocol / lean = {per['pytest'] / max(per['lean'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
