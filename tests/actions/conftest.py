"""Fixtures for the action phase's tests: a logged-on in-process client of a fresh mock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpcore  # noqa: F401
import httpx
import pytest

# httpcore is imported here, at collection, on purpose: httpx imports it lazily, and when the first
# import happens inside a pytester run (the mock served in-process), pytester's sys.modules
# snapshot drops it afterwards while httpx keeps mapping the dropped exception classes; later
# tests then see httpcore.ConnectError where httpx.ConnectError is due.

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def dataset():
    return generate_dataset(12, seed=7)


@pytest.fixture
def app(dataset):
    return create_app(dataset)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app`, logged on with the header only (no cookie)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as c:
        response = await c.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
        assert response.status_code == 201
        c.headers["X-RestSvcSessionId"] = response.headers["X-RestSvcSessionId"]
        c.cookies.clear()
        yield c
