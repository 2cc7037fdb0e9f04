"""Print a pip constraints file pinning every declared dependency to its lower bound.

    python3 .ci/lowest.py > lowest.txt && pip install -c lowest.txt -e '.[test]'

Read from pyproject.toml, so the oldest versions CI tests are always the ones the project claims.
"""

import re
import sys
import tomllib
from pathlib import Path


def lower_bounds(pyproject: Path, extras: tuple[str, ...] = ("test",)) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    pins = []
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement)
        if match is None:
            sys.exit(f"no lower bound to pin in {requirement!r}: declare one as `name>=version`")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


if __name__ == "__main__":
    print("\n".join(lower_bounds(Path(__file__).resolve().parents[1] / "pyproject.toml")))
