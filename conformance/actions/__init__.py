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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ..client import Target
    from ..profiles import Profile
    from ..schema import SchemaSet
    from ..snapshot import Snapshot

__all__ = ["HYPOTHESIS_PROFILES", "run_actions"]

HYPOTHESIS_PROFILES = ("conformance-ci", "conformance-dev", "conformance-deep")


async def run_actions(client: httpx.AsyncClient, snapshot: Snapshot, *, target: Target, profile: Profile,
                      schemas: SchemaSet | None, mode: str, hypothesis_profile: str = "conformance-ci",
                      dry_run: bool = False, on_mock: bool = False, probe_patch: bool = False,
                      connect: Callable[[], httpx.AsyncBaseTransport] | None = None) -> dict[str, Any]:
    """Follow the crawl's operation links as `mode` allows; evidence goes to `snapshot.actions`,
    a summary to `snapshot.meta["actions"]` (returned too).

    `client` must still carry the crawl's session. `on_mock`: the target's tasks move on per poll,
    so polls are not spaced out. `probe_patch` only tells the dry-run plan that the protocol
    probe would have sent PATCH. `connect`, when given, makes a transport like `client`'s (the
    target's, under the same guard) for the phase's own thread, whose requests then never wait for
    the crawl's event loop (`wire.Wire`).
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

    import httpx

    from .engine import Engine
    from .lifecycle_machine import explore_lifecycles
    from .machine import explore_sequences
    from .wire import Stopped, Wire

    wire = Wire(client, asyncio.get_running_loop(), schemas, target.max_body, target.timeout, connect=connect)
    known = {op.action.lower() for op in ops if op.action} | {rel.lower() for rel in profile.rel_vocabulary}
    taken = {part.lower() for res in snapshot for part in httpx.URL(res.url).path.split("/") if part}
    engine = Engine(wire, snapshot, profile, budget, profile_settings(hypothesis_profile), mode, credentials=target,
                    poll_interval=0.0 if on_mock else budget.poll_interval, known_actions=frozenset(known),
                    taken_ids=frozenset(taken))

    def work() -> None:
        try:
            engine.run(chosen)
            if mode == "all":
                explore_sequences(engine, chosen)
                summary["lifecycles"] = explore_lifecycles(engine, chosen)
        except Stopped:
            engine.errors.append("interrupted")
        finally:
            wire.close()

    try:
        await asyncio.to_thread(work)
    except BaseException:
        wire.stop.set()  # the worker thread stops at its next request
        raise
    finally:
        snapshot.actions.extend(engine.evidence)
        summary.update(notes=notes + engine.notes, errors=engine.errors, requests=dict(wire.sent),
                       evidence=len(engine.evidence), elapsed_s=round(time.perf_counter() - started, 2))
    return summary
