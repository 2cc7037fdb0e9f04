"""The README and `--help` agree option by option: every option a command or the plugin takes is
documented, and the README documents none that does not exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from conformance.cli import build_parser
from conformance.run.settings import OPTIONS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
_OPTION = re.compile(r"(?<![\w-])(?:--[a-z][a-z-]*[a-z]|-[a-z])(?![\w-])")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """Each option by the name the README uses: its short form where it has one (`-o`), else its long one."""
    return {min(action.option_strings, key=len) for action in parser._actions
            if action.option_strings and "--help" not in action.option_strings}


def _synopsis(command: str) -> str:
    """The README's synopsis lines of a command: in code blocks, `conformance COMMAND` and the
    indented lines that continue it."""
    lines: list[str] = []
    for block in re.findall(r"```[^\n]*\n(.*?)```", README, re.S):
        taking = False
        for line in block.splitlines():
            if line.startswith(f"conformance {command}"):
                taking = True
            elif not line.startswith(" "):
                taking = False
            if taking:
                lines.append(line)
    return "\n".join(lines)


def _table_after(heading: str) -> list[list[str]]:
    """The rows (cells) of the first Markdown table under a heading."""
    section = README.split(heading, 1)[1]
    rows = re.search(r"((?:^\|.*\|\n)+)", section, re.M)
    assert rows, f"no table under {heading!r}"
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows.group(1).splitlines()[2:]]


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_the_readme_synopsis_of_each_command_lists_exactly_its_options(command):
    synopsis = _synopsis(command)
    assert synopsis, f"the README has no synopsis of `conformance {command}`"
    assert set(_OPTION.findall(synopsis)) == _options(_subcommands()[command])


def test_the_version_option_is_documented():
    assert _options(build_parser()) == {"--version"}
    assert "conformance --version" in README


def test_every_option_of_run_has_a_row_in_its_table():
    documented = {flag for row in _table_after("## `conformance run`") for flag in _OPTION.findall(row[0])}
    assert documented == _options(_subcommands()["run"])


def test_every_plugin_option_has_a_row_naming_its_environment_variable_and_ini_key():
    rows = {row[0].strip("`"): row for row in _table_after("## The pytest plugin")}
    assert set(rows) == {opt.option for opt in OPTIONS}
    for opt in OPTIONS:
        _, env, ini = rows[opt.option]
        if opt.command_line_only:
            assert "CONFORMANCE_" not in env and "conformance_" not in ini
        else:
            assert (env, ini) == (f"`{opt.env}`", f"`{opt.ini}`")
