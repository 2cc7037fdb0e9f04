"""The README's figures and examples are what the commands print: the mock's sizes, the size of a
conformant server's page, and the diff of the v1_6 and v1_7 mocks, each read from the README and
checked against a run, so a change to the tool that makes the text wrong fails here."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.mock.versions import SIZE_RESOURCES

from end_to_end import crawl_mock
from nested_runs import told

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
_SIZES = re.compile(r"size 1 serves about (\d+) resources and size 40 about (\d+) \((\d+) and (\d+) with `?--surface key")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _environment() -> dict[str, str]:
    """The user's environment: none of the settings the project's own tests choose for their runs.
    The action phase is left out: what these figures count is the crawl."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    return {**env, "CONFORMANCE_ACTIONS": "none"}


def _code_blocks(text: str) -> list[list[str]]:
    """The README's fenced code blocks, each as its lines."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def _command(line: str, cwd: Path) -> subprocess.CompletedProcess:
    """One README command (`conformance ...`), run as `python -m conformance ...` of this checkout."""
    words = shlex.split(line)
    assert words[0] == "conformance", line
    return subprocess.run([sys.executable, "-m", "conformance", *words[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=_environment())


def test_the_readme_and_the_help_give_the_same_mock_sizes():
    readme = _SIZES.search(_flat(README))
    assert readme is not None, "the README's --size row no longer gives the mock's sizes"
    assert readme.groups() == _SIZES.search(SIZE_RESOURCES).groups()
    shown = subprocess.run([sys.executable, "-m", "conformance", "run", "--help"], capture_output=True, text=True,
                           env=_environment()).stdout
    assert SIZE_RESOURCES in _flat(shown)


@pytest.mark.parametrize("surface, size, group", [("documented", 1, 1), ("documented", 40, 2), ("key", 1, 3),
                                                  ("key", 40, 4)])
def test_the_mock_sizes_the_readme_gives_are_what_a_crawl_counts(surface, size, group):
    said = int(_SIZES.search(SIZE_RESOURCES).group(group))
    counted = len(crawl_mock(size=size, surface=surface, actions="none"))
    assert abs(counted - said) <= said * 0.05, f"--surface {surface} --size {size}: {counted} resources, said {said}"


def test_a_conformant_servers_page_stays_under_the_readmes_bound_whatever_the_size(tmp_path):
    bound = re.search(r"page does not grow with its number of resources.*?stays under (\d+) kB", _flat(README))
    assert bound is not None, "the README no longer bounds the page of a conformant server"
    sizes = {}
    for size in ("1", "40"):
        result = _command(f"conformance run --size {size} --html page-{size}.html --json r-{size}.json", tmp_path)
        assert result.returncode == 0, told(result.stdout, result.stderr)
        sizes[size] = (tmp_path / f"page-{size}.html").stat().st_size
    assert max(sizes.values()) < int(bound.group(1)) * 1000, sizes
    assert abs(sizes["1"] - sizes["40"]) < 0.02 * sizes["40"], sizes  # the resources do not make the page


def test_the_readmes_diff_example_is_what_its_commands_print(tmp_path):
    lines = next(block for block in _code_blocks(README) if any(l.startswith("$ conformance diff") for l in block))
    commands = [command for line in lines if line.startswith("$ ") for command in line[2:].split(" && ")]
    for command in commands[:-1]:
        result = _command(command, tmp_path)
        assert result.returncode == 0, told(result.stdout, result.stderr)
    printed = _command(commands[-1], tmp_path)
    # `  ...` in the README stands for the lines it leaves out (the files' paths and times).
    expected = "".join(r"(?:.*\n)*?" if line.strip() == "..." else re.escape(line) + r"\n"
                       for line in lines if not line.startswith("$ "))
    assert re.fullmatch(expected, printed.stdout), printed.stdout
