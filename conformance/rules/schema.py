"""Schema family: every representation is valid against the profile's XSDs."""

from __future__ import annotations

from collections.abc import Iterator

from ..snapshot import Resource
from ._catalog import Finding, RuleContext, Severity, rule


@rule("SCH001", Severity.ERROR, fault="undeclared_element", source="link_types_and_xml_schema.md")
def representation_validates(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every XML representation validates against the profile's schemas.

    Clients generate their bindings from the XSDs; an element the schema does not declare, or
    one out of order, breaks them even when a browser shows the page fine. The message gives the
    line, the element path and the validator's reason.
    """
    for message in res.schema_errors:
        yield ctx.finding(res, expected="a document valid against the schemas", actual=message)
