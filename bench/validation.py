"""Benchmark of schema validation per resource: XML against its JSON form, measured in one run.

    python bench/validation.py [--size 40] [--repeat 5]

Crawls the embedded mock (in-process) for its URLs, asks each for its XML and its JSON form, then
times, over every body, what the crawl does with it: XML parsed and validated (lxml), JSON parsed,
read onto the schema's types and validated (`SchemaSet.check_json`). Prints microseconds per
resource for each and the ratio JSON / XML, so a change shows up as a ratio that does not depend on
how fast the machine is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from conformance.contract.profiles import load_profile
from conformance.contract.schema import load_schemas
from conformance.crawl.client import Target, build_client
from conformance.crawl.crawler import Limits, crawl
from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER, create_app, generate_dataset
from conformance.model.parsing import parse_xml

ROOT = "http://mock.test/api/"


async def _bodies(app, surface_urls: list[str] | None = None) -> list[tuple[bytes, bytes]]:
    """(XML body, JSON body) of every resource the crawl reaches that answers both with 200."""
    target = Target(ROOT, DEFAULT_USER, DEFAULT_PASSWORD)
    async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
        snapshot = await crawl(client, target, limits=Limits(max_resources=100_000))
    urls = sorted(res.url for res in snapshot if res.status == 200 and res.method == "GET")
    pairs = []
    async with build_client(target, transport=httpx.ASGITransport(app=app)) as client:
        answer = await client.post(target.logon_url, auth=(DEFAULT_USER, DEFAULT_PASSWORD))
        client.headers["X-RestSvcSessionId"] = answer.headers["X-RestSvcSessionId"]
        for url in urls:
            xml = await client.get(url, headers={"Accept": "application/xml"})
            js = await client.get(url, headers={"Accept": "application/json"})
            if xml.status_code == js.status_code == 200:
                pairs.append((xml.content, js.content))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=40, help="mock size (default: 40)")
    parser.add_argument("--surface", choices=("documented", "key"), default="documented")
    parser.add_argument("--repeat", type=int, default=5, help="passes over every body; the fastest counts")
    args = parser.parse_args()
    schemas = load_schemas(load_profile("v1_7").schemas)
    app = create_app(generate_dataset(args.size), password=DEFAULT_PASSWORD, surface=args.surface)
    pairs = asyncio.run(_bodies(app))
    schemas.check_json({})  # compile xmlschema's reading of the schemas once, outside the timing

    def xml_pass() -> int:
        return sum(len(schemas.check(parse_xml(xml)).errors) for xml, _ in pairs)

    def json_pass() -> int:
        return sum(len(schemas.check_json(json.loads(js)).errors) for _, js in pairs)

    timings = {}
    for name, one in (("xml", xml_pass), ("json", json_pass)):
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            started = time.perf_counter()
            errors = one()
            best = min(best, time.perf_counter() - started)
        timings[name] = best
        print(f"{name:4}: {best / len(pairs) * 1e6:8.0f} us per resource ({len(pairs)} resources, {errors} errors)")
    print(f"JSON / XML validation time per resource: {timings['json'] / timings['xml']:.2f}")


if __name__ == "__main__":
    main()
