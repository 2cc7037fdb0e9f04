"""The benchmarks run as their docstrings say, from any folder, and nothing beside the package hides
an installed module: a script's folder comes first on `sys.path`, so `bench/xdist.py` once stood in
for pytest-xdist in every benchmark that started a run."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each script with its smallest arguments: the key surface where it takes one, one record of each kind.
SMALLEST = {
    "crawl.py": ["--size", "4"],
    "distributed.py": ["--size", "1", "--", "--surface", "key"],
    "items.py": ["--size", "1", "--surface", "key"],
    "mock_load.py": ["--clients", "1", "--seconds", "1"],
    "phases.py": ["--small", "1", "--large", "1", "--surface", "key"],
    "record.py": ["--size", "1", "--surface", "key"],
    "rules.py": ["--small", "1", "--large", "1", "--repeat", "1"],
    "scale.py": ["--small-size", "1", "--large-size", "1", "--latency-size", "1", "--surface", "key"],
    "validation.py": ["--size", "1", "--surface", "key", "--repeat", "1"],
}


def _scripts(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


def test_every_bench_script_has_its_smallest_arguments_here():
    assert sorted(path.name for path in _scripts("bench")) == sorted(SMALLEST)


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_a_bench_script_runs_from_another_folder_and_prints_its_figures(script: str, tmp_path: Path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), *SMALLEST[script]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, f"{script} exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert any(char.isdigit() for char in out.stdout), out.stdout


@functools.cache
def _importable_elsewhere() -> dict[str, str]:
    """Each script's name -> what a Python started outside the project imports by that name (the
    tests' own folders, on this session's path, hide nothing from a user)."""
    names = [path.stem for path in _scripts("bench") + _scripts("tools")]
    code = ("import importlib.util, json, sys; "
            "print(json.dumps({n: str(s.origin or list(s.submodule_search_locations)) "
            "for n in sys.argv[1:] if (s := importlib.util.find_spec(n))}))")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT.anchor, capture_output=True, text=True,
                         check=True, env=env)
    return json.loads(out.stdout)


@pytest.mark.parametrize("script", _scripts("bench") + _scripts("tools"), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_script_beside_the_package_has_the_name_of_a_module_it_could_hide(script: Path):
    name = script.stem
    assert name not in sys.stdlib_module_names
    assert name not in importlib.metadata.packages_distributions(), f"{script.name} hides an installed package"
    hidden = _importable_elsewhere().get(name)
    assert hidden is None, f"{script.name} hides {hidden}"
