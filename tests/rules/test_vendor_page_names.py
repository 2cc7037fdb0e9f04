"""The vendor pages the rules rest on are named by title and public address, from the project's own
table, which the tool writes again from the pages' front matter alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.rules import RULES
from conformance.rules.pages import page, page_title_and_url

from vendor_pages import pages_folder

PROJECT = Path(__file__).resolve().parents[2]


def test_every_rules_page_has_a_title_and_a_public_address():
    for rule in RULES.values():
        title, url = page_title_and_url(rule.source)
        assert title != rule.source and url and url.startswith("https://"), rule.id


def test_a_page_the_table_does_not_know_is_named_as_it_is():
    assert page("no_such_page.md") == "no_such_page.md"


def test_the_table_is_what_the_tool_writes_from_the_pages(tmp_path):
    folder = pages_folder()
    if folder is None:
        pytest.skip("the vendor's pages are not on this machine")
    written = tmp_path / "pages.toml"
    subprocess.run([sys.executable, str(PROJECT / "tools" / "vendor_page_index.py"), str(folder), "-o", str(written)],
                   check=True, capture_output=True)
    assert written.read_text() == (PROJECT / "conformance" / "rules" / "pages.toml").read_text()
