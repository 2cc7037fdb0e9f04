"""What `conformance record` does: `run`'s crawl, read-only, with every exchange stored in a folder.

The settings resolve as `run`'s (its options, then the CONFORMANCE_* environment), the crawl is
`runner`'s own, so a recording is bounded and sampled exactly as a run is; the recorder
(`recorder.py`) stores what comes back; this module decides what the folder may hold, resumes it,
reports progress, and anonymizes the result when asked.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import pytest

from ..errors import EXIT_USAGE

__all__ = ["record", "record_settings"]

EXIT_INCOMPLETE = 2
EXIT_TARGET = 3


def record_settings(ns: argparse.Namespace, run_defaults: dict[str, Any]) -> Any:
    """The run's settings for these options, read-only: the crawl is `run`'s, its actions none.
    `run_defaults`: every option of `run` at its default, as the command line's parser gives them."""
    from ..run.settings import resolve_args
    from .run_command import plugin_args

    full = dict(run_defaults)
    full.update({k: v for k, v in vars(ns).items() if k in full})
    # `--conformance-only`, as `run` passes it: the mock when no target is set
    settings = resolve_args(["--conformance-only", *plugin_args(argparse.Namespace(**full))])
    return replace(settings, actions="none", dry_run=False, rules=(), skip_rules=(), json=None, snapshot=None)


def _source(settings: Any, url: str | None) -> dict[str, Any]:
    """What was recorded, so a resumed recording can tell whether it is asked to go on with the same."""
    if settings.target == "mock":
        return {"mock": {"size": settings.mock_size, "seed": settings.mock_seed, "surface": settings.mock_surface,
                         "faults": list(settings.mock_fault)}}
    return {"url": url}


class _Progress:
    """One live line on a terminal, a plain line every few seconds in a log: as `run` shows its crawl."""

    def __init__(self, stream: TextIO = sys.stdout):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = time.perf_counter()
        self.open = False
        """Whether a live line is on the terminal, to be ended before anything else is printed."""
        self.recorder: Any = None

    def _show(self, line: str, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last < (0.1 if self.tty else 5.0):
            return
        self.last = now
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
            self.open = not final
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.open:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.open = False

    def crawl(self, progress: Any) -> None:
        stored = self.recorder.writer.stored if self.recorder is not None else 0
        self._show(f"conformance: recording: {progress.fetched} fetched, {progress.queued - progress.fetched} queued, "
                   f"{progress.failed} failed, {stored} answers stored, {progress.rate:.0f}/s")

    def json(self, progress: Any) -> None:
        self._show(f"conformance: recording the {progress.form} forms: {progress.done} of {progress.total}, "
                   f"{progress.failed} failed", final=progress.done == progress.total)


def _error(message: str) -> int:
    print(f"conformance record: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _previous(out: Path, anonymize: bool) -> tuple[Any, str | None]:
    """(the recording to resume or None, why this folder cannot take the recording or None)."""
    from ..recording import INDEX, Recording, RecordingError, is_recording

    if out.exists() and not out.is_dir():
        return None, f"--out {out} is a file, not a folder"
    if not is_recording(out):
        if out.is_dir() and any(out.iterdir()):
            return None, (f"--out {out} is a folder that holds files but no recording ({INDEX}); choose a new or "
                          "empty one")
        return None, None
    try:
        previous = Recording.load(out)
    except RecordingError as exc:
        return None, str(exc)
    if previous.meta.get("anonymized"):
        return None, (f"{out} holds an anonymized recording: its bodies no longer name what the target names, so "
                      "it cannot be taken up again; record into another folder")
    if previous.complete and not anonymize:
        return None, (f"{out} holds a complete recording; record into another folder (or pass --anonymize to "
                      "anonymize it)")
    return previous, None


def record(ns: argparse.Namespace, run_defaults: dict[str, Any]) -> int:
    """Record, resume or anonymize the recording in `ns.out`; the exit code as documented."""
    from ..errors import ConformanceError
    from ..run.runner import close_run, load_inputs, prepare_run

    out = Path(ns.out)
    anonymize = bool(ns.anonymize)
    previous, refused = _previous(out, anonymize)
    if refused:
        return _error(refused)
    if previous is not None:
        anonymize = anonymize or previous.meta.get("anonymize") == "pending"
        if previous.complete:  # complete and raw: --anonymize alone was asked
            return _anonymize(out)
    try:
        settings = record_settings(ns, run_defaults)
        if previous is not None and settings.target == "mock":  # the same moment, so the same data
            from ..mock.data import moment_text, parse_moment

            recorded = previous.meta.get("mock_now")
            if settings.mock_now is not None and recorded and moment_text(settings.mock_now) != recorded:
                return _error(f"{out} holds an incomplete recording of the mock as of {recorded}: resume it with "
                              "that --now, or record into another folder")
            if recorded:
                settings = replace(settings, mock_now=parse_moment(recorded))
        inputs = load_inputs(settings)
    except (pytest.UsageError, ConformanceError, KeyError, ValueError) as exc:
        return _error(str(exc).removeprefix("conformance: "))
    if previous is not None:
        wanted = _source(settings, inputs.url)
        asked = inputs.choice.profile.name if inputs.choice is not None else None  # else the server picks it again
        if previous.meta.get("source") != wanted or asked not in (None, previous.meta.get("profile")):
            return _error(f"{out} holds an incomplete recording of {previous.meta.get('source')} with profile "
                          f"{previous.meta.get('profile')}; resume it with the same target and profile, or record "
                          "into another folder")
    try:
        run = prepare_run(settings, inputs)
    except ConformanceError as exc:
        return _error(str(exc))
    try:
        code = _record_run(run, out, previous, anonymize, _source(settings, inputs.url))
    finally:
        close_run(run)
    if anonymize and (out / "recording.json").is_file():  # whatever stopped the crawl: no original is left behind
        anonymized = _anonymize(out)
        code = code or anonymized
    return code


def _record_run(run: Any, out: Path, previous: Any, anonymize: bool, source: dict[str, Any]) -> int:
    from ..errors import TargetError
    from ..mock.data import moment_text
    from ..recording import LEFT_OUT, ORIGIN, RecordingWriter
    from ..recording.recorder import Recorder
    from ..report.plain import shown
    from ..run.runner import crawl_run

    settings, target = run.settings, run.target
    started = datetime.now(timezone.utc).isoformat()
    attempts = [*(previous.meta.get("attempts") or [] if previous is not None else []), started]
    meta = {
        "root": ORIGIN + urlsplit(target.url).path,
        "source": source,
        "recorded_from": "mock" if settings.target == "mock" else target.url,
        "profile": run.profile.name, "api_version": run.profile.api_version, "products": list(run.profile.products),
        "user": target.user, "crawled_as": settings.format,
        "mock_now": moment_text(run.mock_now) if run.mock_now is not None else None,
        "started": previous.meta.get("started", started) if previous is not None else started,
        "attempts": attempts,
        "complete": False, "incomplete": ["the recording is in progress"],
        "anonymized": False, "anonymize": "pending" if anonymize else None,
        "left_out": list(LEFT_OUT),
        "limits": {"max_resources": settings.max_resources, "per_template": settings.per_template,
                   "max_body": settings.max_body,
                   "timeout": settings.timeout, "deadline": settings.deadline, "concurrency": settings.concurrency},
    }
    writer = RecordingWriter(out, meta, previous)
    progress = _Progress()
    recorder = Recorder(writer, target, previous, on_json_progress=progress.json)
    progress.recorder = recorder
    run.recorder = recorder
    writer.flush(force=True)  # the folder is a recording, marked incomplete, before anything is sent
    code, reasons = 0, []
    try:
        crawl_run(run, progress.crawl)
    except TargetError as exc:
        progress.done()
        code = EXIT_TARGET
        reasons.append(str(exc))
        print(f"conformance record: error: {shown(str(exc))}", file=sys.stderr)
    except KeyboardInterrupt:
        code = EXIT_INCOMPLETE
        reasons.append("interrupted (Ctrl-C)")
    snap = run.snapshot.meta
    reasons = [*snap.get("incomplete", []), *reasons]
    if recorder.session_lost:
        reasons.append(recorder.session_lost)
    if snap.get("target_failure") or recorder.session_lost:
        code = EXIT_TARGET
    elif reasons and code == 0:
        code = EXIT_INCOMPLETE
    writer.finish(
        complete=not reasons, incomplete=[recorder.swap.stored(r) for r in reasons],
        finished=datetime.now(timezone.utc).isoformat(), resources=len(run.snapshot),
        skipped_budget=snap.get("skipped_budget", 0), skipped_origin=snap.get("skipped_origin", 0),
        logoff_status=snap.get("logoff_status"),
        # the profile the server's version picked once logged on (the one asked for, where one was)
        profile=run.profile.name, api_version=run.profile.api_version, products=list(run.profile.products),
    )
    progress.done()
    where = "mock" if settings.target == "mock" else target.url
    state = "complete" if not reasons else "incomplete: " + "; ".join(reasons)
    print(f"conformance: recorded {len(writer.exchanges)} answers ({writer.stored} asked now, {recorder.reused} "
          f"taken up from the earlier attempt) of {len(run.snapshot)} resources of {where} into {out} ({shown(state)})")
    if snap.get("skipped_budget"):
        print(f"conformance: {snap['skipped_budget']} link(s) over --max-resources {settings.max_resources} were not "
              "followed: the replay answers them 404, and a check reports the links to them")
    return code


def _anonymize(out: Path) -> int:
    from ..errors import ConformanceError
    from ..recording.anonymize import anonymize_recording

    try:
        report = anonymize_recording(out)
    except ConformanceError as exc:
        return _error(str(exc))
    print(f"conformance: anonymized {out}: {report}")
    return 0
