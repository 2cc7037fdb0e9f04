"""The lean HTTP/1.1 transport: what a server may answer on one connection, read as httpx reads it.

Each test serves scripted bytes on a real socket (one script per connection, in order), so every
framing is exercised as it arrives: lengths, chunks, a body that ends with the connection, a
connection the server dropped between requests, answers before the real one, a server too slow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import httpx
import pytest

from conformance.crawl.guard import DeadlineExceeded, GuardedTransport, RequestBudget
from conformance.crawl.transport import LeanTransport

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], "asyncio.Future[None] | object"]


async def _head(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return head + await reader.readexactly(int(line.split(b":")[1]))
    return head


def answer(*raw: bytes, close: bool = False) -> Script:
    """A connection that reads one request per answer and writes it; closed after the last when `close`."""
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for data in raw:
            await _head(reader)
            writer.write(data)
            await writer.drain()
        if close:
            writer.close()
        else:
            await reader.read()  # kept open until the client goes
    return script


def run(scripts: Sequence[Script], requests: Callable[[httpx.AsyncClient, str], object],
        transport: Callable[[str], httpx.AsyncBaseTransport] | None = None) -> tuple[object, list[bytes]]:
    """Serve `scripts` (one per connection accepted) and run `requests` against them (through the
    transport `transport` makes for the server's root); what the client got, and every request the
    server read."""
    seen: list[bytes] = []
    queue = list(scripts)

    async def main() -> object:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            script = queue.pop(0)
            original = reader.readuntil

            async def recording(separator: bytes = b"\n") -> bytes:
                data = await original(separator)
                seen.append(data)
                return data
            reader.readuntil = recording  # type: ignore[method-assign]
            try:
                await script(reader, writer)  # type: ignore[misc]
            except (ConnectionError, asyncio.IncompleteReadError):
                pass

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            root = f"http://127.0.0.1:{port}/api/"
            async with httpx.AsyncClient(transport=transport(root) if transport else LeanTransport(2)) as client:
                return await requests(client, root)  # type: ignore[misc]

    return asyncio.run(main()), seen


def ok(body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def get_bodies(client: httpx.AsyncClient, root: str, n: int = 3) -> list[tuple[int, bytes]]:
    out = []
    for i in range(n):
        r = await client.get(f"{root}jobs/{i}?format=Entity", headers={"Accept": "application/xml"})
        out.append((r.status_code, r.content))
    return out


def test_answers_with_a_length_share_one_connection_and_the_request_goes_out_as_given():
    got, seen = run([answer(ok(b"<a/>"), ok(b"<b/>"), ok(b"<c/>"))], get_bodies)
    assert got == [(200, b"<a/>"), (200, b"<b/>"), (200, b"<c/>")]
    assert len(seen) == 3  # one connection served the three
    assert seen[0].startswith(b"GET /api/jobs/0?format=Entity HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:" in seen[0].lower() and b"\r\naccept: application/xml\r\n" in seen[0].lower()


def test_a_chunked_answer_is_put_together():
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n<a>\r\n4\r\n</a>\r\n0\r\n\r\n"
    got, _ = run([answer(chunked, ok(b"next"))], lambda c, r: get_bodies(c, r, 2))
    assert got == [(200, b"<a></a>"), (200, b"next")]


def test_a_body_without_length_ends_with_the_connection_which_is_not_used_again():
    until_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<all/>"
    got, seen = run([answer(until_close, close=True), answer(ok(b"<b/>"))], lambda c, r: get_bodies(c, r, 2))
    assert got == [(200, b"<all/>"), (200, b"<b/>")]
    assert len(seen) == 2


def test_an_answer_cut_before_its_length_is_a_protocol_error():
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<short")
        writer.close()

    async def get(client: httpx.AsyncClient, root: str) -> object:
        with pytest.raises(httpx.RemoteProtocolError, match="before the whole body"):
            await client.get(root)
        return None
    run([cut], get)


def test_a_connection_the_server_closed_after_its_answer_is_not_used_again():
    """Whether the close is seen before the next request (a new connection at once) or only when
    that request breaks on it (the guard asks a GET again), the next answer arrives."""
    async def two(client: httpx.AsyncClient, root: str) -> list[bytes]:
        first = await client.get(root + "a")
        await asyncio.sleep(0.05)  # the server's close arrives
        second = await client.get(root + "b")
        return [first.content, second.content]

    def guarded(root: str) -> httpx.AsyncBaseTransport:
        return GuardedTransport(LeanTransport(2), RequestBudget(root, deadline=5))
    got, seen = run([answer(ok(b"one"), close=True), answer(ok(b"two"))], two, transport=guarded)
    assert got == [b"one", b"two"]
    assert [line.split(b" ")[1] for line in seen] == [b"/api/a", b"/api/b"]


def test_answers_before_the_real_one_are_passed_over():
    early = b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"<done/>")
    got, _ = run([answer(early)], lambda c, r: get_bodies(c, r, 1))
    assert got == [(200, b"<done/>")]


def test_a_head_answer_has_no_body_whatever_length_it_announces():
    async def head(client: httpx.AsyncClient, root: str) -> tuple[int, bytes, str]:
        r = await client.head(root)
        return r.status_code, r.content, r.headers["content-length"]
    got, _ = run([answer(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n")], head)
    assert got == (200, b"", "500")


def test_a_request_body_goes_with_its_length():
    async def post(client: httpx.AsyncClient, root: str) -> int:
        return (await client.post(root + "jobs", content=b"<Spec/>", headers={"Content-Type": "application/xml"})).status_code
    got, seen = run([answer(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")], post)
    assert got == 201
    assert seen[0].startswith(b"POST /api/jobs HTTP/1.1\r\n") and b"content-length: 7\r\n" in seen[0].lower()


def test_no_server_is_a_connect_error():
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        async with httpx.AsyncClient(transport=LeanTransport()) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/api/")
    asyncio.run(main())


def test_a_silent_server_is_a_read_timeout():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def get(client: httpx.AsyncClient, root: str) -> None:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(root, timeout=httpx.Timeout(5, read=0.1))
    run([silent], get)


def test_garbage_is_a_protocol_error():
    async def get(client: httpx.AsyncClient, root: str) -> None:
        with pytest.raises(httpx.RemoteProtocolError, match="not HTTP"):
            await client.get(root)
    run([answer(b"SMTP ready\r\n\r\n")], get)


def test_no_more_connections_than_allowed_are_open_at_once():
    """Three requests at once through a pool of two: the third waits for a connection to come back."""
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await _head(reader)
            await asyncio.sleep(0.05)
            writer.write(ok(b"x"))
            await writer.drain()

    async def three(client: httpx.AsyncClient, root: str) -> list[int]:
        answers = await asyncio.gather(*(client.get(root) for _ in range(3)))
        return [a.status_code for a in answers]
    got, _ = run([slow, slow, slow], three)
    assert got == [200, 200, 200]


def test_a_large_body_arrives_whole_while_reading_pauses_and_resumes():
    big = bytes(range(256)) * (5 << 12)  # 5 MiB, past the transport's high-water mark

    async def get(client: httpx.AsyncClient, root: str) -> int:
        async with client.stream("GET", root) as response:
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                await asyncio.sleep(0)
            return size
    got, _ = run([answer(ok(big))], get)
    assert got == len(big)


def test_plain_http_only():
    async def main() -> None:
        async with httpx.AsyncClient(transport=LeanTransport()) as client:
            with pytest.raises(httpx.UnsupportedProtocol):
                await client.get("https://127.0.0.1:1/api/")
    asyncio.run(main())


def guarded(deadline: float) -> Callable[[str], httpx.AsyncBaseTransport]:
    """The lean transport under the guard, which hands it the request's deadline to keep."""
    return lambda root: GuardedTransport(LeanTransport(2), RequestBudget(root, deadline=deadline))


def test_the_guard_hands_the_lean_transport_its_deadline_rather_than_timing_each_wait_itself():
    assert GuardedTransport(LeanTransport(), RequestBudget("http://em.test/api/")).kept_below
    assert not GuardedTransport(httpx.MockTransport(lambda r: httpx.Response(200)),
                                RequestBudget("http://em.test/api/")).kept_below


def test_a_body_trickled_past_the_deadline_is_cut_there_by_the_lean_transport():
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):  # a byte every 50 ms: 5 s for the whole body, each read well within its timeout
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    async def get(client: httpx.AsyncClient, root: str) -> float:
        started = asyncio.get_running_loop().time()
        with pytest.raises(DeadlineExceeded, match="within 0.4 s"):
            await client.get(root)
        return asyncio.get_running_loop().time() - started
    took, _ = run([trickle], get, guarded(0.4))
    assert 0.35 < took < 1.5


def test_a_server_silent_past_the_deadline_is_cut_there_before_any_answer():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def get(client: httpx.AsyncClient, root: str) -> None:
        with pytest.raises(DeadlineExceeded):
            await client.get(root)  # the read timeout (5 s) is later than the deadline
    run([silent], get, guarded(0.3))


def test_an_answer_within_the_deadline_comes_whole_and_its_connection_is_used_again():
    got, seen = run([answer(ok(b"<A/>"), ok(b"<B/>"))], get_bodies_of_two, guarded(5))
    assert got == [(200, b"<A/>"), (200, b"<B/>")] and len(seen) == 2


async def get_bodies_of_two(client: httpx.AsyncClient, root: str) -> list[tuple[int, bytes]]:
    return (await get_bodies(client, root, 2))
