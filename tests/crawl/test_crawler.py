"""The crawl: every reachable GET-able link once, same origin only, within its budgets."""

import asyncio

import pytest
from hand_api import ROOT, HandApi, link

from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import Limits, crawl
from conformance.errors import TargetError
from conformance.model.urls import normalise_url


def run_crawl(api: HandApi, limits: Limits = Limits(), operation_rels=(), **target_kw):
    target = Target(ROOT, "admin", "pw", **target_kw)

    async def go():
        async with build_client(target, transport=api.transport()) as client:
            return await crawl(client, target, limits=limits, operation_rels=operation_rels)

    return asyncio.run(go())


def test_crawl_reaches_every_resource_linked_from_the_root_and_the_session():
    snap = run_crawl(HandApi(width=3))
    assert sorted(snap.resources) == sorted(
        [ROOT, ROOT + "sessionMngr/?v=v1_7", ROOT + "logonSessions/1", ROOT + "items"]
        + [f"{ROOT}items/{i}" for i in range(3)])


def test_the_logon_answer_is_kept_as_the_201_of_a_post_standing_for_the_session_it_opened():
    api = HandApi(width=1)
    answer = run_crawl(api).get(ROOT + "sessionMngr/?v=v1_7")
    assert (answer.method, answer.status, answer.root, answer.kind) == ("POST", 201, "LogonSession", "LogonSession")
    assert answer.location == ROOT + "logonSessions/1" and {l.rel for l in answer.links} == {"Down", "Delete"}
    assert [m for m, url in api.requests if url == ROOT + "sessionMngr/?v=v1_7"] == ["POST"]


def test_each_url_is_fetched_once_however_often_it_is_linked():
    api = HandApi(width=4)
    run_crawl(api)
    gets = [url for method, url in api.requests if method == "GET"]
    assert len(gets) == len(set(gets))


def test_action_links_are_never_requested():
    api = HandApi(width=3)
    run_crawl(api)
    assert not any("action=" in url for _, url in api.requests)
    assert {m for m, _ in api.requests} == {"GET", "POST", "DELETE"}


def test_operation_links_are_never_requested_whatever_their_href():
    api = HandApi(width=1, extra_links=link("Start", ROOT + "items/start"))
    run_crawl(api, operation_rels={"Start"})
    assert ("GET", ROOT + "items/start") not in api.requests


def test_links_to_another_origin_are_not_followed():
    api = HandApi(width=1, extra_links=link("Related", "https://elsewhere.test/api/x", "X"))
    snap = run_crawl(api)
    assert not any("elsewhere" in url for _, url in api.requests)
    assert snap.meta["skipped_origin"] == 1


def test_max_resources_bounds_the_walk_and_says_how_much_was_left():
    snap = run_crawl(HandApi(width=50), Limits(max_resources=10))
    assert len(snap) == 10
    assert snap.meta["skipped_budget"] > 0


def test_concurrency_is_bounded():
    api = HandApi(width=30, delay=0.01)
    run_crawl(api, Limits(concurrency=3))
    assert 1 < api.max_in_flight <= 3


def test_a_body_over_the_size_limit_is_recorded_as_an_error_not_read_whole():
    snap = run_crawl(HandApi(width=1, big_body=5000), max_body=2000)
    item = snap.get(ROOT + "items/0")
    assert item is not None and "limit" in (item.error or "")


def test_a_broken_link_becomes_one_resource_with_its_status_and_the_walk_goes_on():
    api = HandApi(width=2, extra_links=link("Down", ROOT + "missing", "X"))
    snap = run_crawl(api)
    missing = snap.get(ROOT + "missing")
    assert missing is not None and missing.status == 404 and missing.error == "HTTP 404"
    assert snap.get(ROOT + "items/1") is not None


def test_progress_counts_the_root_so_waiting_urls_are_never_negative():
    seen = []
    target = Target(ROOT, "admin", "pw")
    api = HandApi(width=3)

    async def go():
        async with build_client(target, transport=api.transport()) as client:
            return await crawl(client, target, on_progress=lambda p: seen.append((p.queued, p.fetched)))

    snap = asyncio.run(go())
    assert seen and all(queued >= fetched for queued, fetched in seen)
    fetched = sum(1 for res in snap if res.method == "GET")  # the logon answer is recorded, not queued
    assert seen[-1] == (fetched, fetched)  # at the end nothing waits, and every URL fetched was queued


def test_the_session_is_logged_off_at_the_end():
    api = HandApi(width=1)
    snap = run_crawl(api)
    assert api.logged_off and snap.meta["logoff_status"] == 204


def test_a_refused_logon_is_a_target_error_naming_the_user():
    class NoAuth(HandApi):
        def route(self, request):
            if request.url.path == "/api/sessionMngr/":
                return self.xml("<Error/>", 401)
            return super().route(request)

    with pytest.raises(TargetError, match="'admin'"):
        run_crawl(NoAuth())


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://EM.test:443/api/jobs#frag", "https://em.test/api/jobs"),
    ("https://em.test:9398/api/query?type=Job&page=2", "https://em.test:9398/api/query?page=2&type=Job"),
    ("http://em.test:80/api/Jobs", "http://em.test/api/Jobs"),
])
def test_urls_are_normalised_to_one_spelling(url, expected):
    assert normalise_url(url) == expected


def test_a_server_that_closes_kept_alive_connections_silently_costs_no_resource():
    """A server that keeps a connection open after an answer, then closes it when the next request
    arrives on it, unanswered (its idle timer fired as the request went out): httpx reports that
    as an error with no text. A GET changes nothing, so it is asked again on a new connection."""
    import socket
    import threading

    from conformance.crawl.client import Target, build_client, fetch

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    body = b"<Jobs/>"

    def one_answer_then_close(conn: socket.socket) -> None:
        with conn:
            if conn.recv(65536):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
                conn.recv(65536)  # the next request on this connection: closed on, unanswered

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=one_answer_then_close, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    root = f"http://127.0.0.1:{port}/api/"

    async def go() -> list[int]:
        async with build_client(Target(root, "u", "p", concurrency=1)) as client:
            return [(await fetch(client, root + "jobs")).status for _ in range(4)]

    try:
        assert asyncio.run(go()) == [200] * 4
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
