"""Judging saved representations without a server: the rules that need no request, on files.

Each file is judged on its own, as if it were the only document a server ever served: saved
responses of one resource type often share an Href (every task example is `/tasks/task-1`), and
files saved from different hosts each have their own origin. A file that is not a whole
representation (cut, elided, a snippet) is skipped with the reason, never judged; a whole
document that does not read is a real problem and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from lxml import etree

from ..contract.profiles import Profile
from ..contract.schema import SchemaSet, judge
from ..errors import ConformanceError
from ..model.parsing import ParseError, media_kind, parse_xml, read_body
from ..model.reproduce import Replay
from ..model.snapshot import Resource, Snapshot
from ..model.urls import normalise_url
from ..rules import RULES, Finding, Rule, RuleContext, run_rule

__all__ = ["FileVerdict", "Outcome", "check_file", "check_files", "collect_files", "fragment_reason", "snapshot_of_file"]

_SUFFIXES = {".xml": "application/xml", ".json": "application/json"}
_EXCERPT = 400
_UNKNOWN_ROOT = "https://unknown.invalid/api/"

EMPTY = "empty (no document)"
DECLARATION_ALONE = "an XML declaration alone"
TRUNCATED = "truncated (a start tag or a cut-off document)"
NO_NAMESPACE = "a part of a larger document (no namespace)"
ELIDED = "elided with '...'"
PROPERTY = "a property, not a document"
EMPTY_OBJECT = "an empty object"

_SNIPPETS = {"Link", "Links"}
_ELLIPSES = ("...", "\u2026")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_ELISION = re.compile(r">\s*(?:\.\.\.|\u2026)\s*<|(?:\.\.\.|\u2026)\s*$|^\s*(?:\.\.\.|\u2026)")
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_PROPERTY = re.compile(r'^"[^"]*"\s*:')


def fragment_reason(body: bytes, media: str) -> str | None:
    """Why a body is not a whole representation, or None when it is one (readable or not).

    `media` is 'xml', 'json' or a Content-Type. Documentation and hand-saved files hold parts of
    documents: those cannot be judged and are skipped with this reason. A body that looks whole
    but does not parse (a stray `&`, an end tag twice) gets None: it is a broken document, which
    reading it reports, not a part of one.
    """
    kind = media if media in ("xml", "json") else media_kind(media)
    text = body.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        return EMPTY
    if kind == "xml":
        return _xml_fragment(body, text)
    if kind == "json":
        return _json_fragment(text)
    return None


def _xml_fragment(body: bytes, text: str) -> str | None:
    rest = _DECLARATION.sub("", text, count=1).strip()
    if not rest:
        return DECLARATION_ALONE
    if not rest.startswith("<"):  # no markup to be a part of: text, or bytes of another format
        return ELIDED if rest.startswith(_ELLIPSES) else None
    try:
        root = parse_xml(body)
    except ParseError:
        return None if _looks_whole_xml(rest) else TRUNCATED
    qname = etree.QName(root)
    if qname.namespace is None:
        return NO_NAMESPACE
    if qname.localname in _SNIPPETS:
        return f"a bare <{qname.localname}> snippet, not a representation"
    if _XML_ELISION.search(rest) or any((el.text or "").strip() in _ELLIPSES
                                        for el in root.iter() if isinstance(el.tag, str)):
        return ELIDED
    return None


def _looks_whole_xml(text: str) -> bool:
    """Ends with its first element's end tag (or is that one element, closed on itself)."""
    body = re.sub(r"^(?:\s*<!--.*?-->|\s*<\?.*?\?>|\s*<!DOCTYPE[^>]*>)*", "", text, flags=re.S)
    first = _FIRST_TAG.match(body)
    if first is None:
        return False
    if re.search(rf"</{re.escape(first.group(1))}\s*>$", body):
        return True
    return body.endswith("/>") and body.count("<") == 1


def _json_fragment(text: str) -> str | None:
    if not text.startswith(("{", "[")):
        return PROPERTY if _PROPERTY.match(text) else None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        if any(mark in text for mark in _ELLIPSES):
            return ELIDED
        return None if _balanced_json(text) else TRUNCATED
    if _has_ellipsis(doc):
        return ELIDED
    if isinstance(doc, dict) and not doc:
        return EMPTY_OBJECT
    return None


def _balanced_json(text: str) -> bool:
    """Every bracket opened outside strings is closed, the last one at the very end."""
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif in_string:
            escaped, in_string = char == "\\", char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return not text[index + 1:].strip()
            if depth < 0:
                return False
    return False


def _has_ellipsis(value: object) -> bool:
    if isinstance(value, str):
        return value.strip() in _ELLIPSES
    if isinstance(value, dict):
        return any(_has_ellipsis(k) or _has_ellipsis(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_ellipsis(item) for item in value)
    return False


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every .xml and .json file named, or found below a named folder, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file())
        elif path.is_file():
            if path.suffix.lower() not in _SUFFIXES:
                raise ConformanceError(f"{raw}: not a .xml or .json file (the suffix says how to read it)")
            found.append(path)
        else:
            raise ConformanceError(f"{raw}: no such file or folder")
    if not found:
        raise ConformanceError("no .xml or .json file to check")
    return found


def _content_type(path: Path) -> str:
    return _SUFFIXES.get(path.suffix.lower(), "application/xml")


def _read(path: Path, body: bytes, schemas: SchemaSet | None) -> Resource:
    content_type = _content_type(path)
    fallback_url = path.resolve().as_uri()
    excerpt = body[:_EXCERPT].decode("utf-8", "replace")
    try:
        doc, parsed = read_body(body, content_type)
    except ParseError as exc:
        return Resource(fallback_url, None, content_type, error=str(exc), excerpt=excerpt)
    verdict = judge(schemas, parsed)
    url = fallback_url
    if doc.href:
        try:
            url = normalise_url(doc.href)
        except (httpx.InvalidURL, ValueError):
            pass
    # No status: nothing was fetched, so rules about responses (status, Content-Type) stay silent.
    return Resource(url, None, content_type, verdict.root or doc.root, doc.type, doc.href, doc.name, doc.uid,
                    doc.links, doc.members, verdict.errors, verdict.validated, verdict.undeclared_root,
                    excerpt=excerpt, paging=doc.paging)


def _root_url(res: Resource, root: str | None) -> str:
    """The given root, else the origin of the document's own Href, else of its first absolute link."""
    if root:
        return root if root.endswith("/") else root + "/"
    for href in [res.href, *(link.href for link in res.links)]:
        if href and href.startswith(("http://", "https://")):
            try:
                return str(httpx.URL(href).copy_with(path="/api/", query=None, fragment=None))
            except (httpx.InvalidURL, ValueError):
                continue
    return _UNKNOWN_ROOT


def snapshot_of_file(path: Path, schemas: SchemaSet | None, root: str | None = None,
                     body: bytes | None = None) -> Snapshot:
    """A snapshot holding one saved document, rooted at its own origin unless `root` is given."""
    res = _read(path, path.read_bytes() if body is None else body, schemas)
    snap = Snapshot(_root_url(res, root), meta={"target": "files", "files": [str(path)]})
    snap.add(res)
    return snap


@dataclass(frozen=True)
class Outcome:
    """One rule on one file: judged and found fine, failed with its findings, or nothing to judge."""

    rule_id: str
    kind: str
    outcome: str
    """'passed', 'failed' or 'skipped', as a run's items."""
    findings: tuple[Finding, ...] = ()
    reason: str = ""
    """Why a skipped rule judged nothing."""


def _outcomes(snapshot: Snapshot, profile: Profile, rules: Sequence[Rule] | None,
              replay: Replay) -> list[Outcome]:
    """Every rule over the file's one resource, each with a context of its own, so that what it judged
    (a pass) is told from what it had nothing to judge (skipped), as the run's items tell them."""
    from .judging import skip_reason

    cache: dict = {}
    out = []
    for kind, resources in snapshot.kinds().items():
        readable = [res for res in resources if res.error is None]
        for rule in (RULES.values() if rules is None else rules) if readable else ():
            ctx = RuleContext(snapshot, profile, replay=replay, cache=cache)
            found = tuple(run_rule(rule, ctx, readable))
            if found:
                out.append(Outcome(rule.id, kind, "failed", found))
            elif rule.applied(ctx):
                out.append(Outcome(rule.id, kind, "passed"))
            else:
                out.append(Outcome(rule.id, kind, "skipped", reason=skip_reason(rule, ctx.notes)))
    return out


@dataclass(frozen=True)
class FileVerdict:
    """What the check made of one file: skipped as a fragment, unreadable, or judged."""

    path: Path
    fragment: str | None = None
    """Why the file was skipped: it is not a whole representation."""
    error: str | None = None
    """Why a whole document could not be read: a real problem, reported as such."""
    results: list[tuple[str, str, list[Finding]]] = field(default_factory=list)
    """(rule id, kind, findings) for every rule that found something."""
    undeclared_root: str | None = None
    """The root element no loaded schema declares: the document was not validated."""
    outcomes: list[Outcome] = field(default_factory=list)
    """Every rule's outcome on the file, as a run's items have them (passed, failed, skipped)."""
    resource: Resource | None = None
    """What the file was read as (None for a fragment)."""

    @property
    def judged(self) -> bool:
        return self.fragment is None

    @property
    def findings(self) -> int:
        return sum(len(found) for _, _, found in self.results)


def check_file(path: Path, profile: Profile, schemas: SchemaSet | None, rules: Sequence[Rule] | None = None,
               root: str | None = None) -> FileVerdict:
    """Judge one saved document alone with the rules that need no request.

    Rules that need a live target (probes, targets of links) have no evidence here and find
    nothing; the check judges what the file itself says.
    """
    body = path.read_bytes()
    reason = fragment_reason(body, media_kind(_content_type(path)))
    if reason is not None:
        return FileVerdict(path, fragment=reason)
    snapshot = snapshot_of_file(path, schemas, root, body)
    (res,) = snapshot
    if res.error:
        return FileVerdict(path, error=res.error, resource=res)

    # Fetched again as it was saved: in its form (JSON or XML), in its profile's API version.
    replay = Replay(snapshot.root_url, profile.api_version, accept=_content_type(path),
                    note=f"saved in {path}; this fetches it again from a live server")
    outcomes = [
        # A document without an Href of its own has no live URL to fetch again: the file is the evidence.
        replace(o, findings=tuple(f if f.url.startswith(("http://", "https://"))
                                  else replace(f, reproduction=f"saved in {path}") for f in o.findings))
        for o in _outcomes(snapshot, profile, rules, replay)]
    return FileVerdict(path, results=[(o.rule_id, o.kind, list(o.findings)) for o in outcomes if o.findings],
                       undeclared_root=res.undeclared_root, outcomes=outcomes, resource=res)


def check_files(files: Iterable[Path], profile: Profile, schemas: SchemaSet | None,
                rules: Sequence[Rule] | None = None, root: str | None = None) -> Iterator[FileVerdict]:
    """Every file's verdict, in order, each judged on its own."""
    for path in files:
        yield check_file(path, profile, schemas, rules, root)
