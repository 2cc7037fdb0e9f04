"""Sequences of actions: a hypothesis state machine over the jobs the crawl found.

Every sequence starts from two crawled jobs and a fresh clone of the first, then starts, stops
and retries jobs, clones them, adds and removes the VMs they process, and logs off and on again
in between (with a session of its own, never the crawl's). It keeps a model of what each job
should hold: a clone holds what its original held, and the two change apart; a VM added is
listed, one removed is not; a job's last VM cannot be removed. After every step that changes
something the server is compared with the model; when they part, hypothesis shrinks the
sequence, and the shortest one found is kept as evidence with the requests that replay it
(ACT010).

A step's own answer is judged like a single request (no 5xx, the documented status): a server
that breaks those is reported by their rules; the machine itself only reports divergence.
Whatever hypothesis draws is drawn before the server is asked anything, so a replayed sequence
draws the same and the shrunk one can be trusted. `JobSequences` is defined at module level and
given what the sequences share (`_Setup`); the lifecycles of every other type are explored by
`lifecycle_machine.LifecycleMachine`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from ..contract.profiles import Profile
from ..model.urls import resolve
from .discovery import Operation, allowed, misdirected
from .engine import Divergence, Engine, _ok, collection_of, run_exploration
from .evidence import ActionEvidence, Exchange, problems, same_resource
from .strategies import PLAIN, SpecModel, as_payload
from .wire import Answer

__all__ = ["Divergence", "JobHandle", "JobSequences", "explore_sequences", "seeds"]

_REF = "HierarchyObjRef"
_RELS = ("Start", "Stop", "Retry", "Clone", "Create")


@dataclass(frozen=True)
class JobHandle:
    """A job the machine acts on: its entity URL, its action links, its type and its VM list."""

    entity: str
    name: str
    job_type: str | None
    links: tuple[tuple[str, str], ...]
    includes: str | None
    origin: str = ""
    """The crawled job this one descends from (it, or the job it is a clone of): findings attach there."""

    def href(self, rel: str) -> str | None:
        return next((h for r, h in self.links if r == rel), None)

    def __repr__(self) -> str:  # hypothesis prints steps with it
        return f"job({self.name!r})"


def _handle(entity: str, answer: Answer, profile: Profile, root_url: str, origin: str | None = None) -> JobHandle:
    """A job as its entity shows it; links that do not point where their Rel says are left out."""
    own = [(l.rel, resolve(l.href or "", entity) or "") for l in answer.links
           if l.rel in _RELS and l.href and l.owner in (None, answer.href)]
    links = tuple((rel, href) for rel, href in own if misdirected(rel, href, entity, profile, root_url) is None)
    create = next((h for r, h in links if r == "Create"), None)
    state = dict(answer.state)
    return JobHandle(entity, state.get("@Name", entity), state.get("JobType"), links,
                     collection_of(create) if create else None, origin or entity)


def seeds(engine: Engine, ops: list[Operation], count: int = 2) -> tuple[list[JobHandle], str | None]:
    """The first jobs (by URL) that offer Clone and Create, and the collection that lists them."""
    offered: dict[str, set[str]] = {}
    for op in ops:
        if op.rel in ("Clone", "Create") and allowed(op.spec, engine.mode):
            for t in op.targets:
                offered.setdefault(t.owner, set()).add(op.rel)
    owners = sorted(o for o, rels in offered.items() if rels == {"Clone", "Create"})[:count]
    handles = []
    for owner in owners:
        got = engine.entity(owner)
        if _ok(got):
            handles.append(_handle(owner, got, engine.profile, engine.snapshot.root_url))
    lists = [r for r in engine.snapshot if r.root == "EntityReferences" and handles
             and any(same_resource(resolve(m.href or "", r.url), handles[0].entity) for m in r.members)]
    lists.sort(key=lambda r: (r.url.count("/"), r.url))
    return handles, lists[0].url if lists else None


@dataclass
class _Shared:
    """What outlives one sequence: the machine's session, and the shortest divergence found."""

    token: str | None = None
    session: str | None = None
    logon: Exchange | None = None
    """The logon request: where a reproduction starts."""
    jobs: set[str] = field(default_factory=set)
    """Every job the list has shown so far: a clone is the one it did not show before."""
    steps: list[Exchange] = field(default_factory=list)
    divergence: str = ""
    owner: str | None = None
    step_problems: dict[tuple[str, str, int | None], ActionEvidence] = field(default_factory=dict)


def _spec_of(engine: Engine, rel: str, href: str | None) -> SpecModel | None:
    spec = engine.spec_for(rel, href or "")
    return engine.spec_model(spec.body) if spec is not None else None


@dataclass(frozen=True)
class _Setup:
    """What every sequence over the jobs is given: the phase, what outlives a sequence, the seed jobs,
    the list that shows them, and the spec elements of Clone and of a VM added."""

    engine: Engine
    shared: _Shared
    handles: list[JobHandle]
    jobs_list: str
    clone_spec: SpecModel
    include_spec: SpecModel


class JobSequences(RuleBasedStateMachine):
    """Sequences over the seed jobs; a fresh instance per sequence, given what the sequences share."""

    jobs = Bundle("jobs")

    def __init__(self, setup: _Setup) -> None:
        super().__init__()
        self.setup = setup
        self.engine, self.shared = setup.engine, setup.shared
        self.trace: list[Exchange] = []
        self.owners: list[str] = []
        self.model: dict[str, Counter[str]] = {}
        self.handles: dict[str, JobHandle] = {}
        self.changed = False
        if self.shared.token is None:
            self._logon()

    # -- plumbing --------------------------------------------------------------------------

    def _logon(self) -> None:
        creds = self.engine.credentials
        assert creds is not None
        answer = self.engine.wire.send("action", "POST", creds.logon_url, auth=(creds.user, creds.password))
        self.shared.logon = answer.exchange
        if self.trace:  # a log-off step: the new logon is part of the sequence
            self.trace.append(self.shared.logon)
        own = answer.rel("Delete")
        self.shared.token = answer.token if _ok(answer) else None
        self.shared.session = resolve(own[0].href or "", creds.url) if own else answer.href

    def _send(self, method: str, url: str, purpose: str = "action", **kw: object) -> Answer:
        answer = self.engine.wire.send(purpose, method, url, token=self.shared.token, **kw)  # type: ignore[arg-type]
        if purpose == "action":
            self.trace.append(answer.exchange)
        return answer

    def _judge(self, rel: str, owner: str, href: str, answer: Answer, *, judge: bool = True,
               wait: bool = True) -> None:
        """A step's own outcome, judged like a single request (kept when it breaks something)."""
        spec = self.engine.spec_for(rel, href)
        if spec is None:
            return
        check = "valid" if judge else "step"  # "step": an outcome no single request promises; 5xx only
        ev = ActionEvidence(check, rel, owner, href, f"{rel} within a sequence", (answer.exchange,),
                            spec.status, spec.returns)
        if problems(ev):
            self.shared.step_problems.setdefault((rel, answer.exchange.method, answer.status), ev)
        if wait and answer.exchange.root == "Task":
            self.engine.wait(answer, token=self.shared.token)  # what the model checks must be done first

    def _includes(self, job: JobHandle) -> tuple[Counter[str], Answer | None]:
        if not job.includes:
            return Counter(), None
        got = self._send("GET", job.includes, "check")
        return Counter(dict(state).get(_REF, "?") for _, state in got.items), got

    def _clone(self, job: JobHandle, data: st.DataObject) -> JobHandle | None:
        href = job.href("Clone")
        spec = self.engine.spec_for("Clone", href or "")
        choose = spec.choices.get(job.job_type or "") if spec else None
        tree = data.draw(self.engine.valid_trees(self.setup.clone_spec, choose, PLAIN), label="JobCloneSpec")
        if href is None or spec is None or not allowed(spec, self.engine.mode):
            return None
        info = tree.children[0] if tree.children else tree
        name = next((c.text for c in info.children if c.name == "JobName"), None)
        if not self.shared.jobs:
            listed = self._send("GET", self.setup.jobs_list, "setup")
            self.shared.jobs.update(resolve(m.href or "", self.setup.jobs_list) for m in listed.members)
        self.owners.append(job.origin)
        payload = as_payload(tree, self.setup.clone_spec.namespace, "valid JobCloneSpec")
        answer = self._send(spec.method, href, body=payload.body, content_type=payload.content_type)
        self._judge("Clone", job.origin, href, answer)
        if not _ok(answer):
            return None
        listed = self._send("GET", self.setup.jobs_list, "check")
        fresh = [m for m in listed.members if resolve(m.href or "", self.setup.jobs_list) not in self.shared.jobs]
        self.shared.jobs.update(resolve(m.href or "", self.setup.jobs_list) for m in listed.members)
        named = [m for m in fresh if m.name == name] or fresh
        if not named:
            self._diverged(f"the clone {name!r} of {job!r} listed in {self.setup.jobs_list}; actually it is not",
                           listed)
        ref = self._send("GET", resolve(named[0].href or "", self.setup.jobs_list) or "", "setup")
        alternate = ref.rel("Alternate")
        url = (resolve(alternate[0].href or "", ref.exchange.url) if alternate else None) or ref.exchange.url
        clone = _handle(url, self._send("GET", url, "setup"), self.engine.profile, self.engine.snapshot.root_url,
                        job.origin)
        self.handles[clone.entity] = clone
        self.model[clone.entity] = Counter(self.model.get(job.entity, Counter()))
        self.changed = True
        return clone

    def _diverged(self, message: str, shown: Answer | None) -> None:
        logon = [self.shared.logon] if self.shared.logon is not None else []
        self.shared.steps = [*logon, *self.trace, *([shown.exchange] if shown is not None else [])]
        self.shared.divergence = message
        self.shared.owner = self.owners[0] if self.owners else None
        raise Divergence(message)

    # -- the steps -------------------------------------------------------------------------

    @initialize(target=jobs, data=st.data())
    def two_jobs_and_a_clone(self, data: st.DataObject) -> object:
        """The seed jobs as they are now, and a fresh clone of the first (every sequence has a pair
        that must change apart)."""
        for job in self.setup.handles:
            self.handles[job.entity] = job
            self.model[job.entity] = self._includes(job)[0]
        clone = self._clone(self.setup.handles[0], data)
        return multiple(*self.setup.handles, *([clone] if clone else []))

    @rule(job=jobs, rel=st.sampled_from(("Start", "Stop", "Retry")))
    def run(self, job: JobHandle, rel: str) -> None:
        """Start, stop or retry: nothing the model tracks may change."""
        href = job.href(rel)
        spec = self.engine.spec_for(rel, href or "")
        if href is None or spec is None or not allowed(spec, self.engine.mode):
            return
        self.owners.append(job.origin)
        self._judge(rel, job.origin, href, self._send(spec.method, href), wait=False)

    @rule(target=jobs, job=jobs, data=st.data())
    def clone(self, job: JobHandle, data: st.DataObject) -> object:
        made = self._clone(job, data)
        return made if made is not None else multiple()

    @rule(job=jobs, data=st.data())
    def add_vm(self, job: JobHandle, data: st.DataObject) -> None:
        tree = data.draw(self.engine.valid_trees(self.setup.include_spec, alphabet=PLAIN),
                         label="CreateObjectInJobSpec")
        href = job.href("Create")
        spec = self.engine.spec_for("Create", href or "")
        if href is None or spec is None or not allowed(spec, self.engine.mode):
            return
        ref = next((c.text for c in tree.children if c.name == _REF), None) or "?"
        payload = as_payload(tree, self.setup.include_spec.namespace, "valid CreateObjectInJobSpec")
        self.owners.append(job.origin)
        answer = self._send(spec.method, href, body=payload.body, content_type=payload.content_type)
        self._judge("Create", job.origin, href, answer)
        if _ok(answer):
            self.model.setdefault(job.entity, Counter())[ref] += 1
        self.changed = True

    @rule(job=jobs, pick=st.integers(min_value=0, max_value=15))
    def remove_vm(self, job: JobHandle, pick: int) -> None:
        _, listed = self._includes(job)
        if listed is None or not listed.items:
            return
        href, state = listed.items[pick % len(listed.items)]
        deletes = [l.href for l in listed.links if l.rel == "Delete" and l.owner == href and l.href]
        target = resolve(deletes[0], listed.exchange.url) if deletes else None
        spec = self.engine.spec_for("Delete", target) if target else None
        if target is None or spec is None:
            return
        last = sum(self.model.get(job.entity, Counter()).values()) <= 1
        self.owners.append(job.origin)
        answer = self._send(spec.method, target)
        # A job's last VM cannot be removed (delete_jobs_id_includes_id.md): then a refusal is the outcome.
        self._judge("Delete", job.origin, target, answer, judge=not last)
        if _ok(answer) and not last:
            self.model[job.entity][dict(state).get(_REF, "?")] -= 1
            self.model[job.entity] += Counter()  # drop what reached zero
        self.changed = True

    @rule()
    def log_off_and_on(self) -> None:
        spec = self.engine.spec_for("Delete", self.shared.session) if self.shared.session else None
        if self.shared.session is None or spec is None or not allowed(spec, self.engine.mode):
            return
        answer = self._send(spec.method, self.shared.session)
        self._judge("Delete", self.engine.snapshot.meta.get("session_url") or self.shared.session, self.shared.session,
                    answer)
        self._logon()

    @invariant()
    def jobs_hold_what_the_sequence_left(self) -> None:
        if not self.changed or self.shared.token is None:
            return
        self.changed = False
        for entity, expected in sorted(self.model.items()):
            job = self.handles[entity]
            actual, got = self._includes(job)
            if actual != expected:
                self._diverged(f"{job!r} to hold the {sum(expected.values())} VM(s) the sequence left it; "
                               f"actually {_difference(expected, actual)}", got)


def explore_sequences(engine: Engine, ops: list[Operation]) -> None:
    """Explore sequences with hypothesis; record the minimal diverging one (or that none diverged)."""
    handles, jobs_list = seeds(engine, ops)
    clone_spec = _spec_of(engine, "Clone", handles[0].href("Clone")) if handles else None
    include_spec = _spec_of(engine, "Create", handles[0].includes) if handles else None
    if not handles or jobs_list is None or engine.credentials is None or clone_spec is None or include_spec is None:
        engine.notes.append("sequences: no job offering Clone and Create with declared specs, or no list of jobs; "
                            "not explored")
        return
    shared = _Shared()
    setup = _Setup(engine, shared, handles, jobs_list, clone_spec, include_spec)
    wire = engine.wire
    chosen = settings(engine.hypothesis, max_examples=engine.budget.sequences, stateful_step_count=engine.budget.steps)
    try:
        run_exploration(lambda: run_state_machine_as_test(lambda: JobSequences(setup), settings=chosen), engine.errors,
                "sequences", found=lambda: bool(shared.divergence))
    finally:
        if shared.token and shared.session:
            wire.send("action", "DELETE", shared.session, token=shared.token)
    engine.evidence.extend(shared.step_problems.values())
    where = shared.owner or engine.snapshot.meta.get("session_url") or handles[0].entity
    engine.evidence.append(ActionEvidence(
        "sequence", "sequence", where, jobs_list,
        f"up to {engine.budget.sequences} sequences of up to {engine.budget.steps} steps from "
        f"{', '.join(h.name for h in handles)} and a clone",
        steps=tuple(shared.steps), divergence=shared.divergence or None))


def _difference(expected: Counter[str], actual: Counter[str], shown: int = 5) -> str:
    """What the server holds besides the model's VMs, and what it lacks, a few of each by name."""
    parts = []
    for label, extra in (("more", actual - expected), ("fewer", expected - actual)):
        items = sorted(extra.elements())
        if items:
            names = ", ".join(repr(i) for i in items[:shown]) + (", ..." if len(items) > shown else "")
            parts.append(f"{len(items)} {label}: {names}")
    return "; ".join(parts)
