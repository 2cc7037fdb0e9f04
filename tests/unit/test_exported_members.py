"""The public names are a promise: this list changes only on purpose."""

import subprocess
import sys

import conformance


def test_public_names_are_exactly_these():
    assert conformance.__all__ == ["Finding", "Link", "Resource", "RuleContext", "Severity", "Snapshot", "rule"]
    for name in conformance.__all__:
        assert getattr(conformance, name).__name__ == name


def test_loading_the_plugin_imports_no_http_or_xml_library():
    code = ("import sys, conformance.plugin; "
            "print(sorted(m for m in ('httpx', 'lxml', 'xmlschema', 'uvicorn', 'starlette') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
