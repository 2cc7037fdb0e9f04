"""The records a run keeps beside its resources: what the probes and the action phase observed.

They are evidence, not verdicts: the protocol and action rules judge them later, and the snapshot
saves and loads them with the resources. They live with the snapshot, not with the code that sends
the requests, so the data layer imports nothing that talks to a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from .links import Link
from .reproduce import SESSION_HEADER, Request

__all__ = ["ActionEvidence", "Exchange", "Probe", "State"]


@dataclass(frozen=True, slots=True)
class Probe:
    """One probe request and what came back, tied to the resource it sampled."""

    name: str
    url: str
    """The sampled resource this probe speaks about."""
    method: str
    request_url: str
    headers: tuple[tuple[str, str], ...] = ()
    """Request headers that matter to the reader (secrets masked)."""
    status: int | None = None
    content_type: str | None = None
    root: str | None = None
    error_status: str | None = None
    """The `StatusCode` attribute of an `Error` body, when the body is one."""
    links: tuple[Link, ...] = ()
    excerpt: str = ""
    error: str | None = None
    schema_errors: tuple[str, ...] = ()
    """What the schemas found in the answer (a JSON answer is read onto their types)."""
    validated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "links": [link.to_dict() for link in self.links]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Probe:
        values = dict(data)
        values["headers"] = tuple(tuple(h) for h in values.get("headers", ()))
        values["schema_errors"] = tuple(values.get("schema_errors", ()))
        values["links"] = tuple(Link.from_dict(link) for link in values.get("links", ()))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request the action phase sent and what came back (secrets masked, bodies bounded)."""

    purpose: str
    """'action' (the request under test), 'poll' (a Task), 'link' (a link of a Task), 'check' (a
    GET that verifies an outcome), 'setup' (a GET that prepares one)."""
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    """The request body as text (passwords masked), or as `\\xNN` escapes when `binary`."""
    binary: bool = False
    status: int | None = None
    content_type: str | None = None
    root: str | None = None
    error_status: str | None = None
    """`StatusCode` of an `Error` body."""
    location: str | None = None
    href: str | None = None
    """The answer's own Href (absolute): what a Task or a logon session says it is."""
    task_state: str | None = None
    """`State` of a `Task` body."""
    schema_errors: tuple[str, ...] = ()
    validated: bool = False
    excerpt: str = ""
    error: str | None = None
    """Why no response arrived."""

    def request(self) -> Request:
        """The request as a reproduction sends it: the logon (Basic credentials) or a request with
        or without the session id, its Content-Type and body, and the URLs a write's answer named
        (a Task's Href, a Location), which a replay reads from its own answer."""
        names = {k.lower() for k, _ in self.headers}
        kept = tuple((k, v) for k, v in self.headers if k.lower() not in ("authorization", SESSION_HEADER.lower()))
        reveals: list[tuple[str, str]] = []
        if self.method != "GET":
            if self.location and self.location != self.url:
                reveals.append(("location", self.location))
            if self.href and self.href not in (self.url, self.location):
                reveals.append(("href", self.href))
        return Request(self.method, self.url, kept, self.body, self.binary, session=SESSION_HEADER.lower() in names,
                       logon="authorization" in names, reveals=tuple(reveals))

    def answered(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        parts = [f"HTTP {self.status}"]
        if self.root:
            parts.append(f"with a {self.root} body")
        elif self.status != 204:
            parts.append(f"({self.content_type or 'no Content-Type'}, no document)")
        if self.task_state:
            parts.append(f"in state {self.task_state}")
        return " ".join(parts)


State = tuple[tuple[str, str], ...]
"""What an entity says about itself: (element or @attribute, value) of its simple parts, sorted."""


@dataclass(frozen=True, slots=True)
class ActionEvidence:
    """One scenario of the action phase, tied to the crawled resource that offered the link."""

    check: str
    """'valid', 'invalid', 'task', 'task_delete', 'create', 'delete', 'reversible', 'sequence' (the jobs'),
    'lifecycle_members' or 'lifecycle_edits' (a type's lifecycle)."""
    rel: str
    url: str
    """The crawled resource whose link was followed: findings attach to it (and its kind)."""
    href: str
    """The link's Href as followed (or as varied, for an unknown id or action)."""
    case: str = ""
    """What was sent, in words: 'valid JobCloneSpec', 'invalid: wrong namespace', 'unknown id'."""
    exchanges: tuple[Exchange, ...] = ()
    expected_status: int | None = None
    returns: str | None = None
    """What the profile documents besides the status: 'Task', 'Location' or 'nothing'."""
    final_states: tuple[str, ...] = ()
    polls: int = 0
    """The polling bound a Task had to reach a final state within."""
    subject: str | None = None
    """The resource created, or deleted."""
    collection: str | None = None
    """Where the created resource must be listed (the Create link's target), or was listed."""
    listed: bool | None = None
    owner_down: bool | None = None
    """Whether the resource that offered Create links Down to `collection`."""
    up: tuple[str, ...] = ()
    """The Up links of the created resource (both forms)."""
    lingering: tuple[str, ...] = ()
    """Documents re-fetched after a Delete that still link to the deleted resource."""
    before: State = ()
    middle: State = ()
    after: State = ()
    observe: tuple[str, ...] = ()
    steps: tuple[Exchange, ...] = ()
    """The requests of a minimal failing sequence, in order, from its logon on."""
    divergence: str | None = None
    """How the server's state departed from what the sequence should have left (expected; actual)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionEvidence:
        values = dict(data)
        for name in ("exchanges", "steps"):
            values[name] = tuple(_exchange(e) for e in values.get(name, ()) if isinstance(e, Mapping))
        for f in fields(cls):
            if f.name in ("before", "middle", "after"):
                values[f.name] = tuple(tuple(pair) for pair in values.get(f.name, ()))
            elif f.name in ("final_states", "up", "lingering", "observe"):
                values[f.name] = tuple(values.get(f.name, ()))
        return cls(**values)


def _exchange(data: Mapping[str, Any]) -> Exchange:
    return Exchange(**{**data, "headers": tuple(tuple(h) for h in data.get("headers", ())),
                       "schema_errors": tuple(data.get("schema_errors", ()))})
