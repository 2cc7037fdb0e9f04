"""The pure judgments the ACT rules pass on what the action phase recorded.

An `Exchange` is one request and what came back; an `ActionEvidence` groups the exchanges of one
scenario (a valid request, an invalid one, a Task followed to its end, a creation, a deletion, a
reversal, a sequence of actions) with the facts it established; both are records of the data layer
(`conformance.model.records`), kept in the snapshot. The judgments below are the properties themselves: the rules report what they return, and the action phase asks them whether
an example failed, so that hypothesis can shrink it. Nothing here sends a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..model.records import ActionEvidence, Exchange, State
from ..model.urls import path

__all__ = ["JUDGES", "ActionEvidence", "Exchange", "Problem", "State", "problems", "same_resource", "show_body"]

_BODY_SHOWN = 2000
_SECRET_ELEMENTS = re.compile(r"(<(Password|PasswordKey)>)(.*?)(</\2>)", re.S)


def show_body(body: bytes | None) -> tuple[str, bool]:
    """A request body as evidence shows it, and whether it is binary: text as is (passwords
    masked), anything else as `\\xNN` escapes (for `printf`)."""
    if not body:
        return "", False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or not text.replace("\n", "").replace("\t", "").isprintable():
        return "".join(f"\\x{b:02x}" for b in body[:_BODY_SHOWN // 4]), True
    text = _SECRET_ELEMENTS.sub(r"\1***\4", text)
    return (text if len(text) <= _BODY_SHOWN else text[:_BODY_SHOWN] + "..."), False


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken promise in a piece of evidence."""

    expected: str
    actual: str
    exchange: Exchange | None = None
    steps: tuple[Exchange, ...] = ()
    """The requests that replay it, when they are not the evidence's own exchanges (a sequence)."""


def same_resource(a: str | None, b: str | None) -> bool:
    """Whether two URLs name one resource: same path (case-insensitive), any form (`?format=`)."""
    if not a or not b:
        return False
    return path(a).rstrip("/").lower() == path(b).rstrip("/").lower()


def _first(ev: ActionEvidence, purpose: str = "action") -> Exchange | None:
    return next((e for e in ev.exchanges if e.purpose == purpose), None)


def _server_error(e: Exchange | None) -> bool:
    return e is not None and e.status is not None and e.status >= 500


# -- the properties, one per rule ------------------------------------------------------------------

def server_errors(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT001: no request of the action phase is answered with a 5xx."""
    for e in ev.exchanges:
        if _server_error(e):
            yield Problem("a status below 500 (a 4xx with an Error body when the request is at fault)",
                          e.answered(), e)


def refusals(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT002: invalid input is refused with a 4xx and an Error body (5xx is ACT001's)."""
    if ev.check != "invalid":
        return
    e = _first(ev)
    if e is None or _server_error(e):
        return
    if e.status is None or not 400 <= e.status < 500 or e.root != "Error":
        yield Problem(f"a 4xx status with an Error body for {ev.case}", e.answered(), e)


def outcomes(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT003: valid input gets the documented status, and the Task or Location documented."""
    if ev.check != "valid":
        return
    e = _first(ev)
    if e is None or _server_error(e):
        return
    if e.status != ev.expected_status:
        yield Problem(f"HTTP {ev.expected_status} for {ev.case}", e.answered(), e)
        return
    if ev.returns == "Task" and e.root != "Task":
        yield Problem("a Task body (the work is handed to a task)", e.answered(), e)
    if ev.returns == "Location":
        if not e.location:
            yield Problem("a Location header naming the new resource", f"HTTP {e.status} without Location", e)
        else:
            check = _first(ev, "check")
            if check is not None and check.status != 200 and not _server_error(check):
                yield Problem(f"the Location {e.location} to answer 200", check.answered(), check)


def task_soundness(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT004: every Task a valid request returns validates, and its links resolve."""
    if ev.check != "task":
        return
    for e in ev.exchanges:
        if e.root == "Task" and e.schema_errors:
            yield Problem("a Task valid against the schemas", "; ".join(e.schema_errors[:3]), e)
        if e.purpose == "link" and e.status != 200 and not _server_error(e):
            yield Problem(f"the Task's link {e.url} to resolve (HTTP 200)", e.answered(), e)


def task_completion(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT005: the Task reaches a final state within the polling bound."""
    if ev.check != "task":
        return
    seen = [e.task_state for e in ev.exchanges if e.root == "Task"]
    if not any(state in ev.final_states for state in seen):
        last = next((e for e in reversed(ev.exchanges) if e.root == "Task"), None)
        yield Problem(f"a final state ({', '.join(ev.final_states)}) within {ev.polls} polls",
                      f"states seen: {', '.join(s or '?' for s in seen) or 'none'}", last)


def task_removal(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT006: deleting a Task answers the documented status, and the Task is gone (404)."""
    if ev.check != "task_delete":
        return
    delete, gone = _first(ev), _first(ev, "check")
    if delete is None or _server_error(delete):
        return
    if delete.status != ev.expected_status:
        yield Problem(f"HTTP {ev.expected_status} for DELETE of a Task", delete.answered(), delete)
    elif gone is not None and gone.status != 404 and not _server_error(gone):
        yield Problem("HTTP 404 for the deleted Task", gone.answered(), gone)


def creations(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT007: what Create made is listed where its parent links Down, and links back Up to it."""
    if ev.check != "create":
        return
    if ev.owner_down is False:
        yield Problem(f"the resource that offers Create to link Down to {ev.collection}", "no such Down link")
    if not ev.listed:
        yield Problem(f"the new resource listed in {ev.collection}",
                      f"not listed ({ev.subject or 'no new member and no Location'})", _first(ev, "check"))
    elif ev.up and not any(same_resource(u, ev.url) or same_resource(u, ev.collection) for u in ev.up):
        yield Problem(f"the new resource {ev.subject} to link Up to {ev.url}", f"Up links to {', '.join(ev.up)}")


def deletions(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT008: after a Delete, the resource answers 404 and no re-fetched parent links to it."""
    if ev.check != "delete":
        return
    gone = next((e for e in ev.exchanges if e.purpose == "check" and same_resource(e.url, ev.subject)), None)
    if gone is not None and gone.status != 404 and not _server_error(gone):
        yield Problem(f"HTTP 404 for the deleted {ev.subject}", gone.answered(), gone)
    for where in ev.lingering:
        yield Problem(f"no link to the deleted {ev.subject}", f"{where} still links to it",
                      next((e for e in ev.exchanges if e.url == where), None))


def _show(state: tuple[tuple[str, str], ...], names: set[str] | None = None) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in state if names is None or k in names) or "nothing"


def reversals(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT009: a reversible pair (toggle twice, edit with the same body) leaves the resource as it was."""
    if ev.check != "reversible" or not ev.before or not ev.after:
        return
    if ev.observe and ev.middle:
        watched = set(ev.observe)
        if {k: v for k, v in ev.before if k in watched} == {k: v for k, v in ev.middle if k in watched}:
            yield Problem(f"the first {ev.rel} to change {', '.join(ev.observe)}",
                          f"{_show(ev.middle, watched)} both before and after it")
    if ev.before != ev.after:
        changed = {k for k, v in set(ev.before) ^ set(ev.after)}
        yield Problem(f"{ev.case} to leave {_show(ev.before, changed)}", f"{_show(ev.after, changed)}")


def sequences(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT010: a sequence of actions leaves the state the model of the sequence predicts."""
    if ev.check == "sequence" and ev.divergence:
        expected, _, actual = ev.divergence.partition("; actually ")
        yield Problem(expected, actual or ev.divergence, None, ev.steps)


def _diverging(ev: ActionEvidence, check: str) -> Iterator[Problem]:
    if ev.check == check and ev.divergence:
        expected, _, actual = ev.divergence.partition("; actually ")
        yield Problem(expected, actual or ev.divergence, None, ev.steps)


def lifecycle_members(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT011: in any sequence of a type's lifecycle, what it made and did not delete stays listed,
    and what it deleted stays gone."""
    yield from _diverging(ev, "lifecycle_members")


def lifecycle_edits(ev: ActionEvidence) -> Iterator[Problem]:
    """ACT012: in any sequence of a type's lifecycle, a field an edit set reads back until the next edit."""
    yield from _diverging(ev, "lifecycle_edits")


JUDGES: Mapping[str, Callable[[ActionEvidence], Iterator[Problem]]] = {
    "ACT001": server_errors, "ACT002": refusals, "ACT003": outcomes, "ACT004": task_soundness,
    "ACT005": task_completion, "ACT006": task_removal, "ACT007": creations, "ACT008": deletions,
    "ACT009": reversals, "ACT010": sequences, "ACT011": lifecycle_members, "ACT012": lifecycle_edits,
}


def problems(ev: ActionEvidence) -> list[tuple[str, Problem]]:
    """Every broken promise in one piece of evidence, with the rule id it breaks."""
    return [(rule_id, p) for rule_id, judge in JUDGES.items() for p in judge(ev)]
