"""Shared steps of the end-to-end tests: crawl the mock in-process and judge the snapshot; record
what a server behind a socket was sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import httpx

from conformance.actions import run_actions
from conformance.contract.profiles import load_profile
from conformance.contract.schema import SchemaSet, load_schemas
from conformance.crawl.client import MEDIA_TYPES, Target, build_client, guarded_transport
from conformance.crawl.crawler import Limits, crawl
from conformance.crawl.probes import PROBES
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.model.snapshot import Snapshot
from conformance.rules import Finding, RuleContext, evaluate

MOCK_ROOT = "http://mock.test/api/"


@cache
def schemas_of(path: Path) -> SchemaSet:
    """A profile's schemas, compiled once for every test of the process (xmlschema's reading of them,
    which the JSON probes need, costs a fifth of a second)."""
    return load_schemas(path)


class Recording:
    """An ASGI layer that notes every request (method, path, query) before the app answers it."""

    def __init__(self, app) -> None:
        self.app, self.requests = app, []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"].lower(), scope["query_string"].decode().lower()))
        await self.app(scope, receive, send)

    def beyond_get(self) -> list[tuple[str, str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


def crawl_mock(faults: Iterable[str] = (), size: int = 20, seed: int = 0, max_resources: int = 5000,
               profile_name: str = "v1_7", server_version: str | None = None, actions: str = "all",
               hypothesis_profile: str = "conformance-ci", surface: str = "documented",
               per_template: int = Limits.per_template, form: str = "xml") -> Snapshot:
    """Crawl a mock logged on with the profile's API version; the server speaks `server_version`
    (default: the profile's own), so an older session on a newer server can be crawled too; `surface`
    is what the mock serves (every documented area, or the key resources alone: faster); `per_template`
    the most URLs of one URL template crawled (the default covers the small mocks whole); `form` what
    the crawl asks for, `xml` or `json` (`--format`).
    Then the action phase runs in the crawl's session, as `actions` allows (`none` skips it)."""
    profile = load_profile(profile_name)
    app = create_app(generate_dataset(size, seed), faults=faults, password=DEFAULT_PASSWORD,
                     api_version=server_version or profile.api_version, surface=surface)
    target = Target(MOCK_ROOT, DEFAULT_USER, DEFAULT_PASSWORD, api_version=profile.api_version,
                    accept=MEDIA_TYPES[form])

    schemas = schemas_of(profile.schemas)

    async def action_phase(client: httpx.AsyncClient, snapshot: Snapshot) -> None:
        # As a run does: the phase sends on a loop of its own, to the app through a guarded transport.
        await run_actions(client, snapshot, target=target, profile=profile, schemas=schemas, mode=actions,
                          hypothesis_profile=hypothesis_profile, on_mock=True,
                          connect=lambda: guarded_transport(target, httpx.ASGITransport(app=app)))

    async def go() -> Snapshot:
        async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
            return await crawl(client, target, schemas=schemas, limits=Limits(max_resources=max_resources, per_template=per_template),
                               probes=PROBES, after_walk=action_phase if actions != "none" else None,
                               operation_rels=profile.action_rels)

    return asyncio.run(go())


def judge(snapshot: Snapshot, profile_name: str = "v1_7") -> dict[tuple[str, str], list[Finding]]:
    return evaluate(RuleContext(snapshot, load_profile(profile_name)))


def failing(snapshot: Snapshot, profile_name: str = "v1_7") -> set[tuple[str, str]]:
    return {key for key, found in judge(snapshot, profile_name).items() if found}
