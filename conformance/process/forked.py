"""Work run in a copy of this process, beside what the process does meanwhile.

A run is CPU-bound in one interpreter (hypothesis drawing, bodies parsed and validated, the mock's
own work), so a second core only helps a second process. Where the target lives in this process
(the embedded mock), a fork copies it along with everything else: the child works against its own
copy of the target as it stood at the fork, the parent goes on against the original, and the
child's result comes back through a pipe. Each copy sees only its own requests, so each records the
same on every run, where two streams sharing one server would interleave their ids and tasks. A real
server cannot be copied; its run does one thing after the other in one process. The probes and the
parts of the action phase are run so.

Forking is only safe from a process with no other thread (one holding a lock at the fork would
hold it forever in the child), so `fork_part` answers None elsewhere and the caller does the work
itself.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["PARTS_PER_CORE", "ForkedPart", "PartFailed", "can_fork", "cores", "fork_part", "share"]

T = TypeVar("T")

PARTS_PER_CORE = 2
"""Parts that work is cut into per core: a core whose part ends early, or a part the machine's
other work slows, then leaves little behind (the reason a pool hands out small tasks)."""


class PartFailed(Exception):
    """The child ended without a result: what it said, or how it ended."""


class ForkedPart(Generic[T]):
    """A part running in a child process: what it returned (or raised), once its output is read.

    The output is read when `result` is asked for, or as it comes on an event loop (`drain`): a
    child whose result is larger than a pipe holds waits for its reader before it ends."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid, self._pipe = pid, pipe
        self._owner = os.getpid()
        self._chunks: list[bytes] = []
        self._read = False
        self._reaped = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def drain(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """Read the output on `loop` as the child writes it; the future is done once all is read."""
        done: asyncio.Future[None] = loop.create_future()
        os.set_blocking(self._pipe, False)
        self._loop = loop

        def readable() -> None:
            try:
                chunk = os.read(self._pipe, 1 << 20)
            except BlockingIOError:
                return
            if chunk:
                self._chunks.append(chunk)
                return
            self._stop_reading()
            if not done.done():
                done.set_result(None)

        loop.add_reader(self._pipe, readable)
        return done

    def result(self) -> T:
        """The part's return value (waiting for the rest of its output); PartFailed when it raised or
        its process died, or when asked in another process than the one that started it (a copy of
        that one, which shares its pipe but not its child)."""
        if os.getpid() != self._owner:
            raise PartFailed("the part belongs to another process")
        if not self._read:
            os.set_blocking(self._pipe, True)
            while chunk := os.read(self._pipe, 1 << 20):
                self._chunks.append(chunk)
            self._stop_reading()
        self._reap()
        try:
            ok, value = pickle.loads(b"".join(self._chunks))
        except Exception:  # noqa: BLE001 - nothing, or half of it: the child died on the way
            raise PartFailed("the process exploring it ended without a result") from None
        if not ok:
            raise PartFailed(value)
        return value  # type: ignore[no-any-return]

    def kill(self) -> None:
        """End the child now (what it was part of was interrupted); call it where `drain` was."""
        self._stop_reading()
        if not self._reaped:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _stop_reading(self) -> None:
        if not self._read:
            self._read = True
            if self._loop is not None:
                self._loop.remove_reader(self._pipe)
            os.close(self._pipe)

    def _reap(self) -> None:
        if not self._reaped:
            self._reaped = True
            os.waitpid(self.pid, 0)


def share(items: Sequence[T], part: int, parts: int, weight: Callable[[T], float]) -> list[T]:
    """The `part`-th of `parts` consecutive shares of `items`, about equal in weight: the shares,
    each done by a process of its own and put back in order, read as the whole done in one."""
    weights = [weight(item) for item in items]
    total = sum(weights) or 1
    out, done = [], 0.0
    for item, each in zip(items, weights):
        if part * total <= (done + each / 2) * parts < (part + 1) * total:
            out.append(item)
        done += each
    return out


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """On Linux, from a process with no other thread."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def fork_part(part: Callable[[], T]) -> ForkedPart[T] | None:
    """Run `part` in a copy of this process; None where that cannot be done safely.

    The child runs it in a thread of its own (the fork may happen inside a running event loop,
    which the child must not touch) and ends with `os._exit`, running none of this process's
    cleanup: its copies of files and sockets are only closed."""
    if not can_fork():
        return None
    from .heap import settle

    # What exists now is the copy's to read: kept out of its collections, which would otherwise
    # walk (and so copy) every page it shares with this process, and out of this one's.
    settle()
    readable, writable = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(readable)
        os.close(writable)
        return None
    if pid == 0:
        code = 1
        try:
            os.close(readable)
            outcome: list[tuple[bool, object]] = []
            worker = threading.Thread(target=_run, args=(part, outcome), name="forked-part")
            worker.start()
            worker.join()
            data = pickle.dumps(outcome[0] if outcome else (False, "the part ended without a result"))
            with os.fdopen(writable, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(writable)
    return ForkedPart(pid, readable)


def _run(part: Callable[[], object], outcome: list[tuple[bool, object]]) -> None:
    try:
        outcome.append((True, part()))
    except BaseException as exc:  # noqa: BLE001 - said to the parent, which reports it
        outcome.append((False, f"{type(exc).__name__}: {str(exc)[:300]}"))
