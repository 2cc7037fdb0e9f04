"""The vendor's documentation pages, read at test time: every example body they show, classified.

The pages are the vendor's, not the project's: they are read from where they lie (the folder
named by `CONFORMANCE_VENDOR_PAGES`, else `shared/reference/em_rest_v13` beside the project's
checkout) and never copied into the project. Examples sit in markdown table cells, one per cell,
either alone or inside a "Request: ... Response: ... Response Body: ..." transcript.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.model.parsing import ParseError, parse_body
from conformance.run.offline import PROPERTY, fragment_reason

__all__ = ["Example", "defects", "examples", "pages_folder"]

_PROJECT = Path(__file__).resolve().parents[1]


def pages_folder() -> Path | None:
    """Where the vendor's v1.7 pages are, or None when this machine has no copy of them."""
    named = os.environ.get("CONFORMANCE_VENDOR_PAGES")
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" / "reference" / "em_rest_v13" for parent in _PROJECT.parents]
    return next((path for path in candidates if (path / "jobs_id.md").is_file()), None)


@dataclass(frozen=True)
class Example:
    """One example body of one page, and what the page says around it."""

    page: str
    index: int
    """The n-th body on its page (from 1), so `page#index` names it."""
    media: str
    """'xml' or 'json'."""
    body: str
    role: str
    """'response', 'request' (a body sent to the server) or 'representation' (a resource page's)."""
    request: str | None = None
    """The request line of the transcript ("GET https://..."), when the page gives one."""
    status: str | None = None
    fragment: str | None = None
    """Why this is not a whole document (truncated, elided, a snippet), or None when it is one."""

    @property
    def name(self) -> str:
        return f"{self.page}#{self.index}"

    @property
    def complete(self) -> bool:
        return self.fragment is None


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_TRANSCRIPT = re.compile(
    r"Request:\s*(?P<request>[A-Z]+\s+\S+)?.*?"
    r"(?:Request Body:\s*(?P<request_body>.*?))?\s*"
    r"(?:Response:\s*(?P<status>\d\S*(?:\s+[A-Za-z]+)*?))?\s*"
    r"(?:Response Body:\s*(?P<response_body>.*))?$",
    re.S,
)


_SECTIONS = {"Request Body": "request", "Response Body": "response", "Example": "response",
             "Resource Representation": "representation"}


def _cells(text: str, role: str) -> Iterator[tuple[str, str]]:
    """(role, cell) for every one-cell table row; the role is the section the cell sits in."""
    for line in text.splitlines():
        line = line.strip()
        role = _SECTIONS.get(line, role)
        if line.startswith("| ") and line.endswith("|") and not line.startswith("| ---"):
            inner = line[1:-1].strip()
            if inner and "|" not in inner.replace("\\|", ""):
                yield role, _ESCAPED.sub(r"\1", inner.replace("\u00a0", " "))


def _split_transcript(cell: str) -> list[tuple[str, str, str | None, str | None]]:
    """(role, body, request, status) for each body of a transcript cell."""
    request = re.search(r"Request:\s*([A-Z]+)\s+(\S+)", cell)
    request_line = f"{request.group(1)} {request.group(2)}" if request else None
    status = re.search(r"Response:\s*(\d\S*)", cell)
    found = []
    req_body = re.search(r"Request Body:\s*(.*?)(?=\s+Response:|$)", cell, re.S)
    if req_body and req_body.group(1).strip() not in ("", "None"):
        found.append(("request", req_body.group(1).strip(), request_line, None))
    resp_body = re.search(r"Response Body:\s*(.*)$", cell, re.S)
    if resp_body and resp_body.group(1).strip() not in ("", "None"):
        found.append(("response", resp_body.group(1).strip(), request_line, status.group(1) if status else None))
    return found


def _fragment(body: str, media: str) -> str | None:
    """The package's reason, and a reason too for a whole body that does not parse: the check
    reports such a document as unreadable, but as an example it shows nothing to test against."""
    if media == "json" and not body.startswith(("{", "[")):
        return PROPERTY
    reason = fragment_reason(body.encode(), media)
    if reason is None and not _parses(body, media):
        return "not well-formed (cut or edited by hand)" if media == "xml" else "not valid JSON (cut or edited by hand)"
    return reason


def _parses(body: str, media: str) -> bool:
    try:
        parse_body(body.encode(), f"application/{media}")
    except ParseError:
        return False
    return True


def _example(page: str, index: int, role: str, body: str, request: str | None, status: str | None) -> Example | None:
    body = body.strip()
    if body.startswith("<"):
        return Example(page, index, "xml", body, role, request, status, _fragment(body, "xml"))
    if body.startswith(("{", "[", '"')):
        return Example(page, index, "json", body, role, request, status, _fragment(body, "json"))
    return None


def page_examples(path: Path) -> list[Example]:
    """Every example body on one page, in page order."""
    found: list[Example] = []
    resource_page = not path.name.startswith(("get_", "post_", "put_", "delete_"))
    start = "representation" if resource_page else "response"
    for role, cell in _cells(path.read_text(encoding="utf-8"), start):
        if cell.startswith("Request:"):
            parts = _split_transcript(cell)
        elif cell.startswith(("<", "{", '"')) and not cell.startswith("<Enterprise"):
            parts = [(role, cell, None, None)]
        else:
            continue
        for role, body, request, status in parts:
            example = _example(path.name, len(found) + 1, role, body, request, status)
            if example is not None:
                found.append(example)
    return found


def examples(folder: Path | None = None) -> tuple[Example, ...]:
    """Every example of every page, in a stable order (page name, then position)."""
    folder = folder or pages_folder()
    return () if folder is None else _examples(folder)


@cache
def _examples(folder: Path) -> tuple[Example, ...]:
    """The pages are read once per process: every test that judges them shares the reading."""
    return tuple(ex for path in sorted(folder.glob("*.md")) for ex in page_examples(path))


def defects() -> dict[tuple[str, str], str]:
    """The defects of the pages the suite is right to find: (example, rule) -> why it is one."""
    import tomllib

    data = tomllib.loads(Path(__file__).with_name("vendor_defects.toml").read_text(encoding="utf-8"))
    return {(entry["example"], entry["rule"]): entry["why"] for entry in data["defect"]}
