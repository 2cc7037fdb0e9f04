"""URL facts shared by the crawl and the rules: one spelling per resource, origin, GET-ability."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from .links import Link

__all__ = ["is_absolute", "is_gettable", "is_id_like", "normalise_url", "origin", "resolve", "same_origin",
           "url_problem", "url_template"]


# URL parsing is the rule phase's main cost: every rule resolves the same few Hrefs against the same
# few bases again. The functions are pure, so one parse per distinct URL (bounded) serves them all;
# and a plain absolute URL (ASCII, nothing to quote, no dot segment, no IPv6) is read with the
# standard library, some twenty times faster than httpx and to the same result, so a page of ten
# thousand distinct links costs milliseconds. Anything else is httpx's to read.
_MEMO = 65536
_PLAIN = re.compile(r"(?i)https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'()*+,;=]*)?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _plain(url: str) -> SplitResult | None:
    """The parts of a plain absolute http(s) URL, or None when httpx must read it."""
    if not _PLAIN.fullmatch(url.replace("%", "")) or _BAD_ESCAPE.search(url) or "/." in url:
        return None
    return urlsplit(url)


@lru_cache(maxsize=_MEMO)
def normalise_url(url: str) -> str:
    """One spelling per resource: lower-case scheme and host, no default port, no fragment,
    query parameters in a stable order. Path case is kept: it is the server's to define."""
    parts = _plain(url)
    if parts is not None:
        scheme, host = parts.scheme.lower(), (parts.hostname or "")
        port = parts.port
        netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        return urlunsplit((scheme, netloc, parts.path, query, ""))
    u = httpx.URL(url)
    port = u.port
    if (u.scheme, port) in (("http", 80), ("https", 443)):
        port = None
    query = urlencode(sorted(parse_qsl(u.query.decode(), keep_blank_values=True)))
    return str(u.copy_with(scheme=u.scheme.lower(), host=u.host.lower(), port=port, fragment=None,
                           query=query.encode() or None))


_AUTHORITY = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)")
_PORT = re.compile(r"[1-9][0-9]{0,4}")


@lru_cache(maxsize=_MEMO)
def url_problem(url: str) -> str | None:
    """Why a URL has more than one reading, or None when it has one.

    Parsers disagree on a backslash (a browser reads `http://a:1\\@b:2/` as host `a`, httpx as
    host `b` with a user name), on userinfo, and on ports such as `0080` or `+80`; the suite does not
    pick a reading for the server. Such a URL is a finding and is never requested.
    """
    if "\\" in url:
        return "a backslash (parsers disagree on where the host ends)"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return "a control character"
    match = _AUTHORITY.match(url)
    if match is None:
        return None
    authority = match.group(1)
    if "@" in authority:
        return "userinfo before the host (credentials in a URL, or a host in disguise)"
    port = authority.rpartition("]")[2] if authority.startswith("[") else authority
    if ":" in port:
        digits = port.rpartition(":")[2]
        if digits and not (_PORT.fullmatch(digits) and int(digits) <= 65535):
            return f"an unusual port {digits!r}"
    return None


@lru_cache(maxsize=_MEMO)
def origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the default port made explicit, so `:443` equals no port; None for
    a URL that does not parse or has more than one reading (`url_problem`)."""
    if url_problem(url):
        return None
    parts = _plain(url)
    if parts is not None:
        scheme = parts.scheme.lower()
        return scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS[scheme]
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    return u.scheme, u.host, u.port or _DEFAULT_PORTS.get(u.scheme)


def same_origin(url: str, root: str) -> bool:
    here = origin(url)
    return here is not None and here == origin(root)


WRITE_RELS = frozenset({"Create", "Delete", "Edit"})
"""Rels whose Href is a POST, DELETE or PUT target; when it is also readable, a Down, an Alternate
or the resource itself already leads there."""


def is_gettable(link: Link, operation_rels: Collection[str] = ()) -> bool:
    """A link the crawl may follow with GET: it has an Href, is no write link, no operation link (a
    Rel of `operation_rels`, the profile's action Rels), and names no `action`.

    Actions (`?action=start`, or a documented `/nas/jobs/{ID}/start`) change state; they belong
    to the action phase, never the crawl.
    """
    if not link.href or link.rel in WRITE_RELS or link.rel in operation_rels:
        return False
    return not _names_action(link.href)


@lru_cache(maxsize=_MEMO)
def _names_action(href: str) -> bool:
    query = urlsplit(href).query
    return any(key.lower() == "action" for key, _ in parse_qsl(query, keep_blank_values=True))


@lru_cache(maxsize=_MEMO)
def is_absolute(href: str) -> bool:
    """An http(s) URL with a host, read as `origin` and `resolve` read it."""
    if _plain(href) is not None:
        return True
    try:
        u = httpx.URL(href)
    except (httpx.InvalidURL, ValueError):
        return False
    return u.scheme in ("http", "https") and bool(u.host)


@lru_cache(maxsize=_MEMO)
def resolve(href: str, base: str) -> str | None:
    """The normalised absolute URL an Href names, seen from `base`; None when it cannot parse or
    has more than one reading (`url_problem`)."""
    if url_problem(href):
        return None
    if _plain(href) is not None:
        return normalise_url(href)
    try:
        return normalise_url(str(httpx.URL(base).join(href)))
    except (httpx.InvalidURL, ValueError):
        return None


def is_id_like(text: str) -> bool:
    """Whether a path segment or query value names one object rather than a kind of them: it holds
    a digit (GUIDs, numbers, `v1_7`, dates). Path words of the API (`backupSessions`) hold none."""
    return any(ch.isdigit() for ch in text)


@lru_cache(maxsize=_MEMO)
def url_template(url: str) -> str:
    """The shape a URL shares with the other members of its collection: the path in lower case with
    id-like segments as `{id}`, then the query, keys and values alike, id-like values as `{id}`.

    Values stay, because they choose what is served: `query?type=Job` and `query?type=Vm` list
    different things, and `?format=Entity` is another form than the bare URL. So
    `/api/jobs/6c8a-1?format=Entity` and `/api/jobs/77f0-2?format=Entity` share
    `/api/jobs/{id}?format=entity`, and pages of one query share `page={id}`.
    """
    parts = urlsplit(url)
    path = "/".join("{id}" if is_id_like(part) else part.lower() for part in parts.path.split("/"))
    query = sorted((key.lower(), "{id}" if is_id_like(value) else value.lower())
                   for key, value in parse_qsl(parts.query, keep_blank_values=True))
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query) if query else "")
