"""Benchmark of recording, replaying and anonymizing, reported as ratios measured in one run.

    python bench/record.py [--size 40] [--surface documented]

Crawls the mock in-process, then records it (the same crawl with every answer stored, and the JSON
form of every resource asked for after the walk), then crawls the replay of the recording, then
anonymizes it. Prints the time of each against the plain crawl's, and the recording's size on disk
per resource, so a change shows up as a ratio that does not depend on how fast the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from conformance.contract.profiles import load_profile
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import Limits, crawl
from conformance.crawl.probes import PROBES
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, create_replay_app, generate_dataset
from conformance.recording import ORIGIN, RecordingWriter
from conformance.recording.anonymize import anonymize_recording
from conformance.recording.recorder import Recorder

ROOT = "http://bench.test/api/"
PROBES_READ_ONLY = [p for p in PROBES if p != "method"]


def _crawl(app, schemas, action_rels, recorder: Recorder | None = None) -> tuple[int, float]:
    target = Target(ROOT, DEFAULT_USER, DEFAULT_PASSWORD, concurrency=8)
    transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=app)

    async def go():
        inner = recorder.transport(transport) if recorder is not None else transport
        async with build_client(target, transport=inner) as client:
            if recorder is not None:
                recorder.attach(client)
            return await crawl(client, target, schemas=schemas, limits=Limits(max_resources=100_000, concurrency=8),
                               probes=PROBES_READ_ONLY, operation_rels=action_rels,
                               after_walk=recorder.after_walk if recorder is not None else None)

    started = time.perf_counter()
    snapshot = asyncio.run(go())
    return len(snapshot), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--surface", default="documented", choices=("documented", "key"))
    args = parser.parse_args()
    profile = load_profile("v1_7")
    from conformance.contract.schema import load_schemas

    schemas = load_schemas(profile.schemas)
    app = create_app(generate_dataset(args.size), password=DEFAULT_PASSWORD, surface=args.surface)
    folder = Path(tempfile.mkdtemp(prefix="bench-record-")) / "rec"
    try:
        n, crawled = _crawl(app, schemas, profile.action_rels)
        print(f"crawl of the mock     {n:6d} resources in {crawled:6.2f} s")
        writer = RecordingWriter(folder, {"root": ORIGIN + "/api/", "api_version": "v1_7", "user": DEFAULT_USER})
        recorder = Recorder(writer, Target(ROOT, DEFAULT_USER, DEFAULT_PASSWORD))
        n, recorded = _crawl(app, schemas, profile.action_rels, recorder)
        writer.finish(complete=True, incomplete=[])
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"recording             {n:6d} resources in {recorded:6.2f} s, {len(writer.exchanges)} answers, "
              f"{size / 1e6:.1f} MB on disk = {size / n / 1e3:.1f} kB/resource")
        replay = create_replay_app(folder, password=DEFAULT_PASSWORD)
        n, replayed = _crawl(replay, schemas, profile.action_rels)
        print(f"crawl of the replay   {n:6d} resources in {replayed:6.2f} s")
        started = time.perf_counter()
        anonymize_recording(folder)
        anonymized = time.perf_counter() - started
        print(f"anonymizing           {len(writer.exchanges):6d} answers in {anonymized:6.2f} s")
        print(f"recording / crawl = {recorded / crawled:.2f}; replay crawl / mock crawl = {replayed / crawled:.2f}; "
              f"anonymizing / crawl = {anonymized / crawled:.2f}")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
