"""The embedded mock under concurrent writes: its memory over time and the latency of every request.

Each client holds a session of its own with two connections, worked by two loops at once. Each loop
picks at random, over and over: clone a job (a `JobCloneSpec`, so clones pass the mock's cap),
add a VM to a job through the job's `Create` link to its includes (`CreateObjectInJobSpec`),
remove an include the client added (the `Delete` link of the `ObjectInJob`), start and stop a job,
or log off and on again. Half the jobs picked are among the first listed (the estate's own, so VMs
added pile up there and every clone copies them), the others among every job, clones included, so
VMs are added to clones and clones are made of clones. The mock's memory must level off and every request
must stay fast, whatever the mix and however long it runs.

    python bench/mock_load.py --clients 64 --seconds 60

Prints the mock's RSS before, at its peak and after; the requests by outcome and per second; the
latency percentiles of every request (p50, p90, p99, the slowest); the CPU the mock and the clients
took (they share the machine's cores, so a latency is the mock's time and the clients' queue); and
the latency of each kind of request. Runs of any length (`--seconds 600`) print the same.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from conformance.mock import DEFAULT_PASSWORD, DEFAULT_USER

_NS = "http://www.veeam.com/ent/v1.0"
_CLONE_PARTS = {  # what each kind of job's clone spec asks besides the name
    "Backup": ("BackupJobCloneInfo", "<FolderName>clones</FolderName><RepositoryUid>{repository}</RepositoryUid>"),
    "Replica": ("ReplicaJobCloneInfo", "<VmSuffix>_clone</VmSuffix>"),
    "BackupCopy": ("BackupCopyJobCloneInfo",
                   "<JobFileName>clone</JobFileName><RepositoryUid>{repository}</RepositoryUid>"),
}
_INCLUDE = (f'<CreateObjectInJobSpec xmlns="{_NS}"><HierarchyObjRef>urn:VMware:Vm:{{host}}.vm-{{n}}</HierarchyObjRef>'
            '<HierarchyObjName>{name}</HierarchyObjName></CreateObjectInJobSpec>')
_XML = {"Content-Type": "application/xml"}
_JOB_REF = re.compile(r'<Ref Type="JobReference" Href="([^"]*)"')
"""The Href of each job of the list (a `Ref`'s own, not its links'), found without trying every Href."""


def _include_named(listed: str, name: str) -> str | None:
    """The Href of the `ObjectInJob` of a job's list whose `Name` is this one (its Href is on the element,
    its name in a child)."""
    at = listed.find(f"<Name>{name}</Name>")
    start = listed.rfind("<ObjectInJob ", 0, at) if at >= 0 else -1
    found = re.compile(r'<ObjectInJob [^>]*Href="([^"]*)"').match(listed, start) if start >= 0 else None
    return found.group(1) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has taken so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kind(method: str, url: str) -> str:
    """What a request asks for, by method and the shape of its URL (ids left out)."""
    path, _, query = url.partition("?")
    shape = "/".join(part if not re.fullmatch(r"[0-9a-f-]{36}", part) else "{id}"
                     for part in path.split("/api/")[-1].strip("/").split("/"))
    return f"{method} {shape}" + (f"?{query.split('&')[0].split('=')[0]}={query.split('=')[-1]}" if query else "")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Load:
    """What every client shares: the clock, the counts and every request's latency."""

    def __init__(self, base: str, seconds: float) -> None:
        self.base, self.until = base, time.monotonic() + seconds
        self.counts: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.by_kind: defaultdict[str, list[float]] = defaultdict(list)

    async def send(self, client: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        answer = await client.request(method, url, **kwargs)
        took = time.perf_counter() - started
        self.latencies.append(took)
        self.by_kind[_kind(method, url)].append(took)
        self.counts["5xx" if answer.status_code >= 500 else f"{answer.status_code // 100}xx"] += 1
        return answer


class Client:
    """One user: a session of its own, two connections, the includes it added."""

    def __init__(self, n: int, load: Load) -> None:
        self.n, self.load, self.rng = n, load, random.Random(n)
        self.http = httpx.AsyncClient(base_url=load.base, timeout=60, limits=httpx.Limits(max_connections=2))
        self.added: list[str] = []
        self.made = 0

    async def logon(self) -> None:
        answer = await self.load.send(self.http, "POST", "sessionMngr/?v=latest", auth=(DEFAULT_USER, DEFAULT_PASSWORD))
        self.token = self.http.headers["X-RestSvcSessionId"] = answer.headers["X-RestSvcSessionId"]
        self.session = answer.headers.get("Location", "")

    async def a_job(self) -> str:
        """Half the time the client's own among the first four jobs listed (the estate's own, where
        added VMs pile up and every clone copies them all), else any job, clones included."""
        jobs = _JOB_REF.findall((await self.load.send(self.http, "GET", "jobs")).text)
        if not jobs:
            raise IndexError("no job listed")
        return jobs[self.n % min(4, len(jobs))] if self.rng.random() < 0.5 else self.rng.choice(jobs)

    async def clone(self) -> None:
        job = await self.a_job()
        entity = (await self.load.send(self.http, "GET", job + "?format=Entity")).text
        kind = re.search(r"<JobType>(\w+)</JobType>", entity)
        repository = re.search(r'UID="([^"]*Repository:[^"]*)"',
                               (await self.load.send(self.http, "GET", "repositories")).text)
        if kind is None or kind.group(1) not in _CLONE_PARTS or repository is None:
            return
        self.made += 1
        info, parts = _CLONE_PARTS[kind.group(1)]
        body = (f'<JobCloneSpec xmlns="{_NS}"><{info}><JobName>clone {self.n} {self.made}</JobName>'
                f'{parts.format(repository=repository.group(1))}</{info}></JobCloneSpec>')
        await self.load.send(self.http, "POST", job + "?action=clone", headers=_XML, content=body)

    async def include(self) -> None:
        job = await self.a_job()
        entity = (await self.load.send(self.http, "GET", job + "?format=Entity")).text
        create = re.search(r'<Link[^>]*Rel="Create"[^>]*Href="([^"]*/includes)"|'
                           r'<Link[^>]*Href="([^"]*/includes)"[^>]*Rel="Create"', entity)
        if create is None:
            return
        self.made += 1
        name = f"load-{self.n}-vm-{self.made}"
        answer = await self.load.send(self.http, "POST", create.group(1) or create.group(2), headers=_XML,
                                      content=_INCLUDE.format(host=f"load{self.n}", n=self.made, name=name))
        listed = (await self.load.send(self.http, "GET", (create.group(1) or create.group(2)))).text
        mine = _include_named(listed, name)
        if answer.status_code == 202 and mine:
            self.added.append(mine)

    async def remove(self) -> None:
        if self.added:
            await self.load.send(self.http, "DELETE", self.added.pop(self.rng.randrange(len(self.added))))

    async def start_stop(self) -> None:
        job = await self.a_job()
        await self.load.send(self.http, "POST", job + "?action=start")
        await self.load.send(self.http, "POST", job + "?action=stop")

    async def relogon(self) -> None:
        """A new session first, then the old one ended: the other loop's next request has the new one."""
        old, token = self.session, self.token
        await self.logon()
        if old:
            await self.load.send(self.http, "DELETE", old, headers={"X-RestSvcSessionId": token})

    async def loop(self) -> None:
        steps = (self.clone, self.include, self.include, self.remove, self.start_stop, self.relogon)
        while time.monotonic() < self.load.until:
            try:
                await self.rng.choice(steps)()
            except (httpx.HTTPError, KeyError, IndexError):
                self.load.counts["client errors"] += 1

    async def run(self) -> None:
        async with self.http:
            await self.logon()
            await asyncio.gather(self.loop(), self.loop())


async def _sample(pid: int, load: Load, peak: list[float]) -> None:
    while time.monotonic() < load.until:
        peak[0] = max(peak[0], _rss_mb(pid))
        await asyncio.sleep(0.5)


async def _load(pid: int, base: str, clients: int, seconds: float) -> tuple[Load, float]:
    load, peak = Load(base, seconds), [0.0]
    await asyncio.gather(_sample(pid, load, peak), *(Client(n, load).run() for n in range(clients)))
    return load, peak[0]


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64, help="clients, each with a session and two connections")
    parser.add_argument("--seconds", type=float, default=60, help="how long the clients work")
    parser.add_argument("--size", type=int, default=40, help="the mock's size")
    args = parser.parse_args()
    port = _free_port()
    mock = subprocess.Popen([sys.executable, "-m", "conformance", "mock", "--port", str(port), "--size", str(args.size)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/"
    try:
        for _ in range(200):
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        before, mock_cpu, own_cpu = _rss_mb(mock.pid), _cpu_seconds(mock.pid), time.process_time()
        started = time.monotonic()
        load, peak = asyncio.run(_load(mock.pid, base, args.clients, args.seconds))
        after = _rss_mb(mock.pid)
        took = time.monotonic() - started
        mock_cpu, own_cpu = _cpu_seconds(mock.pid) - mock_cpu, time.process_time() - own_cpu
        lat = load.latencies
        print(f"mock RSS: {before:.0f} MB before, {max(peak, after):.0f} MB at its peak, {after:.0f} MB after "
              f"{took:.0f} s of {args.clients} clients (peak / before = {max(peak, after) / before:.2f})")
        print(f"requests: {len(lat)} ({len(lat) / took:.0f}/s), {dict(sorted(load.counts.items()))}")
        print(f"latency: p50 {_percentile(lat, 50) * 1e3:.0f} ms, p90 {_percentile(lat, 90) * 1e3:.0f} ms, "
              f"p99 {_percentile(lat, 99) * 1e3:.0f} ms, slowest {max(lat) * 1e3:.0f} ms")
        print(f"CPU: the mock {mock_cpu:.0f} s ({mock_cpu / took:.0%} of a core), "
              f"the clients {own_cpu:.0f} s ({own_cpu / took:.0%} of a core)")
        print("by request: count, p50 / p99 / slowest in ms")
        for kind, times in sorted(load.by_kind.items(), key=lambda pair: -len(pair[1])):
            print(f"  {kind:42} {len(times):7} {_percentile(times, 50) * 1e3:6.0f} {_percentile(times, 99) * 1e3:6.0f} "
                  f"{max(times) * 1e3:6.0f}")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
