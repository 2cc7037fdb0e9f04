"""Benchmark of the rule and report phases at two sizes, reported as ratios measured in one run.

    python bench/rules.py [--small 200] [--large 20000] [--snapshots DIR] [--repeat 3]

Crawls the embedded mock in-process at each size (or loads the snapshot saved in DIR by an earlier
run, and saves it there after a crawl), then judges it with every rule as the items do and writes the
reports that read the snapshot (the HTML summary with its link map and coverage, the results JSON).
It prints the CPU time per resource of each phase at each size, the best of `--repeat` passes, and
the ratio large / small: near 1 means the phase grows linearly with the server. `items` judges as the
items do, one rule on one resource type at a time, so a small crawl also pays a cost per item that a
large one spreads thinner; `checks` is the rules' own work alone. pytest's own cost per item is not
part of it: `bench/phases.py` times whole runs phase by phase, `bench/scale.py` against a mock in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.contract import profiles  # noqa: E402
from conformance.model import urls  # noqa: E402
from conformance.contract.profiles import load_profile  # noqa: E402
from conformance.contract.schema import load_schemas  # noqa: E402
from conformance.crawl.client import Target, build_client  # noqa: E402
from conformance.crawl.crawler import Limits, crawl  # noqa: E402
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset  # noqa: E402
from conformance.model.snapshot import Snapshot  # noqa: E402
from conformance.report.html import summary_html  # noqa: E402
from conformance.report.results import build_results, write_results  # noqa: E402
from conformance.rules import RULES, run_rule  # noqa: E402
from conformance.run.runner import ItemResult, Run  # noqa: E402
from conformance.run.settings import OPTIONS, Settings  # noqa: E402

PROFILE = load_profile("v1_7")


def _crawl(size: int) -> Snapshot:
    app = create_app(generate_dataset(size, 0), password=DEFAULT_PASSWORD, api_version=PROFILE.api_version)
    target = Target("http://mock.test/api/", DEFAULT_USER, DEFAULT_PASSWORD, api_version=PROFILE.api_version)

    async def go() -> Snapshot:
        async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
            return await crawl(client, target, schemas=load_schemas(PROFILE.schemas),
                               limits=Limits(max_resources=10_000_000, per_template=0),  # the estate whole
                               operation_rels=PROFILE.action_rels)

    return asyncio.run(go())


def _snapshot(size: int, folder: Path | None) -> Snapshot:
    saved = folder / f"mock-{size}.jsonl" if folder else None
    if saved is not None and saved.is_file():
        return Snapshot.load(saved)
    snapshot = _crawl(size)
    if saved is not None:
        snapshot.save(saved)
    return snapshot


def _run(snapshot: Snapshot) -> Run:
    settings = Settings(**{**{opt.name: opt.default for opt in OPTIONS}, "target": "mock"})
    target = Target(snapshot.root_url, DEFAULT_USER, DEFAULT_PASSWORD, api_version=PROFILE.api_version)
    return Run(settings, PROFILE, load_schemas(PROFILE.schemas), target, snapshot)


def judge(run: Run) -> None:
    """Every rule on every resource type, recorded as the items record it."""
    for rule in RULES.values():
        for kind, resources in run.snapshot.kinds().items():
            readable = [r for r in resources if r.error is None]
            if readable:
                ctx = run.context()
                findings, waivers = run.judge(rule, kind, list(run_rule(rule, ctx, readable)))
                outcome = "failed" if findings else "passed" if rule.applied(ctx) else "skipped"
                run.record(ItemResult(rule.id, kind, outcome, tuple(findings), len(readable), waivers=waivers))


def checks(run: Run) -> None:
    """The rules' own work: each rule once over every readable resource, without the cost of an item."""
    readable = [r for r in run.snapshot if r.error is None]
    for rule in RULES.values():
        for _ in run_rule(rule, run.context(), readable):
            pass


def report(run: Run) -> None:
    """The reports' own work on the run: the HTML summary and the results JSON, written."""
    summary_html(run)
    with tempfile.TemporaryDirectory() as folder:
        write_results(Path(folder) / "results.json", build_results(run, exit_status=0))


def _cold() -> None:
    """Empty the URL memos, so that every pass, at either size, starts as a run's rule phase does:
    with the few thousand URLs the crawl read last, not with every URL of a small estate."""
    for module in (urls, profiles):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _best(step: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        _cold()
        started = time.process_time()
        step()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=200, help="mock size of the small crawl (about 5 resources each)")
    parser.add_argument("--large", type=int, default=20000, help="mock size of the large crawl")
    parser.add_argument("--snapshots", type=Path, help="folder to keep the crawls in, so a second run need not crawl")
    parser.add_argument("--repeat", type=int, default=3, help="passes per phase; the best counts")
    args = parser.parse_args()
    if args.snapshots:
        args.snapshots.mkdir(parents=True, exist_ok=True)
    phases = {"items": judge, "checks": checks, "reports": report}
    per: dict[str, list[float]] = {phase: [] for phase in phases}
    for size in (args.small, args.large):
        run = _run(_snapshot(size, args.snapshots))
        n = len(run.snapshot)
        shown = []
        for phase, step in phases.items():
            seconds = _best(lambda: step(run), args.repeat)
            per[phase].append(seconds / n)
            shown.append(f"{phase} {seconds:6.2f} s = {seconds / n * 1e6:6.1f} us")
        print(f"size {size:6d}: {n:7d} resources of {len(run.snapshot.kinds())} types; "
              + ", ".join(shown) + f" per resource (CPU, best of {args.repeat})", flush=True)
    for phase, (small, large) in per.items():
        print(f"{phase:8} time per resource, large / small = {large / small:.2f}")
    total = [a + b for a, b in zip(per["items"], per["reports"])]
    print(f"items and reports together, large / small = {total[1] / total[0]:.2f} (goal: at most 1.2); "
          f"the checks alone (no cost per item): {per['checks'][1] / per['checks'][0]:.2f}")


if __name__ == "__main__":
    main()
