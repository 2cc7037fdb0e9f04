"""Schema family: every representation is valid against the profile's XSDs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ..model.parsing import media_kind
from ..model.reproduce import SESSION_HEADER, Request
from ..model.snapshot import Resource
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


def _probe_request(probe) -> Request:
    """The JSON probe's request as it was sent (its Accept), in the crawl's session."""
    headers = tuple((k, v) for k, v in probe.headers if k.lower() != SESSION_HEADER.lower())
    return Request(probe.method, probe.request_url, headers)


@rule("SCH001", Severity.ERROR, fault="undeclared_element", source="link_types_and_xml_schema.md",
      subject="documents (XML, and JSON read onto the schemas' types) whose root element a loaded schema "
              "declares, in their namespace or another")
def representation_validates(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every representation, XML or JSON, validates against the profile's schemas.

    Clients generate their bindings from the XSDs; an element the schema does not declare, or
    one out of order, breaks them even when a browser shows the page fine. The JSON form is a
    serialisation of the same types, so it is read onto them (member names as element and attribute
    names, arrays as repeated elements) and judged by the same schemas: a member they do not
    declare, or of the wrong type, breaks a JSON client as surely. The message gives the line and
    element path (XML) or the member path (JSON, `$.Links[2].Rel`) and the validator's reason. A
    document whose root element no loaded schema declares cannot be judged (a real server's newer
    resource, an older or partial schema): it is reported as not checked, and listed as a coverage
    gap, rather than as a violation.
    The root the schemas do declare, but in another namespace than the document's (or a document in
    none), is a violation: bindings look elements up by namespace and name, so they find nothing in
    it (mock fault `wrong_namespace`).
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
    if media_kind(res.content_type) == "json":
        return  # crawled as JSON (`--format json`): the JSON probe's answer is the same form again
    for probe in ctx.snapshot.probes_for(res.url, "json"):  # the JSON form of a resource crawled as XML
        if probe.validated:
            ctx.judged(res)
        for message in probe.schema_errors:
            finding = ctx.finding(res, expected="a JSON document valid against the schemas", actual=message,
                                  message=f"probe json: {probe.method} {probe.request_url}",
                                  shown_by=[_probe_request(probe)])
            yield replace(finding, excerpt=probe.excerpt)
