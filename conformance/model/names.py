"""How the API's serialiser names a list: the English plural of an element or type name.

One rule for every place that needs it: the JSON arrays of repeated elements (`Refs`,
`Repositories`), the roots of entity lists, the Types of reference lists (`JobReferenceList`).
"""

from __future__ import annotations

__all__ = ["plural"]


def plural(name: str) -> str:
    """`Repository` -> `Repositories`, `Job` -> `Jobs`, `Status` -> `Statuses`, `Day` -> `Days`."""
    if name.endswith("y") and name[-2:-1].lower() not in ("a", "e", "i", "o", "u", ""):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name + "s"
