"""The rule catalog: how a rule is declared, what it yields, and the one registry of all rules."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from ..model.links import Link
from ..model.reproduce import Replay, Request
from ..model.snapshot import Resource, Snapshot
from ..model.urls import url_template

if TYPE_CHECKING:
    from ..contract.profiles import Profile

__all__ = ["RULES", "Finding", "Rule", "RuleContext", "Severity", "evaluate", "left_out_note", "rule", "run_rule"]


class Severity(enum.IntEnum):
    """How much a violation hurts clients; ordered so `--fail-on` can compare."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation, self-contained: enough to reproduce and settle it without the run."""

    rule_id: str
    severity: Severity
    url: str
    expected: str
    actual: str
    link: Link | None = None
    message: str = ""
    reproduction: str = ""
    """A shell script that logs on and sends the requests that showed the problem; secrets are
    environment variables in it, never values (`reproduce.Replay`)."""
    excerpt: str = ""
    """The start of what the server answered."""
    waiver: str = ""
    """Why this finding does not fail the gate: a baseline entry's reason, or the severity threshold."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data (str, int, None, dicts), so a finding crosses to another process or file."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["severity"] = int(self.severity)
        data["link"] = None if self.link is None else asdict(self.link)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        values = dict(data)
        values["severity"] = Severity(values["severity"])
        if values.get("link") is not None:
            values["link"] = Link(**values["link"])
        return cls(**values)


CheckFunction = Callable[["RuleContext", Resource], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A declared rule: stable id, severity, statement, and the mock fault that proves it."""

    id: str
    severity: Severity
    family: str
    statement: str
    doc: str
    fault: str
    source: str
    check: CheckFunction = field(repr=False)
    subject: str | None = None
    """What the rule judges, in words ("links with a typed Rel"), where it is not every resource:
    a resource type without any is not applicable for the rule (no item), never passed. None: every resource."""
    writes: bool = False
    """Whether its evidence exists only when writes are allowed (the action phase, the PATCH probe):
    a run that judges no such rule need not send them."""

    def applied(self, ctx: RuleContext) -> bool:
        """Whether the rule, just run with `ctx`, had something to judge (see `RuleContext.judged`)."""
        return self.subject is None or bool(ctx.subjects)

    def nothing_to_judge(self) -> str:
        """The reason a pair of the rule is not applicable: its resource type offered nothing to judge.
        It names no type, so that the matrix says it once for the rule's row."""
        return f"nothing to judge: {self.id} judges {self.subject}"


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at; it never does I/O of its own."""

    snapshot: Snapshot
    profile: Profile
    replay: Replay | None = None
    """How reproductions reach the target; by default what the snapshot says of its run."""
    rule: Rule | None = None
    notes: list[str] = field(default_factory=list)
    """What a rule could not check and why (a target that failed, evidence missing)."""
    cache: dict = field(default_factory=dict)
    """Memo shared by the items of a run (reproductions, indexes several rules read); a rule's own
    indexes go in `memo()`."""
    subjects: set[str] = field(default_factory=set)
    """URLs of the resources the rule found something to judge on: none means the rule did not
    apply, which is not the same as a pass."""
    left_out: set[str] = field(default_factory=set)
    """URLs the rule looked up that the crawl left out (`--per-template`, `--max-resources`): said
    once per item, in one note, never link by link."""
    noted: set[str] = field(default_factory=set, repr=False)
    """The notes as a set, so a rule that notes something on every resource stays linear."""

    def memo(self) -> dict:
        """The running rule's own memo (members of collections, a parent's collections): kept while
        the rule's items run, one after the other, and dropped when another rule runs, so the
        indexes of a large crawl do not outlive the rule that needed them."""
        assert self.rule is not None, "memo() is only available while a rule runs"
        return self.cache.setdefault((_MEMO, self.rule.id), {})

    def reproduce(self, requests: Sequence[Request]) -> str:
        """The script that sends these requests (after a logon) against the run's target; written
        once per distinct request list (a page's many links share the page's script)."""
        key = ("reproduce", tuple(requests))
        script = self.cache.get(key)
        if script is None:
            script = self.cache[key] = self._script(requests)
        return script

    def _script(self, requests: Sequence[Request]) -> str:
        if self.replay is None:
            meta = self.snapshot.meta
            session = meta.get("session_url")
            return Replay(self.snapshot.root_url, meta.get("api_version") or "latest", meta.get("user") or "admin",
                          session_urls=frozenset({session} if session else ()),
                          accept=f"application/{meta.get('format') or 'xml'}").script(requests)
        return self.replay.script(requests)

    def target(self, res: Resource, link: Link) -> Resource | None:
        """The crawled resource a link of `res` names, or None when the crawl did not fetch it: looked
        up by the URL read from its Href when `res` was recorded, never by parsing it again."""
        return self.lookup(link.url) if link.url else None

    def lookup(self, url: str) -> Resource | None:
        """The crawled resource at a URL, or None; a URL the crawl left out by sampling or over the
        budget is counted for the item's note (`left_out_note`)."""
        found = self.snapshot.get(url)
        if found is None and url_template(url) in self._sampled():
            self.left_out.add(url)
        return found

    def _sampled(self) -> frozenset[str]:
        """The URL templates some of whose URLs the crawl left out; read once per run."""
        templates = self.cache.get("sampled")
        if templates is None:
            rows = self.snapshot.meta.get("sampled") or ()
            templates = self.cache["sampled"] = frozenset(row["template"] for row in rows)
        return templates

    def readable_target(self, res: Resource, link: Link) -> Resource | None:
        """Like `target`, but a target that failed becomes a note, not a second finding:
        REL001 already reports it, and one broken link must not cascade through every rule."""
        target = self.target(res, link)
        if target is not None and target.error is not None:
            self.note(f"{link.describe()} in {res.url} not checked: its target failed ({target.error}); see REL001")
            return None
        return target

    def judged(self, res: Resource) -> None:
        """Record that the rule found something of its subject on `res` and judged it (a finding
        records it too), so that a silent rule means "fine" only where it had something to judge."""
        self.subjects.add(res.url)

    def note(self, text: str) -> None:
        if text not in self.noted:
            self.noted.add(text)
            self.notes.append(text)

    def finding(self, res: Resource, *, expected: str, actual: str, link: Link | None = None,
                message: str = "", url: str | None = None,
                shown_by: Sequence[str | Request] | None = None) -> Finding:
        """A Finding of the rule being run, with its reproduction and excerpt filled in.

        `shown_by` are the requests whose answers show the problem (a URL stands for its GET): a
        link's target when the target answered wrongly, not the page holding the link. By default
        the GET of the resource the finding is about.
        """
        assert self.rule is not None, "finding() is only available while a rule runs"
        self.judged(res)
        target = url or res.url
        if res.method != "GET" and target == res.url and not shown_by:
            # The logon answer: what shows it is the logon itself.
            shown_by = [Request(res.method, target, session=False, logon=True)]
        requests = [r if isinstance(r, Request) else Request("GET", r) for r in (shown_by or [target])]
        last = requests[-1]
        answered = None
        if last.method == "GET" and last.session:
            answered = res if last.url == res.url else self.snapshot.get(last.url)
        elif last.logon and last.url == res.url:
            answered = res
        return Finding(self.rule.id, self.rule.severity, target, expected, actual, link, message,
                       self.reproduce(requests), answered.excerpt if answered is not None else "")


RULES: dict[str, Rule] = {}
_MEMO = "rule memo"


def split_doc(docstring: str | None) -> tuple[str, str]:
    """(statement, explanation) of a rule's docstring: the first paragraph, joined into one line
    however it is wrapped, and the paragraphs after it."""
    statement, _, rest = inspect.cleandoc(docstring or "").partition("\n\n")
    return " ".join(statement.split()), rest.strip()


def rule(id: str, severity: Severity, *, fault: str, source: str, subject: str | None = None,
         writes: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check: the docstring's first paragraph is its statement, the rest its explanation.

    `fault` names the mock fault that breaks exactly this rule; `source` the vendor page the
    expectation rests on, so a disputed finding can be settled; `subject`, for a rule that does not
    judge every resource, what it judges: its check then calls `RuleContext.judged` on each resource
    where it finds some, and a resource type where it finds none is not applicable, with that reason;
    `writes`, that its evidence comes only from requests sent when writes are allowed (every rule of
    the actions family has it).
    """

    def register(func: CheckFunction) -> CheckFunction:
        if id in RULES:
            raise ValueError(f"rule id {id!r} is declared twice ({RULES[id].check.__qualname__} and {func.__qualname__})")
        statement, rest = split_doc(func.__doc__)
        family = func.__module__.rsplit(".", 1)[-1]
        RULES[id] = Rule(id, severity, family, statement, rest, fault, source, func, subject,
                         writes or family == "actions")
        return func

    return register


def left_out_note(count: int, meta: dict) -> str:
    """What an item could not check because the crawl sampled: one line, however many links."""
    return (f"{count} linked resource(s) not checked: the crawl left them out (--per-template "
            f"{meta.get('per_template') or 'no limit'}, --max-resources {meta.get('max_resources', '?')}); those "
            "it fetched were judged")


def run_rule(rule: Rule, ctx: RuleContext, resources: Iterable[Resource]) -> Iterator[Finding]:
    """Every finding of one rule over some resources; what the crawl left out is noted once."""
    for key in [key for key in ctx.cache if isinstance(key, tuple) and key[:1] == (_MEMO,) and key[1] != rule.id]:
        del ctx.cache[key]  # another rule's memo: its items are done (items run rule after rule)
    bound = replace(ctx, rule=rule, notes=ctx.notes, cache=ctx.cache, subjects=ctx.subjects, noted=ctx.noted,
                    left_out=set())
    for res in resources:
        yield from rule.check(bound, res)
    if bound.left_out:
        bound.note(left_out_note(len(bound.left_out), ctx.snapshot.meta))


def evaluate(ctx: RuleContext, rules: Iterable[Rule] | None = None) -> dict[tuple[str, str], list[Finding]]:
    """Every rule (or those given) over every readable resource, keyed like the test items: (rule id, kind).

    The same grouping as the pytest items, for callers without pytest (benchmarks, offline checks).
    """
    chosen = list(RULES.values() if rules is None else rules)
    results: dict[tuple[str, str], list[Finding]] = {}
    for kind, resources in ctx.snapshot.kinds().items():
        readable = [r for r in resources if r.error is None]
        if not readable:
            continue
        for rule in chosen:
            results[(rule.id, kind)] = list(run_rule(rule, ctx, readable))
    return results
