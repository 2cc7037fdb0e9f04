"""Anonymizing a recording, so that a customer can hand it to a vendor.

Names, hosts, user names, paths and descriptions are replaced by stand-ins (`name-3`, `host-1.
example.invalid`, `user-1`, `path-2.vbk`, `description-4`), one per original value, the same
wherever the value shows: in the field it was found in, in a Link's Name, in a URL, inside another
value. So links and Names still agree, and the recording is still judged as the original was. Ids
(GUIDs, UIDs) name nothing and are kept. A value is sensitive by the name of the field that holds it
(`Name`, `HostName`, `FilePath`, `UserName`, `Description`, ...: `_CATEGORIES`) in an element that
stands for one of the installation's objects (it has a UID, or its Href ends with an id), or by
being a URL's host; the names the API itself gives (versions, query types, reports) are kept. A
field's name only says where a name may be: what it holds decides. A value that reads as a literal
of the API's own types (a boolean, a number, a date or time, a GUID or UID) names nothing, whatever
its field is called (`PerUser` holds `false`), and is never replaced. The stand-ins are numbered in
sorted order, so the same estate gets the same stand-ins.

A field's whole value is replaced; inside other values, a sensitive value is replaced where it shows
as a part (`SQL Backup 1` in `SQL Backup 1@2025-12-31`) when it is distinctive (four characters or
more, not a plain word), and as a whole word in prose. A plain word (`Finance`) is not replaced
inside a single-token value, where it could be an enumeration the API defines (`Backup`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from lxml import etree

from ..errors import ConformanceError
from ..model.parsing import ParseError, media_kind, parse_xml
from . import BODIES, INDEX, ORIGIN, Exchange, Recording, RecordingWriter

__all__ = ["Anonymizer", "anonymize_recording"]

_CATEGORIES = (
    ("user", re.compile(r"(?:User|UserName|Login|Account|AccountName|Owner)$")),
    ("host", re.compile(r"(?:Host|HostName|DnsName|Domain|DomainName|Address|Server|ServerName|DnsNameOrIpAddress)$")),
    ("path", re.compile(r"(?:Path|Folder|FolderName|FileOrFolder)$")),
    ("description", re.compile(r"(?:Description|Comment|Comments|Notes?)$")),
    ("name", re.compile(r"Name$")),
)
_RANK = {name: rank for rank, (name, _) in enumerate(_CATEGORIES)}
_HOSTNAME = re.compile(r"(?i)^(?=.*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{1,4}$")
_TOKENS = re.compile(r"[^\W_]+")
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+")
_PLACEHOLDER_HOST = urlsplit(ORIGIN).hostname
_LITERAL = re.compile(
    r"(?i)^(?:true|false"
    r"|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"  # a number
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"  # a date, a time
    r"|-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"  # a duration
    r"|\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?"  # a GUID
    r"|urn:[a-z0-9][a-z0-9-]*:\S+)$"  # a UID
)


def _category(field: str) -> str | None:
    """The category of a sensitive field (by its name), or None for a field that names nothing."""
    return next((name for name, pattern in _CATEGORIES if pattern.search(field)), None)


def _literal(value: str) -> bool:
    """A value of one of the API's own types (boolean, number, date, duration, GUID, UID): it names
    nothing, and replacing it would make a valid document invalid."""
    return bool(_LITERAL.match(value))


def _looks_like_host(value: str) -> bool:
    """An IP address, or a DNS name of three labels or more (`vbr01.corp.example`; `job.vbk` is a file)."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(value)) and value.count(".") >= 2


def _distinctive(value: str) -> bool:
    """Long enough and not a plain word: safe to replace where it shows inside another value."""
    return len(value) >= 4 and not value.isalpha()


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


class Anonymizer:
    """Collects the sensitive values of a recording, then writes every value with its stand-ins."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}
        """Original value -> its category (the highest-ranked of the fields it was found in)."""
        self.stand_ins: dict[str, str] = {}
        self._by_token: dict[str, list[str]] = {}

    # -- collecting ------------------------------------------------------------------------------

    def note(self, value: str, category: str) -> None:
        value = value.strip()
        if not value or value == _PLACEHOLDER_HOST or _literal(value):
            return
        known = self.found.get(value)
        if known is None or _RANK[category] < _RANK[known]:
            self.found[value] = category

    def collect(self, field: str, value: str, item: bool = True) -> None:
        """Note a value when it is an item's and its field is sensitive (a host by its form, else by the
        field), or a URL's host."""
        if _is_url(value):
            try:
                host = urlsplit(value).hostname
            except ValueError:  # not a URL after all: its words are judged as any text's
                return
            if host:
                self.note(host, "host")
            return
        category = _category(field)
        if category is not None and item:
            self.note(value, "host" if _looks_like_host(value.strip()) else category)

    def seal(self) -> None:
        """Number the stand-ins: per category, in the sorted order of the originals."""
        taken = set(self.found)
        counts: Counter[str] = Counter()
        for value, category in sorted(self.found.items(), key=lambda item: (_RANK[item[1]], item[0])):
            while True:
                counts[category] += 1
                stand_in = _stand_in(category, value, counts[category])
                if stand_in not in taken:
                    break
            taken.add(stand_in)
            self.stand_ins[value] = stand_in
        for value in self.stand_ins:
            tokens = _TOKENS.findall(value)
            if tokens:
                self._by_token.setdefault(max(tokens, key=len), []).append(value)

    # -- writing ---------------------------------------------------------------------------------

    def value(self, field: str, value: str) -> str:
        """A field's value as the anonymized recording holds it."""
        if _is_url(value.strip()):
            return self.url(value)
        whole = self.stand_ins.get(value.strip())
        if whole is not None and _category(field) is not None:
            return whole
        return self.text(value)

    def text(self, value: str) -> str:
        """Sensitive values inside a value: distinctive ones anywhere, plain words in prose only."""
        if not value:
            return value
        value = _URL_IN_TEXT.sub(lambda m: self.url(m.group()), value) if "://" in value else value
        candidates = tuple(sorted({original for token in _TOKENS.findall(value)
                                   for original in self._by_token.get(token, ())}, key=lambda v: (-len(v), v)))
        if not candidates:
            return value
        pattern = _pattern(candidates, prose=any(ch.isspace() for ch in value))
        if pattern is None:
            return value
        return pattern.sub(lambda m: self.stand_ins[m.group()], value)

    def url(self, url: str) -> str:
        """A URL with its host, path segments and query values written with their stand-ins."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return self.text(url)
        netloc = parts.netloc
        if host and host in self.stand_ins:
            netloc = self.stand_ins[host] + (f":{port}" if port else "")
        path = "/".join(self._segment(segment) for segment in parts.path.split("/"))
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            written = [(k, self._part(v)) for k, v in pairs]
            if written != pairs:
                query = urlencode(written, quote_via=quote)
        return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))

    def _part(self, text: str) -> str:
        return self.stand_ins.get(text) or self.text(text)

    def _segment(self, segment: str) -> str:
        decoded = unquote(segment)
        written = self._part(decoded)
        return segment if written == decoded else quote(written, safe="@:!$&'()*+,;=-._~")

    def counts(self) -> Counter[str]:
        return Counter(self.found.values())


@lru_cache(maxsize=4096)
def _pattern(originals: tuple[str, ...], prose: bool) -> re.Pattern[str] | None:
    """Longest first, so `SQL Backup 10` is replaced whole before `SQL Backup 1` could match in it."""
    parts = [re.escape(v) if _distinctive(v) else rf"(?<!\w){re.escape(v)}(?!\w)"
             for v in originals if _distinctive(v) or (prose and len(v) >= 3)]
    return re.compile("|".join(parts)) if parts else None


def _stand_in(category: str, value: str, number: int) -> str:
    if category == "host":
        try:
            if ipaddress.ip_address(value).version == 4 and number <= 254:
                return f"192.0.2.{number}"  # TEST-NET-1: an address of the right form that routes nowhere
        except ValueError:
            pass
        return f"host-{number}.example.invalid"
    if category == "user":
        return f"user-{number}"
    if category == "description":
        return f"description-{number}"
    extension = _EXTENSION.search(value)
    return f"{category}-{number}{extension.group() if extension else ''}"


# -- walking bodies ------------------------------------------------------------------------------------

def _names_an_item(href: Any, uid: Any = None) -> bool:
    """Whether an element (or a Link) stands for one of the installation's objects: it has a UID, or
    its Href ends with an id (`/jobs/{ID}`, `/tasks/task-1`). The names of what the API itself
    defines (its versions, query types, reports, collections) are the API's vocabulary, not data."""
    if isinstance(uid, str) and uid:
        return True
    if not isinstance(href, str) or not href:
        return False
    try:
        last = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    except ValueError:
        return False
    return any(ch.isdigit() for ch in last)


def _xml_values(element: etree._Element, item: bool = False) -> Iterator[tuple[str, str, bool]]:
    """(field, value, whether it belongs to an item) of every attribute and leaf text."""
    name = etree.QName(element).localname
    own = _names_an_item(element.get("Href"), element.get("UID"))
    item = own if name == "Link" else item or own
    for key, value in element.attrib.items():
        yield etree.QName(key).localname, value, item
    children = [child for child in element if isinstance(child.tag, str)]
    if element.text and element.text.strip() and not children:
        yield name, element.text, item
    for child in children:
        yield from _xml_values(child, item)


def _json_values(value: Any, field: str = "", item: bool = False) -> Iterator[tuple[str, str, bool]]:
    if isinstance(value, dict):
        own = _names_an_item(value.get("Href"), value.get("UID"))
        item = own if field == "Links" else item or own
        for key, entry in value.items():
            yield from _json_values(entry, key, item)
    elif isinstance(value, list):
        for entry in value:
            yield from _json_values(entry, field, item)
    elif isinstance(value, str):
        yield field, value, item


def _rewrite_xml(root: etree._Element, anonymizer: Anonymizer) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            if element.text:
                element.text = anonymizer.text(element.text)
            continue
        name = etree.QName(element).localname
        for key, value in element.attrib.items():
            element.set(key, anonymizer.value(etree.QName(key).localname, value))
        if element.text and element.text.strip():
            element.text = anonymizer.value(name, element.text) if len(element) == 0 else anonymizer.text(element.text)
        if element.tail and element.tail.strip():
            element.tail = anonymizer.text(element.tail)


def _rewrite_json(value: Any, anonymizer: Anonymizer, field: str = "") -> Any:
    if isinstance(value, dict):
        return {key: _rewrite_json(item, anonymizer, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_json(item, anonymizer, field) for item in value]
    if isinstance(value, str):
        return anonymizer.value(field, value)
    return value


def _read(exchange: Exchange, body: bytes) -> tuple[str, Any]:
    """('xml', root), ('json', document), or ('text', str) for a body that reads as neither."""
    kind = media_kind(exchange.content_type)
    try:
        if kind == "xml":
            return "xml", parse_xml(body)
        if kind == "json":
            return "json", json.loads(body)
    except (ParseError, ValueError):
        pass
    return "text", body.decode("utf-8", "replace")


def _values(kind: str, doc: Any) -> Iterator[tuple[str, str, bool]]:
    if kind == "xml":
        yield from _xml_values(doc)
    elif kind == "json":
        yield from _json_values(doc)


def _written(kind: str, doc: Any, anonymizer: Anonymizer) -> bytes:
    if kind == "xml":
        _rewrite_xml(doc, anonymizer)
        return etree.tostring(doc.getroottree(), xml_declaration=True, encoding="utf-8")
    if kind == "json":
        return json.dumps(_rewrite_json(doc, anonymizer), ensure_ascii=False, indent=1).encode("utf-8")
    return anonymizer.text(doc).encode("utf-8")


def anonymize_recording(folder: str | Path) -> str:
    """Rewrite the recording in `folder` with stand-ins; returns what was replaced, in words.

    The anonymized recording is written beside the original bodies first and takes their place at
    the end, so a recording is never half anonymized: a run that stops before the end leaves the
    original, still marked `anonymize: pending`.
    """
    path = Path(folder)
    recording = Recording.load(path)
    if recording.meta.get("anonymized"):
        return "it was anonymized already"
    anonymizer = Anonymizer()
    user = recording.meta.get("user")
    if isinstance(user, str) and user:
        anonymizer.note(user, "user")
    for exchange in recording:
        anonymizer.collect("", exchange.url)
        for field, value, item in _values(*_read(exchange, recording.body(exchange))):
            anonymizer.collect(field, value, item)
    anonymizer.seal()

    staging = path / ".anonymized"
    shutil.rmtree(staging, ignore_errors=True)
    meta = dict(recording.meta)
    meta.update(
        user=anonymizer.stand_ins.get(user, user) if isinstance(user, str) else user,
        recorded_from=None if meta.get("recorded_from") != "mock" else "mock", source=None,
        incomplete=[anonymizer.text(reason) for reason in meta.get("incomplete") or []],
        anonymized=True, anonymize=None,
        replaced={category: count for category, count in sorted(anonymizer.counts().items())},
    )
    meta.pop("format", None)
    writer = RecordingWriter(staging, meta)
    for exchange in recording:
        headers = tuple((k, anonymizer.url(v) if _is_url(v) else anonymizer.text(v)) for k, v in exchange.headers)
        body = recording.body(exchange)
        written = _written(*_read(exchange, body), anonymizer) if body else b""
        writer.add(Exchange(exchange.method, anonymizer.url(exchange.url), exchange.accept, exchange.session,
                            exchange.status, headers), written)
    writer.finish()
    try:
        shutil.rmtree(path / BODIES, ignore_errors=True)
        (staging / BODIES).rename(path / BODIES)
        (staging / INDEX).replace(path / INDEX)
    except OSError as exc:
        raise ConformanceError(f"cannot put the anonymized recording in place in {path}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = anonymizer.counts()
    described = ", ".join(f"{counts[c]} {c}{'s' if counts[c] != 1 else ''}" for c, _ in _CATEGORIES if counts[c])
    return f"{len(anonymizer.found)} original values replaced by stand-ins ({described or 'none'}); ids kept"
