"""Protocol family: content negotiation, status codes, Error bodies, sessions and paging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from ..model.links import Link
from ..model.parsing import media_kind
from ..model.reproduce import SESSION_HEADER, Request
from ..model.snapshot import Resource
from ..model.urls import resolve
from ._catalog import Finding, RuleContext, Severity, rule
from ._shapes import path_of, query_of


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
      subject="answers of the PATCH probe (sent only when --actions allows writes)", writes=True)
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
    for probe in ctx.snapshot.probes_for(res.url):
        if probe.root != "Error":
            continue
        ctx.judged(res)
        if probe.error_status != str(probe.status):
            yield _probe_finding(ctx, res, probe, f"StatusCode=\"{probe.status}\"",
                                 f"StatusCode={probe.error_status!r}")


def _number(text: str | None) -> int | None:
    """A page number or count as served, None where it is not a whole number."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _keys(query: dict[str, str]) -> dict[str, str]:
    """What names a query apart from its page: every parameter but `page`, values compared in any case."""
    return {k: v.lower() for k, v in query.items() if k != "page"}


@rule("PRT009", Severity.ERROR, fault="paging_drops_filter", source="pagesize_and_page.md",
      subject="paging links (the profile's paging Rels: First, Previous, Next, Last) of paged results")
def paging_links_lead_to_pages_of_the_same_query(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Each paging link (First, Previous, Next, Last) leads to another page of the same query, within
    its PagesCount, numbered consistently.

    Clients page by following Next until there is none; a Next that drops the filter pages through
    everything, one past the last page loops or fails, and one that answers another page than it
    names skips or repeats items. So each link keeps the result's path and query (type, filter,
    sort, format, page size, its pageSize the result's PageSize); First is page 1, Last is
    PagesCount, Next and Previous one step from PageNum, and no page lies beyond PagesCount; a page
    the crawl followed answers the same kind of result at the page its link names. Its origin is
    LNK003's, its answer REL001's.

    What the suite expects of paging links: live servers of every version (9.5 to 12) write First
    and Last in every query result's PagingInfo, Previous and Next where there are more pages, and
    no Type on any of them; the pages document PagingInfo and its links and show no Type on them.
    So every profile knows the paging Rels (`[rels] paging`) and LNK004 does not ask them for a
    Type: the target is another page of the result the client holds, a Type would tell it nothing,
    and asking for one would fail every real server. Where the link leads is what matters to a
    client, and what this rule judges.
    """
    paging = [link for link in res.own_links if link.rel in ctx.profile.paging_rels and link.href]
    if not paging:
        return
    ctx.judged(res)
    # The query the result answers: its own URL's, else (a saved file) the query its First link names.
    fetched = res.url.startswith(("http://", "https://"))
    reference = res.url if fetched else next((l.url for l in paging if l.rel == "First" and l.url), paging[0].url)
    if reference is None:
        return
    info = res.paging
    here = query_of(res.url) if fetched else {}
    current = _number(info.page if info else None) or _number(here.get("page")) or 1
    count = _number(info.count) if info else None
    size = _number(info.size) if info else None
    last = max(count, 1) if count is not None else None  # an empty result is one empty page
    wanted = {"First": 1, "Previous": current - 1, "Next": current + 1, "Last": last}
    kept, path = _keys(query_of(reference)), path_of(reference)
    for link in paging:
        if link.url is None:
            continue  # no single reading: LNK002, LNK003
        there = query_of(link.url)
        if path_of(link.url) != path:
            yield ctx.finding(res, link=link, expected=f"a page of {path}", actual=f"a link to {path_of(link.url)}")
            continue
        theirs = _keys(there)
        lost = {k: v for k, v in kept.items() if theirs.get(k) != v}
        if lost:
            yield ctx.finding(res, link=link, expected=f"the query kept: {kept}", actual=f"changed or lost: {lost}")
        if size is not None and "pagesize" in theirs and _number(theirs["pagesize"]) != size:
            yield ctx.finding(res, link=link, expected=f"pageSize={size} (the PageSize of this result)",
                              actual=f"pageSize={theirs['pagesize']}")
        page = _number(there.get("page"))
        want = wanted.get(link.rel or "")
        if page is None or page < 1:
            yield ctx.finding(res, link=link, expected="a page number (page=1 or more)", actual=f"page={there.get('page')}")
            continue
        if want is not None and page != want:
            yield ctx.finding(res, link=link, expected=f"page={want}", actual=f"page={page}")
        elif last is not None and page > last:
            yield ctx.finding(res, link=link, expected=f"a page within PagesCount={count}", actual=f"page={page}")
        else:
            yield from _answered_page(ctx, res, link, page)


def _answered_page(ctx: RuleContext, res: Resource, link: Link, page: int) -> Iterator[Finding]:
    """Where the crawl followed the link: the answer is the same kind of result, at the page it names."""
    target = ctx.readable_target(res, link)
    if target is None or target.url == res.url or target.root is None:
        return
    if target.root != res.root:
        yield ctx.finding(res, link=link, expected=f"a page of the same result ({res.root})",
                          actual=f"{target.url} returns {target.root}", shown_by=[target.url])
        return
    served = _number(target.paging.page) if target.paging else None
    if served is not None and served != page:
        yield ctx.finding(res, link=link, expected=f"page {page}", actual=f"{target.url} answers PageNum={served}",
                          shown_by=[target.url])
