"""Named, documented faults, each breaking one rule of the suite (plus, where unavoidable, the few
it declares in `also`), in XML and JSON alike.

How a fault is declared and applied lives in `mock.fault_registry`, which the mock's responses use
without importing any fault; each rule family's faults are in the module of the same name here,
which registers them when imported.
"""

from . import attributes, profile, protocol, relations, schema, types  # noqa: F401  (importing registers the faults)
from . import actions  # noqa: F401  (the action phase's faults, registered last like their rules)
from ..fault_registry import (
    FAULTS, Context, Fault, Reply, apply_document, apply_reply, request_context, select,
)
from .attributes import FOREIGN_ORIGIN
from .relations import MISSING_SERVER_ID

__all__ = ["FAULTS", "FOREIGN_ORIGIN", "MISSING_SERVER_ID", "Context", "Fault", "Reply", "apply_document",
           "apply_reply", "request_context", "select"]
