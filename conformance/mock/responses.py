"""Turning a document tree into an HTTP response: faults, then XML or JSON as the client accepts."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from collections.abc import Mapping

from starlette.requests import HTTPConnection
from starlette.responses import Response

from .auth import HEADER
from .documents import error
from .fault_registry import Reply, apply_document, apply_reply, request_context
from .hrefs import View, base_url
from .render import JSON, XML, render
from .tree import Node
from .versions import SURFACES, contract_of

__all__ = ["JSON", "XML", "ApiError", "error_response", "guid_of", "param", "reply", "session_of", "view_of",
           "wants_json"]

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class ApiError(Exception):
    """A request the API refuses; rendered as an `Error` body with this status."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, dict(headers or {})


def session_of(conn: HTTPConnection) -> Any:
    """The caller's logon session, or the documented 401 with an Error body."""
    session = conn.app.state.sessions.of_request(conn.headers, conn.cookies)
    if session is None:
        raise ApiError(401, f"a valid {HEADER} header (or cookie) from POST /api/sessionMngr/ is required",
                       {"WWW-Authenticate": 'Basic realm="RestSvc"'})
    return session


def wants_json(accept: str | None) -> bool:
    """JSON only when asked for before (or instead of) XML; XML is the default."""
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("application/json", "text/json"):
            return True
        if media in ("application/xml", "text/xml"):
            return False
    return False


def param(conn: HTTPConnection, name: str) -> str | None:
    """A query parameter by name, matched case-insensitively (`Format=entity` works)."""
    wanted = name.casefold()
    return next((value for key, value in conn.query_params.multi_items() if key.casefold() == wanted), None)


def guid_of(conn: HTTPConnection, entity: str) -> str:
    """The id the path names, or a 400 Error when it is no GUID: a real server tells an id that
    cannot be one (400) from one that names nothing (404), and clients rely on the difference."""
    text = conn.path_params["id"]
    if not _GUID.fullmatch(text):
        raise ApiError(400, f"{text!r} is not an id of a {entity}: ids are GUIDs")
    return text


def job_of(conn: HTTPConnection) -> Any:
    """The job the path names, or a 404 Error; shared by reads and the operations on jobs."""
    job = conn.app.state.dataset.jobs.get(guid_of(conn, "Job"))
    if job is None:
        raise ApiError(404, f"no Job with id {conn.path_params['id']!r}")
    return job


_VIEW = "conformance.view"


def view_of(conn: HTTPConnection) -> View:
    """The data and the API root as this client addressed it (scheme, host and port of the request),
    in the API version of the caller's session, else the server's own."""
    state = conn.app.state
    session = state.sessions.of_request(conn.headers, conn.cookies)
    cached = conn.scope.get(_VIEW)
    if cached is not None and cached[0] is session:  # one view per request, unless it logged on meanwhile
        return cached[1]
    host = conn.headers.get("host") or conn.url.netloc
    contract = contract_of(session.version if session is not None else state.api_version)
    if getattr(state, "surface", SURFACES[0]) != SURFACES[0]:
        contract = replace(contract, areas=False)
    kept = None if state.faults else getattr(state, "kept", None)
    view = View(state.dataset, base_url(conn.url.scheme, host, conn.headers), contract, kept)
    conn.scope[_VIEW] = (session, view)
    return view


def reply(conn: HTTPConnection, node: Node, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """Apply the app's faults to the tree, serialise it, apply reply faults, and wrap it."""
    faults = conn.app.state.faults
    as_json = wants_json(conn.headers.get("accept"))
    context = request_context(conn, view_of(conn), as_json)
    node = apply_document(faults, node, context)
    body, media_type = render(node, as_json)
    out = apply_reply(faults, Reply(status, body, media_type, dict(headers or {}), node, context))
    return Response(out.body, out.status, headers=dict(out.headers), media_type=out.media_type)


def error_response(conn: HTTPConnection, status: int, message: str,
                   headers: Mapping[str, str] | None = None) -> Response:
    return reply(conn, error(status, message), status, headers)
