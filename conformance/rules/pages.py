"""The vendor pages the rules rest on, named as a reader can find them: title and public address.

A rule's `source` is the page's file name, a stable key; a reader has the vendor's site, not the
files, so every output names the page by `pages.toml` (written by `tools/vendor_page_index.py`).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

__all__ = ["page", "page_title_and_url"]


@cache
def _table() -> dict[str, dict[str, str]]:
    return tomllib.loads(files(__package__).joinpath("pages.toml").read_text(encoding="utf-8"))


def page_title_and_url(source: str) -> tuple[str, str | None]:
    """The page's title and URL; a page the table does not know keeps its name, with no URL."""
    known = _table().get(source)
    return (known["title"], known["url"]) if known else (source, None)


def page(source: str) -> str:
    """`Links (https://helpcenter.veeam.com/docs/vbr/em_rest/links.html)`: how a finding names its page."""
    title, url = page_title_and_url(source)
    return f"{title} ({url})" if url else title
