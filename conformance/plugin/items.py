"""The pytest items: one per rule and resource type, failing with every offending URL.

Items hang under one node, `conformance`, that no file backs: their node ids (`conformance::LNK004[Job]`)
are the same on every server and run, and can be passed back to pytest to run them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pytest

from ..report.plain import id_safe, shown
from ..rules import RULES, Finding, Rule
from ..rules.pages import page
from ..run.judging import Judgement, judgements
from ..run.runner import ItemResult, Run

__all__ = ["NODE", "ConformanceCollector", "ConformanceItem", "PairSelection", "RuleViolated", "attach_result",
           "chosen_by_options", "family_markers", "format_findings", "item_ids", "node_arguments", "pair_id", "register_markers",
           "reported_result", "select_node_ids", "select_pairs", "type_marker", "unmatched_node_ids"]

NODE = "conformance"
"""The name and node id of the node every item hangs under."""

_DETAILED = 25
_EXCERPT = 160


class RuleViolated(Exception):
    """Raised by an item whose rule found violations; carries them for the report."""

    def __init__(self, rule: Rule, kind: str, findings: list[Finding]):
        super().__init__(f"{rule.id}: {len(findings)} finding(s)")
        self.rule, self.kind, self.findings = rule, kind, findings


def format_findings(rule: Rule, kind: str, findings: list[Finding]) -> str:
    """Readable failure text: the rule, then every offending URL with its findings under it.

    Full detail (link, expected, actual, the script that reproduces it) for the first URLs; past
    that, one line per URL, so a failure on a large server stays readable yet still names every
    offender. A script is shown once per URL unless a finding there needs another one. The server's
    text in it is shown, not interpreted (`plain.shown`): it reaches terminals and JUnit files.
    """
    by_url: dict[str, list[Finding]] = {}
    for finding in findings:
        by_url.setdefault(finding.url, []).append(finding)
    lines = [f"{rule.id} ({rule.severity}) {rule.statement}",
             f"{len(findings)} finding(s) in {len(by_url)} {kind} resource(s); vendor page: {page(rule.source)}", ""]
    for index, (url, found) in enumerate(by_url.items()):
        if index >= _DETAILED:
            lines.append(f"- {url} ({len(found)} finding(s))")
            continue
        lines.append(f"- {url}")
        scripts: set[str] = set()
        for finding in found:
            if finding.waiver:
                lines.append(f"    waived:    {finding.waiver}")
            if finding.message:
                lines.append(f"    request:   {finding.message}")
            if finding.link is not None:
                lines.append(f"    link:      {finding.link.describe()}")
            lines.append(f"    expected:  {finding.expected}")
            lines.append(f"    actual:    {finding.actual}")
            if finding.reproduction and finding.reproduction not in scripts:
                scripts.add(finding.reproduction)
                lines.append("    reproduce:")
                lines += [f"      {line}" for line in finding.reproduction.splitlines()]
        excerpt = " ".join(found[0].excerpt.split())[:_EXCERPT]
        if excerpt:
            lines.append(f"    answered:  {excerpt}")
    return shown("\n".join(lines))


def type_marker(kind: str) -> str:
    """The marker of one resource type: `-m type_Job` selects Job alone, where `-k Job`, a substring
    match, also selects BackupJobSession and JobReference."""
    return f"type_{id_safe(kind)}"


def family_markers() -> dict[str, str]:
    """Marker name -> description for each rule family (`-m attributes`, `-k attributes`)."""
    families = dict.fromkeys(rule.family for rule in RULES.values())
    return {family: f"conformance items of the {family} rules" for family in families}


def register_markers(config: pytest.Config, markers: dict[str, str]) -> None:
    """Declare markers (name -> description) not declared yet, so that `--strict-markers` accepts them."""
    known = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    for name, description in markers.items():
        if name not in known:
            config.addinivalue_line("markers", f"{name}: {description}")


@lru_cache(maxsize=4096)
def _marker(name: str) -> pytest.MarkDecorator:
    """One marker per family and resource type, shared by their items (thousands of them)."""
    return getattr(pytest.mark, name)


class ConformanceItem(pytest.Item):
    """Rule x resource type: node ids carry no server-specific ids, so runs compare.

    The pair was judged at collection (`judging`); the item reports that result as pytest sees
    items run, so every pytest option and report treats it as a test.
    """

    def __init__(self, *, judgement: Judgement, run: Run, **kwargs: Any):
        super().__init__(**kwargs)
        self.judgement, self.run = judgement, run
        self.rule, self.kind, self.resources = judgement.rule, judgement.kind, judgement.resources
        rule, kind = self.rule, self.kind
        self.result: ItemResult | None = None
        """The outcome once it ran."""
        self.add_marker(pytest.mark.conformance_rule(rule.id, family=rule.family, severity=str(rule.severity),
                                                     kind=kind))
        self.add_marker(_marker(rule.family))
        self.add_marker(_marker(type_marker(kind)))
        self.user_properties += [("rule", rule.id), ("severity", str(rule.severity)), ("kind", id_safe(kind)),
                                 ("resources", len(self.resources))]

    def runtest(self) -> None:
        # The outcome is kept on the item and sent with its report (`attach_result`): the run
        # gathers results from reports, wherever the item ran.
        judgement = self.judgement
        self.result = result = judgement.result
        if judgement.error is not None:
            raise judgement.error
        if judgement.notes:  # what could not be checked is said, not silently skipped
            self.add_report_section("call", "not checked", shown("\n".join(judgement.notes)))
        if result.outcome == "failed":
            raise RuleViolated(self.rule, self.kind, list(result.findings))
        if result.outcome == "waived":
            findings = list(result.findings)
            self.add_report_section("call", "waived findings", format_findings(self.rule, self.kind, findings))
            pytest.xfail(f"{len(findings)} known finding(s): {findings[0].waiver}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleViolated):
            err = excinfo.value
            return format_findings(err.rule, err.kind, err.findings)
        return super().repr_failure(excinfo)  # a crash inside a rule keeps its traceback

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.rule.id}[{id_safe(self.kind)}] {self.rule.statement}"


class ConformanceCollector(pytest.Collector):
    """Groups the items under one node, `conformance`, independent of any test file."""

    def __init__(self, *, run: Run, **kwargs: Any):
        super().__init__(**kwargs)
        self.run = run
        self.judged = judgements(run)
        # The types are known only now, after the crawl.
        register_markers(self.config, {type_marker(kind): f"conformance items of the resource type {kind}"
                                       for kind in {kind for _, kind in self.judged}})

    def collect(self) -> Iterator[ConformanceItem]:
        """An item for every pair with something to judge."""
        for judgement in self.judged.values():
            if judgement.applicable:
                yield self._item(judgement)

    def not_applicable(self) -> list[ConformanceItem]:
        """The pairs with nothing to judge, made as items only to be matched against the user's
        selection (`-k`, `-m`, node ids) as their items would be; they are never run."""
        return [self._item(judgement) for judgement in self.judged.values() if not judgement.applicable]

    def _item(self, judgement: Judgement) -> ConformanceItem:
        name = _name(judgement.rule, judgement.kind)
        # The id is given whole, as a string: pytest 9.2 reads the `[...]` of a parsed id as its
        # parameters, and an id built from the name alone would never equal the one `--lf` saved.
        return ConformanceItem.from_parent(self, name=name, nodeid=f"{self.nodeid}::{name}", judgement=judgement,
                                           run=self.run)


def _name(rule: Rule, kind: str) -> str:
    return f"{rule.id}[{id_safe(kind)}]"  # the server's Type only as an inert word (`plain.id_safe`)


def pair_id(rule_id: str, kind: str) -> str:
    """The node id of a pair, made into an item or not."""
    return f"{NODE}::{rule_id}[{id_safe(kind)}]"


def item_ids(run: Run) -> list[str]:
    """The node ids of every pair a run judges, items and not applicable, in collection order
    (an xdist controller checks the ids it was given before its workers collect)."""
    return [pair_id(rule_id, kind) for rule_id, kind in judgements(run)]


@dataclass(frozen=True)
class PairSelection:
    """What the user's selection keeps of a run's pairs."""

    items: list[pytest.Item]
    """The items named by node id (all when none is named); `-k` and `-m` are pytest's to apply."""
    not_applicable: list[ItemResult]
    """The pairs with nothing to judge that node ids, `--deselect`, `-k` and `-m` keep."""
    named: list[str]
    """Node ids given that name a pair with nothing to judge, each with why, in words."""
    unmatched: list[str]
    """Node ids given that name no pair of the run."""


def select_pairs(config: pytest.Config, collector: ConformanceCollector, items: list[pytest.Item],
                 node_ids: Sequence[str]) -> PairSelection:
    """The user's selection over every pair of the run, items or not applicable."""
    if not (node_ids or config.getoption("keyword", "") or config.getoption("markexpr", "")
            or config.getoption("deselect", None)):  # nothing to select from: every pair counts
        inert = [j.result for j in collector.judged.values() if not j.applicable]
        return PairSelection(items, inert, [], [])
    others = collector.not_applicable()
    named: list[str] = []
    unmatched: list[str] = []
    if node_ids:
        unmatched = unmatched_node_ids(item_ids(collector.run), node_ids)
        items, _ = select_node_ids(items, node_ids)
        others, _ = select_node_ids(others, node_ids)
        named = [f"{item.nodeid}: not applicable, no item run ({item.judgement.result.reason})" for item in others]
    kept = [item.judgement.result for item in chosen_by_options(config, others)
            if isinstance(item, ConformanceItem)]
    return PairSelection(items, kept, named, unmatched)


def chosen_by_options(config: pytest.Config, items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """The items `--deselect`, `-k` and `-m` keep, matched as pytest matches them (its own matchers),
    for items that pytest itself does not select from: the pairs with nothing to judge."""
    kept = list(items)
    prefixes = tuple(config.getoption("deselect", None) or ())
    if prefixes:
        kept = [item for item in kept if not item.nodeid.startswith(prefixes)]
    keyword = (config.getoption("keyword", "") or "").lstrip()
    markexpr = config.getoption("markexpr", "") or ""
    if not keyword and not markexpr:
        return kept
    from _pytest.mark import KeywordMatcher, MarkMatcher  # pytest's own matchers: the same answers
    from _pytest.mark.expression import Expression

    if keyword:
        expr = Expression.compile(keyword)
        kept = [item for item in kept if expr.evaluate(KeywordMatcher.from_item(item))]
    if markexpr:
        expr = Expression.compile(markexpr)
        kept = [item for item in kept if expr.evaluate(_mark_matcher(MarkMatcher, item))]
    return kept


def _mark_matcher(matcher: Any, item: pytest.Item) -> Any:
    """pytest's own mark matcher for an item: built from the item's markers where pytest offers
    `from_markers`, from the item itself in the older releases the project supports."""
    if hasattr(matcher, "from_markers"):
        return matcher.from_markers(item.iter_markers())
    return matcher.from_item(item)


_RESULT = "conformance_result"
"""The attribute of a call report that carries its item's result, as plain data."""


def attach_result(item: pytest.Item, report: pytest.TestReport) -> None:
    """Send an item's result with its call report: pytest-xdist carries a report's plain-data
    attributes from a worker to the controller, so results are gathered alike in either case."""
    result = getattr(item, "result", None) if isinstance(item, ConformanceItem) else None
    if result is not None and report.when == "call":
        setattr(report, _RESULT, result.to_dict())


def reported_result(report: pytest.TestReport) -> ItemResult | None:
    """The item result a report carries (see `attach_result`), else None."""
    data = getattr(report, _RESULT, None)
    return ItemResult.from_dict(data) if data is not None else None


def node_arguments(args: Iterable[str]) -> tuple[list[str], list[str]]:
    """(other arguments, node ids of conformance items): `conformance`, `conformance::LNK004` and
    `conformance::LNK004[Job]` name items, not paths, so pytest must not look for them on disk."""
    others: list[str] = []
    node_ids: list[str] = []
    for arg in args:
        (node_ids if arg == NODE or arg.startswith(f"{NODE}::") else others).append(arg)
    return others, node_ids


def _names(nodeid: str, node_id: str) -> bool:
    """Whether a node id given names an item's as pytest matches them: the item itself, every item
    below a node (`conformance`), or every resource type of a rule (`conformance::LNK004`)."""
    return node_id in (nodeid, NODE) or nodeid.startswith(f"{node_id}[")


def select_node_ids(items: Sequence[pytest.Item], node_ids: Sequence[str]) -> tuple[list[pytest.Item], list[str]]:
    """(the items the node ids name, in collection order; the node ids that name none)."""
    chosen = [item for item in items if any(_names(item.nodeid, node_id) for node_id in node_ids)]
    return chosen, unmatched_node_ids([item.nodeid for item in items], node_ids)


def unmatched_node_ids(nodeids: Sequence[str], node_ids: Sequence[str]) -> list[str]:
    """The node ids given that name none of the items' `nodeids`."""
    return [node_id for node_id in node_ids if not any(_names(nodeid, node_id) for nodeid in nodeids)]
