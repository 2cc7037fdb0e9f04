"""The action phase: following the links that change things, and testing what they promise.

After the crawl (and with its session), the operation links it found (Create, Edit, Delete and
the `?action=` Rels) are followed as the profile's `[actions.<Rel>]` tables describe them, with
hypothesis generating the input: valid and invalid bodies from the XSDs, unknown ids and
actions, and sequences of actions. What happened is recorded on the snapshot
(`snapshot.actions`), and the rules of the `actions` family (ACT...) judge it.

`--actions` decides what may be sent: `none` (the default away from the mock) nothing beyond the
crawl's GETs; `safe` only what the profile marks safe or reversible (and the suite undoes);
`all` everything. `--dry-run` lists the requests and sends none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ..contract.profiles import Profile
    from ..contract.schema import SchemaSet
    from ..crawl.client import Target
    from ..model.snapshot import Snapshot

__all__ = ["HYPOTHESIS_PROFILES", "run_actions"]

HYPOTHESIS_PROFILES = ("conformance-ci", "conformance-dev", "conformance-deep")


async def run_actions(client: httpx.AsyncClient, snapshot: Snapshot, *, target: Target, profile: Profile,
                      schemas: SchemaSet | None, mode: str, hypothesis_profile: str = "conformance-ci",
                      dry_run: bool = False, on_mock: bool = False, probe_patch: bool = False,
                      connect: Callable[[], httpx.AsyncBaseTransport] | None = None,
                      forkable: bool = False) -> dict[str, Any]:
    """Follow the crawl's operation links as `mode` allows; evidence goes to `snapshot.actions`,
    a summary to `snapshot.meta["actions"]` (returned too).

    `client` must still carry the crawl's session. `on_mock`: the target's tasks move on per poll,
    so polls are not spaced out. `probe_patch` only tells the dry-run plan that the protocol
    probe would have sent PATCH. `connect`, when given, makes a transport like `client`'s (the
    target's, under the same guard) for the phase's own thread, whose requests then never wait for
    the crawl's event loop (`wire.Wire`). `forkable`: the target lives in this process (the
    embedded mock), so a copy of the process holds a copy of it: the phase is cut into parts of
    about equal cost (the operations in shares, the job sequences, the lifecycles in shares), and
    all but the first are explored in such copies, each from the target as the crawl left it, beside
    the first explored here (`conformance.process.forked`); their evidence comes after the first's, in
    order, as when one part follows the other.
    """
    from .budget import BUDGETS, profile_settings
    from .discovery import discover, select
    from .plan import plan

    started = time.perf_counter()
    ops, notes = discover(snapshot, profile)
    chosen, held = select(ops, mode)
    budget = BUDGETS[hypothesis_profile]
    summary: dict[str, Any] = {
        "mode": mode, "dry_run": dry_run, "hypothesis_profile": hypothesis_profile,
        "operations": [op.key for op in chosen], "held_back": [f"{op.key} ({op.spec.safety})" for op in held],
        "notes": notes, "errors": [], "requests": {}, "evidence": 0, "elapsed_s": 0.0, "lifecycles": [],
    }
    snapshot.meta["actions"] = summary
    if dry_run or mode == "none":
        summary["plan"] = plan(chosen, held, profile, budget, mode, target.logon_url, probe_patch)
        return summary

    from ..process.forked import PARTS_PER_CORE, cores, share
    from ..model.urls import path
    from .engine import Engine
    from .wire import Stopped, Wire

    wire = Wire(client, asyncio.get_running_loop(), schemas, target.max_body, target.timeout, connect=connect)
    known = {op.action.lower() for op in ops if op.action} | {rel.lower() for rel in profile.rel_vocabulary}
    taken = {part.lower() for res in snapshot for part in path(res.url).split("/") if part}
    engine = Engine(wire, snapshot, profile, budget, profile_settings(hypothesis_profile), mode, credentials=target,
                    poll_interval=0.0 if on_mock else budget.poll_interval, known_actions=frozenset(known),
                    taken_ids=frozenset(taken))
    forking = forkable and cores() > 1
    shares = PARTS_PER_CORE * cores() if forking else 1
    halves = min(2, shares)  # the operations: the first half here, beside the copies, the other in one
    first, *rest = [share(chosen, k, halves, _cost) for k in range(halves)]
    later = [partial(_operations, ops=ops) for ops in rest]
    later += _later_parts(chosen, shares) if mode == "all" else []
    # Forked before the phase sends anything: each copy starts from the target as the crawl left it.
    apart = _fork_parts(engine, later) if forking and later else []

    def work() -> None:
        try:
            engine.run(first)
            summary["lifecycles"] = _join_parts(apart, engine) if apart else [
                explored for part in later for explored in part(engine)]
        except Stopped:
            engine.errors.append("interrupted")
        finally:
            wire.close()

    try:
        await asyncio.to_thread(work)
    except BaseException:
        wire.stop.set()  # the worker thread stops at its next request
        for part in apart:
            part.kill()
        raise
    finally:
        snapshot.actions.extend(engine.evidence)
        summary.update(notes=notes + engine.notes, errors=engine.errors, requests=dict(wire.sent),
                       evidence=len(engine.evidence), elapsed_s=round(time.perf_counter() - started, 2))
    return summary


Part = Callable[[Any], list[dict[str, Any]]]
"""A part of the phase that needs nothing of the others: run on the engine, it returns the summary
of each lifecycle it explored."""


def _cost(op: Any) -> float:
    """What exploring an operation costs, about: one exploration of each kind of input it takes."""
    from .strategies import INVALID_KINDS

    return 3 + (len(INVALID_KINDS) if op.spec.body else 0)


def _operations(engine: Any, ops: list[Any]) -> list[dict[str, Any]]:
    """A share of the operations (the suite's tasks are deleted where the first share was explored)."""
    for op in ops:
        engine.operation(op)
    return []


def _later_parts(ops: list[Any], shares: int) -> list[Part]:
    """What follows the operations: the job sequences, then the lifecycles in `shares` consecutive shares."""
    from .lifecycle_machine import explore_lifecycles
    from .machine import explore_sequences

    def sequences(engine: Any) -> list[dict[str, Any]]:
        explore_sequences(engine, ops)
        return []

    return [sequences, *(partial(explore_lifecycles, ops=ops, part=k, parts=shares) for k in range(shares))]


def _fork_parts(engine: Any, parts: list[Part]) -> list[Any]:
    """A copy of the process per part; none where the process cannot be copied."""
    from ..process.forked import fork_part

    forked = []
    for part in parts:
        child = fork_part(partial(_apart, engine, part))
        if child is None:
            for made in forked:
                made.kill()
            return []
        forked.append(child)
    return forked


def _apart(engine: Any, part: Part) -> tuple[Any, ...]:
    """In a copy of the process: the part run, and what the engine gathered running it."""
    try:
        explored = part(engine)
    finally:
        engine.wire.close()
    return explored, engine.evidence, engine.notes, engine.errors, engine.wire.sent


def _join_parts(apart: list[Any], engine: Any) -> list[dict[str, Any]]:
    """What the copies did, in order, added after what this process did: the summary of each
    lifecycle explored."""
    from ..process.forked import PartFailed

    explored_all: list[dict[str, Any]] = []
    for part in apart:
        try:
            explored, evidence, notes, errors, sent = part.result()
        except PartFailed as exc:
            engine.errors.append(f"a part of the phase explored apart: {exc}")
            continue
        explored_all += explored
        engine.evidence.extend(evidence)
        engine.notes.extend(note for note in notes if note not in engine.notes)
        engine.errors.extend(errors)
        engine.wire.sent.update(sent)
    return explored_all
