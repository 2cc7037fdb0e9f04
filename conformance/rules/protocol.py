"""Protocol family: content negotiation, status codes, Error bodies, sessions and paging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from ..links import Link
from ..parsing import media_kind
from ..reproduce import SESSION_HEADER, Request
from ..snapshot import Resource
from ..urls import resolve
from ._catalog import Finding, RuleContext, Severity, rule
from ._shapes import query_of


def _probe_finding(ctx: RuleContext, res: Resource, probe, expected: str, actual: str,
                   link: Link | None = None) -> Finding:
    finding = ctx.finding(res, expected=expected, actual=actual, link=link,
                          message=f"probe {probe.name}: {probe.method} {probe.request_url}",
                          shown_by=_probe_requests(probe))
    return replace(finding, excerpt=probe.excerpt)


def _probe_requests(probe) -> list[Request]:
    """The probe's own request as it was sent: no session for `anonymous`, the old one after logoff."""
    headers = tuple((k, v) for k, v in probe.headers if k.lower() != SESSION_HEADER.lower())
    sent = Request(probe.method, probe.request_url, headers, session=probe.name != "anonymous")
    if probe.name == "after_logoff":
        return [Request("DELETE", probe.request_url, note="log off, then send the old session id again"), sent]
    return [sent]


def _answered(probe) -> str:
    return f"HTTP {probe.status} {probe.content_type or ''} root {probe.root}" if probe.status else f"{probe.error}"


@rule("PRT001", Severity.ERROR, fault="xml_as_text", source="http_response_codes.md",
      subject="documents the crawl fetched with HTTP 200")
def xml_is_served_as_xml(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A request that accepts XML (the default) gets an XML Content-Type; a crawl in JSON
    (`--format json`) holds JSON to the same promise.

    Clients pick their parser from the Content-Type; a wrong one turns a valid document into an
    error on their side.
    """
    if res.status not in (200, 201):  # 201: the logon answer
        return  # saved files (`conformance check`) have no status
    ctx.judged(res)
    asked = ctx.snapshot.meta.get("format") or "xml"
    if media_kind(res.content_type) != asked:
        yield ctx.finding(res, expected=f"Content-Type application/{asked}",
                          actual=f"Content-Type {res.content_type!r}")


_LinkKey = tuple[str | None, str | None, str | None, str | None, str | None]


def _link_keys(links: Iterable[Link], res: Resource) -> dict[_LinkKey, Link]:
    """Each link by (owner, Rel, Href, Type, Name), Hrefs resolved against the resource's URL.

    The document's own links have no owner in the key, whether its form names itself or not (a
    JSON list has no Href where the XML root may have one); an embedded item's links keep its Href.
    """
    own = {res.url, resolve(res.url, res.url), resolve(res.href, res.url) if res.href else None}
    keyed: dict[_LinkKey, Link] = {}
    for link in links:
        owner = resolve(link.owner, res.url) if link.owner else None
        key = (None if owner in own else owner, link.rel, resolve(link.href or "", res.url), link.type, link.name)
        keyed.setdefault(key, link)
    return keyed


def _on(owner: str | None) -> str:
    return f" on the item {owner}" if owner else ""


@rule("PRT002", Severity.ERROR, fault="json_drops_link", source="links.md",
      subject="JSON answers of the JSON probe")
def json_carries_the_same_links(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """The JSON representation of a URL carries the same links as its XML representation.

    JSON clients navigate the same contract; a link only XML shows is an operation JSON clients
    cannot find. Links compare as sets of (Rel, Href, Type, Name) per element that holds them, so
    neither the order of links or keys nor JSON's wrappers around lists make a difference. A crawl
    in JSON (`--format json`) has no XML form beside its answers: there is nothing to compare.
    """
    if media_kind(res.content_type) == "json":
        return  # crawled as JSON (`--format json`): there is no XML form here to compare with
    for probe in ctx.snapshot.probes_for(res.url, "json"):
        if probe.status != 200 or probe.root is None:
            continue
        ctx.judged(res)
        xml, json = _link_keys(res.links, res), _link_keys(probe.links, res)
        for key in sorted(xml.keys() - json.keys(), key=str):
            yield _probe_finding(ctx, res, probe, f"JSON has {xml[key].describe()}{_on(key[0])}", "missing from JSON",
                                 link=xml[key])
        for key in sorted(json.keys() - xml.keys(), key=str):
            yield _probe_finding(ctx, res, probe, "only the XML links",
                                 f"JSON adds {json[key].describe()}{_on(key[0])}", link=json[key])


@rule("PRT003", Severity.ERROR, fault="json_ignored", source="http_response_codes.md",
      subject="answers of the JSON probe (`Accept: application/json`)")
def json_is_served_when_asked(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A request with `Accept: application/json` gets a JSON representation.

    The docs promise both formats for every resource; ignoring Accept breaks every JSON client.
    """
    for probe in ctx.snapshot.probes_for(res.url, "json"):
        ctx.judged(res)
        if probe.status != 200 or media_kind(probe.content_type) != "json":
            yield _probe_finding(ctx, res, probe, "HTTP 200 with Content-Type application/json", _answered(probe))


@rule("PRT004", Severity.ERROR, fault="open_resource", source="authentication_and_security.md",
      subject="answers of the probe without session")
def no_session_is_401_with_error(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Without a session id, a resource answers 401 with an Error body.

    Everything but the root is private; serving it to anyone leaks the backup estate, and a bare
    401 leaves clients without the reason.
    """
    for probe in ctx.snapshot.probes_for(res.url, "anonymous"):
        ctx.judged(res)
        if probe.status != 401 or probe.root != "Error":
            yield _probe_finding(ctx, res, probe, "HTTP 401 with an Error body", _answered(probe))


@rule("PRT005", Severity.ERROR, fault="not_found_without_error", source="http_response_codes.md",
      subject="answers of the unknown-id probe")
def unknown_id_is_404_with_error(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An id nobody has answers 404 with an Error body.

    Clients tell "gone" from "broken" by the status, and show the Error's message to people.
    """
    for probe in ctx.snapshot.probes_for(res.url, "missing"):
        ctx.judged(res)
        if probe.status != 404 or probe.root != "Error":
            yield _probe_finding(ctx, res, probe, "HTTP 404 with an Error body", _answered(probe))


@rule("PRT006", Severity.ERROR, fault="method_not_allowed_as_500", source="http_response_codes.md",
      subject="answers of the PATCH probe (sent only when --actions allows writes)")
def unsupported_method_is_405(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A method the resource does not support answers 405 with an Error body.

    A 500 for a client mistake hides real server errors in monitoring and makes clients retry.
    """
    for probe in ctx.snapshot.probes_for(res.url, "method"):
        ctx.judged(res)
        if probe.status != 405 or probe.root != "Error":
            yield _probe_finding(ctx, res, probe, "HTTP 405 with an Error body", _answered(probe))


@rule("PRT007", Severity.ERROR, fault="session_survives_logout", source="authentication_and_security.md",
      subject="answers of the probe with the session id after logoff")
def logoff_ends_the_session(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """After the session is deleted (logoff), its session id is refused with 401.

    A session id that outlives logoff is a credential that never expires.
    """
    for probe in ctx.snapshot.probes_for(res.url, "after_logoff"):
        ctx.judged(res)
        if probe.status != 401:
            yield _probe_finding(ctx, res, probe, "HTTP 401 for the old session id", _answered(probe))


@rule("PRT008", Severity.WARNING, fault="error_status_mismatch", source="http_response_codes.md",
      subject="Error bodies the probes were answered with")
def error_body_matches_status(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """An Error body's StatusCode is the HTTP status it came with.

    Clients and logs often keep only the body; a StatusCode that disagrees with the response
    sends them to the wrong cause.
    """
    for probe in ctx.snapshot.probes:
        if probe.url != res.url or probe.root != "Error":
            continue
        ctx.judged(res)
        if probe.error_status != str(probe.status):
            yield _probe_finding(ctx, res, probe, f"StatusCode=\"{probe.status}\"",
                                 f"StatusCode={probe.error_status!r}")


_PAGING = {"First", "Previous", "Next", "Last"}


@rule("PRT009", Severity.ERROR, fault="paging_drops_filter", source="query_service.md",
      subject="paging links (First, Previous, Next, Last) of query results")
def paging_links_keep_the_query(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A query result's paging links keep its query (type, filter, sort, format, page size) and
    number their pages consistently (First is 1, Next and Previous step by one).

    Clients page by following Next; a Next that drops the filter pages through everything.
    """
    if res.root != "QueryResult":
        return
    here = query_of(res.url)
    current = int(here.get("page", "1") or 1) if here.get("page", "1").isdigit() else 1
    kept = {k: v for k, v in here.items() if k != "page"}
    expected_page = {"First": 1, "Next": current + 1, "Previous": current - 1}
    for link in res.links:
        if link.rel not in _PAGING or not link.href:
            continue
        ctx.judged(res)
        there = query_of(link.href)
        lost = {k: v for k, v in kept.items() if there.get(k, "").lower() != v.lower()}
        if lost:
            yield ctx.finding(res, link=link, expected=f"the query kept: {kept}", actual=f"changed or lost: {lost}")
        want = expected_page.get(link.rel)
        if want is not None and there.get("page") != str(want):
            yield ctx.finding(res, link=link, expected=f"page={want}", actual=f"page={there.get('page')}")
