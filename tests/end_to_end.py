"""Shared steps of the end-to-end tests: crawl the mock in-process and judge the snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import httpx

from conformance.client import Target, build_client
from conformance.crawler import Limits, crawl
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.probes import PROBES
from conformance.profiles import load_profile
from conformance.rules import Finding, RuleContext, evaluate
from conformance.schema import load_schemas
from conformance.snapshot import Snapshot

MOCK_ROOT = "http://mock.test/api/"


def crawl_mock(faults: Iterable[str] = (), size: int = 20, seed: int = 0, max_resources: int = 5000) -> Snapshot:
    profile = load_profile("v1_7")
    app = create_app(generate_dataset(size, seed), faults=faults, password=DEFAULT_PASSWORD)
    target = Target(MOCK_ROOT, DEFAULT_USER, DEFAULT_PASSWORD)

    async def go() -> Snapshot:
        async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
            return await crawl(client, target, schemas=load_schemas(profile.schemas),
                               limits=Limits(max_resources=max_resources), probes=PROBES)

    return asyncio.run(go())


def judge(snapshot: Snapshot) -> dict[tuple[str, str], list[Finding]]:
    return evaluate(RuleContext(snapshot, load_profile("v1_7")))


def failing(snapshot: Snapshot) -> set[tuple[str, str]]:
    return {key for key, found in judge(snapshot).items() if found}
