"""Why a finding does not fail the run, in words every output shares.

A finding that does not fail the gate is either a known violation the baseline waives, or a new
finding below `--fail-on`. The two mean different things to a reader (the first is old news, the
second is new and merely tolerated), so they are counted and named apart everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..rules import Finding, Severity

__all__ = ["BELOW_GATE", "below_gate_reason", "by_severity", "split", "waived_phrases"]

BELOW_GATE = "below --fail-on"
"""How the waiver of a new finding below the gate starts (a baseline's starts with `baseline:`)."""


def below_gate_reason(fail_on: str) -> str:
    return f"{BELOW_GATE} {fail_on}"


def _kind(waiver: str | None) -> str:
    if not waiver:
        return "new"
    return "below_gate" if waiver.startswith(BELOW_GATE) else "baseline"


def split(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """The findings as `new` (they fail the gate), `below_gate` (new, tolerated by --fail-on) and
    `baseline` (known, waived by the baseline)."""
    out: dict[str, list[Finding]] = {"new": [], "below_gate": [], "baseline": []}
    for finding in findings:
        out[_kind(finding.waiver)].append(finding)
    return out


def by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counted = Counter(str(f.severity) for f in findings)
    return {str(s): counted.get(str(s), 0) for s in sorted(Severity, reverse=True)}


def waived_phrases(below_gate: dict[str, int], baseline: int, fail_on: Any) -> list[str]:
    """`1 new warning below --fail-on error`, `3 known violations waived by the baseline`: what a
    verdict leaves aside, each said once and only when there is some."""
    phrases = []
    below = [f"{n} new {severity}{'s' if n != 1 and severity != 'info' else ''}"
             for severity, n in below_gate.items() if n]
    if below:
        phrases.append(f"{' and '.join(below)} below --fail-on {fail_on}")
    if baseline:
        phrases.append(f"{baseline} known violation{'s' if baseline != 1 else ''} waived by the baseline")
    return phrases
