"""Work in a copy of the process: its result comes back, its failure is said, it can be ended, and it
is only ever forked from a process with no other thread.

A test process of pytest-xdist has threads of its own, so each case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="work is forked on Linux only")


def _run(body: str) -> str:
    code = "from conformance.process.forked import PartFailed, can_fork, fork_part\n" + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_copy_works_on_what_the_process_held_at_the_fork_and_its_result_comes_back():
    assert _run("""
        state = {"items": [1, 2]}
        def part():
            state["items"].append(3)  # the copy's own state
            return sum(state["items"]), "done"
        child = fork_part(part)
        state["items"].append(10)  # the parent's, after the fork
        print(child.result(), state["items"])
    """) == "(6, 'done') [1, 2, 10]"


def test_a_part_that_raises_or_a_copy_that_dies_is_a_part_failed_saying_so():
    assert _run("""
        import os
        def raises():
            raise ValueError("no such thing")
        def dies():
            os._exit(3)
        for part in (raises, dies):
            try:
                fork_part(part).result()
            except PartFailed as exc:
                print(exc)
    """).splitlines() == ["ValueError: no such thing", "the process exploring it ended without a result"]


def test_a_copy_killed_ends_at_once():
    assert _run("""
        import time
        started = time.monotonic()
        child = fork_part(lambda: time.sleep(60))
        child.kill()
        child.kill()  # a second time changes nothing
        print(time.monotonic() - started < 10)
    """) == "True"


def test_nothing_is_forked_from_a_process_with_another_thread():
    assert _run("""
        import threading
        print(can_fork(), fork_part(lambda: 1).result())
        stop = threading.Event()
        threading.Thread(target=stop.wait).start()
        print(can_fork(), fork_part(lambda: 1))
        stop.set()
    """).splitlines() == ["True 1", "False None"]


def test_a_part_is_only_taken_by_the_process_that_started_it_never_by_a_copy_of_that_process():
    """A copy made later shares the part's pipe but not its child: reading it there would steal the
    output from the process waiting for it."""
    assert _run("""
        first = fork_part(lambda: "the first part's result")
        def later():
            try:
                return first.result()
            except PartFailed as exc:
                return str(exc)
        print(fork_part(later).result())
        print(first.result())
    """).splitlines() == ["the part belongs to another process", "the first part's result"]
