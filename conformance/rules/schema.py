"""Schema family: every representation is valid against the profile's XSDs."""

from __future__ import annotations

from collections.abc import Iterator

from ..snapshot import Resource
from ._catalog import Finding, RuleContext, Severity, rule


def _undeclared(ctx: RuleContext) -> dict[tuple[str, str], list[str]]:
    """(resource type, root element) -> URLs of the documents whose root no loaded schema declares."""
    index = ctx.cache.get("undeclared roots")
    if index is None:
        index = {}
        for res in sorted(ctx.snapshot, key=lambda r: r.url):
            if res.undeclared_root and res.error is None:
                index.setdefault((res.kind, res.undeclared_root), []).append(res.url)
        ctx.cache["undeclared roots"] = index
    return index


@rule("SCH001", Severity.ERROR, fault="undeclared_element", source="link_types_and_xml_schema.md",
      subject="XML documents whose root element a loaded schema declares, in their namespace or another")
def representation_validates(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every XML representation validates against the profile's schemas.

    Clients generate their bindings from the XSDs; an element the schema does not declare, or
    one out of order, breaks them even when a browser shows the page fine. The message gives the
    line, the element path and the validator's reason. A document whose root element no loaded
    schema declares cannot be judged (a real server's newer resource, an older or partial schema):
    it is reported as not checked, and listed as a coverage gap, rather than as a violation. A root
    the schemas do declare, but in another namespace than the document's (or a document in none),
    is a violation: bindings look elements up by namespace and name, so they find nothing in it
    (mock fault `wrong_namespace`).
    """
    if res.undeclared_root:
        urls = _undeclared(ctx).get((res.kind, res.undeclared_root), [res.url])
        ctx.note(f"{len(urls)} {res.kind} document(s) not checked: no loaded schema declares their root element "
                 f"{res.undeclared_root} (e.g. {urls[0]})")
        return
    if res.validated:
        ctx.judged(res)
    for message in res.schema_errors:
        yield ctx.finding(res, expected="a document valid against the schemas", actual=message)
