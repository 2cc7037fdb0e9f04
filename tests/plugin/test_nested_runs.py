"""A failing test that started a run of its own shows that run's tail and what it saved, not all of it."""

from __future__ import annotations

import os
from pathlib import Path

from nested_runs import told

pytest_plugins = ["pytester"]


def test_a_failure_shows_the_tail_of_a_nested_runs_output_not_all_of_it(pytester, monkeypatch):
    here = str(Path(__file__).parents[1])  # where nested_runs.py lives
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
    pytester.makeconftest("from nested_runs import pytest_runtest_makereport  # noqa: F401\n")
    pytester.makepyfile(test_inner="""
        def test_prints_a_whole_run_then_fails():
            for number in range(5000):
                print(f"line {number} of the nested run")
            assert False
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    out = result.stdout.str()
    assert result.ret == 1 and "line 4999 of the nested run" in out
    assert "line 100 of the nested run" not in out and "4960 earlier line(s) left out" in out


def test_an_assertion_on_a_command_names_the_tail_of_its_output_and_the_files_it_saved(tmp_path):
    saved = tmp_path / "results.json"
    saved.write_text("{}")
    message = told("\n".join(f"line {n}" for n in range(1000)), "the error", saved=(saved, tmp_path / "none.html"))
    assert message.splitlines()[0] == "[... 960 earlier line(s) left out ...]"
    assert "line 999" in message and "line 959" not in message and "the error" in message
    assert f"saved: {saved}" in message and "none.html" not in message
