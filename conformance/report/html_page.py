"""Rearranging the page pytest-html wrote, so that it leads with what is wrong.

pytest-html's template puts its Environment table first and gives a plugin's summary only a slot
inside its own Summary block, and it offers no hook to change that order. So the finished file is
rearranged: the conformance summary goes right under the title, and the Environment is folded into
a details element after pytest-html's results table. Each move happens only when its markers are
found, so another template version leaves a page that is merely in the old order, never a broken one.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BEGIN", "END", "relayout", "relayout_file"]

BEGIN = "<!--conformance:begin-->"
END = "<!--conformance:end-->"
_TITLE = '<h1 id="title">'
_ENV_START = '<div id="environment-header">'
_ENV_END = '<table id="environment"></table>'
_FOOTER = "<footer>"
_FOLDED = '<details id="conformance-environment">'


def _cut(page: str, start: str, end: str) -> tuple[str, str] | None:
    """(the page without [start ... end], that part), or None when either marker is missing."""
    i = page.find(start)
    j = page.find(end, i + len(start)) if i >= 0 else -1
    if j < 0:
        return None
    j += len(end)
    return page[:i] + page[j:], page[i:j]


def relayout(page: str) -> str:
    """The summary first, under the title; the Environment last, folded. A page already rearranged
    comes back the same."""
    cut = _cut(page, BEGIN, END)
    title = page.find(_TITLE)
    if cut is not None and title >= 0:
        rest, block = cut
        after_title = rest.find("</h1>", rest.find(_TITLE)) + len("</h1>")
        page = rest[:after_title] + block + rest[after_title:]
    cut = None if _FOLDED in page else _cut(page, _ENV_START, _ENV_END)
    if cut is not None and cut[0].find(_FOOTER) >= 0:
        rest, env = cut
        at = rest.find(_FOOTER)
        page = (rest[:at] + _FOLDED + "<summary>Environment: Python, platform, packages and plugins of the run"
                "</summary>" + env + "</details>" + rest[at:])
    return page


def relayout_file(path: Path) -> None:
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        path.write_text(relayout(text), encoding="utf-8")
