"""Write the table of the vendor pages the rules rest on: page -> its title and public URL.

A finding names the page its rule rests on; a reader has the vendor's site, not the page files,
so the report names the page by its title and address. Only those two facts are taken from each
page's front matter (`title:`, `source_url:`); no text of the pages is copied.

    python3 tools/vendor_page_index.py PAGES_FOLDER -o conformance/rules/pages.toml
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conformance.rules import RULES  # noqa: E402

_FIELD = re.compile(r'^(title|source_url):\s*"?(.*?)"?\s*$', re.M)


def front_matter(page: Path) -> dict[str, str]:
    """The `title` and `source_url` of a page's front matter (between its first two `---` lines)."""
    text = page.read_text(encoding="utf-8")
    head = text.split("---", 2)[1] if text.startswith("---") else ""
    return dict(_FIELD.findall(head))


def table(folder: Path, pages: set[str]) -> str:
    lines = ["# The vendor pages the rules rest on: their title and public address (written by",
             "# tools/vendor_page_index.py from the pages' front matter; facts only).", ""]
    for name in sorted(pages):
        facts = front_matter(folder / name)
        if {"title", "source_url"} - set(facts):
            raise SystemExit(f"{name}: no title or source_url in its front matter")
        lines += [f"[{json.dumps(name)}]", f"title = {json.dumps(facts['title'])}",
                  f"url = {json.dumps(facts['source_url'])}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    ns = parser.parse_args()
    from conformance.rules.profile import _SOURCE

    pages = {rule.source for rule in RULES.values() if rule.source} | {_SOURCE}
    ns.output.write_text(table(ns.folder, pages), encoding="utf-8")
    print(f"{len(pages)} pages written to {ns.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
