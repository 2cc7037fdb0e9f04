"""Rerunning a few items costs what they need, not a whole run.

Items named by node id (`conformance::REL001[Replica]`, or the last failures with `--lf`) decide
which rules are judged; when none of those rules needs what only writes produce (the action phase,
the PATCH probe), the run sends no writes: the same answer for those items, in a fraction of the
time. What the user chose (`--rules`, `--actions`) is never overridden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ..rules import RULES
from .settings import Settings

__all__ = ["last_failures", "named_rules", "narrowed"]

_PREFIX = "conformance::"


def named_rules(node_ids: Iterable[str]) -> set[str] | None:
    """The rule ids the node ids name, or None when one of them names more than one rule's items
    (`conformance`) or no rule of the catalog."""
    rules: set[str] = set()
    for node_id in node_ids:
        rule_id = node_id[len(_PREFIX):].split("[", 1)[0] if node_id.startswith(_PREFIX) else ""
        if rule_id not in RULES:
            return None
        rules.add(rule_id)
    return rules


def last_failures(lastfailed: Iterable[str]) -> list[str]:
    """The conformance items among pytest's last failures (`--lf`)."""
    return [node_id for node_id in lastfailed if node_id.startswith(_PREFIX)]


def narrowed(settings: Settings, node_ids: Sequence[str]) -> tuple[Settings, str | None]:
    """The settings for a run of the named items alone, and what was narrowed, in words (None: nothing)."""
    rules = named_rules(node_ids) if node_ids else None
    if not rules:
        return settings, None
    said = []
    if not settings.rules and not settings.skip_rules:
        settings = replace(settings, rules=tuple(sorted(rules)))
        said.append(f"only {', '.join(sorted(rules))} judged")
    if settings.actions is None and not settings.dry_run and not any(RULES[r].writes for r in rules):
        settings = replace(settings, actions="none")
        said.append("no action phase (no item named needs it; --actions chooses one)")
    return settings, ("the items named: " + "; ".join(said)) if said else None
