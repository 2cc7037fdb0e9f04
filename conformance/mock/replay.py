"""A recording served again: the mock's sessions, errors and faults around answers read from disk.

Every answer comes from the recording, its Hrefs written at the origin the client used. What the
recording cannot hold is the API's own behaviour, and the replay supplies it as the mock does: the
logon (with the recorded answer and a token of the caller's own) and the logoff, the documented
401 for a request without a session (unless the recording holds the answer to that very request),
404 with an Error for a URL the recording does not hold, 405 for a method it holds no answer to,
406 for a form (JSON, XML) it holds no answer in. Faults that can act on a recorded document or
reply act on it; the others are refused by name (`Fault.replay` says why).
"""

from __future__ import annotations

import copy
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..model.parsing import ParseError, media_kind
from ..recording import ENDED, NONE, ORIGIN, SESSION, Exchange, Recording, url_key
from .app import DEFAULT_PASSWORD, PASSWORD_ENV, Guard, api_error, fault_layers, http_error
from .auth import COOKIE, HEADER, IDLE, LogonSession, Sessions, resolve_version
from .faults import Reply, apply_document, apply_reply, request_context, select
from .recorded_trees import json_tree, xml_tree
from .render import JSON, XML, to_xml
from .responses import ApiError, param, reply, view_of, wants_json
from .versions import SURFACES

__all__ = ["ReplaySessions", "create_replay_app"]

_REALM = {"WWW-Authenticate": 'Basic realm="RestSvc"'}
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class ReplaySessions(Sessions):
    """The sessions of a replay: each is the recorded session (its id, so its recorded documents
    speak for it), with a token of its own; logging off one leaves the others open."""

    def __init__(self, session_id: str, user: str, password: str, idle: float = IDLE,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(0, user, password, idle, monotonic)
        self._recorded_id = session_id

    def _new_id(self) -> str:
        return self._recorded_id

    def _new_token(self, session_id: str) -> str:
        """Random: every session of a replay shares the recorded id, so its id cannot make its token."""
        return secrets.token_urlsafe(24)


def _origin(request: Request) -> str:
    """`scheme://host[:port]` as the client addressed the replay (forwarding headers honoured)."""
    return view_of(request).base.removesuffix("/api/")


def _session_state(request: Request) -> tuple[str, LogonSession | None]:
    caller = request.app.state.sessions.of_request(request.headers, request.cookies)
    if caller is not None:
        return SESSION, caller
    presented = request.cookies.get(COOKIE) or request.headers.get(HEADER.lower())
    return (ENDED if presented else NONE), None


def _faulted(request: Request, exchange: Exchange, body: bytes, media: str | None,
             headers: dict[str, str]) -> tuple[int, bytes, str | None, dict[str, str]]:
    """The answer with the app's faults applied to its document (when it reads as one) and reply."""
    faults = request.app.state.faults
    as_json = wants_json(request.headers.get("accept"))
    context = request_context(request, view_of(request), as_json)
    kind = media_kind(media)
    document = None
    try:
        if kind == "xml":
            document = xml_tree(body)
            before = copy.deepcopy(document)
            document = apply_document(faults, document, context)
            if document != before:
                body = to_xml(document)
        elif kind == "json":
            tree = json_tree(body)
            before = copy.deepcopy(tree.root)
            tree.root = apply_document(faults, tree.root, context)
            if tree.root != before:
                body = tree.dumps()
            document = _xml_twin(request, exchange, context) or tree.root
    except (ParseError, ValueError):
        document = None  # a body that does not read as a document is answered as recorded
    typed = XML if kind == "xml" else JSON if kind == "json" else media or ""
    out = apply_reply(faults, Reply(exchange.status, body, typed, headers, document, context))
    return out.status, out.body, (media if out.media_type == typed else out.media_type), dict(out.headers)


def _xml_twin(request: Request, exchange: Exchange, context: Any) -> Any:
    """The XML form of a JSON answer's resource, faults applied: the tree a reply fault re-renders."""
    recording: Recording = request.app.state.recording
    twin = recording.find(exchange.method, exchange.url, "xml", exchange.session)
    if twin is None or media_kind(twin.content_type) != "xml":
        return None
    body = recording.body(twin).replace(ORIGIN.encode(), _origin(request).encode())
    return apply_document(request.app.state.faults, xml_tree(body), context)


def _answer(request: Request, exchange: Exchange, extra: dict[str, str] | None = None) -> Response:
    """A recorded answer, at the client's origin, through the faults."""
    recording: Recording = request.app.state.recording
    origin = _origin(request)
    body = recording.body(exchange).replace(ORIGIN.encode(), origin.encode())
    media = exchange.content_type
    headers = {k: v.replace(ORIGIN, origin) for k, v in exchange.headers if k.lower() != "content-type"}
    headers.update(extra or {})
    code = exchange.status
    if request.app.state.faults:
        code, body, media, headers = _faulted(request, exchange, body, media, headers)
    return Response(body, code, headers=headers, media_type=media)


async def _logon(request: Request, recording: Recording, logon: Exchange) -> Response:
    """The recorded logon answer, for a session of the caller's own (the recorded API version only)."""
    version = resolve_version(param(request, "v") or "latest", (recording.api_version,))
    if version is None:
        raise ApiError(400, f"v: {param(request, 'v')!r} is not the API version of this recording; use latest or "
                            f"{recording.api_version}")
    sessions: Sessions = request.app.state.sessions
    if not sessions.accepts(request.headers.get("authorization")):
        raise ApiError(401, "logon refused: wrong or missing Basic credentials", _REALM)
    session = sessions.open(version)
    response = _answer(request, logon, extra={HEADER: session.token})
    response.headers.append("Set-Cookie", f"{COOKIE}={session.token}; Path=/api; HttpOnly")
    return response


def _logoff(request: Request, caller: LogonSession, recorded: Exchange | None) -> Response:
    request.app.state.sessions.close(caller)
    response = _answer(request, recorded) if recorded is not None else Response(status_code=204)
    response.headers.append("Set-Cookie", f"{COOKIE}=; Path=/api; Max-Age=0")
    return response


async def replay(request: Request) -> Response:
    """Every request: the recorded answer to its form, else what the API documents."""
    recording: Recording = request.app.state.recording
    method, key = request.method, url_key(str(request.url))
    accept = "json" if wants_json(request.headers.get("accept")) else "xml"
    logon: Exchange | None = request.app.state.logon
    if method == "POST" and logon is not None and _path(key) == _path(url_key(logon.url)):
        return await _logon(request, recording, logon)
    state, caller = _session_state(request)
    if method == "DELETE" and caller is not None and key == request.app.state.session_key:
        return _logoff(request, caller, recording.find("DELETE", key, accept, SESSION))
    found = recording.find(method, key, accept, state)
    if found is None and state != SESSION and key == request.app.state.root:  # the API root is public
        found = recording.find(method, key, accept, SESSION)
    if found is not None:
        return _answer(request, found)
    if state != SESSION:
        raise ApiError(401, f"a valid {HEADER} header (or cookie) from POST /api/sessionMngr/ is required",
                       _REALM)
    forms = recording.forms(key)
    if not forms:
        raise ApiError(404, f"no resource at {request.url.path}: the recording holds no answer there")
    methods = sorted({m for m, _ in forms})
    if method not in methods:
        raise ApiError(405, f"{method} is not supported on {request.url.path}", {"Allow": ", ".join(methods)})
    error = _error_as_json(request, recording, method, key, accept, state)
    if error is not None:
        return error
    wanted = "JSON" if accept == "json" else "XML"
    raise ApiError(406, f"the recording holds no {wanted} form of {request.url.path}")


def _error_as_json(request: Request, recording: Recording, method: str, key: str, accept: str,
                         state: str) -> Response | None:
    """An Error the recording holds as XML, as JSON: the same status and message (an unknown id
    asked for as JSON is still a 404, not a missing form)."""
    other = recording.find(method, key, "xml", state) if accept == "json" else None
    if other is None or other.status < 400 or media_kind(other.content_type) != "xml":
        return None
    try:
        document = xml_tree(recording.body(other))
    except ParseError:
        return None
    if document.name != "Error":
        return None
    headers = {k: v for k, v in other.headers if k.lower() != "content-type"}
    return reply(request, document, other.status, headers)


def _path(key: str) -> str:
    """The path of a URL key, trailing slash aside (`/api/sessionmngr/?v=v1_7` is `/api/sessionmngr`)."""
    return key.split("?", 1)[0].rstrip("/")


def _session_id(recording: Recording) -> str:
    url = recording.session_url or ""
    return url.rstrip("/").rsplit("/", 1)[-1].lower() or "00000000-0000-4000-8000-000000000000"


def create_replay_app(recording: Recording | str | os.PathLike[str], *, faults: Iterable[str] = (),
                      user: str | None = None, password: str | None = None, latency_ms: float = 0.0,
                      session_idle: float = IDLE, monotonic: Callable[[], float] = time.monotonic) -> Starlette:
    """An app that serves a recording (a folder or a loaded one) with the named faults on top.

    The account is the recording's user unless `user` names another; the password is `password`,
    else `CONFORMANCE_MOCK_PASSWORD`, else the mock's default. A fault that cannot act on a replay,
    or an unknown one, raises ValueError naming it; a folder that is no recording, RecordingError.
    """
    loaded = recording if isinstance(recording, Recording) else Recording.load(Path(recording))
    selected = select((faults,) if isinstance(faults, str) else faults)
    for fault in selected:
        if fault.replay is not None:
            raise ValueError(f"fault {fault.name!r} cannot act on a replay: {fault.replay}")
    if latency_ms < 0:
        raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
    app = Starlette(
        routes=[Route("/{path:path}", replay, methods=_METHODS)],
        middleware=[Middleware(Guard, latency=latency_ms / 1000), *fault_layers(selected)],
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.state.recording = loaded
    app.state.logon = loaded.logon
    app.state.session_key = url_key(loaded.session_url) if loaded.session_url else None
    app.state.root = url_key(str(loaded.meta.get("root") or ORIGIN + "/api/"))
    app.state.dataset = None  # no generated data: faults that need it are refused above
    app.state.api_version, app.state.api_versions = loaded.api_version, (loaded.api_version,)
    app.state.faults = selected
    app.state.surface = SURFACES[0]
    account = user or str(loaded.meta.get("user") or "admin")
    secret = password if password is not None else os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD)
    app.state.sessions = ReplaySessions(_session_id(loaded), account, secret, session_idle, monotonic)
    app.state.cache = {}
    return app
