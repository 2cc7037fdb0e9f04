"""Benchmark of the rule phase on one crawl of the embedded mock, reported as ratios measured in one run.

    python bench/rules.py [--size 200]

Judges the same snapshot with every rule twice: with URL resolution memoised (as shipped) and with
the memo bypassed (every Href parsed again, as before it), and prints the time of each and their
ratio, so a change to the rule phase's cost shows up whatever the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance import urls  # noqa: E402
from conformance.client import Target, build_client  # noqa: E402
from conformance.crawler import Limits, crawl  # noqa: E402
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset  # noqa: E402
from conformance.profiles import load_profile  # noqa: E402
from conformance.rules import RuleContext, evaluate  # noqa: E402
from conformance.schema import load_schemas  # noqa: E402
from conformance.snapshot import Snapshot  # noqa: E402


def _snapshot(size: int) -> Snapshot:
    profile = load_profile("v1_7")
    app = create_app(generate_dataset(size, 0), password=DEFAULT_PASSWORD, api_version=profile.api_version)
    target = Target("http://mock.test/api/", DEFAULT_USER, DEFAULT_PASSWORD, api_version=profile.api_version)

    async def go() -> Snapshot:
        async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
            return await crawl(client, target, schemas=load_schemas(profile.schemas),
                               limits=Limits(max_resources=100_000, per_template=0),  # the estate whole
                               operation_rels=profile.action_rels)

    return asyncio.run(go())


_MEMOISED = (urls.resolve, urls.normalise_url)


@contextmanager
def _unmemoised() -> Iterator[None]:
    """Every module that imported the two functions gets their plain versions for a while."""
    memoised = dict(zip(("resolve", "normalise_url"), _MEMOISED))
    plain = {name: function.__wrapped__ for name, function in memoised.items()}
    saved = []
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("conformance"):
            for name, function in plain.items():
                if getattr(module, name, None) is memoised[name]:
                    saved.append((module, name, getattr(module, name)))
                    setattr(module, name, function)
    try:
        yield
    finally:
        for module, name, function in saved:
            setattr(module, name, function)


def _judge(snapshot: Snapshot) -> float:
    for function in _MEMOISED:
        function.cache_clear()
    started = time.perf_counter()
    evaluate(RuleContext(snapshot, load_profile("v1_7")))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    snapshot = _snapshot(args.size)
    memoised = _judge(snapshot)
    with _unmemoised():
        plain = _judge(snapshot)
    print(f"{len(snapshot)} resources judged by every rule")
    print(f"  memoised URL resolution: {memoised:.2f} s")
    print(f"  every Href parsed again: {plain:.2f} s")
    print(f"  ratio plain / memoised:  {plain / memoised:.1f}")


if __name__ == "__main__":
    main()
