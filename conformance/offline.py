"""Judging saved representations without a server: the rules that need no request, on files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx

from .errors import ConformanceError
from .parsing import ParseError, parse_body
from .profiles import Profile
from .rules import Finding, RuleContext, evaluate
from .schema import SchemaSet, judge
from .snapshot import Resource, Snapshot
from .urls import normalise_url

__all__ = ["check_files", "collect_files", "snapshot_of_files"]

_SUFFIXES = {".xml": "application/xml", ".json": "application/json"}
_EXCERPT = 400


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every .xml and .json file named, or found below a named folder, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ConformanceError(f"{raw}: no such file or folder")
    if not found:
        raise ConformanceError("no .xml or .json file to check")
    return found


def _read(path: Path, schemas: SchemaSet | None) -> Resource:
    body = path.read_bytes()
    content_type = _SUFFIXES.get(path.suffix.lower(), "application/xml")
    fallback_url = path.resolve().as_uri()
    excerpt = body[:_EXCERPT].decode("utf-8", "replace")
    try:
        doc, element = parse_body(body, content_type)
    except ParseError as exc:
        return Resource(fallback_url, None, content_type, error=f"{path}: {exc}", excerpt=excerpt)
    verdict = judge(schemas, element)
    url = fallback_url
    if doc.href:
        try:
            url = normalise_url(doc.href)
        except (httpx.InvalidURL, ValueError):
            pass
    # No status: nothing was fetched, so rules about responses (status, Content-Type) stay silent.
    return Resource(url, None, content_type, doc.root, doc.type, doc.href, doc.name, doc.uid, doc.links,
                    doc.members, verdict.errors, verdict.validated, verdict.undeclared_root, excerpt=excerpt)


def _root_url(resources: list[Resource], root: str | None) -> str:
    if root:
        return root if root.endswith("/") else root + "/"
    for res in resources:
        for href in [res.href, *(l.href for l in res.links)]:
            if href and href.startswith(("http://", "https://")):
                u = httpx.URL(href)
                return str(u.copy_with(path="/api/", query=None, fragment=None))
    return "https://unknown.invalid/api/"


def snapshot_of_files(files: list[Path], schemas: SchemaSet | None, root: str | None = None) -> Snapshot:
    """One snapshot of saved documents; each keyed by its own Href, else by its file."""
    resources = [_read(path, schemas) for path in files]
    snap = Snapshot(_root_url(resources, root), meta={"target": "files", "files": [str(p) for p in files]})
    for res in resources:
        snap.add(res)
    return snap


def check_files(snapshot: Snapshot, profile: Profile) -> Iterator[tuple[str, str, list[Finding]]]:
    """(rule id, kind, findings) for every rule that found something in the saved documents.

    Rules that need a live target (probes, targets of links that were not saved) have no
    evidence here and find nothing; the offline check judges what the files themselves say.
    """
    def reproduce(url: str) -> str:
        if url.startswith(("http://", "https://")):
            return f"curl -sS -H 'X-RestSvcSessionId: ***' '{url}'  (saved document; this fetches it live)"
        return f"saved document {url}"

    for (rule_id, kind), found in evaluate(RuleContext(snapshot, profile, reproduce)).items():
        if found:
            yield rule_id, kind, found
