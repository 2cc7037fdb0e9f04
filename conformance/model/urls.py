"""URL facts shared by the crawl and the rules: one spelling per resource, origin, GET-ability."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import httpx

from .links import Link

__all__ = ["is_absolute", "is_gettable", "is_id_like", "normalise_url", "on_site", "origin", "path", "query",
           "resolve", "resolved", "same_origin", "site", "url_problem", "url_template"]


# Every link is read once, when its resource is made (`resolved`), so the rules look URLs up rather
# than parse them. A plain absolute URL (ASCII, nothing to quote, no dot segment, no IPv6) is read by
# one regular expression, to the same result as httpx and some twenty times faster, so a page of ten
# thousand distinct links costs milliseconds; anything else is httpx's to read. The functions are
# pure, and a small memo serves the URLs that recur (the root, a collection its items link Up to);
# it is small because a large crawl's URLs do not recur in any order a memo could keep up with.
_MEMO = 4096
_CHARS = r"A-Za-z0-9\-._~:/@!$&'()*+,;=%"
_PLAIN = re.compile(rf"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>[0-9]*))?"
                    rf"(?P<path>/[{_CHARS}]*)?(?:\?(?P<query>[{_CHARS}?]*))?(?:#[{_CHARS}?#]*)?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Parts(NamedTuple):
    scheme: str
    host: str
    port: int | None
    path: str
    query: str


def _plain_match(url: str) -> re.Match[str] | None:
    found = _PLAIN.fullmatch(url)
    return None if found is None or "/." in url or ("%" in url and _BAD_ESCAPE.search(url)) else found


def _plain(url: str) -> _Parts | None:
    """The parts of a plain absolute http(s) URL (scheme and host lower case, as the standard
    library reads them), or None when httpx must read it."""
    found = _plain_match(url)
    if found is None:
        return None
    scheme, host, port, path, query = found.group("scheme", "host", "port", "path", "query")
    return _Parts(scheme.lower(), host.lower(), int(port) if port else None, path or "", query or "")


def _sorted_query(query: str) -> str:
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True))) if query else ""


@lru_cache(maxsize=_MEMO)
def normalise_url(url: str) -> str:
    """One spelling per resource: lower-case scheme and host, no default port, no fragment,
    query parameters in a stable order. Path case is kept: it is the server's to define."""
    parts = _plain(url)
    if parts is not None:
        scheme, host, port = parts.scheme, parts.host, parts.port
        if port is not None and port > 65535:
            raise ValueError(f"port out of range 0-65535 in {url!r}")
        netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
        query = _sorted_query(parts.query)
        return f"{scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    u = httpx.URL(url)
    port = u.port
    if (u.scheme, port) in (("http", 80), ("https", 443)):
        port = None
    query = urlencode(sorted(parse_qsl(u.query.decode(), keep_blank_values=True)))
    return str(u.copy_with(scheme=u.scheme.lower(), host=u.host.lower(), port=port, fragment=None,
                           query=query.encode() or None))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
    if _CONTROL.search(url):
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
        return parts.scheme, parts.host, parts.port or _DEFAULT_PORTS[parts.scheme]
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    return u.scheme, u.host, u.port or _DEFAULT_PORTS.get(u.scheme)


def same_origin(url: str, root: str) -> bool:
    here = origin(url)
    return here is not None and here == origin(root)


@lru_cache(maxsize=_MEMO)
def site(url: str) -> str:
    """The scheme and authority of a URL as `normalise_url` writes them (`https://em:9398`): two
    normalised URLs have one origin when both start with the same site (`on_site`)."""
    scheme, _, rest = normalise_url(url).partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"


def on_site(url: str, site: str) -> bool:
    """Whether a normalised URL lies on a site: no parse, so rules can ask it of every link."""
    return url.startswith(site) and url[len(site):len(site) + 1] in ("", "/", "?")


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
    if "action" not in href.lower():
        return False
    query = urlsplit(href).query
    return any(key.lower() == "action" for key, _ in parse_qsl(query, keep_blank_values=True))


@lru_cache(maxsize=_MEMO)
def is_absolute(href: str) -> bool:
    """An http(s) URL with a host, read as `origin` and `resolve` read it."""
    if _plain_match(href) is not None:
        return True
    try:
        u = httpx.URL(href)
    except (httpx.InvalidURL, ValueError):
        return False
    return u.scheme in ("http", "https") and bool(u.host)


def resolve(href: str, base: str) -> str | None:
    """The normalised absolute URL an Href names, seen from `base`; None when it cannot parse or
    has more than one reading (`url_problem`)."""
    return _plain_absolute(href) or _joined(href, base)


@lru_cache(maxsize=_MEMO)
def _plain_absolute(href: str) -> str | None:
    """A plain absolute Href's normalised URL, whatever the base: memoised by the Href alone, so
    the thousands of documents that link to one URL share one reading of it."""
    if _plain(href) is None or url_problem(href):
        return None
    return normalise_url(href)


@lru_cache(maxsize=_MEMO)
def _joined(href: str, base: str) -> str | None:
    if url_problem(href):
        return None
    try:
        return normalise_url(str(httpx.URL(base).join(href)))
    except (httpx.InvalidURL, ValueError):
        return None


_DIGIT = re.compile(r"\d")


def is_id_like(text: str) -> bool:
    """Whether a path segment or query value names one object rather than a kind of them: it holds
    a digit (GUIDs, numbers, `v1_7`, dates). Path words of the API (`backupSessions`) hold none."""
    return _DIGIT.search(text) is not None


@lru_cache(maxsize=_MEMO)
def url_template(url: str) -> str:
    """The shape a URL shares with the other members of its collection: the path in lower case with
    id-like segments as `{id}`, then the query, keys and values alike, id-like values as `{id}`.

    Values stay, because they choose what is served: `query?type=Job` and `query?type=Vm` list
    different things, and `?format=Entity` is another form than the bare URL. So
    `/api/jobs/6c8a-1?format=Entity` and `/api/jobs/77f0-2?format=Entity` share
    `/api/jobs/{id}?format=entity`, and pages of one query share `page={id}`.
    """
    parts = _plain(url) or urlsplit(url)  # the crawl asks this of every link it meets: the fast reading first
    path = "/".join("{id}" if is_id_like(part) else part.lower() for part in parts.path.split("/"))
    query = sorted((key.lower(), "{id}" if is_id_like(value) else value.lower())
                   for key, value in parse_qsl(parts.query, keep_blank_values=True)) if parts.query else ()
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query) if query else "")


def _same(url: str | None, href: str) -> str | None:
    """The URL, as the very string of the Href when they are equal (nearly always): kept once."""
    return href if url == href else url


def resolved(links: tuple[Link, ...], base: str) -> tuple[Link, ...]:
    """The links with their Hrefs and owners read against the URL of the document that holds them
    (`Link.url`, `Link.owner_url`): done once, when a resource is made, so no rule parses a URL
    again. A link already read keeps its reading: it belongs to the document it was read in."""
    owners: dict[str, str | None] = {}
    out: list[Link] = []
    changed = False
    for link in links:
        if (link.url is None and link.href) or (link.owner_url is None and link.owner):
            if link.owner and link.owner not in owners:
                owners[link.owner] = _same(resolve(link.owner, base), link.owner)
            url = _same(resolve(link.href, base), link.href) if link.href else None
            link = Link(link.rel, link.href, link.type, link.name, link.owner, url, owners.get(link.owner or ""),
                        link.uid)
            changed = True
        out.append(link)
    return tuple(out) if changed else links


@lru_cache(maxsize=_MEMO)
def path(url: str) -> str:
    """A URL's path, percent-decoded, as httpx reads it (`/api/jobs/1` of `.../jobs/1?format=Entity`)."""
    parts = _plain(url)
    return (unquote(parts.path) or "/") if parts is not None else httpx.URL(url).path


@lru_cache(maxsize=_MEMO)
def query(url: str) -> str:
    """A URL's query string as sent (not decoded), as httpx reads it."""
    parts = _plain(url)
    return parts.query if parts is not None else httpx.URL(url).query.decode()
