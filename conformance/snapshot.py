"""The compact index a crawl produces: one record per URL, and how to save and load it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .links import Link

__all__ = ["SNAPSHOT_FORMAT", "Resource", "Snapshot"]

SNAPSHOT_FORMAT = "conformance-snapshot/1"


@dataclass(frozen=True, slots=True)
class Resource:
    """Everything the rules may know about one fetched URL; the body itself is not kept."""

    url: str
    """Normalised absolute URL that was fetched."""
    status: int | None
    """HTTP status, or None when no response arrived (see `error`)."""
    content_type: str | None = None
    root: str | None = None
    """Local name of the root element (XML), or the root the JSON form stands for (`json_root`)."""
    type: str | None = None
    """The root's own `Type` attribute, when it declares one."""
    href: str | None = None
    """The root's own `Href` attribute: where the resource says it lives."""
    name: str | None = None
    uid: str | None = None
    links: tuple[Link, ...] = ()
    members: tuple[Link, ...] = ()
    schema_errors: tuple[str, ...] = ()
    """Validation messages ("line N: path: reason"), empty when valid or not validated."""
    validated: bool = False
    """Whether the body was checked against the schemas at all (XML whose root they declare)."""
    undeclared_root: str | None = None
    """The root element, when no loaded schema declares it: the body was not validated (a coverage
    gap, not a violation)."""
    error: str | None = None
    """Why the resource could not be fetched or read; the rules that need it say so."""
    elapsed_ms: float = 0.0
    size: int = 0
    excerpt: str = ""
    """The first bytes of the body, for findings to show what came back."""
    via: Link | None = None
    """The first link the crawl followed to get here (None for the entry points)."""
    method: str = "GET"
    """How it was asked for: GET for everything the crawl walks, POST for the logon answer."""
    location: str | None = None
    """For the answer to a POST that created something (the logon session): where the created
    resource lives, its Location header or else its own Href. Its links speak for that resource."""

    @property
    def kind(self) -> str:
        """The resource type used to group test items: stable across servers and runs.

        The server's own words first (the root's `Type`), then the root element; a resource
        that never produced a document is grouped by what went wrong.
        """
        if self.type:
            return self.type
        if self.root:
            return self.root
        return "unreachable" if self.status is None else f"HTTP{self.status}"

    @property
    def own_links(self) -> tuple[Link, ...]:
        """The links of the document's own element (held by no element, or by one named like the
        document), not those of the items it embeds, which are judged where they are served."""
        return tuple(link for link in self.links if link.owner in (None, self.href, self.url))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Resource:
        values = dict(data)
        values["links"] = tuple(Link(**item) for item in values.get("links", ()))
        values["members"] = tuple(Link(**item) for item in values.get("members", ()))
        values["schema_errors"] = tuple(values.get("schema_errors", ()))
        if values.get("via"):
            values["via"] = Link(**values["via"])
        return cls(**values)


@dataclass(slots=True)
class Snapshot:
    """The crawl's result: resources by URL, plus what the run knew about the target."""

    root_url: str
    """The API root (`.../api/`), the reference for same-origin checks."""
    resources: dict[str, Resource] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    """Run facts: api version, profile, start/end times, limits hit, skipped URLs."""
    probes: list[Any] = field(default_factory=list)
    """`probes.Probe` records: requests beyond the crawl, for the protocol rules."""
    actions: list[Any] = field(default_factory=list)
    """`actions.evidence.ActionEvidence` records: what following operation links did, for the action rules."""

    def probes_for(self, url: str, name: str) -> list[Any]:
        return [p for p in self.probes if p.url == url and p.name == name]

    def actions_for(self, url: str) -> list[Any]:
        """The action evidence about the links of one resource (the resource that offered them)."""
        return [a for a in self.actions if a.url == url]

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    def get(self, url: str) -> Resource | None:
        return self.resources.get(url)

    def add(self, resource: Resource) -> None:
        self.resources[resource.url] = resource

    def kinds(self) -> dict[str, list[Resource]]:
        """Resources grouped by kind, both in sorted order, so item order never varies."""
        groups: dict[str, list[Resource]] = {}
        for res in sorted(self.resources.values(), key=lambda r: r.url):
            groups.setdefault(res.kind, []).append(res)
        return dict(sorted(groups.items()))

    def save(self, path: str | Path) -> None:
        data = {"format": SNAPSHOT_FORMAT, "root_url": self.root_url, "meta": self.meta,
                "resources": [r.to_dict() for r in self.resources.values()],
                "probes": [asdict(p) for p in self.probes], "actions": [asdict(a) for a in self.actions]}
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"{path}: not a {SNAPSHOT_FORMAT} file (format={data.get('format')!r})")
        snap = cls(data["root_url"], meta=data.get("meta", {}))
        for item in data["resources"]:
            snap.add(Resource.from_dict(item))
        from .probes import Probe

        for item in data.get("probes", []):
            item["headers"] = tuple(tuple(h) for h in item.get("headers", ()))
            item["links"] = tuple(Link(**link) for link in item.get("links", ()))
            snap.probes.append(Probe(**item))
        if data.get("actions"):
            from .actions.evidence import ActionEvidence

            snap.actions.extend(ActionEvidence.from_dict(item) for item in data["actions"])
        return snap
