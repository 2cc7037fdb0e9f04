"""A crawl that covers before it repeats: at most `per_template` members of one URL template, every
template's first member before any template's second, a budget that runs out shared round robin;
what was left out is counted, judged around and reported, never flagged link by link."""

from __future__ import annotations

import argparse
import asyncio
from types import SimpleNamespace

from hand_api import NS, ROOT, HandApi, link

from conformance.cli import build_parser
from conformance.contract.profiles import load_profile
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import Limits, crawl
from conformance.crawl.frontier import BUDGET, SAMPLING, Frontier
from conformance.model.links import Link
from conformance.model.urls import url_template
from conformance.report.html_coverage import coverage_html
from conformance.report.results import build_results
from conformance.report.sampling import sampling_lines
from conformance.rules import RULES, RuleContext, run_rule
from conformance.run.settings import OPTIONS

A = [f"{ROOT}jobs/{i}" for i in range(6)]
B = [f"{ROOT}repositories/{i}" for i in range(3)]


def test_the_default_per_template_is_the_same_for_the_crawl_the_plugin_and_the_command():
    (option,) = [opt for opt in OPTIONS if opt.name == "per_template"]
    assert option.default == Limits().per_template
    run = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["run"]
    assert f"(0: no limit; default: {option.default})" in " ".join(run.format_help().split())


def drain(frontier: Frontier) -> list[str]:
    taken = []
    while (item := frontier.pop()) is not None:
        taken.append(item[0])
    return taken


def test_at_most_n_members_of_a_template_are_taken_the_first_offered():
    frontier = Frontier(per_template=2)
    assert [frontier.offer(url) for url in A] == [True, True, False, False, False, False]
    assert drain(frontier) == A[:2]
    assert frontier.left_out() == {SAMPLING: 4, BUDGET: 0}
    assert frontier.sampled() == [{"template": "/api/jobs/{id}", "fetched": 0, "listed": 6}]


def test_every_templates_first_member_is_fetched_before_any_templates_second():
    frontier = Frontier()
    for url in (*A[:3], *B[:2]):
        frontier.offer(url)
    assert drain(frontier) == [A[0], B[0], A[1], B[1], A[2]]


def test_a_budget_that_runs_out_is_spent_round_robin_over_the_templates():
    frontier = Frontier(max_resources=4)
    for url in A:
        frontier.offer(url)
    for url in B:  # each pushes out the last waiting member of the template that has the most
        frontier.offer(url, Link("Down", url, "RepositoryReference"))
    assert sorted(drain(frontier)) == sorted([A[0], A[1], B[0], B[1]])
    assert frontier.left_out() == {SAMPLING: 0, BUDGET: 5}
    assert frontier.left_types[BUDGET] == {"RepositoryReference": 1}  # B[2]; the jobs came without a Type


def test_a_url_offered_again_is_listed_once():
    frontier = Frontier(per_template=1)
    for url in (*A[:3], *A[:3]):
        frontier.offer(url, Link("Down", url, "JobReference"))
    assert frontier.sampled() == [{"template": "/api/jobs/{id}", "fetched": 0, "listed": 3}]
    assert frontier.left_out()[SAMPLING] == 2 and frontier.left_types[SAMPLING] == {"JobReference": 4}


class TwoLists(HandApi):
    """HandApi, with a second collection (`/things`) linked from the items list."""

    def __init__(self, width: int, things: int):
        super().__init__(width=width, extra_links=link("Down", ROOT + "things", "ThingReferenceList"))
        self.things = things

    def route(self, request):
        path = request.url.path
        if path == "/api/things" and request.headers.get("X-RestSvcSessionId"):
            refs = "".join(f'<Ref Href="{ROOT}things/{i}" Type="ThingReference" Name="t{i}"/>'
                           for i in range(self.things))
            return self.xml(f'<EntityReferences xmlns="{NS}">{refs}</EntityReferences>')
        if path.startswith("/api/things/") and request.headers.get("X-RestSvcSessionId"):
            return self.xml(f'<Thing xmlns="{NS}" Href="{ROOT}{path[5:]}" Type="Thing"/>')
        return super().route(request)


def crawled(api: HandApi, limits: Limits):
    target = Target(ROOT, "admin", "pw")

    async def go():
        async with build_client(target, transport=api.transport()) as client:
            return await crawl(client, target, limits=limits)

    return asyncio.run(go())


def fetched(snapshot, template: str) -> list[str]:
    return sorted((r.url for r in snapshot if url_template(r.url) == template), key=lambda u: int(u.rsplit("/", 1)[1]))


def test_the_crawl_fetches_a_collections_first_members_in_document_order_and_says_what_it_left():
    snapshot = crawled(HandApi(width=50), Limits(per_template=5))
    assert fetched(snapshot, "/api/items/{id}") == [f"{ROOT}items/{i}" for i in range(5)]
    assert snapshot.meta["sampled"] == [{"template": "/api/items/{id}", "fetched": 5, "listed": 50}]
    assert (snapshot.meta["skipped_sampling"], snapshot.meta["skipped_budget"]) == (45, 0)
    assert snapshot.meta["left_out_types"][SAMPLING] == {"ItemReference": 45}


def test_without_a_limit_per_template_every_member_is_fetched():
    snapshot = crawled(HandApi(width=50), Limits(per_template=0))
    assert len(fetched(snapshot, "/api/items/{id}")) == 50 and snapshot.meta["sampled"] == []


class SiblingLists(TwoLists):
    """TwoLists, with `/things` linked from the logon session beside `/items`: met at the same depth."""

    def __init__(self, width: int, things: int):
        super().__init__(width, things)
        self.extra = ""

    def route(self, request):
        if request.url.path == "/api/sessionMngr/" and request.headers.get("Authorization"):
            answer = super().route(request)
            body = answer.content.replace(b"</Links>", link("Down", ROOT + "things", "ThingReferenceList").encode()
                                          + b"</Links>", 1)
            return self.xml(body.decode(), 201, **{"X-RestSvcSessionId": answer.headers["X-RestSvcSessionId"]})
        return super().route(request)


def test_a_budget_too_small_for_every_member_reaches_both_collections_alike():
    snapshot = crawled(SiblingLists(width=40, things=40), Limits(per_template=0, max_resources=30))
    items, things = fetched(snapshot, "/api/items/{id}"), fetched(snapshot, "/api/things/{id}")
    assert len(snapshot) == 30 and items and things and abs(len(items) - len(things)) <= 1
    assert snapshot.meta["skipped_budget"] == 80 - len(items) - len(things)


def sampled_run(width: int = 20, per_template: int = 3):
    snapshot = crawled(HandApi(width=width), Limits(per_template=per_template))
    return SimpleNamespace(snapshot=snapshot, profile=load_profile("v1_7"), results={}, findings=[],
                           stale_waivers=[], settings=SimpleNamespace(fail_on="warning", baseline=None, schema=None))


def test_a_rule_judges_the_members_fetched_and_notes_the_rest_once_per_item():
    run = sampled_run()
    ctx = RuleContext(run.snapshot, run.profile)
    listing = run.snapshot.get(ROOT + "items")
    assert list(run_rule(RULES["REL001"], ctx, [listing])) == []
    assert ctx.subjects == {listing.url}  # the three members fetched were judged
    (note,) = ctx.notes
    assert note.startswith("17 linked resource(s) not checked: the crawl left them out (--per-template 3,")


def test_the_reports_say_what_was_judged_of_what_was_listed_per_template():
    run = sampled_run()
    (line,) = sampling_lines(run)
    assert "/api/items/{id}: 3 of 20" in line and "17 URL(s) left out by sampling" in line
    sampling = build_results(run)["coverage"]["sampling"]
    assert sampling["templates"] == [{"template": "/api/items/{id}", "fetched": 3, "listed": 20}]
    assert (sampling["per_template"], sampling["left_out"]) == (3, {SAMPLING: 17, BUDGET: 0})
    html = coverage_html(run)
    assert "<code>/api/items/{id}</code></td><td>3</td><td>20</td>" in html


def test_the_account_of_a_large_collection_is_one_line_not_one_per_url():
    run = sampled_run(width=2000, per_template=2)
    (line,) = sampling_lines(run)
    assert "/api/items/{id}: 2 of 2,000" in line and "items/1999" not in line
    assert build_results(run)["coverage"]["sampling"]["templates"] == [
        {"template": "/api/items/{id}", "fetched": 2, "listed": 2000}]


class TwoListsOfOneTemplate(SiblingLists):
    """`/things` lists the same members as `/items`, in reverse order; `slow` is the list that answers last."""

    def __init__(self, slow: str):
        super().__init__(width=12, things=0)
        self.slow = slow

    async def handle(self, request):
        if request.url.path == "/api/" + self.slow:
            await asyncio.sleep(0.2)
        return await super().handle(request)

    def route(self, request):
        if request.url.path == "/api/things" and request.headers.get("X-RestSvcSessionId"):
            refs = "".join(f'<Ref Href="{ROOT}items/{i}" Type="ItemReference" Name="i{i}"/>' for i in reversed(range(12)))
            return self.xml(f'<EntityReferences xmlns="{NS}">{refs}</EntityReferences>')
        return super().route(request)


def test_which_members_are_sampled_does_not_depend_on_which_list_answered_first():
    """Two lists offer the same template's members in opposite orders: the sample is taken from
    the links in the order of the resources that hold them, not in the order their answers came."""
    runs = [crawled(TwoListsOfOneTemplate(slow), Limits(per_template=3)) for slow in ("items", "things")]
    samples = [fetched(snapshot, "/api/items/{id}") for snapshot in runs]
    assert samples[0] == samples[1] == [f"{ROOT}items/{i}" for i in range(3)]
