"""The guard every request passes: the target's origin only, one deadline per request, bodies
counted after bounded decompression, Retry-After within the deadline."""

from __future__ import annotations

import asyncio
import zlib

import httpx
import pytest

from conformance.crawl.guard import (
    BodyTooLarge,
    DeadlineExceeded,
    GuardedTransport,
    OffOrigin,
    RequestBudget,
    UnsupportedEncoding,
)

ROOT = "https://em.test:9398/api/"


def send(handler, url: str = ROOT + "jobs", budget: RequestBudget | None = None, **headers: str) -> httpx.Response:
    guard = GuardedTransport(httpx.MockTransport(handler), budget or RequestBudget(ROOT, max_body=1000, deadline=1.0))

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=guard) as client:
            return await client.get(url, headers=headers)

    return asyncio.run(go())


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"<Jobs/>")


def test_a_request_to_the_targets_origin_goes_through():
    assert send(ok).content == b"<Jobs/>"


@pytest.mark.parametrize("url, why", [
    ("https://elsewhere.test/api/jobs", "another origin"),
    ("http://em.test:9398/api/jobs", "another origin"),
    ("https://user:pw@em.test:9398/api/jobs", "userinfo"),
])
def test_a_request_elsewhere_or_with_userinfo_is_refused_before_it_is_sent(url, why):
    sent = []
    with pytest.raises(OffOrigin, match=why):
        send(lambda r: sent.append(r) or ok(r), url)
    assert sent == []


def gzip_bomb(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(b"\0" * (megabytes << 20)) + packer.flush()


def test_a_body_is_counted_after_decompression_and_a_bomb_is_stopped_at_the_limit():
    bomb = gzip_bomb(64)  # 64 MB of zeros in 64 kB
    with pytest.raises(BodyTooLarge, match="larger than the 1000-byte limit .counted after decompression"):
        send(lambda r: httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"}))


def test_a_compressed_body_within_the_limit_arrives_decoded():
    body = b"<Jobs>" + b"<Job/>" * 100 + b"</Jobs>"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    got = send(lambda r: httpx.Response(200, content=packer.compress(body) + packer.flush(),
                                         headers={"Content-Encoding": "gzip"}))
    assert got.content == body and "content-encoding" not in got.headers


def test_an_encoding_not_asked_for_is_refused():
    with pytest.raises(UnsupportedEncoding, match="'br'"):
        send(lambda r: httpx.Response(200, content=b"x", headers={"Content-Encoding": "br"}))


class Trickle(httpx.AsyncByteStream):
    """A body a byte at a time, each byte well within any per-read timeout."""

    async def __aiter__(self):
        for byte in b"<Jobs/>" * 100:
            await asyncio.sleep(0.05)
            yield bytes([byte])


def test_a_trickled_body_is_cut_at_the_deadline_of_the_whole_request():
    budget = RequestBudget(ROOT, max_body=10_000, deadline=0.3)
    with pytest.raises(DeadlineExceeded, match="within 0.3 s"):
        send(lambda r: httpx.Response(200, stream=Trickle()), budget=budget)


def test_a_503_with_retry_after_is_asked_again_when_the_wait_fits_the_deadline():
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(200, content=b"<Jobs/>")])
    assert send(lambda r: next(answers)).status_code == 200


def test_a_503_asking_for_a_wait_beyond_the_deadline_is_the_answer():
    got = send(lambda r: httpx.Response(503, headers={"Retry-After": "3600"}))
    assert got.status_code == 503


def test_a_get_whose_connection_broke_before_an_answer_is_asked_once_more():
    calls = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        if len(calls) == 1:
            raise httpx.ReadError("", request=request)  # what a kept-alive connection closed under it gives
        return ok(request)

    assert send(flaky).content == b"<Jobs/>"
    assert len(calls) == 2


def test_a_connection_that_keeps_breaking_is_an_error_that_says_what_happened():
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("", request=request) from ConnectionResetError(104, "Connection reset by peer")

    with pytest.raises(httpx.ReadError) as caught:
        send(broken)
    assert str(caught.value) == ("the connection broke while the answer was awaited or read (closed or reset by "
                                 "the server): [Errno 104] Connection reset by peer")


@pytest.mark.parametrize("error, words", [
    (httpx.ReadError(""), "the connection broke while the answer was awaited or read"),
    (httpx.RemoteProtocolError(""), "the server closed the connection or broke HTTP"),
    (httpx.ConnectError(""), "the connection could not be made"),
    (httpx.ConnectError("[Errno 111] Connection refused"), "the connection could not be made: [Errno 111]"),
    (httpx.TransportError(""), "the transport failed and gave no detail"),
])
def test_every_transport_error_is_described_in_words(error, words):
    from conformance.crawl.guard import describe_error

    assert describe_error(error).startswith(words)
