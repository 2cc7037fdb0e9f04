"""The embedded mock Enterprise Manager: a seeded, fault-injectable stand-in for the real API.

The names load on first use: reading a bound such as `data.MAX_SIZE` must not import the web
framework (the `conformance` command checks its options before pytest starts, and pytest warns
about plugins, such as anyio, imported before it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["DEFAULT_PASSWORD", "DEFAULT_USER", "FAULTS", "PASSWORD_ENV", "Dataset", "Fault", "create_app",
           "create_replay_app", "generate_dataset"]

_HOMES = {
    "DEFAULT_PASSWORD": "conformance.mock.app",
    "DEFAULT_USER": "conformance.mock.app",
    "PASSWORD_ENV": "conformance.mock.app",
    "create_app": "conformance.mock.app",
    "create_replay_app": "conformance.mock.replay",
    "generate_dataset": "conformance.mock.data",
    "FAULTS": "conformance.mock.faults",
    "Fault": "conformance.mock.faults",
    "Dataset": "conformance.mock.model",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'conformance.mock' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
