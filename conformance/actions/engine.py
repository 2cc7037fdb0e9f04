"""The scenarios of the action phase, each a hypothesis property over the discovered operations.

Per operation (one Rel on one path template), as the profile describes it and `--actions` allows:

- valid input (a generated body of its spec element, or none) gets the documented outcome, and
  every Task it returns is followed to a final state, its links fetched;
- invalid input (bodies broken one way each, unknown ids, unknown `action` values) is refused
  with a 4xx and an Error body, and nothing at all answers 5xx;
- Create is followed by a look at its parent and the new resource, then undone by the new
  resource's own Delete link, which is followed by a look for anything still pointing at it;
- reversible pairs (toggle twice, edit with the same body) leave the resource as it was;
- the Tasks the suite started are deleted, and must be gone.

Each scenario records `ActionEvidence`; when an example breaks a property, hypothesis shrinks it
and the smallest failing example is what is kept. Existing resources are never deleted: Delete is
only ever sent to what the suite created itself (its tasks, its creations, its own sessions).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit, urlunsplit

from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..contract.profiles import ActionSpec, Profile
from ..crawl.client import Target as Credentials
from ..model.links import Link
from ..model.snapshot import Snapshot
from ..model.urls import is_gettable, resolve
from .budget import Budget
from .discovery import Operation, Target, allowed
from .evidence import ActionEvidence, Exchange, problems, same_resource
from .strategies import (
    INVALID_KINDS,
    XML,
    XML_CHAR,
    Alphabet,
    Case,
    Element,
    Payload,
    SpecModel,
    action_case,
    as_payload,
    href_case,
    invalid_body,
    read_spec,
    tree_of,
    unknown_action,
    unknown_id,
    valid_body,
)
from .wire import Answer, Stopped, Wire

__all__ = ["Divergence", "Engine", "run_exploration"]

_FIRST_POLL = 0.05
"""Seconds before the first poll of a real server's Task; each later poll waits twice as long, up to
the budget's `poll_interval`."""
_LINKS_FOLLOWED = 3
"""Links of a Task fetched to see that they resolve (Related, Download, ...)."""


def _seed(key: str) -> int:
    """A stable seed for one exploration (`Engine.explore`), whatever the process."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


class _Falsified(AssertionError):
    """An example broke a property; hypothesis shrinks on it."""


class Divergence(AssertionError):
    """The server's state parted from the model of a sequence."""


def run_exploration(test: Callable[[], object], errors: list[str], what: str, *, found: Callable[[], bool],
            ends: type[BaseException] = Divergence) -> None:
    """Run one hypothesis exploration. The phase's budget running out (`Stopped`) stops the phase;
    the property failing (`ends`) is what the exploration was after; anything else, a flaky server or
    a fault of the suite's own, is said in `errors` unless a finding was already kept: never silent."""
    try:
        test()
    except Stopped:
        raise
    except ends:
        pass
    except Exception as exc:
        if not found():
            errors.append(f"{what}: {type(exc).__name__}: {str(exc)[:300]}")


def _ok(answer: Answer) -> bool:
    return answer.status is not None and 200 <= answer.status < 300


def collection_of(href: str) -> str:
    """The collection a Create link posts to: its Href without the query (`backupServers?action=create`)."""
    parts = urlsplit(href)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@dataclass
class Engine:
    """One action phase: the wire, what the crawl found, and the evidence gathered so far."""

    wire: Wire
    snapshot: Snapshot
    profile: Profile
    budget: Budget
    hypothesis: settings
    mode: str
    credentials: Credentials | None = None
    poll_interval: float = 0.0
    evidence: list[ActionEvidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    own_tasks: list[tuple[str, str, str, Answer]] = field(default_factory=list)
    """(owner, Rel, task URL, last answer) of every Task the phase's requests started."""
    known_actions: frozenset[str] = frozenset()
    taken_ids: frozenset[str] = frozenset()
    """Path segments of every crawled URL, lower case: an 'unknown' id is none of them."""
    _entities: dict[str, Answer] = field(default_factory=dict)
    _specs: dict[str, SpecModel | None] = field(default_factory=dict)
    _trees: dict[tuple[str, str | None, Alphabet], SearchStrategy[Element]] = field(default_factory=dict)

    # -- shared steps ----------------------------------------------------------------------------

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(sorted(self.profile.task_final_states))

    def spec_model(self, element: str | None) -> SpecModel | None:
        if element is None:
            return None
        if element not in self._specs:
            schemas = self.wire.schemas
            compiled = schemas.compiled(self.profile.schemas) if schemas is not None else None
            self._specs[element] = read_spec(self.profile.schemas, element, compiled)
        return self._specs[element]

    @cached_property
    def values(self) -> Mapping[str, SearchStrategy[str]]:
        """Values that must name something on the server: `<Kind>Uid` elements get UIDs the crawl saw."""
        uids: dict[str, set[str]] = {}
        for res in self.snapshot:
            if res.uid and res.uid.count(":") >= 3:
                uids.setdefault(res.uid.split(":")[2], set()).add(res.uid)
        return {f"{kind}Uid": st.sampled_from(sorted(found)) for kind, found in uids.items()}

    def entity(self, url: str, fresh: bool = False) -> Answer:
        """The resource as GET returns it now (kept for the run unless `fresh`)."""
        if fresh or url not in self._entities:
            self._entities[url] = self.wire.send("setup", "GET", url)
        return self._entities[url]

    def spec_for(self, rel: str, href: str) -> ActionSpec | None:
        spec = self.profile.actions.get(rel)
        return spec.for_href(href, self.snapshot.root_url) if spec is not None else None

    def explore(self, key: str, strategy: SearchStrategy[Case], run: Callable[[Case], list[ActionEvidence]],
                examples: int) -> None:
        """Run `run` on hypothesis' examples of `strategy`; keep what passed (bounded) and, when an
        example breaks a property, the evidence of the smallest failing one."""
        failing: list[list[ActionEvidence]] = []
        kept: list[ActionEvidence] = []

        def prop(case: Case) -> None:
            records = run(case)
            if any(problems(r) for r in records):
                failing[:] = [records]
                raise _Falsified(key)
            if len(kept) < 4 * examples:
                kept.extend(records)

        test = settings(self.hypothesis, max_examples=examples)(given(strategy)(prop))
        test._hypothesis_internal_database_key = f"conformance:{key}".encode()  # type: ignore[attr-defined]
        if self.hypothesis.derandomize:
            # The same examples on every run, seeded by what is explored: hypothesis would digest the
            # source of `prop` at every call instead (a sixth of the phase), the same for every key.
            test = seed(_seed(key))(test)
        run_exploration(test, self.errors, key, found=lambda: bool(failing), ends=_Falsified)
        self.evidence.extend(kept)
        if failing:
            self.evidence.extend(failing[0])

    def send_case(self, spec: ActionSpec, case: Case) -> Answer:
        payload = case.payload
        return self.wire.send("action", spec.method, case.href, body=payload.body if payload else None,
                              content_type=payload.content_type if payload else None)

    def follow(self, op: Operation, case: Case, check: str, spec: ActionSpec | None = None) -> list[ActionEvidence]:
        """Send one case; record it as `check` evidence and, for valid input, the Task it returned."""
        spec = spec or op.spec
        answer = self.send_case(spec, case)
        return self.record(op.rel, case, answer, check, spec)

    def record(self, rel: str, case: Case, answer: Answer, check: str, spec: ActionSpec) -> list[ActionEvidence]:
        exchanges = [answer.exchange]
        location = answer.exchange.location
        if check == "valid" and spec.returns == "Location" and location and answer.status == spec.status:
            exchanges.append(self.wire.send("check", "GET", resolve(location, case.href) or location).exchange)
        records = [ActionEvidence(check, rel, case.target.owner, case.href, case.case, tuple(exchanges),
                                  spec.status, spec.returns)]
        if check == "valid" and answer.exchange.root == "Task":
            records.append(self.task(rel, case.target.owner, case.href, answer))
        return records

    def wait(self, answer: Answer, token: str | None = None) -> tuple[list[Exchange], Answer, str | None]:
        """Poll a Task until it is final or the budget is spent; (polls, last answer, task URL)."""
        url = resolve(answer.href or answer.exchange.location or "", answer.exchange.url) if (
            answer.href or answer.exchange.location) else None
        exchanges: list[Exchange] = []
        last = answer
        while url and last.exchange.task_state not in self.final_states and len(exchanges) < self.budget.polls:
            if self.poll_interval:  # back off: a quick task is seen at once, a slow one is not hammered
                time.sleep(min(self.poll_interval, _FIRST_POLL * 2 ** len(exchanges)))
            last = self.wire.send("poll", "GET", url, token=token)
            exchanges.append(last.exchange)
            if last.exchange.root != "Task":
                break
        return exchanges, last, url

    def task(self, rel: str, owner: str, href: str, answer: Answer) -> ActionEvidence:
        """Follow a Task to its end; fetch its links: evidence for ACT004 and ACT005."""
        polls, last, url = self.wait(answer)
        exchanges = [answer.exchange, *polls]
        if last.exchange.root == "Task":
            for link in [l for l in last.links if is_gettable(l, self.profile.action_rels)
                         and l.owner in (None, last.href)][:_LINKS_FOLLOWED]:
                target = resolve(link.href or "", last.exchange.url)
                if target:
                    exchanges.append(self.wire.send("link", "GET", target).exchange)
        if url:
            self.own_tasks.append((owner, rel, url, last))
        return ActionEvidence("task", rel, owner, href, f"the Task of {rel}", tuple(exchanges),
                              final_states=self.final_states, polls=self.budget.polls)

    def bodies(self, op: Operation, model: SpecModel | None) -> Callable[[Target], SearchStrategy[Element]] | None:
        """Valid body trees for a target: the spec's alternative for the target (by `choice`)."""
        if model is None:
            return None

        def trees(target: Target) -> SearchStrategy[Element]:
            choose = None
            if op.spec.choice:
                value = dict(self.entity(target.owner).state).get(op.spec.choice)
                choose = op.spec.choices.get(value or "")
            return self.valid_trees(model, choose)

        return trees

    def valid_trees(self, model: SpecModel, choose: str | None = None,
                    alphabet: Alphabet = XML_CHAR) -> SearchStrategy[Element]:
        """`strategies.valid_body` of the spec, made once per alternative and alphabet: hypothesis
        analyses a strategy (every part of a large spec) the first time it draws from it."""
        key = (model.element, choose, alphabet)
        if key not in self._trees:
            self._trees[key] = valid_body(model, self.values, choose, alphabet)
        return self._trees[key]

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- the scenarios ---------------------------------------------------------------------------

    def run(self, ops: list[Operation]) -> None:
        for op in ops:
            self.operation(op)
        self.task_deletes()

    def operation(self, op: Operation) -> None:
        spec = op.spec
        model = self.spec_model(spec.body)
        if spec.body and model is None:
            self.notes.append(f"{op.key}: the schemas declare no {spec.body}; only unknown ids and actions sent")
        if spec.rel == "Delete":
            pass  # sent only to what the suite made: the undo of Create, and its own tasks
        elif spec.undo == "Delete":
            if model is not None or spec.body is None:
                self.creates(op, model)
        elif spec.undo == "repeat":
            self.repeats(op)
        elif spec.undo == "same-body":
            self.same_body(op)
        elif model is not None or spec.body is None:
            self.valid(op, model)
        if model is not None:
            self.invalid(op, model)
        self.hrefs(op)

    def _valid_cases(self, op: Operation, model: SpecModel | None) -> SearchStrategy[Case]:
        trees = self.bodies(op, model)
        if trees is None:
            return action_case(op.targets, None, f"valid input (no body) to {op.rel}")
        assert model is not None
        return action_case(op.targets, lambda t: trees(t).map(
            lambda tree: as_payload(tree, model.namespace, f"valid {model.element}")))

    def valid(self, op: Operation, model: SpecModel | None) -> None:
        self.explore(f"valid {op.key}", self._valid_cases(op, model), lambda case: self.follow(op, case, "valid"),
                     self.budget.valid)

    def invalid(self, op: Operation, model: SpecModel) -> None:
        if op.spec.undo == "same-body":
            def trees(target: Target) -> SearchStrategy[Element]:
                got = self.entity(target.owner)
                return st.just(tree_of(got.body, model)) if _ok(got) and got.body else st.nothing()
        else:
            made = self.bodies(op, model)
            assert made is not None
            trees = made
        for kind in INVALID_KINDS:
            cases = action_case(op.targets, lambda t, k=kind: invalid_body(k, trees(t), model.namespace))
            self.explore(f"invalid {kind} {op.key}", cases, lambda case: self.follow(op, case, "invalid"),
                         self.budget.invalid)

    def hrefs(self, op: Operation) -> None:
        variations: list[tuple[str, Callable[[str], SearchStrategy[str] | None]]] = [
            ("unknown id", lambda h: unknown_id(h, self.taken_ids)),
            ("unknown action", lambda h: unknown_action(h, self.known_actions))]
        for label, vary in variations:
            cases = href_case(op.targets, vary, f"invalid: {label}")
            if cases is not None:
                self.explore(f"{label} {op.key}", cases, lambda case: self.follow(op, case, "invalid"),
                             self.budget.hrefs)

    def creates(self, op: Operation, model: SpecModel | None) -> None:
        self.explore(f"create {op.key}", self._valid_cases(op, model), lambda case: self.create(op, case),
                     self.budget.creates)

    def create(self, op: Operation, case: Case) -> list[ActionEvidence]:
        """Create, look for the new resource where the parent links Down, then delete it again."""
        spec, owner = op.spec, case.target.owner
        collection = collection_of(case.href)
        before = self.wire.send("setup", "GET", collection)
        known = {resolve(m.href or "", collection) for m in before.members}
        answer = self.send_case(spec, case)
        records = self.record(op.rel, case, answer, "valid", spec)
        if not _ok(answer):
            return records
        after = self.wire.send("check", "GET", collection)
        members = [u for m in after.members if (u := resolve(m.href or "", collection))]
        fresh = [u for u in members if u not in known]
        location = answer.exchange.location if spec.returns == "Location" else None
        subject = resolve(location, case.href) if location else (fresh[0] if fresh else None)
        offered = self.snapshot.get(owner)
        owner_down = None if offered is None else any(
            l.rel == "Down" and same_resource(resolve(l.href or "", owner), collection) for l in offered.links)
        exchanges = [before.exchange, answer.exchange, after.exchange]
        up: list[str] = []
        deletes: list[str] = []
        if subject:
            got = self.wire.send("check", "GET", subject)
            exchanges.append(got.exchange)
            seen = [got]
            for alt in got.rel("Alternate")[:1]:
                other = self.wire.send("check", "GET", resolve(alt.href or "", subject) or subject)
                exchanges.append(other.exchange)
                seen.append(other)
            for doc in seen:
                up += [resolve(l.href or "", doc.exchange.url) or "" for l in doc.rel("Up")]
                deletes += [resolve(l.href or "", doc.exchange.url) or "" for l in doc.rel("Delete")]
        listed = subject is not None and any(same_resource(u, subject) for u in members)
        records.append(ActionEvidence("create", op.rel, owner, case.href, case.case, tuple(exchanges),
                                      subject=subject, collection=collection, listed=listed,
                                      owner_down=owner_down, up=tuple(up)))
        if subject and deletes:
            records += self.delete(owner, deletes[0], subject, collection)
        elif subject:
            self.notes.append(f"{op.key}: the new resource {subject} offers no Delete link; it was left in place")
        return records

    def delete(self, owner: str, href: str, subject: str, collection: str) -> list[ActionEvidence]:
        """Delete what the suite made; then the resource must be gone, and nothing link to it."""
        spec = self.spec_for("Delete", href)
        if spec is None:
            self.notes.append(f"Delete {href}: the profile has no [actions.Delete]; the creation was left in place")
            return []
        case = Case(Target(owner, "", href, Link("Delete", href)), href, None, f"Delete of {subject} (made by the suite)")
        answer = self.send_case(spec, case)
        records = self.record("Delete", case, answer, "valid", spec)
        if answer.exchange.root == "Task":
            self.wait(answer)
        if not _ok(answer):
            return records
        checks = [self.wire.send("check", "GET", url) for url in (subject, collection, owner)]
        lingering = tuple(c.exchange.url for c in checks[1:]
                          if any(same_resource(resolve(l.href or "", c.exchange.url), subject)
                                 for l in (*c.links, *c.members)))
        records.append(ActionEvidence("delete", "Delete", owner, href, case.case,
                                      (answer.exchange, *(c.exchange for c in checks)), spec.status, spec.returns,
                                      subject=subject, collection=collection, lingering=lingering))
        return records

    def repeats(self, op: Operation) -> None:
        cases = st.sampled_from(list(op.targets)).map(lambda t: Case(t, t.href, None, f"{op.rel} twice"))
        self.explore(f"twice {op.key}", cases, lambda case: self.twice(op, case), self.budget.reversals)

    def twice(self, op: Operation, case: Case) -> list[ActionEvidence]:
        """An operation that undoes itself: twice must leave the resource as it was, once must not."""
        owner = case.target.owner
        before = self.wire.send("check", "GET", owner)
        first = self.follow(op, case, "valid")
        middle = self.wire.send("check", "GET", owner)
        second = self.follow(op, case, "valid")
        after = self.wire.send("check", "GET", owner)
        records = first + second
        sent = [r.exchanges[0] for r in records if r.check == "valid"]
        if all(_ok(a) for a in (before, middle, after)) and all(e.status and 200 <= e.status < 300 for e in sent):
            records.append(ActionEvidence("reversible", op.rel, owner, case.href, f"{op.rel} twice",
                                          (before.exchange, middle.exchange, after.exchange),
                                          before=before.state, middle=middle.state, after=after.state,
                                          observe=op.spec.observe))
        return records

    def same_body(self, op: Operation) -> None:
        cases = st.sampled_from(list(op.targets)).map(
            lambda t: Case(t, t.href, None, f"{op.rel} with the resource as it is"))
        self.explore(f"same body {op.key}", cases, lambda case: self.resend(op, case), self.budget.reversals)

    def resend(self, op: Operation, case: Case) -> list[ActionEvidence]:
        """Edit with the body GET returns: nothing may change."""
        owner = case.target.owner
        before = self.wire.send("check", "GET", owner)
        if not _ok(before) or not before.body:
            return []
        if before.exchange.schema_errors:  # sending back an invalid document is no valid input
            self._note(f"{op.key}: {owner} not edited with itself: its representation is not valid (see SCH001)")
            return []
        sent = Case(case.target, case.href, Payload(before.body, XML, f"valid: the {op.rel} body as GET returns it"),
                    f"{op.rel} with the resource as it is")
        answer = self.send_case(op.spec, sent)
        records = self.record(op.rel, sent, answer, "valid", op.spec)
        if answer.exchange.root == "Task":
            self.wait(answer)
        after = self.wire.send("check", "GET", owner)
        if _ok(answer) and _ok(after):
            records.append(ActionEvidence("reversible", op.rel, owner, case.href, sent.case,
                                          (before.exchange, answer.exchange, after.exchange),
                                          before=before.state, after=after.state))
        return records

    def task_deletes(self) -> None:
        """Delete a few of the suite's own finished Tasks: 204, then 404 (ACT006)."""
        done = [t for t in self.own_tasks if t[3].exchange.task_state in self.final_states]
        for owner, rel, url, last in done[:self.budget.task_deletes]:
            links = last.rel("Delete")
            href = resolve(links[0].href or "", url) if links else None
            spec = self.spec_for("Delete", href) if href else None
            if href is None or spec is None or not allowed(spec, self.mode):
                continue
            deleted = self.wire.send("action", spec.method, href)
            gone = self.wire.send("check", "GET", url)
            self.evidence.append(ActionEvidence("task_delete", "Delete", owner, href, f"Delete of the Task of {rel}",
                                                (deleted.exchange, gone.exchange), spec.status, spec.returns))
