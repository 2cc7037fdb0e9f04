"""Bootstrap the mock's table of enumerated values from documentation pages (a one-off tool).

An element whose every example value is a single word (`Success`, `VMware`, `Cycles`) holds one
of a documented set of values; the mock draws from that set instead of inventing text. Free text
(names, descriptions, paths) is never taken: the mock writes its own.

    python3 tools/values_from_pages.py PAGES_FOLDER -o conformance/mock/values.toml
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from vendor_pages import examples  # noqa: E402

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{1,40}")
_FREE = re.compile(r"(Name|Description|Path|Host|Address|Id|Uid|UID|Ref|Url|Href|Password|Login|Domain|Text|Message)$")
_MAX_VALUES = 12


def collect(folder: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    bad: set[str] = set()
    for ex in examples(folder):
        if ex.media != "xml" or ex.fragment:
            continue
        try:
            root = etree.fromstring(ex.body.encode())
        except etree.XMLSyntaxError:
            continue
        for el in root.iter():
            if not isinstance(el.tag, str) or len(el) or el.text is None or not el.text.strip():
                continue
            name, text = etree.QName(el).localname, el.text.strip()
            if text in ("true", "false") or text.lstrip("-").isdigit():
                bad.add(name)
            elif _WORD.fullmatch(text):
                seen[name].add(text)
            else:
                bad.add(name)
    return {name: values for name, values in seen.items()
            if name not in bad and not _FREE.search(name) and len(values) <= _MAX_VALUES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    lines = ["# Enumerated values of elements, by element name: the mock picks one per item (by its id).",
             "# Bootstrapped by tools/values_from_pages.py from the values every example shows; kept by hand.", ""]
    for name, values in sorted(collect(args.pages).items()):
        lines.append(f"{name} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in sorted(values))}]")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
