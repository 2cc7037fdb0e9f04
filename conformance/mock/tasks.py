"""The task list: the dataset's past tasks plus those the action requests of this app started."""

from __future__ import annotations

from collections.abc import Mapping

from .model import Task

__all__ = ["TaskBoard"]


class TaskBoard:
    """Tasks by id, in creation order; new ids continue the `task-N` numbering after the dataset's."""

    def __init__(self, past: Mapping[str, Task]) -> None:
        self._tasks: dict[str, Task] = dict(past)
        self._next = len(past) + 1

    def all(self) -> list[Task]:
        return list(self._tasks.values())

    def get(self, id_: str) -> Task | None:
        return self._tasks.get(id_.lower())

    def start(self, operation: str, target_kind: str | None, target_id: str | None) -> Task:
        """Record an operation the mock accepted; it completes at once, so the task is `Finished`."""
        task = Task(f"task-{self._next}", operation, "Finished", True, f"{operation} completed",
                    target_kind, target_id)
        self._next += 1
        self._tasks[task.id] = task
        return task

    def remove(self, id_: str) -> bool:
        return self._tasks.pop(id_.lower(), None) is not None
