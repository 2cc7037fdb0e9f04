"""The task list: the dataset's past tasks plus those the action requests of this app started.

A task started here is `Running` when the action answers and moves on one step per GET of it
(`observe`), so a client polling it sees it finish after a few polls, the same on every run;
the list and the query service show tasks as they are, without moving them on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .model import Task

__all__ = ["FINAL", "STEPS", "TaskBoard"]

STEPS = 2
"""Polls of a new task until it is Finished: the first still answers Running."""
FINAL = "Finished"
KEEP_FINISHED = 1000
"""Finished tasks started here that are kept; older ones age out, as the product's do, so a mock
under load keeps bounded memory."""
KEEP_RUNNING = 1000
"""Tasks started here and still running (nobody polled them to the end) that are kept: beyond them
the oldest goes, so clients that never poll cannot grow the mock without end either."""


class TaskBoard:
    """Tasks by id, in creation order; new ids continue the `task-N` numbering after the dataset's."""

    def __init__(self, past: Mapping[str, Task]) -> None:
        self._tasks: dict[str, Task] = dict(past)
        self._next = len(past) + 1
        self._pending: dict[str, int] = {}
        """Polls each running task started here still needs, oldest first."""
        self._finished: dict[str, None] = {}
        """Finished tasks started here, the longest finished first (an ordered set): aging out takes
        the first, whatever the number of tasks, so starting one costs the same under any load."""
        self.past = frozenset(self._tasks)
        """Ids of the dataset's own tasks (not started through this app)."""

    def all(self) -> list[Task]:
        return list(self._tasks.values())

    def get(self, id_: str) -> Task | None:
        return self._tasks.get(id_.lower())

    def start(self, operation: str, target_kind: str | None, target_id: str | None, steps: int = STEPS) -> Task:
        """Record an operation the mock accepted, as a Running task that finishes after `steps` polls."""
        task = Task(f"task-{self._next}", operation, "Running" if steps else FINAL, True,
                    f"{operation} completed", target_kind, target_id)
        self._next += 1
        self._tasks[task.id] = task
        if steps:
            self._pending[task.id] = steps
        else:
            self._finished[task.id] = None
        self._age_out()
        return task

    def _age_out(self) -> None:
        for waiting, keep in ((self._finished, KEEP_FINISHED), (self._pending, KEEP_RUNNING)):
            while len(waiting) > keep:
                oldest = next(iter(waiting))
                del waiting[oldest]
                self._tasks.pop(oldest, None)

    def observe(self, id_: str) -> Task | None:
        """The task as a poll sees it: one step further, `Finished` once its steps are done."""
        key = id_.lower()
        if key in self._pending:
            self._pending[key] -= 1
            if self._pending[key] <= 0:
                del self._pending[key]
                self._tasks[key] = replace(self._tasks[key], state=FINAL)
                self._finished[key] = None
                self._age_out()
        return self._tasks.get(key)

    def remove(self, id_: str) -> bool:
        self._pending.pop(id_.lower(), None)
        self._finished.pop(id_.lower(), None)
        return self._tasks.pop(id_.lower(), None) is not None
