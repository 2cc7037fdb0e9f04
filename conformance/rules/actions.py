"""Actions family: what following Create, Edit, Delete and the `?action=` links does.

These rules judge the evidence of the action phase (`snapshot.actions`), which only exists when
`--actions` allowed requests beyond GET; without it they have nothing to judge and are skipped.
Findings attach to the crawled resource that offered the link, and reproduce with the scenario's
requests in order up to the one that showed the problem (the whole sequence for ACT010 to ACT012),
passwords in request bodies masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from ..actions.evidence import (
    ActionEvidence,
    Exchange,
    Problem,
    creations,
    deletions,
    lifecycle_edits,
    lifecycle_members,
    outcomes,
    refusals,
    reversals,
    sequences,
    server_errors,
    task_completion,
    task_removal,
    task_soundness,
)
from ..model.links import Link
from ..model.snapshot import Resource
from ._catalog import Finding, RuleContext, Severity, rule


def _steps(ev: ActionEvidence, problem: Problem) -> tuple[Exchange, ...]:
    """The requests that replay a problem: a sequence's own, else the scenario's up to the answer
    that showed it (all of them when no single answer did)."""
    if problem.steps:
        return problem.steps
    shown = next((i for i, e in enumerate(ev.exchanges) if e is problem.exchange), None)
    return ev.exchanges if shown is None else ev.exchanges[:shown + 1]


def _judged(ctx: RuleContext, res: Resource, judge: Callable[[ActionEvidence], Iterator[Problem]],
            *checks: str) -> Iterator[Finding]:
    """The judge's problems over the evidence of the scenarios it judges (`checks`; all when none)."""
    phase = ctx.snapshot.meta.get("actions")
    if not phase and not ctx.snapshot.actions:
        ctx.note("no operation link was followed: --actions none sends nothing beyond the crawl's GETs")
        return
    if phase and phase.get("dry_run"):
        ctx.note("no operation link was followed: --dry-run lists the requests and sends none")
        return
    for ev in ctx.snapshot.actions_for(res.url):
        if checks and ev.check not in checks:
            continue
        ctx.judged(res)
        for problem in judge(ev):
            steps = _steps(ev, problem)
            shown = problem.exchange or (steps[-1] if steps else None)
            finding = ctx.finding(res, expected=problem.expected, actual=problem.actual,
                                  link=Link(ev.rel, ev.href), message=f"{ev.rel}: {ev.case}",
                                  shown_by=[e.request() for e in steps] or None)
            yield replace(finding, excerpt=shown.excerpt if shown else "")


@rule("ACT001", Severity.ERROR, fault="clone_crashes_on_bytes", source="http_response_codes.md",
      subject="answers to requests that followed an operation link")
def no_server_error(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """No request that follows an operation link, valid or not, is answered with a 5xx status.

    A 5xx says the server is broken, not the request: clients retry it, monitoring pages someone,
    and the client never learns what to fix. Whatever a client sends, the answer is a 2xx or a 4xx.
    """
    yield from _judged(ctx, res, server_errors)


@rule("ACT002", Severity.ERROR, fault="vm_spec_unchecked", source="http_response_codes.md",
      subject="answers to invalid input sent to an operation link")
def invalid_input_is_refused(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Invalid input (a broken body, an unknown id or action) is refused with a 4xx status and an Error body.

    Whatever the operation link, bodies must follow the schema's element order and types; accepting one that does not leaves
    the client believing an operation was ordered that the server never understood.
    """
    yield from _judged(ctx, res, refusals, "invalid")


@rule("ACT003", Severity.ERROR, fault="start_answers_200", source="post_jobs_id_actionstart.md",
      subject="answers to valid input sent to an operation link")
def valid_input_gets_the_documented_outcome(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Valid input gets the documented status, with the Task (202) or Location (201) the profile documents.

    Clients branch on the status: 202 means "poll this Task", 201 "here is what you made", 204
    "done, nothing to read"; any other success code sends them down the wrong branch.
    """
    yield from _judged(ctx, res, outcomes, "valid")


@rule("ACT004", Severity.ERROR, fault="clone_task_related_nowhere", source="get_tasks_id.md",
      subject="Tasks returned for valid input")
def tasks_are_sound(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Every Task of a valid request, in every state polled, validates against the schemas; its links resolve.

    The Task is the only handle a client gets on asynchronous work; its Related link is how the
    client finds what the work was about.
    """
    yield from _judged(ctx, res, task_soundness, "task")


@rule("ACT005", Severity.ERROR, fault="start_task_never_finishes", source="tasks_intro.md",
      subject="Tasks returned for valid input")
def tasks_finish(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A Task reaches a final state (Finished) within the polling bound.

    Clients poll a Task until it is finished; one that never finishes holds them forever, and
    its Result, the only report of success, never comes.
    """
    yield from _judged(ctx, res, task_completion, "task")


@rule("ACT006", Severity.ERROR, fault="task_delete_ignored", source="delete_task_id.md",
      subject="Tasks deleted through their Delete link")
def deleted_tasks_are_gone(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Deleting a Task through its Delete link answers 204, and the Task is gone (404).

    Clients delete finished tasks to keep the task list short; a delete that answers yes and
    keeps the task makes the list grow without end.
    """
    yield from _judged(ctx, res, task_removal, "task_delete")


@rule("ACT007", Severity.ERROR, fault="created_server_unlisted", source="post_backupservers.md",
      subject="resources made through a Create link")
def created_resources_are_reachable(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """What Create makes is listed where the resource offering Create links Down, and links Up to that resource.

    A client finds what it created by navigating, never by building URLs; a creation it cannot
    reach by links is lost to it.
    """
    yield from _judged(ctx, res, creations, "create")


@rule("ACT008", Severity.ERROR, fault="deleted_vm_lingers", source="delete_jobs_id_includes_id.md",
      subject="resources removed through a Delete link")
def deleted_resources_are_gone(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """After a Delete, the resource answers 404, and neither its collection nor its parent still links to it.

    A deleted resource that still answers, or is still listed, makes clients act on something
    that no longer exists.
    """
    yield from _judged(ctx, res, deletions, "delete")


@rule("ACT009", Severity.ERROR, fault="edit_appends_to_description", source="put_jobs_id_actionedit.md",
      subject="reversible pairs (a toggle applied twice, an Edit with the body GET returned)")
def reversible_pairs_reverse(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """A reversible pair leaves the resource as it was: a toggle applied twice, an Edit with the body GET returned.

    Clients rely on idempotent edits (sending back what they read changes nothing) and on
    toggles being their own inverse (and changing what they toggle, once); a drift in either
    corrupts data a little at each call.
    """
    yield from _judged(ctx, res, reversals, "reversible")


@rule("ACT010", Severity.ERROR, fault="clone_shares_vms", source="post_jobs_id_actionclone.md",
      subject="sequences of actions")
def sequences_keep_the_model(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """Any sequence of actions leaves the state that a model of the sequence predicts.

    The sequences start, stop, retry and clone jobs, add VMs to them and remove them, and log
    off and on in between. The model: a clone holds what its original held, and the two change apart; a VM added is
    listed, one removed is not; a job keeps its last VM. The finding gives the shortest sequence
    found that breaks it, as the requests to replay.
    """
    yield from _judged(ctx, res, sequences, "sequence")


@rule("ACT011", Severity.ERROR, fault="deleted_member_reappears", source="delete_jobs_id_includes_id.md",
      subject="sequences of a type's lifecycle: its members")
def lifecycles_keep_their_members(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """In any sequence of a type's lifecycle, what the sequence made and did not delete stays listed, and what it deleted stays gone.

    Every type whose links offer Create on a list and Delete on its members (Edit and actions
    too, where offered) is explored with sequences of those steps, in any order. A member that
    drops out of its list, or comes back after a later step, leaves a client that trusts the list
    acting on what is not there (or no longer meant to be). The finding gives the shortest sequence
    found that shows it, as the requests to replay.
    """
    yield from _judged(ctx, res, lifecycle_members, "lifecycle_members")


@rule("ACT012", Severity.ERROR, fault="edit_lost_after_create", source="put_jobs_id_actionedit.md",
      subject="sequences of a type's lifecycle: its edits")
def lifecycles_keep_their_edits(ctx: RuleContext, res: Resource) -> Iterator[Finding]:
    """In any sequence of a type's lifecycle, a field an edit set reads back, whatever later steps do, until the next edit.

    The sequences edit the members they made (one plain-text field of the member as GET returns
    it, or a body of Edit's own element) between creations, actions and deletions of others. An
    edit answered with success and later lost, or never applied, is a change the client was told
    was made. The finding gives the shortest sequence found that shows it, as the requests to replay.
    """
    yield from _judged(ctx, res, lifecycle_edits, "lifecycle_edits")
