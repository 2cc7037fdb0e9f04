"""Choosing rules by id, id prefix or family, as users type them on the command line."""

from __future__ import annotations

from collections.abc import Iterable

from ._catalog import RULES, Rule

__all__ = ["UnknownRuleError", "select_rules"]


class UnknownRuleError(ValueError):
    """A selector that names no rule: a typo must not silently select nothing."""


def _matches(selector: str, rule: Rule) -> bool:
    s = selector.strip()
    return s.upper() == rule.id or (len(s) == 3 and s.upper() == rule.id[:3]) or s.lower() == rule.family


def _split(selectors: Iterable[str]) -> list[str]:
    return [part for item in selectors for part in item.replace(",", " ").split() if part]


def select_rules(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Rule]:
    """The catalog's rules, in catalog order, kept by `include` (all when empty), minus `exclude`."""
    wanted, unwanted = _split(include), _split(exclude)
    for selector in wanted + unwanted:
        if not any(_matches(selector, r) for r in RULES.values()):
            families = sorted({r.family for r in RULES.values()})
            raise UnknownRuleError(f"{selector!r} names no rule id, id prefix (LNK) or family ({', '.join(families)})")
    return [r for r in RULES.values()
            if (not wanted or any(_matches(s, r) for s in wanted)) and not any(_matches(s, r) for s in unwanted)]
