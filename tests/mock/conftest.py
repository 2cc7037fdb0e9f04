"""Fixtures for the mock's specification: in-process clients, logon, the schema, and a link walker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from lxml import etree

from conformance.contract.profiles import load_profile
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset

BASE = "http://mock.test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def schema_file() -> Path:
    return Path(__file__).resolve().parents[2] / "schemas" / "v1_7" / "api.xsd"


@pytest.fixture(scope="session")
def schema(schema_file: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(schema_file)))


async def _logon(client: httpx.AsyncClient, user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD) -> str:
    """Log on and put the token on every later request of `client` (the header alone, no cookie)."""
    response = await client.post("/api/sessionMngr/?v=latest", auth=(user, password))
    assert response.status_code == 201, response.text
    token = response.headers["X-RestSvcSessionId"]
    client.headers["X-RestSvcSessionId"] = token
    client.cookies.clear()
    return token


@pytest.fixture
def connect():
    """`async with connect(app, base_url, logged_on=True) as client`: an in-process client of an app."""

    @asynccontextmanager
    async def open_client(app, base_url: str = BASE, logged_on: bool = True) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
            if logged_on:
                await _logon(client)
            yield client

    return open_client


@pytest.fixture
def app():
    return create_app(generate_dataset(12, seed=7))


@pytest.fixture
async def client(app, connect) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` that has not logged on."""
    async with connect(app, logged_on=False) as c:
        yield c


@pytest.fixture
async def session(client) -> httpx.AsyncClient:
    """The `client`, logged on."""
    await _logon(client)
    return client


_OPERATIONS = load_profile("v1_7").action_rels


def _gettable(href: str) -> bool:
    """Links without an `action` parameter are safe to GET (actions are POSTed)."""
    return not any(k.lower() == "action" for k, _ in parse_qsl(urlsplit(href).query))


Walk = Callable[[httpx.AsyncClient], Awaitable[dict[str, httpx.Response]]]


@pytest.fixture
def walk() -> Walk:
    """Follow every GET-able Href (links and embedded items) from the root and the session, once each."""

    async def run(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
        own_session = await client.get("/api/sessionMngr/?v=latest")
        seen: dict[str, httpx.Response] = {}
        queue = [f"{client.base_url}/api/", str(own_session.url)]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            response = seen[url] = await client.get(url)
            if response.status_code != 200:
                continue
            for element in etree.fromstring(response.content).iter():
                href = element.get("Href")
                if element.get("Rel") in _OPERATIONS:
                    continue  # operation links (NAS jobs' `{job}/start`) are POSTed, whatever their form
                if href and _gettable(href):
                    target = str(httpx.URL(url).join(href))
                    if target not in seen:
                        queue.append(target)
        return seen

    return run
