"""Link-contract conformance suite for XML hypermedia REST APIs.

The names rule and profile authors need are exported here; they load on first use so that
pytest's start-up (which imports this package through the plugin) stays cheap.

PYTEST_DONT_REWRITE: the `conformance` command imports this package before it starts pytest,
which would otherwise warn, on every run of an installed package, that it cannot rewrite the
asserts of a module already imported. This module has none; the plugin's modules are still
rewritten as usual.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Finding", "Link", "Resource", "RuleContext", "Severity", "Snapshot", "rule"]

_HOMES = {
    "Finding": "conformance.rules._catalog",
    "Link": "conformance.model.links",
    "Resource": "conformance.model.snapshot",
    "RuleContext": "conformance.rules._catalog",
    "Severity": "conformance.rules._catalog",
    "Snapshot": "conformance.model.snapshot",
    "rule": "conformance.rules._catalog",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'conformance' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
