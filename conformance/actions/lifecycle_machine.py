"""Sequences over a lifecycle: one hypothesis state machine, given the links of one type at a time.

`LifecycleMachine` is told a `Lifecycle` (what the crawl's links offer for one type) and draws
sequences of its steps: create a member (a body from the XSD strategies), edit one (a field
changed), follow its actions, delete it. It keeps a model of what the sequence left: every member
it made and did not delete is listed, every member it deleted stays gone, every field it edited
reads back. Each step's own outcome is judged by the rules that judge a single request (ACT001,
ACT003, ACT007, ACT008); what only a sequence shows is a divergence from the model, which hypothesis
shrinks to the shortest sequence that still shows it, kept with the requests that replay it:
members that come and go behind the sequence's back (ACT011), edits that do not hold (ACT012).

Whatever hypothesis draws is drawn before the server is asked anything, so a replayed sequence
draws the same and the shrunk one can be trusted. Members left at the end of a sequence are
deleted again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    get_state_machine_test,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from hypothesis.strategies import SearchStrategy

from ..model.urls import resolve
from ..process.forked import share
from .discovery import Operation
from .engine import Divergence, Engine, _ok, run_exploration
from .evidence import ActionEvidence, Exchange, problems, same_resource
from .lifecycle import Lifecycle, lifecycles
from .strategies import PLAIN, Element, as_payload, tree_of, xsd_string
from .wire import Answer, Stopped

__all__ = ["Divergence", "LifecycleMachine", "LifecycleRun", "Member", "explore_lifecycles"]

MEMBERS, EDITS = "lifecycle_members", "lifecycle_edits"
"""The evidence of a lifecycle: its members (ACT011) and its edits (ACT012)."""
_SECRET = ("Password", "PasswordKey")
_SHRINKS = 24
"""Sequences tried after the first divergence, to shrink it: the shortest found by then is kept (a
server's answers are slow next to hypothesis's patience)."""


def _editable(name: str) -> bool:
    """Not a secret, and not an identifier (a client changes what a resource says, not what names it)."""
    return name not in _SECRET and not name.endswith(("Id", "Uid", "UID"))


@dataclass(frozen=True)
class Member:
    """A member the sequence made: the URL its collection lists it at."""

    url: str
    number: int

    def __repr__(self) -> str:  # hypothesis prints steps with it
        return f"member{self.number}"


@dataclass
class LifecycleRun:
    """One lifecycle explored: what outlives a sequence (the members ever listed, the counts, the
    shortest divergence found) and what every sequence needs (the engine, the bodies to draw)."""

    engine: Engine
    lifecycle: Lifecycle
    bodies: SearchStrategy[Element] | None
    namespace: str = ""
    seen: set[str] | None = None
    """Every member the collection has listed so far: a new member is one it did not list before."""
    sequences: int = 0
    steps: int = 0
    made: int = 0
    shrinks: int = 0
    elapsed: float = 0.0
    check: str = ""
    divergence: str = ""
    trace: tuple[Exchange, ...] = ()
    step_problems: dict[tuple[str, str, int | None], ActionEvidence] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        lc = self.lifecycle
        return {"type": lc.type, "template": lc.template, "steps": list(lc.steps), "sequences": self.sequences,
                "steps_run": self.steps, "diverged": bool(self.divergence),
                "elapsed_s": round(self.elapsed, 2)}


def _fields(tree: Element) -> list[int]:
    """The top-level children an edit may change: plain strings (any text is a value), no secrets."""
    return [i for i, c in enumerate(tree.children) if not c.children and c.simple is not None
            and not c.simple.typed and _editable(c.name) and (c.simple.max_length or 1) >= 1]


def _values(tree: Element, names: set[str]) -> dict[str, str]:
    """What an edit body says of the fields the member shows (plain strings only, no secrets)."""
    return {c.name: (c.text or "").strip() for c in tree.children if not c.children and c.name in names
            and c.simple is not None and not c.simple.typed and _editable(c.name)}


_PICK = st.integers(min_value=0, max_value=15)
"""Which of the member's plain-text fields an edit changes (modulo their number)."""
_TEXT = xsd_string(1, 16, PLAIN)
"""The text it writes there."""


class LifecycleMachine(RuleBasedStateMachine):
    """Sequences of one type's steps, as its links offer them; a fresh instance per sequence."""

    members = Bundle("members")

    def __init__(self, run: LifecycleRun) -> None:
        super().__init__()
        self.run = run
        self.engine = run.engine
        self.lc = run.lifecycle
        self.trace: list[Exchange] = []
        self.alive: dict[str, dict[str, str]] = {}
        """Members made and not deleted, with the fields their edits set."""
        self.unlisted: set[str] = set()
        """Members made that the collection never listed (ACT007 reports them)."""
        self.gone: set[str] = set()
        self.changed = False
        self.shown: tuple[list[str], Answer] | None = None
        """The collection as the last step read it, when nothing changed since (the invariant reads it)."""
        run.sequences += 1
        if run.divergence:
            run.shrinks += 1
            if run.shrinks > _SHRINKS:  # enough: every shorter sequence counts as failing, so shrinking ends
                raise Divergence(run.divergence)

    # -- plumbing ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, purpose: str = "action", **kw: Any) -> Answer:
        answer = self.engine.wire.send(purpose, method, url, **kw)
        if purpose == "action":
            self.trace.append(answer.exchange)
        return answer

    def _step(self, rel: str, href: str, answer: Answer, check: str = "valid", **facts: Any) -> None:
        """A step's own outcome, judged like a single request (kept when it breaks something); its Task
        waited for, as what the model checks must be done first."""
        spec = self.engine.spec_for(rel, href)
        if spec is None:
            return
        ev = ActionEvidence(check, rel, self.lc.owner, href, f"{rel} within a sequence of {self.lc.type}",
                            (answer.exchange, *facts.pop("more", ())), spec.status, spec.returns, **facts)
        if problems(ev):
            self.run.step_problems.setdefault((check, rel, answer.exchange.status), ev)
        if check == "valid" and answer.exchange.root == "Task":
            self.engine.wait(answer)

    def _listed(self) -> tuple[list[str], Answer]:
        got = self._send("GET", self.lc.collection, "check")
        return [u for m in got.members if (u := resolve(m.href or "", self.lc.collection))], got

    def _listed_link(self, rel: str, url: str) -> str | None:
        """The Href of a member's link as the collection last read lists it (None when it does not)."""
        if self.shown is None:
            return None
        got = self.shown[1]
        return next((resolve(l.href, got.exchange.url) for l in got.links
                     if l.rel == rel and l.href and l.owner and same_resource(resolve(l.owner, got.exchange.url), url)),
                    None)

    def _entity(self, url: str) -> Answer:
        """The member as GET returns it, in its entity form where it has another."""
        got = self._send("GET", url, "check")
        alternate = got.rel("Alternate")
        if _ok(got) and alternate:
            return self._send("GET", resolve(alternate[0].href or "", url) or url, "check")
        return got

    def _diverged(self, check: str, message: str, shown: Answer | None) -> None:
        self.run.trace = (*self.trace, *([shown.exchange] if shown is not None else []))
        self.run.check, self.run.divergence = check, message
        raise Divergence(message)

    # -- the steps -------------------------------------------------------------------------------

    @initialize(target=members, pick=_PICK, text=_TEXT, data=st.data())
    def a_member_of_its_own(self, pick: int, text: str, data: st.DataObject) -> object:
        """Every sequence starts from a member it made, edited where the type offers Edit: what later
        steps do to a member and to an edit is always in view."""
        made = self._create(data)
        if isinstance(made, Member) and self.lc.edit_spec is not None:
            self._edit(made, pick, text, data)
        return made

    def _create(self, data: st.DataObject) -> object:
        lc, run = self.lc, self.run
        payload = None
        if run.bodies is not None:
            payload = as_payload(data.draw(run.bodies, label=lc.create_spec.body), run.namespace,
                                 f"valid {lc.create_spec.body}")
        self.run.steps += 1
        if run.seen is None:
            run.seen = set(self._listed()[0])
        answer = self._send(lc.create_spec.method, lc.create, body=payload.body if payload else None,
                            content_type=payload.content_type if payload else None)
        self._step("Create", lc.create, answer)
        if not _ok(answer):
            return multiple()
        listed, got = self._listed()
        location = answer.exchange.location if lc.create_spec.returns == "Location" else None
        fresh = [u for u in listed if u not in run.seen]
        run.seen.update(listed)
        made = resolve(location, lc.create) if location else (fresh[-1] if fresh else None)
        subject = next((u for u in listed if same_resource(u, made)), made)
        self.changed, self.shown = True, (listed, got)
        if subject is None or subject not in listed:
            self._step("Create", lc.create, answer, "create", more=(got.exchange,), subject=subject,
                       collection=lc.collection, listed=False)
            if subject is None:
                return multiple()
            self.unlisted.add(subject)
        run.made += 1
        self.alive[subject] = {}
        return Member(subject, run.made)

    @precondition(lambda self: self.lc.edit_spec is not None)
    @rule(member=members, pick=_PICK, text=_TEXT, data=st.data())
    def edit(self, member: Member, pick: int, text: str, data: st.DataObject) -> None:
        """Edit one field (the member as GET returns it, one plain string changed), or send a body of
        Edit's own element; what it says of the member's fields must read back."""
        self._edit(member, pick, text, data)

    def _edit(self, member: Member, pick: int, text: str, data: st.DataObject) -> None:
        spec = self.lc.edit_spec
        assert spec is not None and spec.body
        model = self.engine.spec_model(spec.body)
        if model is None or member.url not in self.alive:
            return
        drawn = None if self.lc.edit_whole else data.draw(self.engine.valid_trees(model, alphabet=PLAIN),
                                                           label=spec.body)
        self.run.steps += 1
        before = self._entity(member.url)
        edits = before.rel("Edit")
        href = resolve(edits[0].href or "", before.exchange.url) if edits else None
        if not _ok(before) or href is None:
            return
        shown = {k for k, _ in before.state}
        if drawn is None:
            tree = tree_of(before.body, model)
            spots = _fields(tree)
            if not spots:
                return
            at = spots[pick % len(spots)]
            old = tree.children[at]
            value = text[:old.simple.max_length] if old.simple and old.simple.max_length else text
            children = list(tree.children)
            children[at] = Element(old.name, value, (), old.attrs, old.required, old.simple)
            drawn = Element(tree.name, None, tuple(children), tree.attrs)
            expected = {old.name: value.strip()}
        else:
            expected = _values(drawn, shown)
        payload = as_payload(drawn, model.namespace, f"valid {spec.body}")
        answer = self._send(spec.method, href, body=payload.body, content_type=payload.content_type)
        self._step("Edit", href, answer)
        if _ok(answer):
            self.alive[member.url].update(expected)
            self.changed, self.shown = True, None

    @precondition(lambda self: bool(self.lc.actions))
    @rule(member=members, pick=st.integers(min_value=0, max_value=7))
    def act(self, member: Member, pick: int) -> None:
        """An action of the member (one without a body): nothing the model tracks may change."""
        rel = self.lc.actions[pick % len(self.lc.actions)]
        if member.url not in self.alive:
            return
        self.run.steps += 1
        got = self._entity(member.url)
        links = got.rel(rel)
        href = resolve(links[0].href or "", got.exchange.url) if links else None
        spec = self.engine.spec_for(rel, href or "")
        if href is None or spec is None:
            return
        self._step(rel, href, self._send(spec.method, href))
        self.changed, self.shown = True, None

    @rule(member=consumes(members))
    def delete(self, member: Member) -> None:
        """Delete through the member's own Delete link: it answers 404 from then on (ACT008), and
        stays gone whatever the sequence does next (ACT011)."""
        self.run.steps += 1
        gone = self._remove(member.url)
        if gone:
            self.gone.add(member.url)
        self.changed, self.shown = True, None

    def _remove(self, url: str) -> bool:
        """Delete a member; whether it answers 404 afterwards."""
        self.alive.pop(url, None)
        self.unlisted.discard(url)
        href = self._listed_link("Delete", url)
        if href is None:  # the list does not carry its members' links: the member's own
            got = self._entity(url)
            deletes = got.rel("Delete") if _ok(got) else []
            href = resolve(deletes[0].href or "", got.exchange.url) if deletes else None
        spec = self.engine.spec_for("Delete", href or "")
        if href is None or spec is None:
            return False
        answer = self._send(spec.method, href)
        self._step("Delete", href, answer)
        if not _ok(answer):
            return False
        after = self._send("GET", url, "check")
        if after.status != 404:
            self._step("Delete", href, answer, "delete", more=(after.exchange,), subject=url,
                       collection=self.lc.collection)
        return after.status == 404

    @rule(target=members, data=st.data())
    def create(self, data: st.DataObject) -> object:
        """Another member (defined last: the rules hypothesis tries first act on the member a sequence has)."""
        return self._create(data)

    @invariant()
    def the_collection_and_the_members_hold_what_the_sequence_left(self) -> None:
        if not self.changed:
            return
        self.changed = False
        listed, got = self.shown or self._listed()
        self.shown = (listed, got)
        for url in sorted(self.alive):
            if url not in self.unlisted and not any(same_resource(u, url) for u in listed):
                self._diverged(MEMBERS, f"{self.lc.collection} to list {url}, made by the sequence and not deleted; "
                                        f"actually it does not", got)
        for url in sorted(self.gone):
            if any(same_resource(u, url) for u in listed):
                self._diverged(MEMBERS, f"{url}, deleted by the sequence, to stay gone from {self.lc.collection}; "
                                        f"actually it is listed again", got)
        for url, expected in sorted(self.alive.items()):
            if not expected:
                continue
            entity = self._entity(url)
            actual = dict(entity.state)
            wrong = {k: v for k, v in expected.items() if actual.get(k) != v}
            if _ok(entity) and wrong:
                shown = ", ".join(f"{k}={actual.get(k)!r}" for k in sorted(wrong))
                said = ", ".join(f"{k}={v!r}" for k, v in sorted(wrong.items()))
                self._diverged(EDITS, f"{url} to read {said}, as the sequence's last edit left it; actually {shown}",
                               entity)

    def teardown(self) -> None:
        """What the sequence made and did not delete goes again (a real server is left as found)."""
        for url in sorted(self.alive):
            try:
                self._remove(url)
            except Stopped:
                raise
            except Exception:  # a server that fails to delete is judged by the steps, not here
                pass


def _examples(budget: int, lc: Lifecycle) -> int:
    """Sequences to try: the budget for a lifecycle of two kinds of step (Create, Delete), more for
    more kinds, as their orders multiply."""
    return max(budget, budget * len(lc.steps) // 2)


def _explore(run: LifecycleRun, chosen: settings) -> None:
    test = get_state_machine_test(lambda: LifecycleMachine(run), settings=chosen)
    # One key per lifecycle in the example database (the dev and deep profiles replay failures first).
    key = f"conformance:lifecycle {run.lifecycle.template}".encode()
    test._hypothesis_internal_database_key = key  # type: ignore[attr-defined]
    run_exploration(test, run.engine.errors, f"lifecycle of {run.lifecycle.type}", found=lambda: bool(run.divergence))


def explore_lifecycles(engine: Engine, ops: list[Operation], part: int = 0, parts: int = 1) -> list[dict[str, Any]]:
    """Explore each lifecycle the links offer (or the `part`-th of `parts` consecutive shares of
    them, about equal in the sequences they try) with hypothesis; record per lifecycle its evidence
    (the minimal diverging sequence, or that none diverged). Returns what was explored."""
    explored = []
    found = lifecycles(engine.snapshot, ops, engine.mode)
    for lc in share(found, part, parts, lambda lc: _examples(engine.budget.lifecycles, lc)):
        model = engine.spec_model(lc.create_spec.body) if lc.create_spec.body else None
        if lc.create_spec.body and model is None:
            engine.notes.append(f"lifecycle of {lc.type}: the schemas declare no {lc.create_spec.body}; not explored")
            continue
        choose = None
        if lc.create_spec.choice:
            value = dict(engine.entity(lc.owner).state).get(lc.create_spec.choice)
            choose = lc.create_spec.choices.get(value or "")
        bodies = engine.valid_trees(model, choose, PLAIN) if model is not None else None
        run = LifecycleRun(engine, lc, bodies, model.namespace if model is not None else "")
        started = time.perf_counter()
        _explore(run, settings(engine.hypothesis, max_examples=_examples(engine.budget.lifecycles, lc),
                               stateful_step_count=engine.budget.steps))
        run.elapsed = time.perf_counter() - started
        engine.evidence.extend(run.step_problems.values())
        case = f"up to {_examples(engine.budget.lifecycles, lc)} sequences of up to {engine.budget.steps} steps " \
               f"({', '.join(lc.steps)}) of {lc.type}"
        for check in (MEMBERS, *((EDITS,) if lc.edit_spec else ())):
            mine = run.check == check
            engine.evidence.append(ActionEvidence(check, "sequence", lc.owner, lc.create, case,
                                                  collection=lc.collection, steps=run.trace if mine else (),
                                                  divergence=run.divergence if mine else None))
        explored.append(run.summary())
    return explored
