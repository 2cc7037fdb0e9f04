"""What pytest said about each conformance item, kept for the HTML report.

The run records the verdict of every item that ran; pytest's reports also know the items that did
not run (skipped, with their reason) and what each item could not check. The HTML report lists
neither passing nor skipped items one by one, so it keeps these here to show them in the matrix
and the coverage section instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ItemKey", "ItemLog"]

ItemKey = tuple[str, str]
"""(rule id, resource type)"""


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "skipped")


@dataclass
class ItemLog:
    outcomes: dict[ItemKey, str] = field(default_factory=dict)
    """passed, failed, waived or skipped, as pytest reported it."""
    skipped: dict[ItemKey, str] = field(default_factory=dict)
    """Why an item did not run."""
    notes: dict[ItemKey, list[str]] = field(default_factory=dict)
    """What an item could not check (its "not checked" section)."""

    @staticmethod
    def key(report: Any) -> ItemKey | None:
        props = dict(getattr(report, "user_properties", ()))
        rule, kind = props.get("rule"), props.get("kind")
        return (str(rule), str(kind)) if rule is not None and kind is not None else None

    def record(self, report: Any) -> None:
        key = self.key(report)
        if key is None:
            return
        if hasattr(report, "wasxfail"):
            self.outcomes[key] = "waived"
        elif report.skipped:
            self.outcomes[key] = "skipped"
            self.skipped[key] = _skip_reason(report)
        elif report.when == "call" or report.failed:
            self.outcomes[key] = "failed" if report.failed else "passed"
        if report.when == "call":  # later reports repeat the sections of the earlier phases
            lines = [line for header, content in report.sections if header.startswith("Captured not checked")
                     for line in content.splitlines() if line.strip()]
            if lines:
                self.notes[key] = lines
