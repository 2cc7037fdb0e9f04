"""The crawl's client: the walk and the probes hand their requests straight to the guard.

Their requests are whole when built (an absolute URL, the client's headers), so none of httpx's
client bookkeeping applies to them: the session travels in its header, never in a cookie the jar
holds, and the client's response hooks (a recording's) still see every answer, read whole."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance.crawl.client import SESSION_HEADER, Target, build_client, fetch
from conformance.crawl.guard import OffOrigin

ROOT = "http://em.test:9399/api/"


def serve(requests: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, headers={"Content-Type": "application/xml", "Set-Cookie": "jar=full; Path=/api"},
                              content=b"<Jobs/>")
    return httpx.MockTransport(handler)


def test_a_fetch_carries_the_session_header_and_no_cookie_and_reads_the_answer_whole():
    sent: list[httpx.Request] = []
    seen: list[bytes] = []

    async def go() -> object:
        async with build_client(Target(ROOT, "admin", "pw"), transport=serve(sent)) as client:
            client.cookies.set("X-RestSvcSessionId", "from-the-jar", domain="em.test")
            client.headers[SESSION_HEADER] = "token"

            async def hook(response: httpx.Response) -> None:
                seen.append(await response.aread())
            client.event_hooks["response"] = [hook]
            return await fetch(client, ROOT + "jobs")

    got = asyncio.run(go())
    assert (got.status, got.content_type, got.body) == (200, "application/xml", b"<Jobs/>")
    assert sent[0].headers[SESSION_HEADER] == "token" and "cookie" not in sent[0].headers
    assert sent[0].headers["accept"] == "application/xml"
    assert seen == [b"<Jobs/>"]  # a recording's hook sees the answer as the walk read it


def test_a_fetch_goes_through_the_guard_which_refuses_another_origin():
    sent: list[httpx.Request] = []

    async def go() -> None:
        async with build_client(Target(ROOT, "admin", "pw"), transport=serve(sent)) as client:
            await fetch(client, "http://elsewhere.test/api/jobs")

    with pytest.raises(OffOrigin):
        asyncio.run(go())
    assert sent == []
