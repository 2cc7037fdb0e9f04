"""Fixtures for the version tests: in-process clients of a mock at an API version, logged on at another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def server():
    """A v1_7 server (the default) with a small estate; sessions of every version share it."""
    return create_app(generate_dataset(12, seed=3))


@pytest.fixture
def logged_on():
    """`async with logged_on(app, "v1_6") as client`: a client holding a session of that version."""

    @asynccontextmanager
    async def open_session(app, version: str) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
            response = await client.post(f"/api/sessionMngr/?v={version}", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
            assert response.status_code == 201, response.text
            client.headers["X-RestSvcSessionId"] = response.headers["X-RestSvcSessionId"]
            client.cookies.clear()
            yield client

    return open_session
