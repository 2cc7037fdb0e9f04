"""The crawl's frontier: which URL is fetched next, and which are left out and why.

A server of 100,000 resources holds a few hundred URL templates; most of its URLs are members of
a few large collections. A walk in the order links are met spends any budget on the first large
collection and never reaches the types behind it, so the frontier covers before it repeats:

- at most `per_template` URLs of one template (`urls.url_template`) are taken, in the order they
  are offered (a collection's members in document order); the rest are left out by sampling;
- URLs wait by rank, the number of their template's URLs taken before them, and the lowest rank is
  fetched first: every template's first member before any template's second;
- within `max_resources` a URL of a lower rank displaces a waiting one of the highest rank, so a
  budget that runs out is spent round robin over the templates waiting together, never on one of them.

The crawl walks in waves (`crawler._Walk.release`): the links a wave met are offered once it is
over, in the order of the resources that hold them, so the same server gives the same sample and
the same budget cut in every crawl, however its answers raced.

What was left out is kept as counts per template and per link Type, never as the URLs themselves
(a large server leaves out far more than it serves), for the reports' coverage and the profile rule.
"""

from __future__ import annotations

import heapq
import sys
from collections import deque
from dataclasses import dataclass
from typing import Any

from ..model.links import Link
from ..model.urls import url_template

__all__ = ["BUDGET", "SAMPLING", "Frontier", "Tally"]

SAMPLING = "per_template"
BUDGET = "max_resources"
"""Why a URL was left out: its template had its members (`--per-template`), or the run had its
resources (`--max-resources`). Named after the options that set them."""


@dataclass(slots=True)
class Tally:
    """One URL template: how many distinct URLs of it the crawl met, took and fetched."""

    listed: int = 0
    taken: int = 0
    """Waiting, in flight or fetched: what counts against `per_template`."""
    fetched: int = 0


class Frontier:
    """The URLs still to fetch, in rank order, within the run's two budgets (0: no limit)."""

    def __init__(self, per_template: int = 0, max_resources: int = 0):
        self.per_template, self.max_resources = per_template, max_resources
        self.tallies: dict[str, Tally] = {}
        self.seen: set[str] = set()
        """Every URL taken (waiting, in flight or fetched): each is fetched once."""
        self.taken = 0
        """URLs taken to fetch: waiting, in flight or fetched."""
        self.marked = 0
        self._waiting: dict[int, deque[tuple[str, Link | None]]] = {}
        self._low: list[int] = []  # ranks with URLs waiting, as a min-heap and a max-heap (negated),
        self._high: list[int] = []  # both pruned lazily of ranks that emptied
        self._left: dict[int, str] = {}  # hash of a URL left out -> why; hashes, not URLs, to stay small
        self.left_types: dict[str, dict[str, int]] = {SAMPLING: {}, BUDGET: {}}
        """Why -> link Type -> links offered with that Type to a URL left out for that reason."""

    def mark(self, url: str) -> None:
        """A resource of the run that is never fetched with GET (the logon's answer, to a POST):
        it counts against `max_resources` and is never taken again."""
        if url not in self.seen:
            self.seen.add(url)
            self.marked += 1

    def take(self, url: str, via: Link | None = None) -> None:
        """Take a URL whatever the budgets (an entry point of the walk)."""
        if url not in self.seen:
            tally = self._tally(url)
            self._add(url, via, tally)

    def offer(self, url: str, via: Link | None = None) -> bool:
        """Offer a URL the crawl met: whether it was taken (else it is left out). Over the budget, a
        URL taken pushes the last waiting URL of the highest rank out, which is then left out."""
        if url in self.seen:
            return False
        tally = self._tally(url)
        if self.per_template and tally.taken >= self.per_template:
            self._leave(url, via, SAMPLING)
            return False
        if self.max_resources and self.taken + self.marked >= self.max_resources:
            worst = self._highest()
            if worst is None or worst <= tally.taken:
                self._leave(url, via, BUDGET)
                return False
            displaced = self._waiting[worst].pop()
            self._drop(worst)
            self.seen.discard(displaced[0])
            self.taken -= 1
            self.tallies[url_template(displaced[0])].taken -= 1
            self._leave(*displaced, BUDGET, counted=True)
        self._add(url, via, tally)
        return True

    def pop(self) -> tuple[str, Link | None] | None:
        """The waiting URL of the lowest rank, first offered first; None when none waits."""
        while self._low and not self._waiting.get(self._low[0]):
            heapq.heappop(self._low)
        if not self._low:
            return None
        rank = self._low[0]
        url, via = self._waiting[rank].popleft()
        self._drop(rank)
        return url, via

    def fetched(self, url: str) -> None:
        self._tally(url).fetched += 1

    def left_out(self) -> dict[str, int]:
        """How many distinct URLs were left out, by why."""
        counts = {SAMPLING: 0, BUDGET: 0}
        for why in self._left.values():
            counts[why] += 1
        return counts

    def sampled(self) -> list[dict[str, Any]]:
        """The templates some of whose URLs were left out, the most listed first: what was judged of what."""
        rows = [{"template": template, "fetched": t.fetched, "listed": t.listed}
                for template, t in self.tallies.items() if t.listed > t.taken]
        return sorted(rows, key=lambda row: (-row["listed"], row["template"]))

    def _tally(self, url: str) -> Tally:
        template = url_template(url)
        tally = self.tallies.get(template)
        if tally is None:
            tally = self.tallies[template] = Tally()
        return tally

    def _add(self, url: str, via: Link | None, tally: Tally) -> None:
        if self._left.pop(hash(url), None) is None:
            tally.listed += 1  # met for the first time (a URL left out before was counted then)
        rank = tally.taken
        queue = self._waiting.get(rank)
        if not queue:
            queue = self._waiting[rank] = deque()
            heapq.heappush(self._low, rank)
            heapq.heappush(self._high, -rank)
        queue.append((url, via))
        tally.taken += 1
        self.taken += 1
        self.seen.add(url)

    def _leave(self, url: str, via: Link | None, why: str, counted: bool = False) -> None:
        key = hash(url)
        if not counted and key not in self._left:
            self._tally(url).listed += 1
        self._left[key] = why
        if via is not None and via.type:
            types = self.left_types[why]
            name = sys.intern(via.type)
            types[name] = types.get(name, 0) + 1

    def _drop(self, rank: int) -> None:
        if not self._waiting[rank]:
            del self._waiting[rank]

    def _highest(self) -> int | None:
        while self._high and not self._waiting.get(-self._high[0]):
            heapq.heappop(self._high)
        return -self._high[0] if self._high else None
