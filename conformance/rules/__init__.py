"""The rules, one module per family; importing this package fills the catalog in a fixed order."""

from __future__ import annotations

from . import attributes, profile, protocol, relations, schema, types  # noqa: F401  (registration by import)
from . import actions  # noqa: F401  (last: the rules of the action phase close the catalog)
from ._catalog import RULES, Finding, Rule, RuleContext, Severity, evaluate, rule, run_rule

__all__ = ["RULES", "Finding", "Rule", "RuleContext", "Severity", "evaluate", "rule", "run_rule"]
