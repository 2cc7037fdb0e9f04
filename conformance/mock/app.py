"""The mock Enterprise Manager as an ASGI app: the routes table and its short endpoints."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .area_routes import estate_for, surface_endpoint
from .auth import COOKIE, HEADER, IDLE, LATEST, LogonSession, Sessions, resolve_version
from .data import generate_dataset
from .documents import enterprise_manager, logon_session, logon_sessions, object_in_job_doc, objects_in_job, task, tasks
from .fault_registry import CallNext
from .faults import Fault, select
from .kept import Kept
from .kinds import KINDS, Kind, find_kind
from .model import Dataset
from .query import QueryError
from .query_service import area_rows, parse_query, query_result, query_service, run
from .records import Row, rows
from .reports import FRAMES, Summary, summarise, summary_report
from .responses import ApiError, error_response, guid_of, job_of, param, reply, session_of, view_of
from .operations import change_item, create_include, delete_include, perform
from .tasks import TaskBoard
from .versions import SURFACES, versions_up_to
from .views import entity, entity_list, reference, references

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_USER", "PASSWORD_ENV", "Guard", "api_error", "create_app", "fault_layers",
           "http_error"]

DEFAULT_USER = "admin"
PASSWORD_ENV = "CONFORMANCE_MOCK_PASSWORD"
DEFAULT_PASSWORD = "mock-password"
_REALM = {"WWW-Authenticate": 'Basic realm="RestSvc"'}
_log = logging.getLogger(__name__)


# -- helpers: each looks something up or refuses with the documented status ------------------------

def _session(conn: HTTPConnection) -> LogonSession:
    session: LogonSession = session_of(conn)
    return session


def _kind(conn: HTTPConnection) -> Kind:
    kind = find_kind(conn.path_params["collection"])
    if kind is None or not view_of(conn).contract.serves(kind):  # not there yet in the caller's API version
        raise ApiError(404, f"no resource collection at {conn.url.path}")
    return kind


def _item(conn: HTTPConnection) -> tuple[Kind, Any]:
    kind = _kind(conn)
    obj = kind.items(conn.app.state.dataset).get(guid_of(conn, kind.entity))
    if obj is None:
        raise ApiError(404, f"no {kind.entity} with id {conn.path_params['id']!r}")
    return kind, obj


def _entity_form(conn: HTTPConnection) -> bool:
    value = (param(conn, "format") or "reference").casefold()
    if value not in ("entity", "reference"):
        raise ApiError(400, f"format: {param(conn, 'format')!r} is not a representation; use Entity or Reference")
    return value == "entity"


def _cached(conn: HTTPConnection, key: Any, build: Any) -> Any:
    cache = conn.app.state.cache
    if key not in cache:
        cache[key] = build()
    return cache[key]


async def _start(request: Request, kind: Kind, obj: Any | None) -> Response:
    """POST `?action=...`: the operation runs as a Task (202 with it; see `operations`)."""
    name = param(request, "action")
    if name is None:
        raise ApiError(405, f"POST is not supported on {request.url.path} without an action", {"Allow": "GET, POST"})
    actions = kind.actions if obj is not None else kind.collection_actions
    action = next((a for a in actions if a.action.casefold() == name.casefold() and (obj is None or a.applies(obj))),
                  None)
    if action is None or not view_of(request).contract.offers(kind, action):
        raise ApiError(400, f"action {name!r} is not available on {request.url.path}")
    return await perform(request, kind, obj, action)


# -- endpoints -------------------------------------------------------------------------------------

async def api_root(request: Request) -> Response:
    return reply(request, enterprise_manager(view_of(request), request.app.state.api_versions))


async def session_manager(request: Request) -> Response:
    """POST logs on with Basic credentials (201 + token); GET shows the caller's own session."""
    supported = request.app.state.api_versions
    version = resolve_version(param(request, "v") or "latest", supported)  # no `v`: the latest
    if version is None:
        raise ApiError(400, f"v: {param(request, 'v')!r} is not a supported API version; "
                            f"use latest, {', '.join(reversed(supported))}")
    if request.method == "GET":
        return reply(request, logon_session(view_of(request), _session(request)))
    sessions: Sessions = request.app.state.sessions
    if not sessions.accepts(request.headers.get("authorization")):
        raise ApiError(401, "logon refused: wrong or missing Basic credentials", _REALM)
    session = sessions.open(version)
    v = view_of(request)
    response = reply(request, logon_session(v, session), 201,
                     {HEADER: session.token, "Location": v.href(f"logonSessions/{session.id}")})
    response.headers.append("Set-Cookie", f"{COOKIE}={session.token}; Path=/api; HttpOnly")
    return response


async def session_list(request: Request) -> Response:
    """The live logon sessions of the caller's own account."""
    caller = _session(request)
    return reply(request, logon_sessions(view_of(request), request.app.state.sessions.of_user(caller.user)))


async def session_item(request: Request) -> Response:
    caller = _session(request)
    target = request.app.state.sessions.get(request.path_params["id"])
    if target is None:
        raise ApiError(404, f"no logon session with id {request.path_params['id']!r}")
    if request.method == "GET":
        return reply(request, logon_session(view_of(request), target))
    request.app.state.sessions.close(target)
    response = Response(status_code=204)
    if target is caller:
        response.headers.append("Set-Cookie", f"{COOKIE}=; Path=/api; Max-Age=0")
    return response


def _core(request: Request, sub: bool = False) -> bool:
    """Whether the path names a hand-built key resource (else the table's areas answer it)."""
    kind = find_kind(request.path_params["collection"])
    if kind is None:
        return False
    return not sub or any(s.segment.casefold() == request.path_params["sub"] for s in kind.subs)


async def collection(request: Request) -> Response:
    if not _core(request):
        return await surface_endpoint(request)
    kind = _kind(request)
    _session(request)
    if request.method == "POST":
        return await _start(request, kind, None)
    v = view_of(request)
    objs = kind.items(v.ds).values()
    key = ("all",)
    return reply(request, entity_list(v, kind, objs, key) if _entity_form(request) else references(v, kind, objs, key))


async def item(request: Request) -> Response:
    if not _core(request):
        return await surface_endpoint(request)
    kind, obj = _item(request)
    _session(request)
    if request.method == "POST":
        return await _start(request, kind, obj)
    v = view_of(request)
    return reply(request, entity(v, kind, obj) if _entity_form(request) else reference(v, kind, obj))


async def sub_collection(request: Request) -> Response:
    if not _core(request, sub=True):
        return await surface_endpoint(request)
    kind, obj = _item(request)
    _session(request)
    sub = next((s for s in kind.subs if s.segment.casefold() == request.path_params["sub"]), None)
    if sub is None:
        raise ApiError(404, f"no resource collection at {request.url.path}")
    v = view_of(request)
    child = KINDS[sub.kind]
    objs = [child.items(v.ds)[i] for i in v.ds.kids(sub.relation, obj.id)]
    key = (kind.path, obj.id, sub.segment)
    return reply(request, entity_list(v, child, objs, key) if _entity_form(request) else references(v, child, objs, key))


async def job_includes(request: Request) -> Response:
    job = job_of(request)
    _session(request)
    return reply(request, objects_in_job(view_of(request), job))


async def job_include(request: Request) -> Response:
    job = job_of(request)
    _session(request)
    inc = request.app.state.dataset.includes.get(request.path_params["include"])
    if inc is None or inc.job_id != job.id:
        raise ApiError(404, f"job {job.id} has no included object {request.path_params['include']!r}")
    return reply(request, object_in_job_doc(view_of(request), job, inc))


async def task_list(request: Request) -> Response:
    _session(request)
    return reply(request, tasks(view_of(request), request.app.state.tasks.all()))


async def task_item(request: Request) -> Response:
    _session(request)
    board: TaskBoard = request.app.state.tasks
    found = board.get(request.path_params["id"])
    if found is None:
        raise ApiError(404, f"no task with id {request.path_params['id']!r}")
    if request.method == "DELETE":
        board.remove(found.id)
        return Response(status_code=204)
    return reply(request, task(view_of(request), board.observe(found.id) or found))


async def query_svc(request: Request) -> Response:
    return reply(request, query_service(view_of(request), _session(request)))


async def query(request: Request) -> Response:
    _session(request)
    v = view_of(request)
    wanted = parse_query(request.query_params.multi_items())

    estate = estate_for(request)

    def rows_of(path: str) -> list[Row]:
        if path in KINDS:
            return _cached(request, ("rows", path), lambda: rows(v.ds, path))
        return _cached(request, ("rows", path, v.contract.version), lambda: area_rows(v, estate, path))

    page = run(v, wanted, request.app.state.tasks.all(), rows_of)
    return reply(request, query_result(v, wanted, page, estate))


async def report(request: Request) -> Response:
    _session(request)
    return reply(request, summary_report(view_of(request)))


async def report_frame(request: Request) -> Response:
    _session(request)
    frame = FRAMES.get(request.path_params["frame"])
    if frame is None:
        raise ApiError(404, f"no report frame at {request.url.path}")
    v = view_of(request)
    figures: Summary = _cached(request, "summary", lambda: summarise(v.ds))
    return reply(request, frame[1](v, figures))


# Paths are matched in lower case (the guard folds them), so every template here is lower case.
ROUTES = [
    Route("/api/", api_root, methods=["GET"]),
    Route("/api", api_root, methods=["GET"]),
    Route("/api/sessionmngr/", session_manager, methods=["GET", "POST"]),
    Route("/api/sessionmngr", session_manager, methods=["GET", "POST"]),
    Route("/api/logonsessions", session_list, methods=["GET"]),
    Route("/api/logonsessions/{id}", session_item, methods=["GET", "DELETE"]),
    Route("/api/querysvc", query_svc, methods=["GET"]),
    Route("/api/query", query, methods=["GET"]),
    Route("/api/reports/summary", report, methods=["GET"]),
    Route("/api/reports/summary/{frame}", report_frame, methods=["GET"]),
    Route("/api/tasks", task_list, methods=["GET"]),
    Route("/api/tasks/{id}", task_item, methods=["GET", "DELETE"]),
    Route("/api/jobs/{id}/includes", job_includes, methods=["GET"]),
    Route("/api/jobs/{id}/includes", create_include, methods=["POST"]),
    Route("/api/jobs/{id}/includes/{include}", job_include, methods=["GET"]),
    Route("/api/jobs/{id}/includes/{include}", delete_include, methods=["DELETE"]),
    Route("/api/{collection}", collection, methods=["GET", "POST"]),
    Route("/api/{collection}/{id}", item, methods=["GET", "POST"]),
    Route("/api/{collection}/{id}", change_item, methods=["PUT", "DELETE"]),
    Route("/api/{collection}/{id}/{sub}", sub_collection, methods=["GET"]),
    Route("/api/{collection}/{id}/{sub}", surface_endpoint, methods=["POST", "PUT", "DELETE"]),
    Route("/api/{path:path}", surface_endpoint, methods=["GET", "POST", "PUT", "DELETE"]),
]


# -- errors and the guard around every request ------------------------------------------------------

async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.message, exc.headers)


async def _query_error(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, f"bad query: {exc}")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"{request.method} is not supported on {request.url.path}"
    elif exc.status_code == 404:
        message = f"no resource at {request.url.path}"
    else:
        message = exc.detail
    return error_response(request, exc.status_code, message, exc.headers)


class Guard:
    """Outermost layer: folds the path to lower case, adds the latency, and turns a crash into a 500 `Error`."""

    def __init__(self, app: ASGIApp, latency: float = 0.0) -> None:
        self.app, self.latency = app, latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["path"] = scope["path"].lower()
        if self.latency:
            await asyncio.sleep(self.latency)
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            _log.exception("mock: request %s %s failed", scope["method"], scope["path"])
            if started:
                raise
            response = error_response(HTTPConnection(scope), 500, "internal error in the mock server")
            await response(scope, receive, send)


class Exchange:
    """A fault that acts on the exchange itself (`dispatch(request, call_next)`), as plain ASGI.

    The answer of the app below is taken whole before the fault sees it: the mock builds every
    answer whole anyway, so no task group or stream is needed per request, which in Starlette's
    `BaseHTTPMiddleware` cost more CPU than the mock's own work. A body the fault reads is given to
    the app below as well."""

    def __init__(self, app: ASGIApp, dispatch: Callable[[Request, CallNext], Awaitable[Response]]) -> None:
        self.app, self.dispatch = app, dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def call_next(request: Request) -> Response:
            body, given = await request.body(), False

            async def replay() -> Message:
                nonlocal given
                if given:
                    return await receive()  # past the body: what the connection says next (a disconnect)
                given = True
                return {"type": "http.request", "body": body, "more_body": False}

            said: list[Message] = []

            async def keep(message: Message) -> None:
                said.append(message)

            await self.app(scope, replay, keep)
            start = next(m for m in said if m["type"] == "http.response.start")
            answer = Response(b"".join(m.get("body", b"") for m in said if m["type"] == "http.response.body"),
                              status_code=start["status"])
            answer.raw_headers = list(start.get("headers", ()))
            return answer

        response = await self.dispatch(Request(scope, receive), call_next)
        await response(scope, receive, send)


def fault_layers(faults: Iterable[Fault]) -> list[Middleware]:
    """One layer per fault that acts on the exchange itself (who may ask, what a request changes),
    inside the guard so it sees the folded path; document and reply faults need none."""
    return [Middleware(Exchange, dispatch=f.exchange) for f in faults if f.exchange is not None]


def create_app(dataset: Dataset | None = None, *, faults: Iterable[str] = (), user: str = DEFAULT_USER,
               password: str | None = None, latency_ms: float = 0.0, api_version: str = LATEST,
               session_idle: float = IDLE, monotonic: Callable[[], float] = time.monotonic,
               surface: str = SURFACES[0]) -> Starlette:
    """A fresh mock: its own data, sessions and tasks on `app.state`, with the named faults switched on.

    The password defaults to the `CONFORMANCE_MOCK_PASSWORD` environment variable, else
    `DEFAULT_PASSWORD`. Unknown fault names raise ValueError listing the known ones.
    `api_version` is the newest API version the server speaks (`latest` at logon); sessions opened
    with an older `?v=` keep that version's contract (see `versions`). A session expires after
    `session_idle` seconds without a request, as `monotonic` counts them (tests pass their own clock).
    """
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, got {surface!r}")
    selected = select((faults,) if isinstance(faults, str) else faults)
    supported = versions_up_to(api_version)
    if latency_ms < 0:
        raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
    ds = dataset if dataset is not None else generate_dataset()
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Guard, latency=latency_ms / 1000), *fault_layers(selected)],
        exception_handlers={ApiError: api_error, QueryError: _query_error, HTTPException: http_error},
    )
    app.state.dataset = ds
    app.state.api_version, app.state.api_versions = api_version, supported
    app.state.faults = selected
    app.state.surface = surface
    app.state.sessions = Sessions(ds.seed, user, password if password is not None else
                                  os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD), session_idle, monotonic)
    app.state.tasks = TaskBoard(ds.tasks)
    app.state.cache = {}
    app.state.kept = Kept()
    return app
