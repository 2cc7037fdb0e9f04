"""The run's mock called in the run's own process: a URL to name it by, its answers through a
transport, a crash as a 500, and a turn of the event loop per request so timers still fire."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.mock.embedded import EmbeddedMock


def test_its_url_names_a_free_port_where_a_reproduction_can_start_one_like_it():
    mock = EmbeddedMock(create_app(generate_dataset(2)))
    assert mock.url == f"http://127.0.0.1:{mock.port}/api/"
    with pytest.raises(OSError):  # nothing listens there
        socket.create_connection(("127.0.0.1", mock.port), timeout=2).close()
    mock.stop()


def test_it_answers_as_the_mock_does_at_its_url():
    mock = EmbeddedMock(create_app(generate_dataset(2)))

    async def go() -> tuple[int, bytes, int]:
        async with httpx.AsyncClient(transport=mock.transport()) as client:
            root = await client.get(mock.url)
            logon = await client.post(mock.url + "sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
            return root.status_code, root.content, logon.status_code

    status, body, logon = asyncio.run(go())
    assert status == 200 and f'Href="{mock.url}"'.encode() in body and logon == 201


def test_a_crash_in_the_app_answers_500_as_a_server_says_it():
    def boom(request):
        raise RuntimeError("the app broke")

    mock = EmbeddedMock(Starlette(routes=[Route("/api/", boom)]))

    async def go() -> int:
        async with httpx.AsyncClient(transport=mock.transport()) as client:
            return (await client.get(mock.url)).status_code

    assert asyncio.run(go()) == 500


async def _ok(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")  # answered without ever waiting


def test_each_request_gives_the_event_loop_a_turn_so_a_deadline_stops_a_busy_crawl():
    mock = EmbeddedMock(Starlette(routes=[Route("/api/", _ok)]))

    async def go() -> int:
        sent = 0
        async with httpx.AsyncClient(transport=mock.transport()) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    while True:  # never waits on its own: only the transport's turns let the timeout fire
                        await client.get(mock.url)
                        sent += 1
        return sent

    assert asyncio.run(go()) > 0


def test_an_app_slower_than_the_requests_deadline_is_cut_there_by_the_guard():
    """The transport keeps the deadline the guard hands it (its answers come whole, so only the
    app's call waits): a slow answer is the guard's DeadlineExceeded, as from a slow server."""
    from conformance.crawl.guard import DeadlineExceeded, GuardedTransport, RequestBudget

    async def slow(request):
        await asyncio.sleep(5)
        return PlainTextResponse("late")

    async def fast(request):
        return PlainTextResponse("soon")

    mock = EmbeddedMock(Starlette(routes=[Route("/api/slow", slow), Route("/api/fast", fast)]))
    guard = GuardedTransport(mock.transport(), RequestBudget(mock.url, deadline=0.3))
    assert guard.kept_below

    async def go() -> tuple[bytes, float]:
        async with httpx.AsyncClient(transport=guard) as client:
            soon = (await client.get(mock.url + "fast")).content
            started = asyncio.get_running_loop().time()
            with pytest.raises(DeadlineExceeded):
                await client.get(mock.url + "slow")
            return soon, asyncio.get_running_loop().time() - started

    soon, took = asyncio.run(go())
    assert soon == b"soon" and took < 2
