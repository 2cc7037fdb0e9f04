"""Server text on a terminal or in a test id: shown as data, never interpreted.

Whatever a target sends (Types, Names, Hrefs, bodies, error texts) may hold escape sequences that
would clear a terminal, retitle its window or hide a line, or markup that a report might insert.
Control characters are written as visible escapes, and a name that goes into a test id keeps only
characters that mean nothing anywhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["id_safe", "shown"]

# C0 controls but line breaks and tabs, DEL, C1 controls, and the bidirectional controls that
# reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ID_SAFE = re.compile(r"[A-Za-z0-9_.\-]+")


def shown(text: str) -> str:
    """The text with every control character written as `\\xNN` (or `\\uNNNN`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def id_safe(name: str) -> str:
    """A server's name as a test id may carry it: unchanged when it is a plain identifier (every
    Type a real server sends), else percent-encoded, so it is one readable, inert word."""
    return name if _ID_SAFE.fullmatch(name) else quote(name, safe="") or "%"
