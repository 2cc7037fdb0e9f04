"""Specification of the mock's entry point: the public root, logon, session tokens and logout."""

from __future__ import annotations

import base64

import httpx
import pytest
from lxml import etree

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, PASSWORD_ENV, create_app, generate_dataset

NS = {"v": "http://www.veeam.com/ent/v1.0"}

pytestmark = pytest.mark.anyio


def xml(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


async def test_the_root_is_public_and_lists_the_logon_url_of_each_supported_version(client):
    response = await client.get("/api/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "{http://www.veeam.com/ent/v1.0}EnterpriseManager"
    assert root.get("Type") == "EnterpriseManager" and root.get("Href") == "http://mock.test/api/"
    versions = {v.get("Name"): v.find("v:Links/v:Link", NS).get("Href")
                for v in root.iterfind("v:SupportedVersions/v:SupportedVersion", NS)}
    assert versions == {f"v1_{n}": f"http://mock.test/api/sessionMngr/?v=v1_{n}" for n in (5, 6, 7)}


@pytest.mark.parametrize("version", ["latest", "v1_7", "V1_7"])
async def test_logon_with_basic_credentials_answers_201_with_the_token_header_cookie_and_session(client, version):
    response = await client.post(f"/api/sessionMngr/?v={version}", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    assert response.status_code == 201
    token = response.headers["X-RestSvcSessionId"]
    assert len(token) >= 24
    assert f"X-RestSvcSessionId={token}; Path=/api" in response.headers["set-cookie"]
    body = xml(response)
    assert body.tag.endswith("}LogonSession") and body.get("Type") == "LogonSession"
    assert body.findtext("v:UserName", namespaces=NS) == DEFAULT_USER
    session_id = body.findtext("v:SessionId", namespaces=NS)
    assert body.get("Href") == f"http://mock.test/api/logonSessions/{session_id}" == response.headers["location"]
    assert session_id != token  # the public id is not the secret


async def test_the_logon_session_links_up_to_the_root_down_to_both_forms_of_each_collection_and_to_delete(client):
    body = xml(await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD)))
    links = [(l.get("Rel"), l.get("Href").removeprefix("http://mock.test/api/"), l.get("Type"))
             for l in body.iterfind("v:Links/v:Link", NS)]
    assert ("Up", "", "EnterpriseManager") in links
    assert ("Down", "jobs", "JobReferenceList") in links and ("Down", "jobs?format=Entity", "JobList") in links
    assert ("Down", "querySvc", "QueryService") in links and ("Down", "reports/summary", "Report") in links
    assert ("Delete", f"logonSessions/{body.findtext('v:SessionId', namespaces=NS)}", "LogonSession") in links


@pytest.mark.parametrize("auth", [(DEFAULT_USER, "wrong"), ("someone", DEFAULT_PASSWORD), None])
async def test_wrong_or_missing_credentials_are_refused_with_401_a_basic_challenge_and_an_error(client, auth):
    response = await client.post("/api/sessionMngr/?v=latest", auth=auth)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert "X-RestSvcSessionId" not in response.headers
    error = xml(response)
    assert error.tag.endswith("}Error")
    assert (error.get("StatusCode"), error.get("Status")) == ("401", "Unauthorized")


@pytest.mark.parametrize("query", ["?v=v1_4", "?v=v2"])
async def test_logon_for_an_unknown_version_is_a_400_error(client, query):
    response = await client.post(f"/api/sessionMngr/{query}", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    assert response.status_code == 400
    assert xml(response).get("Status") == "BadRequest"


async def test_logon_without_a_version_opens_a_session_of_the_latest(client):
    response = await client.post("/api/sessionMngr/", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    assert response.status_code == 201
    assert b"/api/agents" in response.content  # the latest version's table of contents


@pytest.mark.parametrize("path", ["/api/jobs", "/api/logonSessions", "/api/query?type=Job", "/api/querySvc",
                                  "/api/tasks", "/api/reports/summary"])
async def test_every_resource_but_the_root_needs_a_session_and_says_so_in_an_error_body(client, path):
    response = await client.get(path)
    assert response.status_code == 401
    error = xml(response)
    assert error.tag == "{http://www.veeam.com/ent/v1.0}Error"
    assert error.get("StatusCode") == "401" and "X-RestSvcSessionId" in error.get("Message")


async def test_an_unknown_token_is_refused(client):
    response = await client.get("/api/jobs", headers={"X-RestSvcSessionId": "not-a-token"})
    assert response.status_code == 401


async def test_the_session_cookie_alone_is_accepted(client):
    response = await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    token = response.headers["X-RestSvcSessionId"]
    client.cookies.clear()
    assert "X-RestSvcSessionId" not in client.headers
    client.cookies.set("X-RestSvcSessionId", token)
    assert (await client.get("/api/jobs")).status_code == 200


async def test_logout_answers_204_and_the_token_stops_working(session):
    own = xml(await session.get("/api/sessionMngr/?v=latest"))
    delete = next(l.get("Href") for l in own.iterfind("v:Links/v:Link", NS) if l.get("Rel") == "Delete")
    assert (await session.get("/api/jobs")).status_code == 200
    response = await session.delete(delete)
    assert response.status_code == 204 and response.content == b""
    assert (await session.get("/api/jobs")).status_code == 401
    assert (await session.get(delete)).status_code == 401


async def test_logon_sessions_are_listed_and_each_can_be_read_by_its_id(app, session, connect):
    async with connect(app):  # a second session
        listing = xml(await session.get("/api/logonSessions"))
        hrefs = [s.get("Href") for s in listing.iterfind("v:LogonSession", NS)]
        assert len(hrefs) == 2
        for href in hrefs:
            assert (await session.get(href)).status_code == 200
    assert (await session.get("/api/logonSessions/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_the_password_comes_from_the_argument_then_the_environment_then_the_default(monkeypatch, connect):
    data = generate_dataset(5)
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    for app, good in ((create_app(data, password="given"), "given"), (create_app(data), "from-env")):
        async with connect(app, logged_on=False) as c:
            assert (await c.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, good))).status_code == 201
            refused = await c.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
            assert refused.status_code == 401
    monkeypatch.delenv(PASSWORD_ENV)
    async with connect(create_app(data, user="operator"), logged_on=False) as c:
        body = xml(await c.post("/api/sessionMngr/?v=latest", auth=("operator", DEFAULT_PASSWORD)))
        assert body.findtext("v:UserName", namespaces=NS) == "operator"


async def test_the_logon_answer_carries_one_token_in_the_header_and_the_cookie(client):
    response = await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    token = response.headers["X-RestSvcSessionId"]
    assert client.cookies.get("X-RestSvcSessionId") == token
    client.cookies.clear()
    assert (await client.get("/api/jobs", headers={"X-RestSvcSessionId": token})).status_code == 200


async def test_when_cookie_and_header_are_both_sent_the_cookie_decides(client):
    token = (await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
             ).headers["X-RestSvcSessionId"]
    client.cookies.clear()
    client.cookies.set("X-RestSvcSessionId", token)
    assert (await client.get("/api/jobs", headers={"X-RestSvcSessionId": "not-a-token"})).status_code == 200
    client.cookies.set("X-RestSvcSessionId", "not-a-token")
    assert (await client.get("/api/jobs", headers={"X-RestSvcSessionId": token})).status_code == 401


async def test_the_list_of_logon_sessions_holds_the_callers_own_account_only(app, session):
    others = app.state.sessions.open("v1_7", user="operator")
    own = xml(await session.get("/api/sessionMngr/?v=latest")).findtext("v:SessionId", namespaces=NS)
    listing = xml(await session.get("/api/logonSessions"))
    assert [s.findtext("v:SessionId", namespaces=NS) for s in listing.iterfind("v:LogonSession", NS)] == [own]
    assert {s.findtext("v:UserName", namespaces=NS) for s in listing.iterfind("v:LogonSession", NS)} == {DEFAULT_USER}
    assert others.id != own


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_session_expires_after_its_idle_time_without_requests_and_every_request_renews_it(connect):
    clock = Clock()
    app = create_app(generate_dataset(5), session_idle=60, monotonic=clock)
    async with connect(app) as c:
        for _ in range(3):
            clock.now += 59
            assert (await c.get("/api/jobs")).status_code == 200
        clock.now += 60
        expired = await c.get("/api/jobs")
        assert expired.status_code == 401 and xml(expired).get("Status") == "Unauthorized"


async def test_the_idle_time_is_fifteen_minutes_unless_the_mock_is_told_otherwise(connect):
    clock = Clock()
    app = create_app(generate_dataset(5), monotonic=clock)
    async with connect(app) as c:
        clock.now += 15 * 60 - 1
        assert (await c.get("/api/jobs")).status_code == 200
        clock.now += 15 * 60
        assert (await c.get("/api/jobs")).status_code == 401


async def test_an_expired_session_is_gone_from_the_list_and_from_its_own_url(connect):
    clock = Clock()
    app = create_app(generate_dataset(5), session_idle=60, monotonic=clock)
    async with connect(app) as idle, connect(app) as busy:
        idle_url = xml(await idle.get("/api/sessionMngr/?v=latest")).get("Href")
        clock.now += 40
        busy_url = xml(await busy.get("/api/sessionMngr/?v=latest")).get("Href")
        clock.now += 40
        listing = xml(await busy.get("/api/logonSessions"))
        assert [s.get("Href") for s in listing.iterfind("v:LogonSession", NS)] == [busy_url]
        assert (await busy.get(idle_url)).status_code == 404


async def test_expired_sessions_are_dropped_so_the_mock_holds_only_live_ones(connect):
    clock = Clock()
    app = create_app(generate_dataset(5), session_idle=60, monotonic=clock)
    for _ in range(200):
        app.state.sessions.open("v1_7")
    assert len(app.state.sessions) == 200
    clock.now += 60
    async with connect(app):  # a logon of its own
        assert len(app.state.sessions) == 1


@pytest.mark.parametrize("idle", [0, -5])
def test_an_idle_time_that_is_not_positive_is_refused(idle):
    with pytest.raises(ValueError, match="session_idle"):
        create_app(generate_dataset(5), session_idle=idle)


async def test_the_token_is_base64_of_the_session_id_as_real_servers_mint_it(client):
    response = await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
    session_id = xml(response).findtext("v:SessionId", namespaces=NS)
    token = base64.b64encode(session_id.encode()).decode()
    assert response.headers["X-RestSvcSessionId"] == token
    client.cookies.clear()
    assert (await client.get("/api/jobs", headers={"X-RestSvcSessionId": token})).status_code == 200


async def test_two_sessions_have_two_tokens(client):
    tokens = {(await client.post("/api/sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD)))
              .headers["X-RestSvcSessionId"] for _ in range(2)}
    assert len(tokens) == 2
