"""Benchmark of the crawl against the embedded mock, reported as ratios measured in one run.

    python bench/crawl.py [--size 400]

Prints resources per second in-process (ASGITransport) and over a real socket, with and without
schema validation, and the peak traced memory per resource at two sizes, so a change shows up as a
ratio that does not depend on how fast the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc

import httpx

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import Limits, crawl
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.mock.server import MockServer


def _crawl(app, url: str, schemas, in_process: bool) -> tuple[int, float]:
    target = Target(url, DEFAULT_USER, DEFAULT_PASSWORD, concurrency=8)
    transport = httpx.ASGITransport(app=app) if in_process else None

    async def go():
        async with build_client(target, transport=transport) as client:
            # Every member of every collection: the estate whole, not the default sample.
            limits = Limits(max_resources=100_000, per_template=0, concurrency=8)
            return await crawl(client, target, schemas=schemas, limits=limits)

    started = time.perf_counter()
    snapshot = asyncio.run(go())
    return len(snapshot), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=400, help="mock size of the larger crawl; the smaller is a quarter of it")
    args = parser.parse_args()
    if args.size < 4:
        parser.error("--size must be at least 4 (the smaller crawl is a quarter of it)")
    schemas = load_schemas(load_profile("v1_7").schemas)
    app = create_app(generate_dataset(args.size), password=DEFAULT_PASSWORD)

    rates = {}
    for label, validate, in_process in [("in-process, validating", True, True),
                                        ("in-process, no validation", False, True),
                                        ("socket, validating", True, False)]:
        if in_process:
            n, seconds = _crawl(app, "http://bench.test/api/", schemas if validate else None, True)
        else:
            with MockServer(app) as server:
                n, seconds = _crawl(app, server.url, schemas, False)
        rates[label] = n / seconds
        print(f"{label:28} {n:6d} resources in {seconds:6.2f} s = {rates[label]:8.1f} /s")

    base = rates["in-process, validating"]
    print(f"validation costs: no-validation rate / validating rate = {rates['in-process, no validation'] / base:.2f}")
    print(f"socket vs in-process: socket rate / in-process rate = {rates['socket, validating'] / base:.2f}")

    per_resource = {}
    for size in (args.size // 4, args.size):
        app = create_app(generate_dataset(size), password=DEFAULT_PASSWORD)
        tracemalloc.start()
        n, _ = _crawl(app, "http://bench.test/api/", schemas, True)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        per_resource[size] = peak / n
        print(f"size {size:6d}: {n:6d} resources, peak traced memory {peak / 1e6:7.1f} MB = {peak / n / 1e3:6.1f} kB/resource")
    small, large = per_resource.values()
    print(f"memory per resource, large / small run = {large / small:.2f} (near 1 means memory grows linearly)")


if __name__ == "__main__":
    main()
