"""The rules, one module per family; importing this package fills the catalog in a fixed order."""

from __future__ import annotations

from . import attributes, protocol, relations, schema, types  # noqa: F401  (registration by import)
from ._catalog import RULES, Finding, Rule, RuleContext, Severity, evaluate, rule, run_rule

__all__ = ["RULES", "Finding", "Rule", "RuleContext", "Severity", "evaluate", "rule", "run_rule"]
