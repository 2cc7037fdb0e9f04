"""A small hand-written API over httpx.MockTransport: crawl behaviour without the mock."""

from __future__ import annotations

import asyncio

import httpx

NS = "http://www.veeam.com/ent/v1.0"
ROOT = "https://em.test:9398/api/"
TOKEN = "s3cr3t-token"


def link(rel: str, href: str, typ: str | None = None) -> str:
    t = f' Type="{typ}"' if typ else ""
    return f'<Link Rel="{rel}" Href="{href}"{t}/>'


class HandApi:
    """Serves a root, a logon, and `width` items under /items; records what was asked."""

    def __init__(self, width: int = 5, delay: float = 0.0, extra_links: str = "", big_body: int = 0):
        self.width, self.delay, self.extra, self.big_body = width, delay, extra_links, big_body
        self.requests: list[tuple[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.logged_off = False

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def xml(self, body: str, status: int = 200, **headers: str) -> httpx.Response:
        return httpx.Response(status, content=body.encode(), headers={"Content-Type": "application/xml", **headers})

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, str(request.url)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self.route(request)
        finally:
            self.in_flight -= 1

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/" and request.method == "GET":
            return self.xml(f'<EnterpriseManager xmlns="{NS}" Href="{ROOT}" Type="EnterpriseManager"/>')
        if path == "/api/sessionMngr/" and request.method == "POST":
            if request.headers.get("Authorization") is None:
                return self.xml(f'<Error xmlns="{NS}" StatusCode="401"/>', 401)
            body = (f'<LogonSession xmlns="{NS}" Href="{ROOT}logonSessions/1" Type="LogonSession"><Links>'
                    f'{link("Down", ROOT + "items", "ItemList")}{link("Delete", ROOT + "logonSessions/1")}'
                    f'</Links></LogonSession>')
            return self.xml(body, 201, **{"X-RestSvcSessionId": TOKEN})
        if request.headers.get("X-RestSvcSessionId") != TOKEN:
            return self.xml(f'<Error xmlns="{NS}" StatusCode="401"/>', 401)
        if path == "/api/logonSessions/1":
            if request.method == "DELETE":
                self.logged_off = True
                return httpx.Response(204)
            return self.xml(f'<LogonSession xmlns="{NS}" Href="{ROOT}logonSessions/1" Type="LogonSession"><Links>'
                            f'{link("Up", ROOT, "EnterpriseManager")}</Links></LogonSession>')
        if path == "/api/items":
            refs = "".join(f'<Ref Href="{ROOT}items/{i}" Type="ItemReference" Name="i{i}" UID="u{i}"/>'
                           for i in range(self.width))
            return self.xml(f'<EntityReferences xmlns="{NS}">{refs}<Links>{self.extra}</Links></EntityReferences>')
        if path.startswith("/api/items/"):
            i = path.rsplit("/", 1)[1]
            padding = "x" * self.big_body
            return self.xml(f'<Item xmlns="{NS}" Href="{ROOT}items/{i}" Type="Item"><Links>'
                            f'{link("Up", ROOT + "items", "ItemList")}'
                            f'{link("Start", ROOT + "items/" + i + "?action=start")}</Links>{padding}</Item>')
        return self.xml(f'<Error xmlns="{NS}" StatusCode="404"/>', 404)
