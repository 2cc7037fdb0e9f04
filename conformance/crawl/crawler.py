"""The walk: from the API root over GET-able, same-origin links, covering every URL template before
it repeats one (`frontier.py`), into a Snapshot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain

import httpx

from ..contract.schema import SchemaSet, judge
from ..errors import TargetError
from ..model.links import Link
from ..model.parsing import ParseError, media_kind, read_body
from ..model.records import Probe
from ..model.snapshot import Resource, Snapshot
from ..model.urls import is_gettable, normalise_url, resolve, same_origin
from ..process.forked import ForkedPart, PartFailed, fork_part
from ..process.heap import trim_after
from .client import Client, Session, Target, fetch, logoff, logon
from .frontier import BUDGET, SAMPLING, Frontier
from .guard import describe_error
from .probes import run_logoff_probe, run_probes

__all__ = ["CrawlProgress", "Limits", "crawl", "incomplete"]

_EXCERPT = 400
PER_TEMPLATE = 10
"""The default of `--per-template`."""


@dataclass(frozen=True)
class Limits:
    """Budgets that keep one run bounded whatever the server does."""

    max_resources: int = 5000
    per_template: int = PER_TEMPLATE
    """Most URLs fetched of one URL template (the members of a collection); 0: no limit."""
    concurrency: int = 8
    deadline: float | None = None
    """Seconds for the whole run (crawl, probes, actions); past it the run judges what it has.
    The logoff is sent even then."""


@dataclass
class CrawlProgress:
    """Live counters for a progress line; the crawler only updates them."""

    fetched: int = 0
    queued: int = 0
    """URLs put in the queue so far, the root included: `queued - fetched` are still waiting."""
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.fetched / elapsed if elapsed > 0 else 0.0


class _Walk:
    """State of one crawl; lives only inside `crawl`."""

    def __init__(self, client: Client, target: Target, schemas: SchemaSet | None,
                 limits: Limits, progress: CrawlProgress, on_progress: Callable[[CrawlProgress], None] | None,
                 operation_rels: frozenset[str] = frozenset()):
        self.client, self.target, self.schemas, self.limits = client, target, schemas, limits
        self.operation_rels = operation_rels
        self.progress, self.on_progress = progress, on_progress
        self.snapshot = Snapshot(target.url)
        self.frontier = Frontier(limits.per_template, limits.max_resources)
        self.queue: asyncio.Queue[None] = asyncio.Queue()
        """One token per URL taken; a worker that gets one fetches the frontier's next URL."""
        self.skipped_origin = 0
        self.other_sessions: set[str] = set()
        """Logon sessions of other clients met (their URLs): left out, see `foreign`."""
        self.session: Session | None = None
        self.session_lost: str | None = None
        self.checking = asyncio.Lock()
        self.met: list[tuple[str, tuple[Link, ...], tuple[Link, ...]]] = []
        """(URL, links) of the resources read since the last wave ended, offered when it ends."""
        self.active = 0

    def foreign(self, url: str | None) -> bool:
        """Whether `url` is another client's logon session: a sibling of the run's own session URL.

        Another session speaks the API version its client logged on with, and its links are what
        that session may do (a v1_7 session lists `/backupFiles`, which a v1_6 session is refused),
        so neither it nor its links are judged as the run's own: it is left out and counted."""
        own = self.session.url if self.session is not None else None
        if not url or not own or url == own:
            return False
        parent = own.rstrip("/").rsplit("/", 1)[0] + "/"
        rest = url[len(parent):] if url.startswith(parent) else ""
        foreign = bool(rest) and not any(ch in rest.rstrip("/") for ch in "/?#")
        if foreign:
            self.other_sessions.add(url.rstrip("/"))
        return foreign

    def own(self, links: tuple[Link, ...], base: str) -> tuple[Link, ...]:
        """The links of a document less those held by another client's session (embedded in a list)."""
        if self.session is None or not self.session.url:
            return links
        return tuple(link for link in links if not self.foreign(resolve(link.owner, base) if link.owner else None))

    async def probe(self, client: Client, wanted: set[str], concurrency: int) -> None:
        """The probes, their answers' links read as the crawl's are (another session's left out), and
        validated against the crawl's schemas."""
        probes = self.snapshot.probes
        await run_probes(client, self.snapshot, wanted, probes, concurrency=concurrency, schemas=self.schemas)
        probes[:] = [_replace_probe(p, links=self.own(p.links, p.request_url)) for p in probes]

    def probe_apart(self, client: Client, wanted: set[str],
                    concurrency: int) -> tuple[ForkedPart[list[Probe]], asyncio.Future[None]] | None:
        """The probes started in a copy of this process, against its copy of the target as the walk
        left it (`conformance.process.forked`), and their output read as it comes; None where the process
        cannot be copied."""
        snapshot, schemas = self.snapshot, self.schemas
        if schemas is not None:
            schemas.prepare()  # the probes' copy judges JSON with it, the action phase reads its specs there

        def probes() -> list[Probe]:
            found: list[Probe] = []
            asyncio.run(run_probes(client, snapshot, wanted, found, concurrency=concurrency, schemas=schemas))
            return found

        apart = fork_part(probes)
        return None if apart is None else (apart, apart.drain(asyncio.get_running_loop()))

    async def join_probes(self, apart: ForkedPart[list[Probe]], read: asyncio.Future[None],
                          deadline: float | None) -> bool:
        """The probes the copy made, read as `probe` reads its own: whenever they are all there, else
        until the run's deadline (False, the copy ended, when it cut them short)."""
        try:
            if not read.done() and not await _within(asyncio.shield(read), deadline):
                apart.kill()
                return False
        except BaseException:
            apart.kill()
            raise
        self.snapshot.probes[:] = [_replace_probe(p, links=self.own(p.links, p.request_url)) for p in apart.result()]
        return True

    def offer(self, href: str, base: str, via: Link | None) -> None:
        url = resolve(href, base)
        if url is None or url in self.frontier.seen:  # an unparsable Href is the attribute rules' business
            return
        if self.foreign(url):
            return
        if not same_origin(url, self.target.url):
            self.skipped_origin += 1
            return
        if self.frontier.offer(self.snapshot.shared(url), via):  # one copy of the URL, the snapshot's
            self.queued()

    def enqueue(self, url: str, via: Link | None) -> None:
        """An entry point of the walk, taken whatever the budgets."""
        self.frontier.take(url, via)
        self.queued()

    def queued(self) -> None:
        """The one way into the queue, so the counters cover every URL fetched."""
        self.progress.queued = self.frontier.taken
        self.queue.put_nowait(None)

    async def visit(self, url: str, via: Link | None) -> None:
        if self.session_lost:
            return
        try:
            got = await fetch(self.client, url)
        except httpx.HTTPError as exc:
            self.progress.failed += 1
            self.snapshot.add(Resource(url, None, error=f"{type(exc).__name__}: {describe_error(exc)}", via=via))
            return
        if got.status == 401 and await self.lost(url):
            return  # not the resource's answer but the session's end: said once, in the run's meta
        res = self.read(got.url, got.status, got.content_type, got.body, got.elapsed_ms, via)
        self.snapshot.add(res)
        trim_after(len(got.body))
        self.met.append((url, res.links, res.members))

    def release(self) -> None:
        """Offer the links the last wave met, in the order of the resources that hold them (and
        each one's document order), whatever order their answers came in: which members a template's
        sample takes and what a budget keeps are then the same in every crawl of the same server."""
        met, self.met = sorted(self.met, key=lambda held: held[0]), []
        for url, links, members in met:
            for link in chain(links, members):
                if is_gettable(link, self.operation_rels):
                    self.offer(link.href, url, link)  # type: ignore[arg-type]

    async def lost(self, url: str) -> bool:
        """Whether a 401 means the session is gone (its own resource refuses it too), not that this
        one resource is closed to the user. Checked once per 401, one at a time."""
        async with self.checking:
            if self.session_lost:
                return True
            session = self.session
            check = None
            if session is not None and session.url:
                try:
                    check = (await fetch(self.client, session.url)).status
                except httpx.HTTPError:
                    check = None
            if check is None or check == 401:
                self.session_lost = (f"the session was lost: {url} answered 401 after {self.progress.fetched} "
                                     "good requests" + (f", and so did the session's own {session.url}"
                                                        if check == 401 and session else "")
                                     + "; the crawl stopped there")
                return True
            return False

    def record_logon(self, answer: httpx.Response, elapsed_ms: float) -> None:
        """The logon answer (201 with the LogonSession) is a representation like any other: it goes
        into the snapshot under the logon URL, marked as a POST's, for every rule to judge."""
        url = normalise_url(str(answer.request.url))
        self.frontier.mark(url)  # never fetched with GET, which would answer something else there
        res = self.read(url, answer.status_code, answer.headers.get("content-type"), answer.content, elapsed_ms, None)
        created = answer.headers.get("location") or res.href
        self.snapshot.add(_replace(res, method="POST", location=resolve(created, url) if created else None))

    def read(self, url: str, status: int, content_type: str | None, body: bytes, elapsed: float,
             via: Link | None) -> Resource:
        base = Resource(url, status, content_type, elapsed_ms=round(elapsed, 2), size=len(body), via=via)
        if not 200 <= status < 300:
            self.progress.failed += 1
            return _replace(base, error=f"HTTP {status}", excerpt=_excerpt(body))
        try:
            doc, parsed = read_body(body, content_type)
        except ParseError as exc:
            self.progress.failed += 1
            return _replace(base, error=str(exc), excerpt=_excerpt(body))
        verdict = judge(self.schemas, parsed, via.type if via is not None else None)
        links = self.own(doc.links, url)
        members = tuple(link for link in doc.members if not self.foreign(resolve(link.href, url) if link.href else None))
        # A readable, valid XML document keeps no excerpt: what the rules find in it they name, and
        # its reproduction fetches it again; the memory goes to the ones that answered wrong.
        wrong = verdict.errors or media_kind(content_type) != media_kind(self.target.accept)
        return _replace(base, root=verdict.root or doc.root, type=doc.type, href=doc.href, name=doc.name, uid=doc.uid,
                        links=links, members=members, paging=doc.paging, schema_errors=verdict.errors,
                        validated=verdict.validated, undeclared_root=verdict.undeclared_root,
                        excerpt=_excerpt(body) if wrong else "")

    async def worker(self) -> None:
        while True:
            await self.queue.get()
            self.active += 1
            try:
                taken = self.frontier.pop()  # none when a URL taken later pushed it out of the budget
                if taken is not None:
                    url, via = taken
                    try:
                        await self.visit(url, via)
                    except Exception as exc:  # a worker that dies would leave the queue waiting forever
                        self.snapshot.add(Resource(url, None, error=f"{type(exc).__name__}: {exc}", via=via))
                    self.frontier.fetched(url)
                    self.progress.fetched += 1
                    if self.on_progress:
                        self.on_progress(self.progress)
            finally:
                self.active -= 1
                if self.active == 0 and self.queue.empty():
                    self.release()  # the wave is over: the next one starts from what it met
                self.queue.task_done()


def _replace_probe(probe: Probe, links: tuple[Link, ...]) -> Probe:
    from dataclasses import replace

    return probe if links == probe.links else replace(probe, links=links)


def _excerpt(body: bytes) -> str:
    return body[:_EXCERPT].decode("utf-8", "replace")


def _replace(res: Resource, **changes: object) -> Resource:
    from dataclasses import replace

    return replace(res, **changes)  # type: ignore[arg-type]


def incomplete(snapshot: Snapshot, reason: str) -> None:
    """Say why the run covers less than it set out to; the verdict and every report read it."""
    snapshot.meta.setdefault("incomplete", []).append(reason)


async def _within(step: Awaitable[object], deadline: float | None) -> bool:
    """Run one phase until the run's deadline; False when the deadline cut it."""
    if deadline is None:
        await step
        return True
    try:
        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
            await step
    except TimeoutError:
        return False
    return True


async def crawl(client: Client, target: Target, *, schemas: SchemaSet | None = None,
                limits: Limits = Limits(), on_progress: Callable[[CrawlProgress], None] | None = None,
                probes: Iterable[str] = (), snapshot: Snapshot | None = None,
                after_walk: Callable[[httpx.AsyncClient, Snapshot], Awaitable[None]] | None = None,
                operation_rels: Iterable[str] = (), probes_apart: bool = False) -> Snapshot:
    """Log on, walk every reachable GET-able link once, log off; return what was seen.

    The root is read before logon (it is public), then the logon session is the second entry
    point: its Down links open the rest of the API. `after_walk`, when given, runs once the walk
    and the probes are done, while the session is still open (the action phase). Links with a Rel of
    `operation_rels` (the profile's action Rels) are never followed, whatever their Href.

    `probes_apart`: the target lives in this process (the embedded mock), so the probes can run in
    a copy of the process, against a copy of the target as the walk left it, while `after_walk`
    changes the original (`_Walk.probe_apart`): what the probes see is what they saw when they came
    first, and their CPU is spent on another core.

    What cut the run short (the run's deadline, a session lost mid-run) is listed in
    `meta["incomplete"]`; a session lost is also `meta["target_failure"]`. A logon answer that
    cannot be read is recorded, the session closed, and a TargetError raised.
    """
    walk = _Walk(client, target, schemas, limits, CrawlProgress(), on_progress, frozenset(operation_rels))
    if snapshot is not None:
        walk.snapshot = snapshot  # filled in place: a caller that is interrupted keeps what was seen
    deadline = time.monotonic() + limits.deadline if limits.deadline else None
    started = datetime.now(timezone.utc)
    walk.enqueue(normalise_url(target.url), None)
    session: Session | None = None
    workers: list[asyncio.Task[None]] = []
    wanted = set(probes)
    try:
        asked = time.perf_counter()
        session, answer = await logon(client, target)
        walk.session = session
        walk.record_logon(answer, (time.perf_counter() - asked) * 1000)
        if session.problem:
            raise TargetError(f"logon at {target.logon_url} answered {answer.status_code} with a body that cannot "
                              f"be read ({session.problem}): the session it opened cannot be judged")
        if session.url:
            walk.offer(session.url, target.url, None)
        for link in session.links:  # the logon answer itself opens the API, whatever GET says later
            if is_gettable(link, walk.operation_rels):
                walk.offer(link.href, target.url, link)
        workers = [asyncio.create_task(walk.worker()) for _ in range(max(1, limits.concurrency))]
        if not await _within(walk.queue.join(), deadline):
            incomplete(walk.snapshot, f"the run's deadline ({limits.deadline:g} s) was reached during the crawl; "
                                      f"{walk.progress.queued - walk.progress.fetched} URL(s) were not fetched")
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if walk.session_lost:
            incomplete(walk.snapshot, walk.session_lost)
            walk.snapshot.meta["target_failure"] = walk.session_lost
        elif deadline and time.monotonic() >= deadline:
            pass  # said above; nothing more is sent but the logoff
        elif after_walk is not None and probes_apart and (
                apart := walk.probe_apart(client, wanted - {"after_logoff"}, limits.concurrency)) is not None:
            try:
                acted = await _within(after_walk(client, walk.snapshot), deadline)
            except BaseException:
                apart[0].kill()
                raise
            try:
                if not await walk.join_probes(*apart, deadline):
                    incomplete(walk.snapshot, f"the run's deadline ({limits.deadline:g} s) was reached during the "
                                              "probes")
            except PartFailed as exc:
                incomplete(walk.snapshot, f"the probes were not run: {exc}")
            if not acted:
                incomplete(walk.snapshot, f"the run's deadline ({limits.deadline:g} s) was reached during the "
                                          "action phase")
        elif not await _within(walk.probe(client, wanted - {"after_logoff"}, limits.concurrency), deadline):
            incomplete(walk.snapshot, f"the run's deadline ({limits.deadline:g} s) was reached during the probes")
        elif after_walk is not None and not await _within(after_walk(client, walk.snapshot), deadline):
            incomplete(walk.snapshot, f"the run's deadline ({limits.deadline:g} s) was reached during the action phase")
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        logoff_status = await logoff(client, session) if session else None
        left = walk.frontier.left_out()
        walk.snapshot.meta.update(
            started=started.isoformat(), finished=datetime.now(timezone.utc).isoformat(),
            api_version=target.api_version, user=target.user, fetched=walk.progress.fetched,
            format=media_kind(target.accept),
            skipped_budget=left[BUDGET], skipped_sampling=left[SAMPLING], skipped_origin=walk.skipped_origin,
            max_resources=limits.max_resources, per_template=limits.per_template,
            sampled=walk.frontier.sampled(), left_out_types=walk.frontier.left_types,
            logoff_status=logoff_status, session_url=session.url if session else None,
            other_sessions=len(walk.other_sessions),
        )
    if session and session.url and "after_logoff" in wanted and not walk.session_lost:
        walk.snapshot.probes.append(await run_logoff_probe(client, session.url, session.token))
    walk.snapshot.settle()
    return walk.snapshot
