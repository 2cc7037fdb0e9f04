"""`PagingInfo` as servers of every version write it, on query results and paged lists alike."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .tree import Node, el, link, links

__all__ = ["at_page", "paging_info", "requested_page"]


def paging_info(page: int, size: int, count: int, href: Callable[[int], str]) -> Node:
    """The counters, and links without a Type to the first and last page and, where there are some,
    the previous and next: `href(n)` is the URL of page n of the same query."""
    def at(rel: str, number: int) -> Node:
        return link(rel, href(number))

    pages = links(at("First", 1), at("Previous", page - 1) if 1 < page <= count + 1 else None,
                  at("Next", page + 1) if page < count else None, at("Last", count))
    return el("PagingInfo", None, pages, PageNum=page, PageSize=size, PagesCount=count)


def _positive(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def requested_page(url: str, default_size: int) -> tuple[int, int]:
    """(page, page size) a URL asks for with `page` and `pageSize` (any case), else page 1 of the default size."""
    asked = {k.casefold(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    return _positive(asked.get("page")) or 1, _positive(asked.get("pagesize")) or default_size


def at_page(url: str, size: int, number: int) -> str:
    """The URL with its query kept and `pageSize` and `page` set: page `number` of the same list."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.casefold() not in ("page", "pagesize")]
    return urlunsplit(parts._replace(query=urlencode([*kept, ("pageSize", size), ("page", number)])))
