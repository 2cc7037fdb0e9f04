"""Baselines: known violations that are reported but do not fail the gate, until they go stale."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConformanceError
from ..rules import Finding

__all__ = ["BaselineError", "Waiver", "baseline_from_results", "load_baseline", "match", "render_baseline"]


class BaselineError(ConformanceError):
    """A baseline file is unreadable or has an entry of the wrong shape."""


@dataclass(frozen=True)
class Waiver:
    """One known violation: a rule, on a resource type or on URLs matching a pattern."""

    rule: str
    reason: str
    kind: str | None = None
    url: str | None = None
    """An fnmatch pattern on the finding's URL (`*/jobs/*`)."""
    product_min: str | None = None
    product_max: str | None = None

    def applies_to(self, finding: Finding, kind: str, products: Iterable[str]) -> bool:
        if finding.rule_id != self.rule:
            return False
        if self.kind is not None and self.kind != kind:
            return False
        if self.url is not None and not fnmatch.fnmatchcase(finding.url, self.url):
            return False
        return self._in_range(products)

    def _in_range(self, products: Iterable[str]) -> bool:
        if self.product_min is None and self.product_max is None:
            return True
        return any((self.product_min is None or _version(p) >= _version(self.product_min)) and
                   (self.product_max is None or _version(p) <= _version(self.product_max)) for p in products)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


_FIELDS = {"rule", "reason", "kind", "url", "product_min", "product_max"}


def load_baseline(path: str | Path) -> list[Waiver]:
    """Read a TOML baseline: `[[waiver]]` tables with rule, reason, and kind and/or url."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {str(file)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"baseline {file}: not valid TOML: {exc}") from exc
    waivers = []
    for index, entry in enumerate(data.get("waiver", []), start=1):
        where = f"baseline {file}: waiver #{index}"
        if not isinstance(entry, dict):
            raise BaselineError(f"{where}: must be a table")
        unknown = set(entry) - _FIELDS
        if unknown:
            raise BaselineError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(_FIELDS)}")
        for key in ("rule", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise BaselineError(f"{where}: field {key!r} is required (a non-empty string)")
        if "kind" not in entry and "url" not in entry:
            raise BaselineError(f"{where}: give 'kind' (a resource type) or 'url' (a pattern), or both")
        waivers.append(Waiver(**{k: str(v) for k, v in entry.items()}))
    return waivers


def match(findings: list[Finding], kind: str, waivers: list[Waiver], products: Iterable[str],
          used: set[int]) -> list[Finding]:
    """The findings with `waiver` set where an entry covers them; `used` collects matched entries."""
    out = []
    products = list(products)
    for finding in findings:
        for index, waiver in enumerate(waivers):
            if waiver.applies_to(finding, kind, products):
                used.add(index)
                finding = _waived(finding, f"baseline: {waiver.reason}")
                break
        out.append(finding)
    return out


def _waived(finding: Finding, reason: str) -> Finding:
    from dataclasses import replace

    return replace(finding, waiver=reason)


def baseline_from_results(results: dict[str, Any], reason: str = "known violation (baseline)") -> list[Waiver]:
    """One entry per (rule, kind) that has findings in a results JSON, so the same run turns green."""
    pairs = sorted({(f["rule"], f["kind"]) for f in results.get("findings", [])})
    return [Waiver(rule=rule, kind=kind, reason=reason) for rule, kind in pairs]


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string


def render_baseline(waivers: list[Waiver], source: str = "") -> str:
    """TOML text a person can edit: one `[[waiver]]` per entry, reasons to be filled with tickets."""
    lines = ["# Known violations: findings these entries match are reported as waived and do not fail",
             "# the gate. Replace each reason with a ticket reference; delete entries once fixed",
             "# (a run reports entries that no longer match anything as stale)."]
    if source:
        lines.append(f"# Made from {source}.")
    for w in waivers:
        lines += ["", "[[waiver]]", f"rule = {_toml_string(w.rule)}"]
        for key in ("kind", "url", "product_min", "product_max"):
            value = getattr(w, key)
            if value is not None:
                lines.append(f"{key} = {_toml_string(value)}")
        lines.append(f"reason = {_toml_string(w.reason)}")
    return "\n".join(lines) + "\n"
