"""Reproductions: the requests that showed a problem, as a shell script a person can paste.

A finding's evidence is a few requests (one GET of a link's target, a probe, the requests of an
action scenario in order). The script logs on first, then sends them as the run did, with the
session id read from its own logon (`$SESSION`), never a value: secrets stay in environment
variables. URLs under the API root are written relative to `$CONFORMANCE_TARGET` (defaulting to
the run's root), so one script replays against the same server or another one; URLs an earlier
answer revealed (a Task's Href, a Location, the logon session's own URL) are read from that answer,
because a replay gets its own ids for them. Nothing here sends a request.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Replay", "Request", "SESSION_HEADER"]

SESSION_HEADER = "X-RestSvcSessionId"
"""The one vendor header the engine knows: every request after logon carries the session id in it."""
_DOUBLE_QUOTE_UNSAFE = set('$`"\\!')
_HEADER = 'awk \'tolower($1) == "{name}:" {{ print $2; exit }}\''
_FIRST_HREF = "grep -o 'Href=\"[^\"]*\"' | head -n 1 | cut -d '\"' -f 2"


@dataclass(frozen=True, slots=True)
class Request:
    """One request of a reproduction, as the run sent it, without any secret."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    """Headers that matter besides the session and the replay's Accept (Content-Type, another Accept)."""
    body: str = ""
    """The body as text, or as `\\xNN` escapes when `binary`."""
    binary: bool = False
    session: bool = True
    """Whether the session id is sent (a probe without session sends none)."""
    logon: bool = False
    """The logon POST: it opens the session the later steps send as `$SESSION`."""
    reveals: tuple[tuple[str, str], ...] = ()
    """URLs its answer names that later steps may use: ("location", URL) for its Location header,
    ("href", URL) for the answer's own Href (a Task's)."""
    note: str = ""
    """Why this step is there, when its neighbours do not say it."""


@dataclass(frozen=True)
class Replay:
    """How a script reaches the target the run judged: root, account, TLS, and for the mock how to
    start one like it (the run's mock is gone when the run ends)."""

    root: str
    api_version: str = "latest"
    user: str = "admin"
    tls: tuple[str, ...] = ()
    """curl's TLS options, as the run's: `-k` for `--insecure`, `--cacert PATH` for `--ca-bundle`."""
    password: str = "$CONFORMANCE_PASSWORD"
    """The shell expression that holds the password (a variable, never a value)."""
    mock: str | None = None
    """The command that starts a mock like the run's, on the run's port."""
    session_urls: frozenset[str] = frozenset()
    """The run's logon session URLs: a replay has its own, read from its logon."""
    note: str = ""
    accept: str = "application/xml"
    """The form asked for where a request names none: the run's `--format`, or a saved file's own form."""

    def script(self, requests: Sequence[Request]) -> str:
        """The script: where it runs, the logon, then the requests in order."""
        return _Script(self, list(requests)).render()


class _Script:
    def __init__(self, replay: Replay, requests: list[Request]) -> None:
        self.replay = replay
        self.requests = requests
        self.bound: list[tuple[str, str]] = [(url, "SESSION_URL") for url in sorted(replay.session_urls)]
        self.lines: list[str] = []

    def render(self) -> str:
        replay, requests = self.replay, self.requests
        needs_session = any(r.session and not r.logon for r in requests)
        if needs_session and not any(r.logon for r in requests[:self._first_session()]):
            requests.insert(0, Request("POST", f"{replay.root}sessionMngr/?v={replay.api_version}", session=False,
                                       logon=True))
        if replay.note:
            self.lines.append(f"# {replay.note}")
        if replay.mock:
            self.lines.append(f"# the run's mock is gone; start one like it first: {replay.mock}")
        self.lines.append(f"CONFORMANCE_TARGET=${{CONFORMANCE_TARGET:-{shlex.quote(replay.root)}}}")
        if any(r.logon for r in requests):
            self.lines.append(f"CONFORMANCE_USER=${{CONFORMANCE_USER:-{shlex.quote(replay.user)}}}")
        index = 0
        while index < len(requests):
            request = requests[index]
            repeat = 1
            while (index + repeat < len(requests) and requests[index + repeat] == request
                   and not self._revealed_later(request, index)):
                repeat += 1
            self._step(request, index, repeat)
            index += repeat
        return "\n".join(self.lines)

    def _first_session(self) -> int:
        return next(i for i, r in enumerate(self.requests) if r.session and not r.logon)

    def _later(self, index: int) -> list[Request]:
        return self.requests[index + 1:]

    def _used_later(self, url: str, index: int) -> bool:
        return any(_under(r.url, url) for r in self._later(index))

    def _revealed_later(self, request: Request, index: int) -> bool:
        return any(self._used_later(url, index) for _, url in request.reveals)

    def _step(self, request: Request, index: int, repeat: int) -> None:
        if request.note:
            self.lines.append(f"# {request.note}")
        if request.logon:
            self._logon(request, index)
            return
        command = self._curl(request)
        revealed = [(how, url) for how, url in request.reveals if self._used_later(url, index)]
        if not revealed:
            self.lines.append(command if repeat == 1 else f"for _ in $(seq {repeat}); do {command}; done")
            return
        self.lines.append(f"ANSWER=$({command} | tr -d '\\r'); printf '%s\\n' \"$ANSWER\"")
        for how, url in revealed:
            name = f"URL_{sum(n.startswith('URL_') for _, n in self.bound) + 1}"
            self.bound.append((url, name))
            read = _HEADER.format(name="location") if how == "location" else _FIRST_HREF
            self.lines.append(f"{name}=$(printf '%s\\n' \"$ANSWER\" | {read})")

    def _logon(self, request: Request, index: int) -> None:
        replay = self.replay
        self.bound += [(url, "SESSION_URL") for how, url in request.reveals if how == "href"]
        # The logon session's own URL is read from the answer only when a later step uses it.
        wants_url = any(self._url_var(r.url) == "SESSION_URL" for r in self._later(index))
        # The session's URL is read from the XML answer's root Href (JSON puts links before it).
        accept = "application/xml" if wants_url else replay.accept
        curl = ["curl", "-sS", *replay.tls, "-X", "POST", "-u", f'"$CONFORMANCE_USER:{replay.password}"',
                "-H", "'Content-Length: 0'", "-H", _quoted(f"Accept: {accept}")]
        url = self._url(request.url)
        session = _HEADER.format(name=SESSION_HEADER.lower())
        if not wants_url:
            self.lines.append(f"SESSION=$({' '.join(curl)} -D - -o /dev/null {url} | tr -d '\\r' | {session})")
            return
        self.lines.append(f"LOGON=$({' '.join(curl)} -i {url} | tr -d '\\r')")
        self.lines.append(f"SESSION=$(printf '%s\\n' \"$LOGON\" | {session})")
        self.lines.append(f"SESSION_URL=$(printf '%s\\n' \"$LOGON\" | {_FIRST_HREF})")

    def _curl(self, request: Request) -> str:
        parts = ["curl", "-sS", "-i", *self.replay.tls]
        if request.method != "GET":
            parts += ["-X", request.method]
        if request.session:
            parts += ["-H", f'"{SESSION_HEADER}: $SESSION"']
        headers = dict(request.headers)
        names = {k.lower() for k in headers}
        if "accept" not in names:
            headers = {"Accept": self.replay.accept, **headers}
        if request.body and "content-type" not in names:
            headers["Content-Type"] = ""  # curl would send a form type of its own; the run sent none
        if not request.body and request.method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        for key, value in headers.items():
            parts += ["-H", _quoted(f"{key}: {value}" if value else f"{key}:")]
        command = " ".join(parts)
        if request.binary:
            return f"printf '{request.body}' | {command} --data-binary @- {self._url(request.url)}"
        if request.body:
            command += f" --data-binary {_quoted(request.body)}"
        return f"{command} {self._url(request.url)}"

    def _url_var(self, url: str) -> str | None:
        return next((name for bound, name in reversed(self.bound) if _under(url, bound)), None)

    def _url(self, url: str) -> str:
        """The URL as the script writes it: from a variable where one holds its start, else literal."""
        for bound, name in reversed(self.bound):
            if _under(url, bound):
                return _joined(f"${name}", url[len(bound):])
        if url.startswith(self.replay.root):
            return _joined("${CONFORMANCE_TARGET}", url[len(self.replay.root):])
        return shlex.quote(url)


def _under(url: str, base: str) -> bool:
    """Whether `url` is `base` or lies below it (a path or query that goes on from it)."""
    return url == base or (url.startswith(base) and (base.endswith(("/", "?")) or url[len(base)] in "/?&"))


def _quoted(text: str) -> str:
    """One shell word on one line: in single quotes, or as `$'...'` where the text holds a quote or
    a line break (XML declarations are written with single quotes)."""
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    return f"$'{escaped}'"


def _joined(variable: str, rest: str) -> str:
    """A variable and a literal tail as one shell word: in double quotes where the tail allows it."""
    if not _DOUBLE_QUOTE_UNSAFE & set(rest):
        return f'"{variable}{rest}"'
    return f'"{variable}"{shlex.quote(rest)}'
