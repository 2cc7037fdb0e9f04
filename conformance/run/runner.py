"""One run's preparation: reach the target (starting the mock when asked), load the profile and
schemas, crawl, and hand the snapshot to the rules."""

from __future__ import annotations

import asyncio
import shlex
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..contract.profiles import DEFAULT_PROFILE, Profile, load_profile, recorded_profile
from ..contract.schema import SchemaSet, load_schemas
from ..contract.versioning import LATEST, ProfileChoice, choose_profile, forced_choice, supported_versions
from ..crawl.client import (
    MEDIA_TYPES,
    Target,
    build_client,
    fetch,
    guarded_transport,
    network_transport,
    normalise_root,
    tls_context,
)
from ..crawl.crawler import CrawlProgress, Limits, crawl, incomplete
from ..crawl.probes import PROBES
from ..errors import ConformanceError, OptionError
from ..mock.surfaces import SURFACES
from ..model.reproduce import Replay
from ..model.snapshot import Snapshot
from ..report.baseline import Waiver, load_baseline, match
from ..report.gate import below_gate_reason
from ..rules import RULES, Finding, Rule, RuleContext, Severity
from .settings import PASSWORD_ENV, Settings

__all__ = ["Inputs", "InsecureTargetWarning", "ItemResult", "Run", "close_run", "crawl_run", "load_inputs",
           "prepare_run", "resume_run", "start_run"]


class InsecureTargetWarning(UserWarning):
    """TLS verification was switched off by the user."""


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item (rule x resource type), as every report shows it."""

    rule_id: str
    kind: str
    outcome: str
    """'passed' (judged and found fine), 'failed', 'waived' (every finding waived), 'skipped' (not
    applicable: nothing to judge, so no pytest item was made) or 'error' (the rule itself crashed)."""
    findings: tuple[Finding, ...]
    resources: int
    """How many resources of the kind the rule looked at."""
    reason: str = ""
    """Why a skipped item judged nothing."""
    waivers: tuple[int, ...] = ()
    """The baseline entries (by index) its findings matched, so the run gathering results knows
    which entries are stale wherever the item ran."""
    notes: tuple[str, ...] = ()
    """What the rule could not check on the kind (all of it shown in the reports)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data: an item's result travels in its pytest report, to another process under xdist."""
        return {"rule_id": self.rule_id, "kind": self.kind, "outcome": self.outcome,
                "findings": [f.to_dict() for f in self.findings], "resources": self.resources,
                "reason": self.reason, "waivers": list(self.waivers), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemResult:
        return cls(data["rule_id"], data["kind"], data["outcome"],
                   tuple(Finding.from_dict(f) for f in data["findings"]), data["resources"], data["reason"],
                   tuple(data["waivers"]), tuple(data.get("notes", ())))


@dataclass
class Run:
    """What the items of one session share; built once, read by every item."""

    settings: Settings
    profile: Profile
    schemas: SchemaSet
    target: Target
    snapshot: Snapshot
    mock: Any = None
    mock_now: datetime | None = None
    """The moment the embedded mock's data was generated for: one per run, named in reproductions."""
    results: dict[tuple[str, str], ItemResult] = field(default_factory=dict)
    """Item outcomes by (rule id, kind), filled as items run; deselected items never appear."""
    stopped: str | None = None
    """Why the session ended before every item ran (interrupted, a stop on the first failure), else None."""
    recorder: Any = None
    """What stores every exchange of the crawl as it arrives (`conformance record`), else None."""
    choice: ProfileChoice | None = None
    """Which profile judges the run and why; None until the server's version has picked it."""

    def transport(self) -> Any:
        """A transport to the target, unguarded (`client.guarded_transport` guards it): to the
        embedded mock's app in this process, else over the network."""
        return self.mock.transport() if self.mock is not None else network_transport(self.target)

    def adopt(self, choice: ProfileChoice) -> None:
        """Judge with the chosen profile (and its schemas, unless --schema gave others), and say why."""
        self.choice = choice
        if choice.profile.name != self.profile.name:
            self.profile = choice.profile
            if not self.settings.schema:
                self.schemas = load_schemas(choice.profile.schemas)
        profile = self.profile
        self.target = replace(self.target, api_version=choice.server_version or profile.api_version)
        self.snapshot.meta.update(profile=profile.name, api_version=self.target.api_version,
                                  products=list(profile.products), schemas=str(self.settings.schema or profile.schemas),
                                  profile_choice=choice.to_dict())

    def record(self, result: ItemResult) -> None:
        self.results[(result.rule_id, result.kind)] = result
        self.used_waivers.update(result.waivers)

    def finish(self, stopped: str | None) -> None:
        """Close the books: why the session stopped early, and the results in catalog order, then by
        resource type, whatever order the items reported in (xdist workers interleave)."""
        self.stopped = stopped
        order = {rule_id: index for index, rule_id in enumerate(RULES)}
        self.results = dict(sorted(self.results.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0])))

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.results.values() for f in result.findings]

    waivers: list[Waiver] = field(default_factory=list)
    used_waivers: set[int] = field(default_factory=set)
    _cache: dict = field(default_factory=dict, repr=False)
    judged: dict = field(default_factory=dict, repr=False)
    """Every pair's judgement, made once at collection (`judging.judgements`)."""

    def judge(self, rule: Rule, kind: str, findings: list[Finding]) -> tuple[list[Finding], tuple[int, ...]]:
        """Mark what does not fail the gate: baseline matches first, then findings below --fail-on.
        Also returns the baseline entries (by index) that matched."""
        used: set[int] = set()
        marked = match(findings, kind, self.waivers, self.profile.products, used)
        threshold = Severity[self.settings.fail_on.upper()]
        return ([f if f.waiver or f.severity >= threshold else replace(f, waiver=below_gate_reason(self.settings.fail_on))
                 for f in marked], tuple(sorted(used)))

    @property
    def stale_waivers(self) -> list[Waiver]:
        """Entries that matched nothing although their rule ran: the bug they excused is gone."""
        ran = {rule_id for rule_id, _ in self.results}
        return [w for i, w in enumerate(self.waivers) if i not in self.used_waivers and w.rule in ran]

    def context(self, replay: Replay | None = None) -> RuleContext:
        """One context per item, sharing one memo: indexes are built once per run, not per item
        (and so can the replay be, by a caller judging many items)."""
        return RuleContext(self.snapshot, self.profile, replay=replay or self.replay(), cache=self._cache)

    def replay(self) -> Replay:
        """How reproductions reach this run's target, with its TLS options; for the mock, which is
        gone when the run ends, the command that starts one like it on the same port."""
        settings, target = self.settings, self.target
        tls = ("-k",) if settings.insecure else ("--cacert", str(settings.ca_bundle)) if settings.ca_bundle else ()
        session = self.snapshot.meta.get("session_url")
        replay = Replay(target.url, target.api_version, target.user, tls, session_urls=frozenset({session} - {None}),
                        accept=target.accept)
        if settings.target != "mock":
            return replay
        from ..mock import DEFAULT_PASSWORD, DEFAULT_USER
        from ..mock import PASSWORD_ENV as MOCK_PASSWORD_ENV
        from ..mock.data import moment_text

        port = urlsplit(target.url).port
        faults = [a for f in settings.mock_fault for a in ("--fault", f)]
        if settings.mock_replay is not None:
            command = ["conformance", "mock", "--port", str(port), "--replay", str(settings.mock_replay), *faults,
                       "--user", target.user]
            return replace(replay, mock=shlex.join(command),
                           password=f"${{{MOCK_PASSWORD_ENV}:-{DEFAULT_PASSWORD}}}")
        command = ["conformance", "mock", "--port", str(port), "--size", str(settings.mock_size),
                   "--seed", str(settings.mock_seed), *faults]
        if self.mock_now is not None:
            command += ["--now", moment_text(self.mock_now)]
        if settings.mock_surface != SURFACES[0]:
            command += ["--surface", settings.mock_surface]
        if target.api_version != "v1_7":
            command += ["--api-version", target.api_version]
        if target.user != DEFAULT_USER:
            command += ["--user", target.user]
        return replace(replay, mock=shlex.join(command),
                       password=f"${{{MOCK_PASSWORD_ENV}:-{DEFAULT_PASSWORD}}}")


@dataclass(frozen=True)
class Inputs:
    """What a run reads and checks before it sends anything.

    Every mistake of the user's surfaces while these are built, so a run that cannot work stops
    before it reaches the target or begins a report.
    """

    profile: Profile
    schemas: SchemaSet
    waivers: list[Waiver]
    url: str | None
    """The API root of a real target; None for the mock, whose port is known once it runs."""
    password: str | None = field(default=None, repr=False)
    choice: ProfileChoice | None = None
    """Why `profile` judges the run; None when the server's version is to pick it after logon
    (`profile` is then the newest, which the embedded mock speaks)."""


def load_inputs(settings: Settings) -> Inputs:
    """Load the profile, schemas and baseline, and check the target, TLS, faults and password.

    Raises a ConformanceError naming what is wrong; nothing here touches the network.
    """
    profile, choice = _profile(settings)
    schemas = load_schemas(settings.schema or profile.schemas)
    waivers = load_baseline(settings.baseline) if settings.baseline else []
    if settings.ca_bundle:
        tls_context(str(settings.ca_bundle))
    if settings.target == "mock":
        from ..mock.faults import select

        try:
            faults = select(settings.mock_fault)
        except ValueError as exc:
            raise OptionError(f"mock: {exc}") from exc
        if settings.mock_replay is not None:
            _check_replay(settings.mock_replay, profile, faults)
        return Inputs(profile, schemas, waivers, None, choice=choice)
    url = normalise_root(settings.target or "")
    password = settings.password
    if password is None:
        raise OptionError(f"no password: set the environment variable {PASSWORD_ENV} for user {settings.user!r}")
    return Inputs(profile, schemas, waivers, url, password, choice)


def _profile(settings: Settings) -> tuple[Profile, ProfileChoice | None]:
    """The profile asked for, or the one a replay's recording was made in; else the newest, provisionally,
    with no choice: the server's version picks the profile once the run has logged on."""
    if settings.profile is not None:
        profile = load_profile(settings.profile)
        return profile, forced_choice(profile, settings.profile)
    if settings.target == "mock" and settings.mock_replay is not None:
        from ..recording import Recording, RecordingError

        try:
            recording = Recording.load(settings.mock_replay)
        except RecordingError as exc:
            raise OptionError(f"--conformance-mock-replay: {exc}") from exc
        profile = load_profile(recorded_profile(recording.meta.get("profile"), recording.api_version))
        return profile, ProfileChoice(profile, f"the recording holds API {recording.api_version}",
                                      recording.api_version, (recording.api_version,))
    return load_profile(DEFAULT_PROFILE), None


def _check_replay(folder: Path, profile: Profile, faults: Any) -> None:
    """A recording that can be replayed for this profile, with faults that can act on it."""
    from ..recording import Recording, RecordingError

    try:
        recording = Recording.load(folder)
    except RecordingError as exc:
        raise OptionError(f"--conformance-mock-replay: {exc}") from exc
    if recording.api_version != profile.api_version:
        raise OptionError(f"the recording {folder} holds API {recording.api_version} (profile "
                          f"{recording.meta.get('profile')}), not the profile's {profile.api_version}: judge it "
                          f"with --profile {recording.meta.get('profile') or recording.api_version}")
    for fault in faults:
        if fault.replay is not None:
            raise OptionError(f"mock: fault {fault.name!r} cannot act on a replay: {fault.replay}")


def _start_mock(settings: Settings, profile: Profile) -> tuple[Any, str, str]:
    """The embedded mock, called in this process (`mock.embedded.EmbeddedMock`), speaking the profile's
    API version, its data generated for `--conformance-mock-now` or else the moment it starts (the
    app's dataset says which)."""
    import os

    from ..mock import DEFAULT_PASSWORD, create_app, generate_dataset
    from ..mock import PASSWORD_ENV as MOCK_PASSWORD_ENV
    from ..mock.embedded import EmbeddedMock

    password = os.environ.get(MOCK_PASSWORD_ENV, DEFAULT_PASSWORD)
    if settings.mock_replay is not None:
        from ..mock.replay import create_replay_app

        try:
            app = create_replay_app(settings.mock_replay, faults=settings.mock_fault, user=settings.user,
                                    password=password)
        except (ValueError, ConformanceError) as exc:
            raise OptionError(f"mock: {exc}") from exc
        server = EmbeddedMock(app)
        return server, server.url, password
    try:
        dataset = generate_dataset(settings.mock_size, settings.mock_seed, settings.mock_now)
        app = create_app(dataset, faults=settings.mock_fault, user=settings.user, password=password,
                         api_version=profile.api_version, surface=settings.mock_surface)
    except ValueError as exc:
        raise OptionError(f"mock: {exc}") from exc
    server = EmbeddedMock(app)
    return server, server.url, password


def _target(settings: Settings, inputs: Inputs) -> tuple[Target, Any]:
    mock = None
    if inputs.url is None:
        mock, url, password = _start_mock(settings, inputs.profile)
    else:
        url, password = inputs.url, inputs.password or ""
    verify: bool | str = True
    if settings.insecure:
        warnings.warn(f"TLS certificate verification is off for {url} (--conformance-insecure)",
                      InsecureTargetWarning, stacklevel=2)
        verify = False
    elif settings.ca_bundle:
        verify = str(settings.ca_bundle)
    target = Target(normalise_root(url), settings.user, password, api_version=inputs.profile.api_version,
                    logon_version=LATEST if inputs.choice is None else None,
                    verify=verify, timeout=settings.timeout, max_body=settings.max_body,
                    concurrency=settings.concurrency, accept=MEDIA_TYPES[settings.format])
    return target, mock


def prepare_run(settings: Settings, inputs: Inputs | None = None) -> Run:
    """Everything before the crawl (the mock started); raises a ConformanceError naming what is wrong."""
    inputs = inputs or load_inputs(settings)
    profile = inputs.profile
    target, mock = _target(settings, inputs)
    snapshot = Snapshot(target.url, meta={
        "profile": profile.name, "api_version": profile.api_version, "products": list(profile.products),
        "target": settings.target if settings.target == "mock" else target.url,
        "schemas": str(settings.schema or profile.schemas), "format": settings.format, "complete": False})
    recording = getattr(mock.app.state, "recording", None) if mock is not None else None
    if recording is not None:
        snapshot.meta["target"] = f"recording {settings.mock_replay}"
        if not recording.complete:  # what the recording did not reach, its judgement cannot cover
            reasons = "; ".join(recording.meta.get("incomplete") or ["it was stopped before its end"])
            incomplete(snapshot, f"the recording is incomplete ({reasons})")
    dataset = getattr(mock.app.state, "dataset", None) if mock is not None else None
    mock_now = dataset.now if dataset is not None else None
    run = Run(settings, profile, inputs.schemas, target, snapshot, mock, mock_now, waivers=inputs.waivers)
    if inputs.choice is not None:
        run.adopt(inputs.choice)
    return run


def resume_run(settings: Settings, inputs: Inputs, snapshot: Snapshot, mock_now: datetime | None = None) -> Run:
    """The run another process crawled, rebuilt from its snapshot to be judged (an xdist worker):
    nothing is sent and no mock started, and reproductions name the same target and mock."""
    target = Target(snapshot.root_url, settings.user, "", api_version=inputs.profile.api_version,
                    accept=MEDIA_TYPES[settings.format])
    run = Run(settings, inputs.profile, inputs.schemas, target, snapshot, None, mock_now, waivers=inputs.waivers)
    chosen = snapshot.meta.get("profile_choice")
    if inputs.choice is None and isinstance(chosen, dict):  # the crawl's server picked it: the same here
        run.adopt(ProfileChoice.from_dict(chosen))
    elif inputs.choice is not None:
        run.adopt(inputs.choice)
    return run


def crawl_run(run: Run, on_progress: Callable[[CrawlProgress], None] | None = None) -> None:
    """Fill the run's snapshot in place, so an interrupted crawl still leaves what it saw; the
    snapshot file is written whatever happens, marked complete only when nothing cut the run short."""
    from ..process.heap import trim

    try:
        asyncio.run(_crawl(run, on_progress))
        run.snapshot.meta["complete"] = not run.snapshot.meta.get("incomplete")
    finally:
        trim()
        if run.settings.snapshot:
            run.snapshot.save(run.settings.snapshot)
            trim()


def start_run(settings: Settings, on_progress: Callable[[CrawlProgress], None] | None = None) -> Run:
    """Prepare and crawl in one call (for callers that need no partial result)."""
    run = prepare_run(settings)
    try:
        crawl_run(run, on_progress)
    except BaseException:
        close_run(run)
        raise
    return run


async def _crawl(run: Run, on_progress: Callable[[CrawlProgress], None] | None) -> None:
    settings = run.settings
    limits = Limits(max_resources=settings.max_resources, per_template=settings.per_template,
                    concurrency=settings.concurrency, deadline=settings.deadline)
    mode = settings.effective_actions
    # PATCH is sent only where writes are allowed: on a real server the default is read-only.
    writes = mode != "none" and not settings.dry_run
    probes = [p for p in PROBES if p != "method" or writes]

    async def actions(client: Any, snapshot: Snapshot) -> None:
        """The action phase, in the crawl's session (before its logoff); a dry run only lists it."""
        from ..actions import run_actions
        from ..process.heap import settle

        settle()  # the snapshot is made: the phase's collections need not walk it again

        await run_actions(client, snapshot, target=run.target, profile=run.profile, schemas=run.schemas, mode=mode,
                          hypothesis_profile=settings.hypothesis_profile, dry_run=settings.dry_run,
                          on_mock=run.mock is not None, probe_patch=mode != "none",
                          connect=lambda: guarded_transport(run.target, run.transport()),
                          forkable=run.mock is not None)

    after_walk = actions if mode != "none" or settings.dry_run else None
    if run.schemas is not None and after_walk is None:
        # The probes read JSON with the schemas' model, made meanwhile on another core. An action
        # phase reads its specs with xmlschema's reading itself, made here before its copies.
        run.schemas.read_apart()
    recorder = run.recorder
    transport = run.transport()
    if recorder is not None:
        transport = recorder.transport(transport)
    async with build_client(run.target, transport=transport) as client:
        if run.choice is None:  # the version the server speaks picks the profile, before anything is judged
            choice = await _server_choice(client, run.target)
            if choice is not None:  # else the root is unreachable, and the logon that follows says so
                run.adopt(choice)
        if recorder is not None:  # a recording: every exchange stored, then the JSON forms after the walk
            recorder.attach(client)
            after_walk = recorder.after_walk
        await crawl(client, run.target, schemas=run.schemas, limits=limits, on_progress=on_progress, probes=probes,
                    snapshot=run.snapshot, after_walk=after_walk, operation_rels=run.profile.action_rels,
                    probes_apart=run.mock is not None and recorder is None)
        if run.choice is None:  # a root that did not answer, a server that did: it named no version
            run.adopt(choose_profile(()))


async def _server_choice(client: Any, target: Target) -> ProfileChoice | None:
    """The profile for a session opened with `?v=latest`: its version is the newest the public root
    lists. None when the root cannot be reached: the logon that follows says what is wrong."""
    try:
        root = await fetch(client, target.url)
    except Exception:  # noqa: BLE001 - unreachable here is unreachable at logon, which reports it
        return None
    supported = supported_versions(root.body, root.content_type) if 200 <= root.status < 300 else ()
    return choose_profile(supported)


def close_run(run: Run | None) -> None:
    from ..process.heap import release

    release()
    if run is not None and run.mock is not None:
        run.mock.stop()
        run.mock = None
