"""Every rule x resource type judged once, at collection, before any item is made.

Rules are pure functions over the snapshot, so judging them before pytest makes its items changes
no outcome, and it tells which pairs have something to judge: those become items, which report the
stored result; the others are "not applicable" (nothing to judge, with the reason) and cost no item.
Pairs are judged rule after rule, as the items run, so a rule's memo is dropped once it is done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model.reproduce import Replay
from ..model.snapshot import Resource
from ..report.plain import shown
from ..rules import Rule, run_rule
from ..rules.selection import select_rules
from .runner import ItemResult, Run

__all__ = ["Judgement", "NOT_APPLICABLE", "judge_pair", "judgements", "pairs", "readable_groups", "skip_reason"]

NOT_APPLICABLE = "skipped"
"""The outcome of a pair with nothing to judge, as the results JSON has always named it."""

_KEY = "judgements"


@dataclass(frozen=True)
class Judgement:
    """One pair's result, and what an item needs to report it as pytest would have seen it run."""

    rule: Rule
    kind: str
    resources: list[Resource]
    result: ItemResult
    notes: tuple[str, ...] = ()
    """What the rule could not check (an item shows them in a "not checked" section)."""
    error: BaseException | None = None
    """The rule's own crash, raised again by its item so that its traceback is reported."""

    @property
    def applicable(self) -> bool:
        """Whether there was something to judge: only then is the pair a pytest item."""
        return self.result.outcome != NOT_APPLICABLE


def skip_reason(rule: Rule, notes: tuple[str, ...] | list[str]) -> str:
    """Why a pair judged nothing: what stopped the rule (its first note), else that the resource
    type holds nothing the rule judges."""
    if not notes:
        return rule.nothing_to_judge()
    more = f" (and {len(notes) - 1} more not checked)" if len(notes) > 1 else ""
    return shown(f"{notes[0]}{more}")


def readable_groups(run: Run) -> dict[str, list[Resource]]:
    """Resource type -> its resources that were read (a failed fetch is REL001's to report)."""
    return {kind: [r for r in resources if r.error is None] for kind, resources in run.snapshot.kinds().items()}


def pairs(run: Run, groups: dict[str, list[Resource]]) -> Iterator[tuple[Rule, str]]:
    """Every selected rule x every resource type with a readable resource, rule after rule."""
    settings = run.settings
    for rule in select_rules(settings.rules, settings.skip_rules):
        for kind, resources in groups.items():
            if resources:  # a kind made only of failed fetches has nothing to judge (REL001 reports it)
                yield rule, kind


def judge_pair(run: Run, rule: Rule, kind: str, resources: list[Resource], replay: Replay | None = None) -> Judgement:
    """One rule over one resource type's resources, with the run's gate (baseline, --fail-on) applied."""
    ctx = run.context(replay)
    try:
        findings, waivers = run.judge(rule, kind, list(run_rule(rule, ctx, resources)))
    except Exception as exc:  # noqa: BLE001 - a crash is the item's error, with its traceback
        return Judgement(rule, kind, resources, ItemResult(rule.id, kind, "error", (), len(resources)),
                         tuple(ctx.notes), exc)
    notes = tuple(ctx.notes)
    if not findings and not rule.applied(ctx):
        # Nothing judged is not "judged and found fine": the pair is not applicable, with the reason.
        result = ItemResult(rule.id, kind, NOT_APPLICABLE, (), len(resources), skip_reason(rule, notes), notes=notes)
        return Judgement(rule, kind, resources, result, notes)
    new = [f for f in findings if not f.waiver]
    outcome = "failed" if new else "waived" if findings else "passed"
    result = ItemResult(rule.id, kind, outcome, tuple(findings), len(resources), waivers=waivers, notes=notes)
    return Judgement(rule, kind, resources, result, notes)


def judgements(run: Run) -> dict[tuple[str, str], Judgement]:
    """Every selected pair judged, in collection order; once per run (a later call reads them back)."""
    done = run.judged.get(_KEY)
    if done is None:
        groups, replay = readable_groups(run), run.replay()
        todo = list(pairs(run, groups))
        apart = _judge_apart(run, todo, groups, replay)
        judged = {(rule.id, kind): judge_pair(run, rule, kind, groups[kind], replay)
                  for rule, kind in todo if apart is None or rule.id not in apart[0]}
        if apart is not None:
            judged.update(_taken(run, *apart, todo, groups, replay))
        done = {(rule.id, kind): judged[rule.id, kind] for rule, kind in todo}
        run.judged[_KEY] = done
    return done


_Plain = tuple[str, str, ItemResult, tuple[str, ...], bool]
"""A pair's judgement as it crosses from a copy of the process: rule id, kind, result, notes, crashed."""


def _judge_apart(run: Run, todo: list[tuple[Rule, str]], groups: dict[str, list[Resource]],
                 replay: Replay) -> tuple[set[str], Any] | None:
    """Every other rule judged in a copy of this process (`conformance.process.forked`), on another
    core, while this one judges the rest: rules are pure functions of the snapshot, so where they
    are judged changes no outcome. None where no copy can be made (then all are judged here)."""
    from ..process.forked import cores, fork_part

    rules = list(dict.fromkeys(rule for rule, _ in todo))
    if cores() < 2 or len(rules) < 2:
        return None
    later = {rule.id for rule in rules[1::2]}  # alternate, so each family's heavy rules are shared out

    def judge_later() -> list[_Plain]:
        out = []
        for rule, kind in todo:
            if rule.id in later:
                judged = judge_pair(run, rule, kind, groups[kind], replay)
                out.append((rule.id, kind, judged.result, judged.notes, judged.error is not None))
        return out

    part = fork_part(judge_later)
    return None if part is None else (later, part)


def _taken(run: Run, later: set[str], part: Any, todo: list[tuple[Rule, str]],
           groups: dict[str, list[Resource]], replay: Replay) -> dict[tuple[str, str], Judgement]:
    """The copy's judgements, made whole again; a pair whose rule crashed there, or all of them if
    the copy died, is judged here, so that a crash keeps its traceback."""
    from ..process.forked import PartFailed

    by_id = {rule.id: rule for rule, _ in todo}
    try:
        plain: list[_Plain] = part.result()
    except PartFailed:
        plain = []
    taken = {}
    for rule_id, kind, result, notes, crashed in plain:
        rule = by_id[rule_id]
        taken[rule_id, kind] = (judge_pair(run, rule, kind, groups[kind], replay) if crashed
                                else Judgement(rule, kind, groups[kind], result, notes))
    for rule, kind in todo:
        if rule.id in later and (rule.id, kind) not in taken:
            taken[rule.id, kind] = judge_pair(run, rule, kind, groups[kind], replay)
    return taken
