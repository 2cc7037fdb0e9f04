"""The compact index a crawl produces: one record per URL, and how to save and load it.

A large server has hundreds of thousands of links, most of them repeated: every item of a list
carries the links its own document carries, and a few hundred Rels, Types and Hrefs recur
everywhere. So a resource's links are read against its URL once, when the resource is made
(`Link.url`), and the snapshot keeps one copy of each distinct string and link (`Snapshot.add`);
rules look targets up by those URLs instead of parsing Hrefs again. The file is JSON Lines, written
and read one record at a time, so saving or loading a large crawl never holds it twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from .links import Link
from .parsing import Paging
from .records import ActionEvidence, Probe
from .urls import resolved

__all__ = ["SNAPSHOT_FORMAT", "Resource", "Snapshot"]

SNAPSHOT_FORMAT = "conformance-snapshot/2"
"""JSON Lines: a header (format, root URL, meta), then one line per resource, probe and action record."""


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
    """Every `<Link>` of the document, each read against `url` (`Link.url`) when the resource is made."""
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
    """The first characters of the body, for findings to show what came back."""
    via: Link | None = None
    """The first link the crawl followed to get here (None for the entry points)."""
    method: str = "GET"
    """How it was asked for: GET for everything the crawl walks, POST for the logon answer."""
    location: str | None = None
    """For the answer to a POST that created something (the logon session): where the created
    resource lives, its Location header or else its own Href. Its links speak for that resource."""
    paging: Paging | None = None
    """The counters of its `PagingInfo` (PageNum, PageSize, PagesCount), for a paged result."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "links", resolved(self.links, self.url))
        object.__setattr__(self, "members", resolved(self.members, self.url))

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
        """The fields that differ from their defaults, links as their served attributes."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != f.default}
        for name in ("links", "members"):
            if name in data:
                data[name] = [link.to_dict() for link in data[name]]
        if self.via is not None:
            data["via"] = self.via.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  read_link: Callable[[Mapping[str, Any], str | None], Link] | None = None) -> Resource:
        """The inverse of `to_dict`; `read_link(data, base)` makes each link, read against `base` (the
        resource's URL; None for `via`, read in another document)."""
        read = read_link or (lambda item, base: Link.from_dict(item))
        values = dict(data)
        url = values["url"]
        values["links"] = tuple(read(item, url) for item in values.get("links", ()))
        values["members"] = tuple(read(item, url) for item in values.get("members", ()))
        values["schema_errors"] = tuple(values.get("schema_errors", ()))
        if values.get("paging") is not None:
            values["paging"] = Paging(*values["paging"])
        if values.get("via"):
            values["via"] = read(values["via"], None)
        return cls(**values)


_LINK_FIELDS = tuple(f.name for f in fields(Link))
_SHARED_TEXT = ("url", "content_type", "root", "type", "href", "name", "undeclared_root", "error", "method", "location")


@dataclass(slots=True)
class Snapshot:
    """The crawl's result: resources by URL, plus what the run knew about the target."""

    root_url: str
    """The API root (`.../api/`), the reference for same-origin checks."""
    resources: dict[str, Resource] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    """Run facts: api version, profile, start/end times, limits hit, skipped URLs."""
    probes: list[Probe] = field(default_factory=list)
    """Requests beyond the crawl, for the protocol rules."""
    actions: list[ActionEvidence] = field(default_factory=list)
    """What following operation links did, for the action rules."""
    _links: dict[Link, Link] = field(default_factory=dict, init=False, repr=False, compare=False)
    """One copy of each distinct link (equal links read against the same URL)."""
    _texts: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    """One copy of each distinct string of the records (Hrefs, URLs, Rels, Types), freed with the
    snapshot (strings `sys.intern` keeps may outlive it)."""
    _kinds: dict[str, list[Resource]] | None = field(default=None, init=False, repr=False, compare=False)
    _by_url: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Probes and action records by the URL they speak about, built when first asked for."""

    def __repr__(self) -> str:
        # Never the records themselves: Python itself formats a finished task's result on some paths
        # (asyncio.run restoring its signal handler), and a large crawl's full repr is gigabytes.
        return (f"<Snapshot of {self.root_url}: {len(self.resources)} resources, {len(self.probes)} probes, "
                f"{len(self.actions)} action records>")

    def probes_for(self, url: str, name: str | None = None) -> list[Probe]:
        """The probes sent for the resource at `url` (those of one name, when given), in their order."""
        return [p for p in self._index("probes").get(url, ()) if name is None or p.name == name]

    def actions_for(self, url: str) -> list[ActionEvidence]:
        """The action evidence about the links of one resource (the resource that offered them)."""
        return list(self._index("actions").get(url, ()))

    def _index(self, name: str) -> dict[str, list[Any]]:
        """Records by URL, rebuilt when the list grew (the crawl appends to it as answers arrive)."""
        records = getattr(self, name)
        size, index = self._by_url.get(name, (-1, {}))
        if size != len(records):
            index = {}
            for record in records:
                index.setdefault(record.url, []).append(record)
            self._by_url[name] = (len(records), index)
        return index

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def __len__(self) -> int:
        return len(self.resources)

    def get(self, url: str) -> Resource | None:
        return self.resources.get(url)

    def add(self, resource: Resource) -> Resource:
        """Record a resource (returned), its strings and links shared with those already recorded."""
        self._share(resource)
        self.resources[resource.url] = resource
        self._kinds = None
        return resource

    def _share(self, res: Resource) -> None:
        """Put equal shared copies in the place of the record's strings and links: its value is the
        same, only the memory it holds changes, so this is done in place."""
        shared = {name: tuple(map(self._link, getattr(res, name))) for name in ("links", "members")}
        if res.via is not None:
            shared["via"] = self._link(res.via)
        if res.schema_errors:
            shared["schema_errors"] = tuple(map(self.shared, res.schema_errors))
        for name in _SHARED_TEXT:
            shared[name] = self.shared(getattr(res, name))
        for name, value in shared.items():
            object.__setattr__(res, name, value)

    def shared(self, text: Any) -> Any:
        """The snapshot's copy of a string (anything else as it is): equal strings kept once."""
        if type(text) is not str:
            return text
        return self._texts.setdefault(text, text)

    def _link(self, link: Link) -> Link:
        kept = self._links.get(link)
        if kept is not None and kept.url == link.url and kept.owner_url == link.owner_url:
            return kept
        kept = Link(*(self.shared(getattr(link, name)) for name in _LINK_FIELDS))
        self._links.setdefault(kept, kept)  # a relative Href read against another URL stays apart
        return kept

    def settle(self) -> None:
        """The crawl is over: the tables that found equal strings and links for new records go (a
        tenth of a large crawl's memory). A record added later shares with those added after it."""
        self._links = {}
        self._texts = {}

    def kinds(self) -> dict[str, list[Resource]]:
        """Resources grouped by kind, both in sorted order, so item order never varies."""
        if self._kinds is None or sum(map(len, self._kinds.values())) != len(self.resources):
            groups: dict[str, list[Resource]] = {}
            for res in sorted(self.resources.values(), key=lambda r: r.url):
                groups.setdefault(res.kind, []).append(res)
            self._kinds = dict(sorted(groups.items()))
        return self._kinds

    def save(self, path: str | Path) -> None:
        """Write the snapshot as JSON Lines, one record at a time, into place once whole."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with open(partial, "w", encoding="utf-8") as out:
                _line(out, {"format": SNAPSHOT_FORMAT, "root_url": self.root_url, "meta": self.meta})
                for res in self.resources.values():
                    _line(out, {"resource": res.to_dict()})
                for probe in self.probes:
                    _line(out, {"probe": probe.to_dict()})
                for evidence in self.actions:
                    _line(out, {"action": evidence.to_dict()})
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """Read a saved snapshot, one record at a time; a file of another format is refused by name."""
        with open(path, encoding="utf-8") as lines:
            header = _header(path, lines.readline())
            snap = cls(header["root_url"], meta=header.get("meta", {}))
            read_link = _LinkReader(snap)
            for number, line in enumerate(lines, start=2):
                if not line.strip():
                    continue
                try:
                    (what, data), = json.loads(line).items()
                    if what == "resource":
                        snap.add(Resource.from_dict(data, read_link))
                    elif what == "probe":
                        snap.probes.append(Probe.from_dict(data))
                    elif what == "action":
                        snap.actions.append(ActionEvidence.from_dict(data))
                    else:
                        raise ValueError(f"unknown record {what!r}")
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise ValueError(f"{path}, line {number}: not a snapshot record ({exc})") from exc
        snap.settle()
        return snap


def _line(out: IO[str], record: Mapping[str, Any]) -> None:
    out.write(json.dumps(record, default=str, separators=(",", ":")))
    out.write("\n")


def _header(path: str | Path, line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != SNAPSHOT_FORMAT or "root_url" not in header:
        found = f"format {header.get('format')!r}" if isinstance(header, dict) else "no header line"
        raise ValueError(f"{path}: not a {SNAPSHOT_FORMAT} file ({found}); a snapshot saved by another version "
                         "of the suite is read by that version, or crawl again")
    return header


class _LinkReader:
    """The links of a file being loaded, each distinct one read once: a link that names the same URL
    from any document (its Href and owner are already the URLs they name: nearly all) is found again
    among the links already recorded; the others are read against their own document."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot

    def __call__(self, data: Mapping[str, Any], base: str | None) -> Link:
        link = Link.from_dict(data)
        known = self.snapshot._links.get(link)
        if known is not None and (known.href is None or known.url is known.href) and (
                known.owner is None or known.owner_url is known.owner):
            return known  # shared strings: a URL equal to its Href is the same object
        if base is None:
            return known or link
        return self.snapshot._link(resolved((link,), base)[0])
